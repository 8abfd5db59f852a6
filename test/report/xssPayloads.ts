/**
 * Each payload, if it ever reached the page as markup, either runs script that marks <html> with
 * data-pwned, or leaves an element carrying data-xss in the DOM. Captured traffic is
 * attacker-controlled: hosts, paths, bodies, canary values can all hold these.
 */
export const XSS_PAYLOADS = [
  `<img src=x data-xss onerror="document.documentElement.setAttribute('data-pwned','img')">`,
  `<script data-xss>document.documentElement.setAttribute('data-pwned','script')</script>`,
  `"><svg data-xss onload="document.documentElement.setAttribute('data-pwned','svg-attr')">`,
  `'><body data-xss onload="document.documentElement.setAttribute('data-pwned','body-attr')">`,
  `</pre></code></mark></td></tr></table><iframe data-xss srcdoc="<script>parent.document.documentElement.setAttribute('data-pwned','iframe')</script>"></iframe>`,
  `<style data-xss>body{display:none}</style>`,
  `<!-- `,
  `</title></style></textarea><script data-xss>document.documentElement.setAttribute('data-pwned','close-tags')</script>`,
  `javascript:document.documentElement.setAttribute('data-pwned','js-url')`,
  `<a data-xss href="javascript:document.documentElement.setAttribute('data-pwned','href')">x</a>`,
  `<meta data-xss http-equiv="refresh" content="0;url=javascript:document.documentElement.setAttribute('data-pwned','meta')">`,
  `\u202emoc.live\u202c <b data-xss>bidi</b>`,
  `&lt;script data-xss&gt;already-escaped&lt;/script&gt;`,
];

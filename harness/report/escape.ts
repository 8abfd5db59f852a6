/**
 * Escaping for everything a report shows. Captured traffic is attacker-controlled: a host name, a
 * header or a body can hold markup, so every captured string goes through these before it lands
 * in HTML or XML.
 */

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** For HTML text and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML[c]!);
}

/**
 * Makes invisible or deceptive characters visible before escaping: C0/C1 controls become their
 * Unicode control pictures or \xNN, and bidi overrides (which could make `evil.com` read as
 * `moc.live`) become ⟦U+202E⟧, so a reader sees the bytes the phone sent.
 */
export function visible(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return '\u2421';
    return `⟦U+${code.toString(16).toUpperCase().padStart(4, '0')}⟧`;
  });
}

/** Text a capture produced: made visible, then escaped. */
export function captured(text: string): string {
  return escapeHtml(visible(text));
}

/**
 * XML 1.0 text and attribute values: escaped, and characters XML cannot carry at all (most
 * controls, lone surrogates, U+FFFE/U+FFFF) replaced by U+FFFD so CI parsers never choke.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/[&<>"']/g, (c) => HTML[c]!);
}

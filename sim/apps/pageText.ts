/**
 * What a browser shows of a page: its <title> and the start of its visible text. One linear scan
 * over the markup (indexOf from tag to tag, no backtracking regexes), so a hostile page costs time
 * proportional to its size.
 */

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{1,10}\d?);/gi, (m, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return entities[name.toLowerCase()] ?? m;
  });
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
const hidden = new Set(['script', 'style', 'noscript', 'template']);
const breaking = new Set(['br', 'p', 'div', 'li', 'tr', 'td', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'section', 'article', 'header', 'footer', 'ul', 'ol', 'table']);
const MAX_TITLE = 1000;

export interface PageText {
  title: string | null;
  /** Visible text, whitespace collapsed, at most `max` characters. */
  text: string;
}

export function readPage(html: string, max = 200): PageText {
  let title: string | null = null;
  let titleBuf: string | null = null; // while inside the first <title>
  let text = '';
  const textBudget = max * 8; // raw characters kept before collapsing whitespace
  let skip: string | null = null; // inside <script> etc., until its end tag
  let inHead = false;
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    const chunk = lt < 0 ? html.slice(i) : html.slice(i, lt);
    if (chunk && !skip) {
      if (titleBuf !== null) titleBuf = (titleBuf + chunk).slice(0, MAX_TITLE * 4);
      else if (!inHead && text.length < textBudget) text += chunk.slice(0, textBudget - text.length);
    }
    if (lt < 0) break;
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) break;
    const m = /^(\/?)([a-zA-Z][a-zA-Z0-9-]*)/.exec(html.slice(lt + 1, Math.min(gt, lt + 40)));
    i = gt + 1;
    if (!m) continue;
    const closing = m[1] === '/';
    const name = m[2]!.toLowerCase();
    if (skip) {
      if (closing && name === skip) skip = null;
      continue;
    }
    if (!closing && hidden.has(name)) skip = name;
    else if (name === 'head') inHead = !closing;
    else if (name === 'body' && !closing) inHead = false;
    else if (name === 'title') {
      if (!closing && title === null && titleBuf === null) titleBuf = '';
      else if (!closing && titleBuf === null) skip = 'title'; // later titles are not rendered either
      else if (closing && titleBuf !== null) {
        title = squash(decodeEntities(titleBuf)).slice(0, MAX_TITLE);
        titleBuf = null;
      }
    } else if (breaking.has(name) && text.length < textBudget) text += ' ';
  }
  return { title, text: squash(decodeEntities(text)).slice(0, max) };
}

export function pageTitle(html: string): string | null {
  return readPage(html).title;
}

/** Visible text of an HTML document (no head, scripts, styles, comments or tags), at most `max` chars. */
export function visibleText(html: string, max = 200): string {
  return readPage(html, max).text;
}

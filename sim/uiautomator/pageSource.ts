import type { SnapshotNode } from './uiSnapshot.js';

// Characters XML 1.0 cannot carry; the real dumper drops them too.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function xmlEscape(value: string): string {
  return value
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

/** The page source in UiAutomator's dump format (`GET /session/:id/source`). */
export function pageSource(root: SnapshotNode): string {
  const lines = ["<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"];
  const write = (n: SnapshotNode, depth: number) => {
    const indent = '  '.repeat(depth);
    const attrs = [...n.attrs].map(([k, v]) => ` ${k}="${xmlEscape(v)}"`).join('');
    if (n.children.length === 0) {
      lines.push(`${indent}<${n.tag}${attrs} />`);
      return;
    }
    lines.push(`${indent}<${n.tag}${attrs}>`);
    for (const c of n.children) write(c, depth + 1);
    lines.push(`${indent}</${n.tag}>`);
  };
  write(root, 0);
  return lines.join('\n') + '\n';
}

import type { UiNode } from '../../ui.js';
import { normalizePath } from '../fileSystem.js';
import type { Handler } from './context.js';

/**
 * `uiautomator dump [--compressed] [FILE]` (the platform's uiautomator tool): AOSP
 * frameworks/testing uiautomator cmds/uiautomator DumpCommand.java and
 * AccessibilityNodeInfoDumper.java (android-10.0.0_r1): one-line XML,
 * `<hierarchy rotation="R">` with `<node>` elements whose attributes come in the dumper's order,
 * written to FILE (default /sdcard/window_dump.xml), then "UI hierchary dumped to: FILE" (AOSP's
 * own spelling). `/dev/tty` as FILE prints the XML first. --compressed (dropping layout-only
 * nodes) is accepted and dumps the same tree here (unverified which nodes MIUI's views drop).
 */
function escape(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function dumpNode(node: UiNode, index: number): string {
  const [l, t, r, b] = node.bounds;
  const attrs: Array<[string, string]> = [
    ['index', String(index)],
    ['text', node.text ?? ''],
    ['resource-id', node.resourceId ?? ''],
    ['class', node.className],
    ['package', node.package],
    ['content-desc', node.contentDesc ?? ''],
    ['checkable', String(node.checkable ?? false)],
    ['checked', String(node.checked ?? false)],
    ['clickable', String(node.clickable ?? false)],
    ['enabled', String(node.enabled ?? true)],
    ['focusable', String(node.focusable ?? false)],
    ['focused', String(node.focused ?? false)],
    ['scrollable', String(node.scrollable ?? false)],
    ['long-clickable', 'false'],
    ['password', String(node.password ?? false)],
    ['selected', String(node.selected ?? false)],
    ['bounds', `[${l},${t}][${r},${b}]`],
  ];
  const open = `<node ${attrs.map(([k, v]) => `${k}="${escape(v)}"`).join(' ')}`;
  const children = node.children.filter((c) => c.displayed !== false);
  if (children.length === 0) return `${open} />`;
  return `${open}>${children.map((c, i) => dumpNode(c, i)).join('')}</node>`;
}

export const uiautomator: Handler = async (ctx) => {
  const [verb, ...rest] = ctx.args;
  if (verb !== 'dump') {
    await ctx.err(`Usage: uiautomator <subcommand> [options]\n\nAvailable subcommands:\n\nhelp: displays help message\n\nruntest: executes UI automation tests\n\ndump: creates an XML dump of current UI hierarchy\n\nevents: prints out accessibility events until terminated\n`);
    return verb === 'help' || verb === undefined ? 0 : 1;
  }
  const file = rest.filter((a) => !a.startsWith('--')).pop() ?? '/sdcard/window_dump.xml';
  const { rotation } = ctx.device.apps.ui.display();
  const root = ctx.device.apps.ui.hierarchy();
  const xml = `<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation="${rotation}">${dumpNode(root, 0)}</hierarchy>`;
  if (file === '/dev/tty') {
    await ctx.out(`${xml}UI hierchary dumped to: ${file}\n`);
    return 0;
  }
  const path = normalizePath(file, ctx.env.cwd);
  try {
    ctx.device.writeFile(path, Buffer.from(xml), ctx.cred);
  } catch (error) {
    await ctx.err(`ERROR: could not write ${file}: ${(error as Error).message}\n`);
    return 1;
  }
  await ctx.out(`UI hierchary dumped to: ${file}\n`);
  return 0;
};

export const uiautomatorCommands: Record<string, Handler> = { uiautomator };

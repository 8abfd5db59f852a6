import type { UiNode } from '../ui.js';
import { Canvas, fitText, lineHeight, textWidth, wrapText, type Rgb } from './canvas.js';
import { GLYPH_HEIGHT } from './bitmapFont.js';

export interface Display {
  width: number;
  height: number;
  density: number;
}

const LIGHT = {
  background: [255, 255, 255],
  statusBar: [32, 33, 36],
  statusText: [232, 234, 237],
  toolbar: [241, 243, 244],
  field: [255, 255, 255],
  fieldBorder: [189, 193, 198],
  focusBorder: [26, 115, 232],
  text: [32, 33, 36],
  hint: [128, 134, 139],
  title: [24, 24, 24],
  accent: [26, 115, 232],
  onAccent: [255, 255, 255],
  sheet: [248, 249, 250],
  divider: [218, 220, 224],
  page: [255, 255, 255],
  pageText: [60, 64, 67],
} satisfies Record<string, Rgb>;

// Incognito browsers switch to a dark toolbar: the first thing a person notices on the screen.
const INCOGNITO = { ...LIGHT, toolbar: [53, 54, 58], field: [32, 33, 36], fieldBorder: [95, 99, 104], text: [232, 234, 237], hint: [154, 160, 166], sheet: [41, 42, 45], divider: [95, 99, 104] } satisfies Record<string, Rgb>;
const BADGE: Rgb = [94, 53, 177];
const WALLPAPER: Rgb = [38, 70, 83];
const SCRIM = 0.45;
const FOLDER_PANEL: Rgb = [70, 102, 116];
const SHADE: Rgb = [241, 243, 244];

type Theme = typeof LIGHT;

/** What the element is: its resource-id name, else (a build without that id) the sim's own key for it. */
function idName(node: UiNode): string {
  const id = node.resourceId ?? '';
  const at = id.indexOf(':id/');
  if (at >= 0) return id.slice(at + 4);
  return id || (node.key.split('/').pop() ?? '');
}

function walk(node: UiNode, visit: (n: UiNode) => void): void {
  visit(node);
  for (const c of node.children) if (c.displayed !== false) walk(c, visit);
}

/**
 * Draws the window hierarchy the way the apps lay it out: status bar, toolbar with address bar
 * (dark when incognito, with the badge), page title and text, menu sheet, settings rows, dialogs
 * over a scrim, and the launcher's icons. Pure function of the tree: the same tree gives the
 * same pixels.
 */
export function paintScreen(root: UiNode, display: Display): Canvas {
  const canvas = new Canvas(display.width, display.height);
  const dp = (v: number) => Math.round((v * display.density) / 160);
  const scale = Math.max(1, Math.round(display.density / 160));
  let incognito = false;
  let dialog = false;
  walk(root, (n) => {
    if (idName(n) === 'incognito_indicator') incognito = true;
    if (n.resourceId === 'android:id/parentPanel') dialog = true;
  });
  const theme: Theme = incognito ? INCOGNITO : LIGHT;
  const launcher = root.package === 'com.miui.home';
  canvas.fillRect(0, 0, display.width, display.height, launcher ? WALLPAPER : theme.background);

  const painter = new NodePainter(canvas, theme, scale, dp);
  if (dialog) {
    // A dialog's window sits over the app: the app is not in this tree, so a scrim stands in for it.
    canvas.dim(SCRIM);
    walk(root, (n) => {
      if (n !== root) painter.paint(n);
    });
  } else walk(root, (n) => painter.paint(n));

  // The status bar is the system's, drawn last over every app.
  const bar = dp(24);
  canvas.fillRect(0, 0, display.width, bar, theme.statusBar);
  const iconH = Math.round(bar / 2);
  canvas.strokeRect(display.width - dp(40), Math.round((bar - iconH) / 2), dp(22), iconH, Math.max(1, scale - 1), theme.statusText);
  canvas.fillRect(display.width - dp(36), Math.round((bar - iconH) / 2) + scale, dp(14), iconH - 2 * scale, theme.statusText);
  return canvas;
}

class NodePainter {
  constructor(
    private readonly canvas: Canvas,
    private readonly theme: Theme,
    private readonly scale: number,
    private readonly dp: (v: number) => number,
  ) {}

  paint(node: UiNode): void {
    const [l, t, r, b] = node.bounds;
    const w = r - l;
    const h = b - t;
    if (w <= 0 || h <= 0) return;
    const id = idName(node);
    const cls = node.className;
    const { canvas, theme, scale, dp } = this;
    if (node.resourceId === 'android:id/parentPanel') {
      canvas.fillRect(l, t, w, h, theme.background);
      canvas.strokeRect(l, t, w, h, Math.max(1, scale - 1), theme.divider);
      return;
    }
    if (id === 'toolbar') return canvas.fillRect(l, t, w, h, theme.toolbar);
    // An open launcher folder and SystemUI's shade are panels over what is beneath (sim/apps/systemUi.ts).
    if (node.package === 'com.miui.home' && id === 'folder') return canvas.fillRect(l, t, w, h, FOLDER_PANEL);
    if (id === 'notification_panel') return canvas.fillRect(l, t, w, h, SHADE);
    if (id === 'menu_sheet') {
      canvas.fillRect(l, t, w, h, theme.sheet);
      canvas.fillRect(l, t, w, Math.max(1, scale - 1), theme.divider);
      return;
    }
    if (id === 'incognito_indicator') return this.incognitoBadge(l, t, w, h);
    if (cls === 'android.webkit.WebView') return canvas.fillRect(l, t, w, h, theme.page);
    if (/EditText/.test(cls)) return this.editText(node, l, t, w, h);
    if (/Switch/.test(cls)) return this.toggle(node.checked === true, l, t, w, h);
    if (/ImageButton/.test(cls)) return this.iconButton(node.contentDesc ?? '', l, t, w, h);
    if (/\.Button$/.test(cls)) {
      canvas.fillRect(l, t, w, h, theme.accent);
      return this.centredText(node.text ?? '', l, t, w, h, scale, theme.onAccent);
    }
    if (node.package === 'com.miui.home' && id === 'icon_title') return this.launcherIcon(node.text ?? '', l, t, w, h);
    if (cls === 'android.view.View' && node.text) {
      // Page text: wrapped, as much as fits.
      const pad = dp(16);
      const lines = wrapText(node.text, w - 2 * pad, scale, Math.max(1, Math.floor((h - 2 * pad) / lineHeight(scale))));
      lines.forEach((line, i) => canvas.text(line, l + pad, t + pad + i * lineHeight(scale), scale, theme.pageText));
      return;
    }
    if (node.text) {
      const big = id === 'title' || id === 'settings_title' || node.resourceId === 'android:id/alertTitle';
      const s = big ? scale + 1 : scale;
      if (node.resourceId === 'android:id/message') {
        const lines = wrapText(node.text, w, s, Math.max(1, Math.floor(h / lineHeight(s))));
        lines.forEach((line, i) => canvas.text(line, l, t + i * lineHeight(s), s, theme.text));
        return;
      }
      if (/^menu_/.test(id)) canvas.fillRect(l, t + h - 1, w, 1, theme.divider);
      const text = fitText(node.text, w - (/^menu_/.test(id) ? dp(32) : 0), s);
      const y = t + Math.max(0, Math.round((h - GLYPH_HEIGHT * s) / 2));
      canvas.text(text, l + (/^menu_/.test(id) ? dp(16) : 0), y, s, big ? theme.title : theme.text);
    }
  }

  private editText(node: UiNode, l: number, t: number, w: number, h: number): void {
    const { canvas, theme, scale, dp } = this;
    canvas.fillRect(l, t, w, h, theme.field);
    canvas.strokeRect(l, t, w, h, Math.max(1, scale - 1), node.focused ? theme.focusBorder : theme.fieldBorder);
    const pad = dp(10);
    const hinting = !node.text && node.hint;
    const shown = fitText(hinting ? node.hint! : (node.text ?? ''), w - 2 * pad, scale);
    const y = t + Math.round((h - GLYPH_HEIGHT * scale) / 2);
    const width = canvas.text(shown, l + pad, y, scale, hinting ? theme.hint : theme.text);
    if (node.focused) canvas.fillRect(l + pad + (hinting ? 0 : width), y - scale, Math.max(2, scale), (GLYPH_HEIGHT + 2) * scale, theme.focusBorder);
  }

  private toggle(on: boolean, l: number, t: number, w: number, h: number): void {
    const { canvas, theme } = this;
    const trackH = Math.round(h / 2);
    const trackY = t + Math.round((h - trackH) / 2);
    canvas.fillRect(l, trackY, w, trackH, on ? [138, 180, 248] : [189, 193, 198]);
    const knob = Math.round(h * 0.7);
    const kx = on ? l + w - knob : l;
    canvas.fillRect(kx, t + Math.round((h - knob) / 2), knob, knob, on ? theme.accent : [250, 250, 250]);
    canvas.strokeRect(kx, t + Math.round((h - knob) / 2), knob, knob, 1, theme.fieldBorder);
  }

  private iconButton(desc: string, l: number, t: number, w: number, h: number): void {
    const { canvas, theme, scale } = this;
    const cx = l + Math.round(w / 2);
    const cy = t + Math.round(h / 2);
    if (desc === 'Menu') {
      // The overflow icon: three dots.
      const r = Math.max(2, scale + 1);
      for (const dy of [-3, 0, 3]) canvas.fillCircle(cx, cy + dy * r, r, theme.text);
      return;
    }
    if (desc === 'Go') {
      canvas.fillCircle(cx, cy, Math.round(Math.min(w, h) * 0.38), theme.accent);
      return this.centredText('GO', l, t, w, h, Math.max(1, scale - 1), theme.onAccent);
    }
    this.centredText(fitText(desc, w, Math.max(1, scale - 1)), l, t, w, h, Math.max(1, scale - 1), theme.text);
  }

  private incognitoBadge(l: number, t: number, w: number, h: number): void {
    const { canvas } = this;
    const cx = l + Math.round(w / 2);
    const cy = t + Math.round(h / 2);
    const r = Math.round(Math.min(w, h) / 2);
    canvas.fillCircle(cx, cy, r, BADGE);
    // Hat and glasses, the usual incognito pictogram.
    const white: Rgb = [255, 255, 255];
    canvas.fillRect(cx - Math.round(r * 0.45), cy - Math.round(r * 0.6), Math.round(r * 0.9), Math.round(r * 0.35), white);
    canvas.fillRect(cx - Math.round(r * 0.75), cy - Math.round(r * 0.25), Math.round(r * 1.5), Math.max(2, Math.round(r * 0.12)), white);
    const lens = Math.max(2, Math.round(r * 0.22));
    canvas.fillCircle(cx - Math.round(r * 0.35), cy + Math.round(r * 0.3), lens, white);
    canvas.fillCircle(cx + Math.round(r * 0.35), cy + Math.round(r * 0.3), lens, white);
  }

  private launcherIcon(label: string, l: number, t: number, w: number, h: number): void {
    const { canvas, scale, dp } = this;
    const size = dp(52);
    const x = l + Math.round((w - size) / 2);
    let hash = 0;
    for (const ch of label) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
    const color: Rgb = [60 + (hash % 160), 60 + ((hash >> 8) % 160), 60 + ((hash >> 16) % 160)];
    canvas.fillRect(x, t, size, size, color);
    const s = Math.max(1, scale - 1);
    const text = fitText(label, w, s);
    canvas.text(text, l + Math.max(0, Math.round((w - textWidth(text, s)) / 2)), t + size + dp(6), s, [255, 255, 255]);
    void h;
  }

  private centredText(text: string, l: number, t: number, w: number, h: number, s: number, color: Rgb): void {
    const shown = fitText(text, w, s);
    this.canvas.text(shown, l + Math.max(0, Math.round((w - textWidth(shown, s)) / 2)), t + Math.max(0, Math.round((h - GLYPH_HEIGHT * s) / 2)), s, color);
  }
}

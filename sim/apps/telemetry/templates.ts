/**
 * `${name}` templates in telemetry fields. A string that is exactly one placeholder whose value is
 * a number stays a number (`"time": "${now}"` sends 1588278627688, as SDKs do); anything else is
 * interpolated as text. Names are checked when a profile loads (see checkTemplates), so at run time
 * every name resolves.
 */

export type TemplateValue = string | number | boolean;
export type TemplateVars = ReadonlyMap<string, TemplateValue>;

const placeholder = /\$\{([A-Za-z0-9_.$-]+)\}/g;
const whole = /^\$\{([A-Za-z0-9_.$-]+)\}$/;

/** Renders every string in a JSON value (objects and arrays recursively); other values pass through. */
export function renderTemplates(value: unknown, vars: TemplateVars): unknown {
  if (typeof value === 'string') return renderString(value, vars);
  if (Array.isArray(value)) return value.map((v) => renderTemplates(v, vars));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderTemplates(v, vars);
    return out;
  }
  return value;
}

export function renderString(template: string, vars: TemplateVars): TemplateValue {
  const single = whole.exec(template);
  if (single) {
    const v = vars.get(single[1]!);
    if (typeof v === 'number' || typeof v === 'boolean') return v;
  }
  return template.replace(placeholder, (_, name: string) => {
    const v = vars.get(name);
    return v === undefined ? '' : String(v);
  });
}

/** Every placeholder name used in a JSON value, with the JSON path where it occurs. */
export function placeholdersIn(value: unknown, path = ''): Array<{ name: string; path: string }> {
  if (typeof value === 'string') return [...value.matchAll(placeholder)].map((m) => ({ name: m[1]!, path }));
  if (Array.isArray(value)) return value.flatMap((v, i) => placeholdersIn(v, `${path}/${i}`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => placeholdersIn(v, `${path}/${k}`));
  return [];
}

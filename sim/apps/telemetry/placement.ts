import crypto from 'node:crypto';
import type { Placement, TelemetryRule } from '../../profile.js';
import { formEscape, javaStringHash, type Payload } from './encodeChain.js';
import { renderString, type TemplateValue, type TemplateVars } from './templates.js';

/** A telemetry request ready for the network stack. */
export interface TelemetryRequest {
  url: string;
  method: string;
  headers: Array<[string, string]>;
  body?: Buffer;
}

/** Placeholders available in `placement.extra` values besides the event's own: facts about the encoded payload. */
export const payloadPlaceholders = ['payload.javaHash', 'payload.length', 'payload.md5'] as const;

export class PlacementError extends Error {}

export function defaultMethod(placement: Placement): 'GET' | 'POST' {
  // query and query-string: GET
  return placement.in === 'body' || placement.in === 'form-field' ? 'POST' : 'GET';
}

/**
 * Puts an encoded payload where the rule says: the raw body, one form field (after any `extra`
 * fields, as the Sensors SDK orders `crc=…&gzip=1&data_list=…`), a query parameter, a header or a
 * cookie. The transport's own escaping (percent-encoding for form and query) is always applied;
 * a `urlencode` step in the chain adds a layer on top.
 */
export function placePayload(rule: TelemetryRule, payload: Payload, vars: TemplateVars, userAgent: string): TelemetryRequest {
  const placement = rule.placement;
  const method = rule.method ?? defaultMethod(placement);
  const headers: Array<[string, string]> = [];
  let url = renderString(rule.url, vars).toString();
  let body: Buffer | undefined;
  const text = payload.kind === 'text' ? payload.text : payload.kind === 'bytes' ? null : JSON.stringify(payload.value);

  switch (placement.in) {
    case 'body': {
      body = payload.kind === 'bytes' ? payload.bytes : Buffer.from(text ?? '', 'utf8');
      const contentType = placement.contentType
        ?? (payload.kind === 'bytes' ? 'application/octet-stream'
          : payload.kind === 'text' && payload.format === 'form' ? 'application/x-www-form-urlencoded'
            : payload.kind === 'text' && payload.format === 'json' ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8');
      headers.push(['Content-Type', contentType]);
      break;
    }
    case 'form-field': {
      const value = requireText(text, placement);
      const payloadVars = withPayloadFacts(vars, value);
      const parts = Object.entries(placement.extra ?? {}).map(([k, v]) => `${formEscape(k)}=${formEscape(String(renderString(v, payloadVars)))}`);
      parts.push(`${formEscape(placement.name)}=${formEscape(value)}`);
      body = Buffer.from(parts.join('&'), 'utf8');
      headers.push(['Content-Type', 'application/x-www-form-urlencoded']);
      break;
    }
    case 'query': {
      const value = requireText(text, placement);
      const hashAt = url.indexOf('#');
      const base = hashAt >= 0 ? url.slice(0, hashAt) : url;
      url = `${base}${base.includes('?') ? '&' : '?'}${encodeURIComponent(placement.name)}=${encodeURIComponent(value)}`;
      break;
    }
    case 'query-string': {
      if (payload.kind !== 'text' || payload.format !== 'form') throw new PlacementError("placement 'query-string' needs form-encoded fields: end the encode chain with 'form'");
      const hashAt = url.indexOf('#');
      const base = hashAt >= 0 ? url.slice(0, hashAt) : url;
      url = `${base}${base.includes('?') ? '&' : '?'}${payload.text}`;
      break;
    }
    case 'header': {
      headers.push([placement.name, headerSafe(requireText(text, placement), placement)]);
      break;
    }
    case 'cookie': {
      const value = headerSafe(requireText(text, placement), placement);
      if (/[;,\s"\\]/.test(value)) throw new PlacementError(`cookie ${placement.name}: the encoded value has characters a cookie cannot carry (end the encode chain with base64url or hex)`);
      headers.push(['Cookie', `${placement.name}=${value}`]);
      break;
    }
  }
  for (const [name, template] of Object.entries(rule.headers ?? {})) {
    headers.push([name, headerSafe(String(renderString(template, vars)), { in: 'header', name })]);
  }
  if (!headers.some(([k]) => k.toLowerCase() === 'user-agent')) headers.push(['User-Agent', userAgent]);
  headers.push(['Connection', 'Keep-Alive'], ['Accept-Encoding', 'gzip']);
  return { url, method, headers, body };
}

function requireText(text: string | null, placement: Placement): string {
  if (text === null) throw new PlacementError(`placement ${placement.in} needs text, got bytes`);
  return text;
}

function headerSafe(value: string, placement: Placement): string {
  if (!/^[\t\x20-\x7e]*$/.test(value)) {
    const name = 'name' in placement ? placement.name : placement.in;
    throw new PlacementError(`${placement.in} ${name}: the encoded value is not a valid header value (non-ASCII or control characters; end the encode chain with base64 or hex)`);
  }
  return value;
}

function withPayloadFacts(vars: TemplateVars, text: string): TemplateVars {
  const facts: Array<[string, TemplateValue]> = [
    ['payload.javaHash', javaStringHash(text)],
    ['payload.length', text.length],
    ['payload.md5', crypto.createHash('md5').update(text).digest('hex')],
  ];
  return new Map<string, TemplateValue>([...vars, ...facts]);
}

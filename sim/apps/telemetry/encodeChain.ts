import crypto from 'node:crypto';
import zlib from 'node:zlib';
import type { EncodeStep, Placement } from '../../profile.js';

/**
 * The encode chain of a telemetry rule: an ordered list of steps from the rendered fields (an
 * object, or an array of objects for a batch) to the bytes or text that the placement puts on the
 * wire. Each step's input kind is checked when a profile loads (checkEncodeChain), so a chain like
 * ['gzip'] on the bare fields object is a profile error, not a run-time surprise.
 */

export type Payload =
  | { kind: 'object'; value: unknown }
  | { kind: 'text'; text: string; format?: 'json' | 'form' }
  | { kind: 'bytes'; bytes: Buffer };

type Kind = Payload['kind'];

function needs(step: EncodeStep): Kind[] {
  if (typeof step === 'object') return ['object'];
  switch (step) {
    case 'json':
      return ['object', 'text'];
    case 'form':
      return ['object'];
    case 'urlencode':
      return ['text', 'bytes'];
    default:
      return ['text', 'bytes'];
  }
}

function produces(step: EncodeStep): Kind {
  if (typeof step === 'object') return 'object';
  switch (step) {
    case 'gzip':
    case 'deflate':
    case 'brotli':
      return 'bytes';
    default:
      return 'text';
  }
}

export function stepName(step: EncodeStep): string {
  return typeof step === 'object' ? `{field: ${step.field}, hash: ${step.hash}}` : step;
}

/**
 * Statically checks a chain and its placement; returns a message naming the offending step, or
 * null. `batched`: the input is an array of events (form encoding then makes no sense).
 */
export function checkEncodeChain(steps: EncodeStep[], placement: Placement, batched: boolean): string | null {
  let kind: Kind = 'object';
  for (const [i, step] of steps.entries()) {
    if (!needs(step).includes(kind)) {
      const fix = kind === 'object' ? "add 'json' or 'form' before it" : 'it applies to the fields object, so put it first';
      return `encode[${i}] '${stepName(step)}' cannot take ${kind === 'object' ? 'the fields object' : kind}: ${fix}`;
    }
    if (step === 'form' && batched) return `encode[${i}] 'form' cannot encode a batch (an array of events): use 'json'`;
    kind = produces(step);
  }
  if (placement.in === 'query-string' && steps.at(-1) !== 'form') return "placement 'query-string' puts form fields in the URL: end the encode chain with 'form'";
  if (kind === 'object') kind = 'text'; // implicit final json
  if (placement.in !== 'body' && kind === 'bytes') {
    return `placement '${placement.in}' needs text but the encode chain ends in bytes: end it with base64, base64url, base64-nopad or hex`;
  }
  return null;
}

export function applyEncodeChain(input: unknown, steps: EncodeStep[]): Payload {
  let payload: Payload = { kind: 'object', value: input };
  for (const step of steps) payload = applyStep(payload, step);
  if (payload.kind === 'object') payload = applyStep(payload, 'json');
  return payload;
}

function bytesOf(p: Payload): Buffer {
  if (p.kind === 'bytes') return p.bytes;
  if (p.kind === 'text') return Buffer.from(p.text, 'utf8');
  return Buffer.from(JSON.stringify(p.value), 'utf8');
}

function applyStep(p: Payload, step: EncodeStep): Payload {
  if (typeof step === 'object') {
    const value = Array.isArray((p as { value?: unknown }).value)
      ? ((p as { value: unknown[] }).value).map((v) => hashField(v, step.field, step.hash))
      : hashField((p as { value?: unknown }).value, step.field, step.hash);
    return { kind: 'object', value };
  }
  switch (step) {
    case 'json':
      return { kind: 'text', text: JSON.stringify(p.kind === 'object' ? p.value : p.kind === 'text' ? p.text : p.bytes.toString('base64')), format: 'json' };
    case 'form':
      return { kind: 'text', text: formEncode(p.kind === 'object' ? p.value : {}), format: 'form' };
    case 'base64':
      return { kind: 'text', text: bytesOf(p).toString('base64') };
    case 'base64url':
      return { kind: 'text', text: bytesOf(p).toString('base64url') };
    case 'base64-nopad':
      return { kind: 'text', text: bytesOf(p).toString('base64').replace(/=+$/, '') };
    case 'hex':
      return { kind: 'text', text: bytesOf(p).toString('hex') };
    case 'gzip':
      return { kind: 'bytes', bytes: zlib.gzipSync(bytesOf(p)) };
    case 'deflate':
      return { kind: 'bytes', bytes: zlib.deflateSync(bytesOf(p)) };
    case 'brotli':
      return { kind: 'bytes', bytes: zlib.brotliCompressSync(bytesOf(p)) };
    case 'urlencode':
      return { kind: 'text', text: p.kind === 'text' ? encodeURIComponent(p.text) : percentEncodeBytes(bytesOf(p)) };
    case 'md5':
    case 'sha1':
    case 'sha256':
      return { kind: 'text', text: crypto.createHash(step).update(bytesOf(p)).digest('hex') };
  }
}

/** Replaces the value at a dotted path with its hex digest; absent paths are left alone. */
function hashField(value: unknown, path: string, hash: 'md5' | 'sha1' | 'sha256'): unknown {
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = Array.isArray(value) ? ([...value] as unknown as Record<string, unknown>) : { ...(value as Record<string, unknown>) };
  const [head, ...rest] = path.split('.');
  if (!(head! in copy)) return value;
  if (rest.length > 0) copy[head!] = hashField(copy[head!], rest.join('.'), hash);
  else {
    const v = copy[head!];
    copy[head!] = crypto.createHash(hash).update(typeof v === 'string' ? v : JSON.stringify(v)).digest('hex');
  }
  return copy;
}

/** application/x-www-form-urlencoded, as Java's URLEncoder writes it (space as '+'); nested values as JSON. */
export function formEncode(value: unknown): string {
  if (value === null || typeof value !== 'object') return '';
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${formEscape(k)}=${formEscape(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('&');
}

export function formEscape(text: string): string {
  return encodeURIComponent(text).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function percentEncodeBytes(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Java's String.hashCode, as the Sensors Analytics SDK computes its `crc` form field. */
export function javaStringHash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(31, h) + text.charCodeAt(i)) | 0;
  return h;
}

import { PhonehomeError } from '../errors.js';
import type { Flow, WebSocketMessage } from './types.js';

/** The writer stores at most this many messages per WebSocket (MAX_WS_MESSAGES); more is not a phonehome file. */
const MAX_MESSAGES_PER_SOCKET = 10_000;
/**
 * Messages of sockets not yet closed are held until their close record; past these totals the
 * file is refused rather than exhausting memory (the writer's own bounds stay far below them).
 */
const MAX_HELD_MESSAGES = 1_000_000;
const MAX_HELD_INLINE_CHARS = 256 * 1024 * 1024;

/** What readFlows yields for a socket whose close record never came. */
export const OPEN_WEBSOCKET_ERROR = 'the capture ended while this WebSocket was open (sidecar killed, or still running): messages after the last one recorded are missing';

interface Held {
  flow: Flow;
  messages: WebSocketMessage[];
}

/**
 * Joins the flows.jsonl lines of WebSockets (an open Flow, message records, a close record; see
 * types.ts) back into one Flow each, yielded when the socket closed; other Flow lines pass through.
 */
export class WebSocketAssembler {
  readonly #open = new Map<string, Held>();
  #heldMessages = 0;
  #heldChars = 0;

  constructor(private readonly file: string) {}

  /** Takes one line's record; returns the flow it completes, if any. `index` is its 1-based record number. */
  add(value: Record<string, unknown>, index: number): Flow | undefined {
    switch (value.record) {
      case undefined:
        return this.#flow(value as unknown as Flow, index);
      case 'ws-message':
        this.#message(value, index);
        return undefined;
      case 'ws-close':
        return this.#close(value, index);
      default:
        throw new PhonehomeError(`${this.file}: record ${index} has unknown record type '${String(value.record).slice(0, 40)}'; the capture file is corrupted or from a newer phonehome`);
    }
  }

  /** Sockets still open at the end of the file, as flows marked open with an error saying so. */
  *remaining(): Generator<Flow> {
    for (const held of this.#open.values()) {
      const flow = this.#assemble(held, true);
      flow.error = flow.error ? `${flow.error}; ${OPEN_WEBSOCKET_ERROR}` : OPEN_WEBSOCKET_ERROR;
      yield flow;
    }
    this.#open.clear();
  }

  #flow(flow: Flow, index: number): Flow | undefined {
    if (flow.websocket?.open !== true) return flow;
    if (this.#open.has(flow.id)) throw this.#corrupt(index, `opens WebSocket ${flow.id} a second time`);
    this.#open.set(flow.id, { flow, messages: [] });
    return undefined;
  }

  #message(value: Record<string, unknown>, index: number): void {
    const held = this.#heldFor(value, index);
    const message = value.message as WebSocketMessage | undefined;
    if (typeof message !== 'object' || message === null || typeof message.body !== 'object' || message.body === null) {
      throw this.#corrupt(index, "lacks 'message'");
    }
    if (held.messages.length >= MAX_MESSAGES_PER_SOCKET) throw this.#corrupt(index, `holds more than ${MAX_MESSAGES_PER_SOCKET} messages for one WebSocket`);
    const chars = typeof message.body.inline === 'string' ? message.body.inline.length : 0;
    if (this.#heldMessages + 1 > MAX_HELD_MESSAGES || this.#heldChars + chars > MAX_HELD_INLINE_CHARS) {
      throw new PhonehomeError(`${this.file}: record ${index}: more WebSocket messages of unclosed sockets than a reader holds (${MAX_HELD_MESSAGES} messages / ${MAX_HELD_INLINE_CHARS / 1048576} MB inline); the capture file is hostile or corrupted`);
    }
    this.#heldMessages++;
    this.#heldChars += chars;
    held.messages.push(message);
  }

  #close(value: Record<string, unknown>, index: number): Flow {
    const held = this.#heldFor(value, index);
    this.#open.delete(held.flow.id);
    const flow = this.#assemble(held, false);
    if (typeof value.endedAt === 'number') flow.endedAt = Math.max(flow.startedAt, value.endedAt);
    if (typeof value.error === 'string') flow.error = flow.error ? `${flow.error}; ${value.error}` : value.error;
    return flow;
  }

  #heldFor(value: Record<string, unknown>, index: number): Held {
    if (typeof value.flowId !== 'string') throw this.#corrupt(index, "lacks 'flowId'");
    const held = this.#open.get(value.flowId);
    if (!held) throw this.#corrupt(index, `belongs to WebSocket ${value.flowId.slice(0, 80)}, which is not open at that point`);
    return held;
  }

  #assemble(held: Held, open: boolean): Flow {
    this.#heldMessages -= held.messages.length;
    for (const m of held.messages) this.#heldChars -= typeof m.body.inline === 'string' ? m.body.inline.length : 0;
    const flow: Flow = { ...held.flow, websocket: { messages: held.messages } };
    if (open) flow.websocket!.open = true;
    return flow;
  }

  #corrupt(index: number, what: string): PhonehomeError {
    return new PhonehomeError(`${this.file}: record ${index} ${what}; the capture file is corrupted`);
  }
}

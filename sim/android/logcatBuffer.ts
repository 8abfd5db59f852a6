import { EventEmitter } from 'node:events';

export interface LogEntry {
  pid: number;
  tid: number;
  uid: number;
  sec: number;
  nsec: number;
  priority: number; // 2 V … 7 F
  tag: string;
  message: string;
}

const LETTERS = ['?', '?', 'V', 'D', 'I', 'W', 'E', 'F', 'S'];

export function priorityLetter(priority: number): string {
  return LETTERS[priority] ?? '?';
}

export function priorityFromLetter(letter: string): number | undefined {
  const index = LETTERS.indexOf(letter.toUpperCase());
  return index >= 2 ? index : undefined;
}

/** `-v threadtime`: `MM-DD HH:MM:SS.mmm  PID  TID L TAG     : msg`, one line per message line. */
export function formatThreadtime(entry: LogEntry): string {
  const date = new Date(entry.sec * 1000 + Math.floor(entry.nsec / 1e6));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
  const prefix = `${stamp} ${String(entry.pid).padStart(5)} ${String(entry.tid).padStart(5)} ${priorityLetter(entry.priority)} ${entry.tag.padEnd(8)}: `;
  return entry.message.split('\n').map((line) => prefix + line + '\n').join('');
}

/** `-v brief`: `L/TAG(  PID): msg`. */
export function formatBrief(entry: LogEntry): string {
  return entry.message.split('\n').map((line) => `${priorityLetter(entry.priority)}/${entry.tag}(${String(entry.pid).padStart(5)}): ${line}\n`).join('');
}

/** `-B`: struct logger_entry (v4, 28-byte header) + prio, tag\0, msg\0 — what adbkit-logcat parses. */
export function encodeBinary(entry: LogEntry): Buffer {
  const payload = Buffer.concat([Buffer.from([entry.priority]), Buffer.from(entry.tag + '\0'), Buffer.from(entry.message + '\0')]);
  const header = Buffer.alloc(28);
  header.writeUInt16LE(Math.min(payload.length, 0xffff), 0);
  header.writeUInt16LE(28, 2);
  header.writeInt32LE(entry.pid, 4);
  header.writeInt32LE(entry.tid, 8);
  header.writeInt32LE(entry.sec, 12);
  header.writeInt32LE(entry.nsec, 16);
  header.writeUInt32LE(0, 20); // lid: main
  header.writeUInt32LE(entry.uid, 24);
  return Buffer.concat([header, payload.subarray(0, 0xffff)]);
}

/** The main log ring buffer: bounded, with live subscribers for `logcat` without -d. */
export class LogcatBuffer extends EventEmitter<{ entry: [LogEntry] }> {
  private entries: LogEntry[] = [];
  private readonly capacity: number;

  constructor(capacity = 5000) {
    super();
    this.capacity = capacity;
    this.setMaxListeners(100);
  }

  append(priority: number, tag: string, message: string, pid = 1000, uid = 1000): LogEntry {
    const ms = Date.now();
    const entry: LogEntry = {
      pid, tid: pid, uid, sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 + Math.floor(Math.random() * 1e6),
      priority: Math.min(Math.max(priority, 2), 7), tag: tag.slice(0, 128), message: message.slice(0, 4000),
    };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    this.emit('entry', entry);
    return entry;
  }

  snapshot(): LogEntry[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }
}

/** Filter specs (`TAG:L`, `*:S`, ANDROID_LOG_TAGS): the lowest priority shown per tag. */
export class LogFilter {
  private readonly perTag = new Map<string, number>();
  private fallback = 2;

  static parse(specs: string[]): LogFilter | string {
    const filter = new LogFilter();
    for (const spec of specs) {
      const [tag, level = 'V'] = spec.split(':');
      const priority = priorityFromLetter(level);
      if (!tag || priority === undefined) return `Invalid filter expression '${spec}'`;
      if (tag === '*') filter.fallback = priority;
      else filter.perTag.set(tag, priority);
    }
    return filter;
  }

  silenceOthers(): void {
    this.fallback = 8;
  }

  accepts(entry: LogEntry): boolean {
    return entry.priority >= (this.perTag.get(entry.tag) ?? this.fallback);
  }
}

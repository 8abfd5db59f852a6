import { closeSync, openSync, writeSync } from 'node:fs';
import { readJsonLines } from '../capture/index.js';
import type { Canary } from '../detect/index.js';
import { PhonehomeError } from '../errors.js';
import type { PhoneRecord, RunStatus, TestRecord } from './types.js';

/**
 * journal.jsonl: what the run knew as it went (the capture folders hold what the phones sent).
 * Each entry is one write() on an O_APPEND descriptor, on disk when write() returns, so a run
 * killed at any moment leaves every finished test and every provisioned phone behind.
 */
export type JournalEntry =
  | { type: 'run-start'; runId: string; startedAt: number; argv: string[] }
  | { type: 'suite'; name: string; file: string }
  | { type: 'phone'; phone: PhoneRecord }
  | { type: 'test'; test: TestRecord }
  | { type: 'visit-artifacts'; visitId: string; screenshot?: string; logcat?: string }
  /** A value the scenario planted on a phone (a new contact's number): a canary beside the identifiers. */
  | { type: 'canary'; device: string; canary: Canary }
  /** The run's private adb server: a killed run leaves it behind (`adb -P PORT kill-server` ends it). */
  | { type: 'adb-server'; port: number }
  | { type: 'error'; time: number; message: string }
  | { type: 'run-end'; endedAt: number; status: Exclude<RunStatus, 'incomplete'> };

const TYPES = new Set(['run-start', 'suite', 'phone', 'test', 'visit-artifacts', 'canary', 'adb-server', 'error', 'run-end']);

export class JournalWriter {
  #fd: number | undefined;
  constructor(readonly file: string) {
    try {
      this.#fd = openSync(file, 'a', 0o644);
    } catch (error) {
      throw new PhonehomeError(`cannot write the run journal ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (choose a writable --out folder)`);
    }
  }

  write(entry: JournalEntry): void {
    if (this.#fd === undefined) throw new PhonehomeError(`run journal ${this.file} is closed`);
    writeSync(this.#fd, JSON.stringify(entry) + '\n');
  }

  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** Reads a journal; a torn last line (killed mid-write) is dropped, anything else malformed is an error naming the line. */
export async function readJournal(file: string): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  for await (const value of readJsonLines(file)) {
    const entry = value as { type?: unknown } | null;
    if (typeof entry !== 'object' || entry === null || typeof entry.type !== 'string' || !TYPES.has(entry.type)) {
      throw new PhonehomeError(`${file}: entry ${out.length + 1} is not a journal entry (unknown or missing 'type'); the run folder is corrupted`);
    }
    out.push(entry as JournalEntry);
  }
  return out;
}

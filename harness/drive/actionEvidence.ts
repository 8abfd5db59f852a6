import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PhonehomeError } from '../errors.js';

export interface EvidenceSources {
  screenshot(): Promise<Buffer>;
  pageSource(): Promise<string>;
}

/** A browser action whose result did not check out; the screen and page source were saved. */
export class ActionFailedError extends PhonehomeError {
  readonly screenshot?: string;
  readonly pageSource?: string;
  constructor(message: string, files: { screenshot?: string; pageSource?: string }, cause?: unknown) {
    super(message, { cause });
    this.name = 'ActionFailedError';
    this.screenshot = files.screenshot;
    this.pageSource = files.pageSource;
  }
}

/**
 * Saves a screenshot and the page source under `dir` and returns the error to throw, naming the
 * files, so a failed action can be diagnosed (and a locator fixed) without rerunning it.
 */
export async function failWithEvidence(dir: string, label: string, message: string, sources: EvidenceSources, cause?: unknown): Promise<ActionFailedError> {
  const base = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${label.replace(/[^A-Za-z0-9._-]/g, '_')}`);
  const files: { screenshot?: string; pageSource?: string } = {};
  const notes: string[] = [];
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    notes.push(`evidence folder ${dir} not writable: ${(error as Error).message}`);
  }
  try {
    const png = await sources.screenshot();
    await writeFile(`${base}.png`, png);
    files.screenshot = `${base}.png`;
  } catch (error) {
    notes.push(`no screenshot (${firstLine(error)})`);
  }
  try {
    const xml = await sources.pageSource();
    await writeFile(`${base}.xml`, xml);
    files.pageSource = `${base}.xml`;
  } catch (error) {
    notes.push(`no page source (${firstLine(error)})`);
  }
  const saved = [files.screenshot && `screenshot ${files.screenshot}`, files.pageSource && `page source ${files.pageSource}`].filter(Boolean).join(', ');
  return new ActionFailedError(`${message}${saved ? ` (saved ${saved})` : ''}${notes.length ? ` [${notes.join('; ')}]` : ''}`, files, cause);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeHar as writeCaptureHar } from '../capture/index.js';
import { PhonehomeError } from '../errors.js';
import type { RunFolder } from './runFolder.js';
import type { RunRecord } from './types.js';

/**
 * traffic.har: HAR 1.2 of every phone's capture (capture/'s HAR export), streamed to disk entry by
 * entry so a large capture never sits in memory. With several phones the entries of each capture
 * follow one another in one log, each tagged with `_phone`.
 */
export async function writeHar(folder: RunFolder, run: RunRecord, file: string): Promise<number> {
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w').catch((error: NodeJS.ErrnoException) => {
    throw new PhonehomeError(`cannot write ${file}: ${error.code ?? error.message} (is the run folder writable?)`);
  });
  let count = 0;
  try {
    const write = async (text: string) => void (await handle.write(text));
    if (run.captures.length === 1) {
      count = await writeCaptureHar(path.join(folder.dir, run.captures[0]!.dir), write);
    } else {
      await write('{"log":{"version":"1.2","creator":{"name":"phonehome","version":"0.1.0"},"entries":[');
      for (const capture of run.captures) {
        const phone = JSON.stringify(capture.device);
        // capture's writeHar emits: header, then one chunk per entry ('\n' or ',\n' + JSON), then the footer.
        await writeCaptureHar(path.join(folder.dir, capture.dir), async (chunk) => {
          const body = chunk.replace(/^,?\n/, '');
          if (!body.startsWith('{"') || body.startsWith('{"log"')) return;
          if (!body.endsWith('}')) return;
          await write((count === 0 ? '\n' : ',\n') + `{"_phone":${phone},` + body.slice(1));
          count++;
        });
      }
      await write('\n]}}\n');
    }
    await handle.close();
    await rename(tmp, file);
    return count;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

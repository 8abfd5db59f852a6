import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseCommandArgs, type CliIo, type Command } from './command.js';
import { PhonehomeError, UsageError } from '../errors.js';
import { writeHar } from '../capture/harExport.js';

export const harCommand: Command = {
  name: 'har',
  summary: 'write HAR 1.2 of a capture folder',
  help: `Usage: phonehome har DIR [--out FILE]

Writes HAR 1.2 of the capture folder DIR (a 'phonehome capture --out' folder): one entry per
flow, headers and bodies kept. Bodies are text when they are plain UTF-8, otherwise base64 with
"encoding": "base64" (compressed bodies stay as sent). WebSocket messages are in _webSocketMessages.

Options:
  --out FILE   write to FILE instead of stdout

Example:
  phonehome har reports/demo-2024-01-01T00-00-00 --out traffic.har`,

  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs('har', argv, { out: { type: 'string' } }, { allowPositionals: true });
    if (positionals.length !== 1) throw new UsageError("phonehome har: give exactly one capture folder (see 'phonehome har --help')");
    const dir = positionals[0]!;
    if (!values.out) {
      // Entries go out line by line; io.out adds the newlines between them.
      let buffered = '';
      await writeHar(dir, (text) => {
        buffered += text;
        const cut = buffered.lastIndexOf('\n');
        if (cut >= 0) {
          for (const line of buffered.slice(0, cut).split('\n')) io.out(line);
          buffered = buffered.slice(cut + 1);
        }
      });
      if (buffered) io.out(buffered);
      return 0;
    }
    const file = createWriteStream(values.out);
    const failed = new Promise<never>((_, reject) =>
      file.once('error', (error: NodeJS.ErrnoException) =>
        reject(new PhonehomeError(`phonehome har: cannot write ${values.out}: ${error.code ?? error.message} (choose a writable path)`)),
      ),
    );
    failed.catch(() => {});
    const count = await Promise.race([
      writeHar(dir, async (text) => {
        if (!file.write(text)) await Promise.race([once(file, 'drain'), failed]);
      }),
      failed,
    ]);
    file.end();
    await Promise.race([once(file, 'finish'), failed]);
    io.err(`phonehome har: ${count} entries written to ${values.out}`);
    return 0;
  },
};

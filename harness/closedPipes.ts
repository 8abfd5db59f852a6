/**
 * `phonehome ca | head -1`, `phonehome run … | true`: the reader of stdout (or stderr) may leave
 * first. Node then reports EPIPE as an unhandled 'error' event, a crash with a stack trace. A closed
 * pipe only means nobody reads any more: further output is dropped and the command carries on to
 * its own end (a run still restores its phones and writes its report), exiting with its own code.
 */
export function dropOutputOnClosedPipes(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
      throw error;
    });
  }
}

/**
 * Exit only once stdout and stderr have handed every byte to the OS. On a pipe Node writes
 * asynchronously, so a bare process.exit() after console.log drops whatever the reader has not
 * taken yet (piped --json output was cut at the pipe's 64 KiB buffer, with exit status 0).
 */
import type { Writable } from 'node:stream';

function flushed(stream: Writable): Promise<void> {
  // An empty write's callback runs after every earlier write on the stream has been flushed.
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    stream.write('', () => resolve());
  });
}

export async function exitAfterFlush(code: number): Promise<never> {
  process.exitCode = code;
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

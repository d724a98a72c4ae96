/**
 * A reader that leaves early (`chunkmill ... | head -1`) closes stdout under us: the next write
 * fails with EPIPE. That is how a pipeline says "enough", not an error: the job is stopped, nothing
 * more is printed, and the process exits with status 0, as ripgrep and xsv do (a shell with
 * `set -o pipefail` then does not fail a `| head`). Node ignores SIGPIPE, so without a listener
 * the EPIPE would surface as an uncaught 'error' event and a stack trace.
 */

const closed = new AbortController();

/** Aborted once stdout's reader has gone. */
export const stdoutClosed: AbortSignal = closed.signal;

/** Listens for stdout's errors; call once, before anything is written. */
export function watchStdout(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    // Other write errors (ENOSPC on a redirected file) reach the writer's callback and are reported.
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') closed.abort();
  });
}

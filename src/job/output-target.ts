/**
 * A job's object outputs: a transform's `output.path` or a `rejects` path that is an `s3://` URL
 * is written through a streamed multipart upload (remote/object-upload.ts: parts of 8 MiB, two in
 * flight, so memory stays bounded whatever the output's size). The kinds layer, which imports no
 * remote code, gets it as an OutputTarget (kinds/output/writer.ts): the object is made only when
 * the job succeeds; a failed or cancelled job aborts the upload and leaves no object, not even
 * part of one, as the CLI's `-o s3://` does. Credentials, region and endpoint come from the job's
 * `s3` option or the environment's AWS configuration, and no message shows a secret.
 */
import type { S3Settings } from '../api/s3-settings.js';
import type { OpenOutputTarget } from '../kinds/output/writer.js';
import type { ResolvedOptions } from '../plan/resolved-options.js';
import { openObjectSink } from '../remote/object-upload.js';
import { isObjectUrl } from '../remote/object-url.js';

/**
 * The opener of a job's object outputs: an upload for an object URL (an http(s):// one is refused
 * with ERR_OBJECT_URL: an HTTP server takes no uploads), null for a local path.
 */
export function objectTargets(s3: S3Settings | undefined, signal?: AbortSignal): OpenOutputTarget {
  return async (path) => {
    if (!isObjectUrl(path)) return null;
    const sink = openObjectSink(path, s3);
    // The job's last chunks are merged before its output's last parts are sent: a cancel that
    // comes meanwhile must still leave no object (close(signal) stops the upload).
    return { stream: sink.stream, close: () => sink.close(signal), discard: () => sink.discard() };
  };
}

/** `opts` with the job layer's opener of object outputs, for a job about to run (`signal`: the job's). */
export function withOutputTargets(opts: ResolvedOptions, signal?: AbortSignal): ResolvedOptions {
  opts.openTarget = objectTargets(opts.s3, signal);
  return opts;
}

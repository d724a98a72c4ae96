/**
 * The operator's allow-list of object URLs a request may name as a job's input (`allowInput`,
 * `chunkmill serve --allow-input https://data.example.com/exports/`). Without it a request names
 * only files in the data dir: a server that fetched any URL a request chose could be made to read
 * the cloud's metadata endpoint (169.254.169.254) or services on its own loopback (SSRF).
 *
 * A prefix allows the URLs under it on whole segments: the same scheme, the same host and port
 * (so `https://data.example.com.evil.test/` is not under `https://data.example.com/`), and a path
 * that continues the prefix's at a `/`. URLs are compared parsed and normalised (`..`, `%2e`,
 * default ports, case of the host), never as typed; one with a user or password is refused.
 */
import { invalidOption } from '../internal.js';

interface Prefix {
  scheme: string;
  /** host[:port], lowercase, default port dropped; for s3: the bucket. */
  host: string;
  /** The path, ending in '/' (a prefix given without one is a folder). */
  path: string;
}

export class InputAllowList {
  private readonly prefixes: Prefix[];

  constructor(prefixes: readonly string[]) {
    this.prefixes = prefixes.map((p, i) => {
      const parsed = parse(p);
      if (parsed === null)
        throw invalidOption(
          `allowInput[${i}]`,
          `expected an https://, http:// or s3:// URL prefix, got ${JSON.stringify(p)}`,
        );
      return { ...parsed, path: parsed.path.endsWith('/') ? parsed.path : `${parsed.path}/` };
    });
  }

  get empty(): boolean {
    return this.prefixes.length === 0;
  }

  /** Whether `url` lies under one of the prefixes. */
  allows(url: string): boolean {
    const u = parse(url);
    if (u === null) return false;
    return this.prefixes.some((p) => p.scheme === u.scheme && p.host === u.host && u.path.startsWith(p.path));
  }
}

/** scheme, host and normalised path of an object URL; null for anything else, or a URL with credentials in it. */
function parse(text: string): Prefix | null {
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]*)(\/.*)?$/i.exec(text);
  if (s3 !== null) {
    const path = s3[2] ?? '/';
    if (path.split('/').some((seg) => seg === '..' || seg === '.')) return null;
    return { scheme: 's3:', host: s3[1]!.toLowerCase(), path };
  }
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return null;
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username !== '' || u.password !== '') return null;
  return { scheme: u.protocol, host: u.host.toLowerCase(), path: u.pathname };
}

/**
 * Calls to the server's API with the token. The token is asked for once (when the server first
 * answers 401) and kept in sessionStorage: it lives as long as the tab, goes only in the
 * Authorization header, and never into a URL, where logs and history would keep it.
 *
 * The views name API paths from the root ('/api/jobs'); they are sent relative to the page
 * ('api/jobs'), so a dashboard mounted under a path (/jobs/, by the Fastify plugin or the
 * Express middleware) calls its own API there.
 */
import type { ErrorData } from './types.js';

const TOKEN_KEY = 'chunkmill-token';

/** A failed call: the server's `{ error }` body, with the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly data: ErrorData,
  ) {
    super(data.message);
    this.name = 'ApiError';
  }
}

export type TokenPrompt = (reason: string) => Promise<string>;

export class Api {
  private prompting: Promise<string> | null = null;

  constructor(private readonly askToken: TokenPrompt) {}

  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  /** Headers for a call, with the token if there is one. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    const token = this.token;
    return token === null ? extra : { ...extra, authorization: `Bearer ${token}` };
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.fetch(path, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return (response.status === 204 ? null : await response.json()) as T;
  }

  /** fetch() with the token; a 401 asks for a (new) token and tries again; other failures throw ApiError. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    for (;;) {
      const headers = this.headers((init.headers as Record<string, string> | undefined) ?? {});
      const response = await fetch(relative(path), { ...init, headers });
      if (response.status === 401) {
        const { error } = (await response.json().catch(() => ({ error: {} }))) as { error: ErrorData };
        await this.newToken(this.token === null ? 'This server needs a token.' : (error.message ?? 'Token refused.'));
        continue;
      }
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { error?: ErrorData } | null;
        throw new ApiError(
          response.status,
          body?.error ?? { code: `HTTP_${response.status}`, message: response.statusText },
        );
      }
      return response;
    }
  }

  /**
   * POST of a form with XMLHttpRequest, whose upload reports progress (fetch() has no upload
   * progress): `progress(sent, total)` as the body goes out. The answer as fetch() gives it.
   */
  async upload(path: string, form: FormData, progress: (sent: number, total: number) => void): Promise<Response> {
    for (;;) {
      const response = await new Promise<Response>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', relative(path));
        for (const [name, value] of Object.entries(this.headers())) xhr.setRequestHeader(name, value);
        xhr.upload.addEventListener('progress', (e) => progress(e.loaded, e.total));
        xhr.addEventListener('load', () =>
          resolve(new Response(xhr.responseText, { status: xhr.status, statusText: xhr.statusText })),
        );
        xhr.addEventListener('error', () => reject(new Error('The upload failed: the connection was lost')));
        xhr.send(form);
      });
      if (response.status === 401) {
        await this.newToken(this.token === null ? 'This server needs a token.' : 'Token refused.');
        continue;
      }
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { error?: ErrorData } | null;
        throw new ApiError(response.status, body?.error ?? { code: `HTTP_${response.status}`, message: '' });
      }
      return response;
    }
  }

  /** Asks for a token once, however many calls are waiting for it. */
  newToken(reason: string): Promise<string> {
    this.prompting ??= this.askToken(reason).then((token) => {
      sessionStorage.setItem(TOKEN_KEY, token);
      this.prompting = null;
      return token;
    });
    return this.prompting;
  }
}

/** '/api/jobs' -> 'api/jobs': resolved against the page, wherever it is mounted. */
function relative(path: string): string {
  return path.replace(/^\/+/, '');
}

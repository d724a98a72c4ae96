/**
 * A Server-Sent Events reader for the tests, written from the format's definition (not the
 * dashboard's parser): events with their id, type and parsed data, and comment lines seen.
 */
export interface SseMessage {
  id: number | null;
  event: string;
  data: Record<string, unknown>;
}

export interface SseRead {
  events: SseMessage[];
  comments: string[];
  /** The connection broke (the server died) rather than ended. */
  dropped?: boolean;
}

/** Reads a stream until it ends, or until `stop` says so (then the connection is cut). */
export async function readSse(
  response: Response,
  stop: (event: SseMessage, all: SseMessage[]) => boolean = () => false,
  read: SseRead = { events: [], comments: [] },
): Promise<SseRead> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let fields: Record<string, string[]> = {};
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch {
        read.dropped = true;
        return read;
      }
      const { value, done } = chunk;
      if (done) return read;
      buffer += decoder.decode(value, { stream: true });
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
        if (line.startsWith(':')) read.comments.push(line.slice(1).trim());
        else if (line === '') {
          if (fields.data !== undefined) {
            const message = {
              id: fields.id === undefined ? null : Number(fields.id[0]),
              event: fields.event?.[0] ?? 'message',
              data: JSON.parse(fields.data.join('\n')) as Record<string, unknown>,
            };
            read.events.push(message);
            if (stop(message, read.events)) return read;
          }
          fields = {};
        } else {
          const colon = line.indexOf(':');
          const name = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          fields[name] = [...(fields[name] ?? []), value];
        }
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

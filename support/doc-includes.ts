/**
 * Code blocks in the docs that show a file of the repository verbatim, so the docs show the
 * examples that the tests run rather than copies that drift:
 *
 *   <!-- include examples/aggregate.ts -->
 *   ```ts
 *   (the file's text, exactly)
 *   ```
 *
 * test/examples/doc-includes.test.ts fails when a block differs from its file;
 * `npm run docs:sync` (support/sync-docs.ts) rewrites every block from its file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One include: the file it names and where its block is. */
export interface DocInclude {
  /** The included file, relative to the repository root. */
  file: string;
  /** 1-based line of the marker comment. */
  line: number;
  /** The block's text as the doc has it now (null: the marker is not followed by a fenced block). */
  shown: string | null;
  /** Character offsets of the block's body in the doc (valid when shown is not null). */
  bodyStart: number;
  bodyEnd: number;
}

const MARKER = /^<!-- include (\S+) -->\n(```[a-z]*\n)?/gm;

export function findIncludes(doc: string): DocInclude[] {
  const found: DocInclude[] = [];
  for (const m of doc.matchAll(MARKER)) {
    const line = doc.slice(0, m.index).split('\n').length;
    const bodyStart = m.index + m[0].length;
    const close = m[2] === undefined ? -1 : doc.indexOf('\n```', bodyStart - 1);
    if (close === -1) {
      found.push({ file: m[1]!, line, shown: null, bodyStart, bodyEnd: bodyStart });
      continue;
    }
    // The body ends with the newline before the closing fence.
    found.push({ file: m[1]!, line, shown: doc.slice(bodyStart, close + 1), bodyStart, bodyEnd: close + 1 });
  }
  return found;
}

/** The doc with every include block replaced by its file's current text. */
export function syncIncludes(doc: string, read: (file: string) => string): string {
  let out = '';
  let at = 0;
  for (const include of findIncludes(doc)) {
    if (include.shown === null) continue;
    out += doc.slice(at, include.bodyStart) + read(include.file);
    at = include.bodyEnd;
  }
  return out + doc.slice(at);
}

/** The Markdown files that may include files: the front page, CONTRIBUTING and docs/. */
export function docFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  return ['README.md', 'CONTRIBUTING.md', ...docs.sort()];
}

export function readRepoFile(root: string, file: string): string {
  return readFileSync(join(root, file), 'utf8');
}

/**
 * The docs show the examples that test/examples runs, not copies: every `<!-- include FILE -->`
 * block in README.md, CONTRIBUTING.md and docs/ equals FILE (npm run docs:sync rewrites them),
 * every example is shown somewhere, every repository path the docs name in backticks or links
 * exists, and every link to a heading finds it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { docFiles, findIncludes, readRepoFile } from '../../support/doc-includes.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCS = docFiles(ROOT);

describe.each(DOCS)('%s', (doc) => {
  const text = readRepoFile(ROOT, doc);

  test('each included block equals its file', () => {
    for (const include of findIncludes(text)) {
      const where = `${doc}:${include.line} includes ${include.file}`;
      expect(existsSync(`${ROOT}${include.file}`), `${where}: no such file`).toBe(true);
      expect(include.shown, `${where}: no fenced block after the marker`).not.toBeNull();
      expect(include.shown, `${where}: differs from the file (npm run docs:sync)`).toBe(
        readRepoFile(ROOT, include.file),
      );
    }
  });

  test('the repository paths it names exist', () => {
    const base = doc.includes('/') ? doc.slice(0, doc.lastIndexOf('/') + 1) : '';
    const named = [
      // `src/...`, `test/...` and the like in code spans (globs and placeholders are not paths)
      ...[...text.matchAll(/`((?:src|test|bench|fixtures|examples|support|docs)\/[^`\s*<>]*)`/g)].map((m) => m[1]!),
      // the first word of a line in a layout tree
      ...[...text.matchAll(/^((?:src|test|bench|fixtures|examples|support|docs)\/[^\s*<>]*)\s/gm)].map((m) => m[1]!),
      // relative Markdown links, resolved against the doc's folder
      ...[...text.matchAll(/\]\((?!https?:|#)([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) =>
        new URL(m[1]!, `file:///${base}`).pathname.slice(1),
      ),
    ];
    const missing = named.filter((path) => !path.startsWith('examples/dist/') && !existsSync(`${ROOT}${path}`));
    expect(missing, `${doc} names paths that do not exist`).toEqual([]);
  });

  test('its links to a heading point at a heading that exists', () => {
    const base = doc.includes('/') ? doc.slice(0, doc.lastIndexOf('/') + 1) : '';
    const broken = [...text.matchAll(/\]\((?!https?:)([^)#\s]*\.md|)#([^)\s]+)\)/g)].filter(([, file, anchor]) => {
      const target = file === '' ? doc : new URL(file!, `file:///${base}`).pathname.slice(1);
      return existsSync(`${ROOT}${target}`) && !headingAnchors(readRepoFile(ROOT, target)).has(anchor!);
    });
    expect(
      broken.map((m) => m[0]),
      `${doc} links to headings that do not exist`,
    ).toEqual([]);
  });
});

/** GitHub's anchors for a document's headings: lower case, punctuation dropped, spaces to hyphens. */
function headingAnchors(markdown: string): Set<string> {
  const headings = [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]!);
  return new Set(
    headings.map((h) =>
      h
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replaceAll(' ', '-'),
    ),
  );
}

test('every example is shown in the docs', () => {
  const shown = new Set(DOCS.flatMap((doc) => findIncludes(readRepoFile(ROOT, doc)).map((i) => i.file)));
  const examples = readdirSync(`${ROOT}examples`).filter((f) => f.endsWith('.ts'));
  expect(examples.filter((f) => !shown.has(`examples/${f}`))).toEqual([]);
});

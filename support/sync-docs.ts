/**
 * npm run docs:sync: rewrites every `<!-- include FILE -->` code block in the docs from FILE
 * (see doc-includes.ts), and says which docs changed.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { docFiles, readRepoFile, syncIncludes } from './doc-includes.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
for (const doc of docFiles(root)) {
  const text = readRepoFile(root, doc);
  const synced = syncIncludes(text, (file) => readRepoFile(root, file));
  if (synced !== text) {
    writeFileSync(`${root}${doc}`, synced);
    console.log(`updated ${doc}`);
  }
}

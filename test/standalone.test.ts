import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';

const ROOT = new URL('..', import.meta.url).pathname;
const SKIPPED = new Set([
  '.git',
  'node_modules',
  'dist',
  '.tap',
  'coverage',
  'test/fixtures',
  'test/standalone.test.ts',
]);

// A user's `git clone` has no ../shared beside it: nothing the project runs may reach for it.
t.test('no project file reads ../shared', (t) => {
  // Walks the tree rather than asking git: .ci/node22.sh runs the suite from a copy without .git.
  const files = projectFiles('.').filter(
    (f) => /\.(?:[cm]?[jt]s|sh|json)$/.test(f) || f.startsWith('.ci/'),
  );
  t.ok(files.length > 100, `${files.length} files read`);
  const offenders = files.filter((f) =>
    /\.\.\/shared\b|shared\/fixtures/.test(readFileSync(join(ROOT, f), 'utf8')),
  );
  t.same(offenders, []);
  t.end();
});

/** Paths under ROOT, relative to it, without what is installed, built or copied from elsewhere. */
function projectFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = dir === '.' ? entry.name : `${dir}/${entry.name}`;
    if (SKIPPED.has(path)) return [];
    return entry.isDirectory() ? projectFiles(path) : [path];
  });
}

t.test('every fixture set says where it comes from', (t) => {
  for (const set of ['fleet', 'go-tuf-v0.7.0', 'python-tuf']) {
    const provenance = readFileSync(join(ROOT, 'test/fixtures', set, 'PROVENANCE.md'), 'utf8');
    t.match(provenance, /Origin: https:\/\/github\.com\//, set);
    t.match(provenance, /License: /, set);
    t.match(provenance, /(?:Commit|Tag)s?: /, set);
  }
  t.end();
});

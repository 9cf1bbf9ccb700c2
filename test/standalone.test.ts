import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';

const ROOT = new URL('..', import.meta.url).pathname;

// A user's `git clone` has no ../shared beside it: nothing the project runs may reach for it.
t.test('no tracked file reads ../shared', (t) => {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => /\.(?:[cm]?[jt]s|sh|json)$/.test(f) || f.startsWith('.ci/'))
    .filter((f) => !f.startsWith('test/fixtures/') && f !== 'test/standalone.test.ts');
  t.ok(files.length > 100, `${files.length} files read`);
  const offenders = files.filter((f) =>
    /\.\.\/shared\b|shared\/fixtures/.test(readFileSync(join(ROOT, f), 'utf8')),
  );
  t.same(offenders, []);
  t.end();
});

t.test('every fixture set says where it comes from', (t) => {
  for (const set of ['fleet', 'go-tuf-v0.7.0', 'python-tuf']) {
    const provenance = readFileSync(join(ROOT, 'test/fixtures', set, 'PROVENANCE.md'), 'utf8');
    t.match(provenance, /Origin: https:\/\/github\.com\//, set);
    t.match(provenance, /License: /, set);
    t.match(provenance, /(?:Commit|Tag)s?: /, set);
  }
  t.end();
});

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import {
  acquireWriterLock,
  checkCreation,
  fileIdentity,
  lockPath,
  makeDirectory,
  markerPath,
  writeMarker,
} from '../../server/data-dir.js';

const NOW = new Date('2030-01-01T00:00:00Z');

t.test('makeDirectory creates what is missing, owner-only, and always ends', (t) => {
  const dir = t.testdir();
  const nested = join(dir, 'a', 'b', 'c');
  makeDirectory(nested);
  t.equal(statSync(nested).mode & 0o777, 0o700);
  makeDirectory(nested);
  t.ok(statSync(nested).isDirectory(), 'an existing directory is fine');

  // Node's recursive mkdir spins forever on these (procfs answers ENOENT for a child of /proc).
  const cases: [string, string][] = [
    ['under /proc', '/proc/tufwatch-test/data'],
    ['a file in the way', join(dir, 'file', 'data')],
    ['below a dangling symlink', join(dir, 'dangling', 'data')],
    ['a dangling symlink', join(dir, 'dangling')],
    ['a file where the directory goes', join(dir, 'file')],
  ];
  writeFileSync(join(dir, 'file'), '');
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
  for (const [name, path] of cases) {
    const before = Date.now();
    t.throws(() => makeDirectory(path), { code: 'PATH_UNUSABLE' }, name);
    t.ok(Date.now() - before < 5_000, `${name}: at once`);
  }
  t.end();
});

t.test('fileIdentity names the file at a path, or none', (t) => {
  const dir = t.testdir({ db: 'x' });
  const before = fileIdentity(join(dir, 'db'));
  t.match(before, { dev: Number, ino: Number });
  t.equal(fileIdentity(join(dir, 'missing')), undefined);
  t.equal(fileIdentity(join(dir, 'db', 'below-a-file')), undefined, 'ENOTDIR is none too');
  symlinkSync(join(dir, 'loop'), join(dir, 'loop'));
  t.throws(() => fileIdentity(join(dir, 'loop')), { code: 'ELOOP' });
  t.end();
});

t.test('the writer lock: one holder; free again once released', (t) => {
  const db = join(t.testdir(), 'tufwatch.db');
  const first = acquireWriterLock(db);
  t.equal(first.path, lockPath(db));
  t.throws(() => acquireWriterLock(db), { code: 'STORE_LOCKED' });
  first.release();
  acquireWriterLock(db).release();
  t.end();
});

t.test('a lock file that is not a lock database is reported as it is', (t) => {
  const db = join(t.testdir(), 'tufwatch.db');
  writeFileSync(lockPath(db), 'not a database, and long enough to have a header '.repeat(4));
  t.throws(() => acquireWriterLock(db), { code: 'SQLITE_NOTADB' });
  t.end();
});

const CHILD = fileURLToPath(new URL('fixtures/lock-child.ts', import.meta.url));

/** A child process that takes the lock, says so, and waits to be killed. */
function holdInChild(db: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...process.execArgv, CHILD, db], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`the child exited with ${code}`)));
  });
}

t.test(
  'another process holds the lock; killed with -9, it leaves nothing that blocks',
  async (t) => {
    const db = join(t.testdir(), 'tufwatch.db');
    const child = await holdInChild(db);
    t.teardown(() => child.kill('SIGKILL'));
    t.throws(() => acquireWriterLock(db), { code: 'STORE_LOCKED' }, 'refused at once');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    t.ok(existsSync(lockPath(db)), 'the lock file is still there');
    acquireWriterLock(db).release();
  },
);

t.test('a missing database is created only where no chain existed, or with init', (t) => {
  const dir = t.testdir({ data: {}, markers: {} });
  const db = join(dir, 'data', 'tufwatch.db');
  const key = join(dir, 'data', 'evidence-signing-key.pem');
  const markers = join(dir, 'markers');
  t.equal(checkCreation(db, key, { init: false, markerDir: markers }), true, 'a first start');
  t.equal(checkCreation(db, key, { init: false }), true, 'no markers kept');

  t.equal(writeMarker(markers, db, NOW), undefined);
  t.equal(writeMarker(markers, db, NOW), undefined, 'kept as it is');
  t.throws(() => checkCreation(db, key, { init: false, markerDir: markers }), {
    code: 'STORE_MISSING',
    message: /2030-01-01T00:00:00.000Z/,
  });
  t.equal(checkCreation(db, key, { init: true, markerDir: markers }), true, '--init');
  writeFileSync(markerPath(markers, db), 'not json');
  t.throws(() => checkCreation(db, key, { init: false, markerDir: markers }), {
    code: 'STORE_MISSING',
  });

  // Traces of an earlier chain in the data directory itself.
  for (const trace of [key, `${db}-wal`]) {
    const other = join(dir, 'other', 'tufwatch.db');
    mkdirSync(join(dir, 'other'), { recursive: true });
    const path = trace === key ? join(dir, 'other', 'evidence-signing-key.pem') : `${other}-wal`;
    writeFileSync(path, 'x');
    t.throws(
      () => checkCreation(other, join(dir, 'other', 'evidence-signing-key.pem'), { init: false }),
      {
        code: 'STORE_MISSING',
      },
    );
    renameSync(path, `${path}.moved`);
  }

  writeFileSync(db, '');
  t.equal(checkCreation(db, key, { init: false, markerDir: markers }), false, 'it exists');
  t.end();
});

t.test('a marker that cannot be written is a warning, not a failed start', (t) => {
  const dir = t.testdir({ file: '' });
  t.match(writeMarker(join(dir, 'file', 'markers'), join(dir, 'x.db'), NOW), /cannot record/);
  t.end();
});

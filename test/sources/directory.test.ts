import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { DirectorySource, nameSegments } from '../../sources/directory.js';
import { TufError } from '../../tuf/errors.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tufwatch-directory-'));
t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));

const repo = path.join(root, 'repo');
const files: Record<string, string> = {
  '2.root.json': '{"signed":{}}',
  'role1.json': 'role1',
  '1.ö.json': 'unicode',
  '1...json': 'a role named ..',
  'orbit/macos/stable/orbit': 'binary',
  'empty.json': '',
};
for (const [name, content] of Object.entries(files)) {
  fs.mkdirSync(path.dirname(path.join(repo, name)), { recursive: true });
  fs.writeFileSync(path.join(repo, name), content);
}
fs.writeFileSync(path.join(root, 'secret.json'), 'outside the base');
fs.mkdirSync(path.join(repo, 'adir.json'));
fs.symlinkSync('loop.json', path.join(repo, 'loop.json'));

const source = new DirectorySource(repo);
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

void t.test('location is the absolute base directory', (t) => {
  const relative = path.relative(process.cwd(), repo);
  t.equal(new DirectorySource(relative).location, repo);
  t.end();
});

void t.test('reads files by relative names', async (t) => {
  for (const [name, content] of Object.entries(files)) {
    t.equal(text(await source.read(name, 1024)), content, name);
  }
});

void t.test('a file of exactly maxBytes is read', async (t) => {
  t.equal(text(await source.read('role1.json', 5)), 'role1');
});

void t.test('refuses names that could leave the base directory', async (t) => {
  const names = [
    '',
    '/etc/passwd',
    '../secret.json',
    '..',
    '.',
    'orbit/../../secret.json',
    'orbit/./macos',
    './role1.json',
    'orbit//macos',
    'orbit/',
    'orbit\\macos',
    '..\\secret.json',
    'role1.json\0',
  ];
  for (const name of names) {
    await t.rejects(
      source.read(name, 1024),
      { code: 'FETCH_FAILED', details: { file: name } },
      name,
    );
  }
});

void t.test('a quoted role file name is one file inside the base, never a path', async (t) => {
  // The core asks for a role named ../secret as ..%2Fsecret.json (python-tuf's quote).
  fs.writeFileSync(path.join(repo, '..%2Frole.json'), 'the role named ../role');
  t.equal(text(await source.read('..%2Frole.json', 1024)), 'the role named ../role');
  for (const name of ['..%2Fsecret.json', '1...%2Fsecret.json', '%2E%2E%2Fsecret.json']) {
    await t.rejects(source.read(name, 1024), { code: 'METADATA_MISSING' }, name);
  }
});

void t.test('nameSegments splits safe names', (t) => {
  t.same(nameSegments('orbit/macos/1...json'), ['orbit', 'macos', '1...json']);
  t.throws(() => nameSegments('a/../b'), TufError);
  t.end();
});

const failures = [
  { name: 'missing.json', code: 'METADATA_MISSING' },
  { name: 'nodir/missing.json', code: 'METADATA_MISSING' },
  { name: 'role1.json/below', code: 'METADATA_MISSING' }, // ENOTDIR
  { name: 'adir.json', code: 'FETCH_FAILED' },
  { name: 'loop.json', code: 'FETCH_FAILED', cause: 'ELOOP' },
  { name: 'x'.repeat(300), code: 'FETCH_FAILED', cause: 'ENAMETOOLONG' },
] as const;
for (const { name, code, ...rest } of failures) {
  void t.test(`${name.slice(0, 20)} -> ${code}`, async (t) => {
    const err = await source.read(name, 1024).catch((e: unknown) => e);
    t.type(err, TufError);
    t.match(err, { code, details: { file: name } });
    if ('cause' in rest) t.match(err, { cause: { code: rest.cause } });
  });
}

void t.test('a file larger than maxBytes is refused before reading', async (t) => {
  await t.rejects(source.read('role1.json', 4), {
    code: 'SIZE_LIMIT_EXCEEDED',
    details: { file: 'role1.json', expected: 4 },
  });
});

void t.test('a file that grows past maxBytes while streaming is cut', async (t) => {
  const maxBytes = 100_000;
  const name = 'growing.json';
  fs.writeFileSync(path.join(repo, name), Buffer.alloc(maxBytes));
  let received = 0;
  const err = await (async () => {
    for await (const chunk of source.stream(name, maxBytes)) {
      if (received === 0) fs.appendFileSync(path.join(repo, name), Buffer.alloc(10));
      received += chunk.byteLength;
    }
  })().catch((e: unknown) => e);
  t.match(err, { code: 'SIZE_LIMIT_EXCEEDED', details: { file: name, expected: maxBytes } });
  t.ok(received <= maxBytes, 'no byte past the cap reaches the consumer');
});

void t.test('streams a file in chunks', async (t) => {
  const name = 'large.bin';
  const content = Buffer.alloc(200_000, 7);
  fs.writeFileSync(path.join(repo, name), content);
  const chunks: Uint8Array[] = [];
  for await (const chunk of source.stream(name, content.length)) chunks.push(chunk);
  t.ok(chunks.length > 1);
  t.same(Buffer.concat(chunks), content);
});

void t.test('a stream can be stopped early', async (t) => {
  for await (const chunk of source.stream('large.bin', 1_000_000)) {
    t.ok(chunk.byteLength > 0);
    break;
  }
});

void t.test('probe: the file identity and times, without reading it', async (t) => {
  const name = 'orbit/macos/stable/orbit';
  const file = path.join(repo, name);
  const before = await source.probe(name);
  t.equal(before.length, 6);
  t.match(before.lastModified, /^\d{4}-\d\d-\d\dT/);
  t.same(await source.probe(name), before, 'unchanged: the same validators');
  // Other bytes of the same length, with the old modification time put back: ctime still moves.
  const { atime, mtime } = fs.statSync(file);
  await new Promise((resolve) => setTimeout(resolve, 20));
  fs.writeFileSync(file, 'BINARY');
  fs.utimesSync(file, atime, mtime);
  const after = await source.probe(name);
  // utimes takes the time back to within a millisecond; the ISO string may round across one.
  t.ok(Math.abs(Date.parse(after.lastModified!) - Date.parse(before.lastModified!)) <= 1);
  t.not(after.etag, before.etag, 'the replacement shows');
  fs.writeFileSync(file, 'binary');
  await t.rejects(source.probe('missing.json'), { code: 'METADATA_MISSING' });
  await t.rejects(source.probe('adir.json'), { code: 'FETCH_FAILED' });
  await t.rejects(source.probe('../secret.json'), { code: 'FETCH_FAILED' });
});

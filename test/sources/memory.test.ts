import t from 'tap';
import { MemorySource } from '../../sources/memory.js';
import { TufError } from '../../tuf/errors.js';
import { verifyRepository } from '../../tuf/verify.js';
import { RepoBuilder } from '../support/builder.js';

const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const files = new Map<string, Uint8Array>([
  ['root.json', bytes('{"signed":{}}')],
  ['empty.json', bytes('')],
  ['__proto__', bytes('a plain key')],
]);
const source = new MemorySource(files);

t.test('location defaults to memory: and can be named', (t) => {
  t.equal(source.location, 'memory:');
  t.equal(new MemorySource(files, 'upload').location, 'upload');
  t.end();
});

t.test('reads files by name, up to and including maxBytes', async (t) => {
  t.equal(Buffer.from(await source.read('root.json', 13)).toString(), '{"signed":{}}');
  t.equal((await source.read('empty.json', 0)).byteLength, 0);
  t.equal(Buffer.from(await source.read('__proto__', 100)).toString(), 'a plain key');
});

const failures = [
  {
    name: 'missing.json',
    maxBytes: 100,
    code: 'METADATA_MISSING',
    details: { file: 'missing.json' },
  },
  {
    name: 'constructor',
    maxBytes: 100,
    code: 'METADATA_MISSING',
    details: { file: 'constructor' },
  },
  {
    name: 'root.json',
    maxBytes: 12,
    code: 'SIZE_LIMIT_EXCEEDED',
    details: { file: 'root.json', expected: 12 },
  },
];

t.test('absent and oversized files fail with their codes, read and streamed', async (t) => {
  for (const { name, maxBytes, code, details } of failures) {
    await t.rejects(source.read(name, maxBytes), { code, details }, name);
    const consume = async (): Promise<void> => {
      for await (const _chunk of source.stream(name, maxBytes)) t.fail('no chunk expected');
    };
    await t.rejects(consume(), { code, details }, `stream ${name}`);
  }
  await t.rejects(source.read('missing.json', 1), TufError);
});

t.test('streams a file as one chunk', async (t) => {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source.stream('root.json', 100)) chunks.push(chunk);
  t.equal(chunks.length, 1);
  t.equal(Buffer.from(chunks[0] ?? []).toString(), '{"signed":{}}');
});

t.test('a staged repository verifies from memory; a missing next root ends rotation', async (t) => {
  const now = new Date('2031-03-01T00:00:00Z');
  const built = new RepoBuilder({ now, roles: { root: { threshold: 2 } } })
    .addTarget('a.txt', 'hello')
    .rotateRoot()
    .build();
  const staged = new Map([...built].filter(([name]) => !name.startsWith('targets/')));
  const report = await verifyRepository({
    repository: new MemorySource(staged),
    trustedRoot: staged.get('1.root.json'),
    targetsMode: 'skip',
    now,
  });
  t.equal(report.ok, true, JSON.stringify(report.findings));
  t.equal(report.roles.root?.version, 2);
  t.equal(report.targetCount, 1);
});

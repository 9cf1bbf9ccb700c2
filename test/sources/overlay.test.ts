import t from 'tap';
import { MemorySource } from '../../sources/memory.js';
import { OverlaySource, withRootAlias } from '../../sources/overlay.js';
import { TufError } from '../../tuf/errors.js';
import type { MetadataSource } from '../../tuf/source.js';

const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const text = (data: Uint8Array): string => Buffer.from(data).toString('utf8');

const staged = new MemorySource(
  new Map([
    ['timestamp.json', bytes('staged timestamp')],
    ['big.json', bytes('more than four bytes')],
  ]),
  'upload',
);
const published = new MemorySource(
  new Map([
    ['timestamp.json', bytes('live timestamp')],
    ['1.root.json', bytes('live root')],
  ]),
  'https://example.test/',
);
const overlay = new OverlaySource(staged, published);

async function streamed(source: MetadataSource, name: string, maxBytes = 100): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source.stream(name, maxBytes)) chunks.push(chunk);
  return text(Buffer.concat(chunks));
}

t.test('names both sides', (t) => {
  t.equal(overlay.location, 'upload over https://example.test/');
  t.end();
});

t.test('a staged file wins; a missing one is read from the published side', async (t) => {
  t.equal(text(await overlay.read('timestamp.json', 100)), 'staged timestamp');
  t.equal(text(await overlay.read('1.root.json', 100)), 'live root');
  t.equal(await streamed(overlay, 'timestamp.json'), 'staged timestamp');
  t.equal(await streamed(overlay, '1.root.json'), 'live root');
});

t.test('missing on both sides is missing', async (t) => {
  await t.rejects(overlay.read('2.root.json', 100), { code: 'METADATA_MISSING' });
  await t.rejects(streamed(overlay, '2.root.json'), { code: 'METADATA_MISSING' });
});

t.test('any other failure of the staged side is its own: no fall-through', async (t) => {
  await t.rejects(overlay.read('big.json', 4), { code: 'SIZE_LIMIT_EXCEEDED' });
  await t.rejects(streamed(overlay, 'big.json', 4), { code: 'SIZE_LIMIT_EXCEEDED' });
});

t.test('a staged stream that fails after its first chunk does not switch sides', async (t) => {
  const broken: MetadataSource = {
    location: 'broken',
    read: () => Promise.reject(new Error('unused')),
    async *stream() {
      yield await Promise.resolve(bytes('half'));
      throw new TufError('METADATA_MISSING', 'vanished mid-read');
    },
  };
  await t.rejects(streamed(new OverlaySource(broken, published), '1.root.json'), {
    message: 'vanished mid-read',
  });
});

t.test('withRootAlias: root.json is the newest N.root.json uploaded', (t) => {
  const upload = new Map([
    ['2.root.json', bytes('v2')],
    ['10.root.json', bytes('v10')],
    ['3.root.json', bytes('v3')],
    ['0.root.json', bytes('not a version')],
    ['timestamp.json', bytes('ts')],
  ]);
  const aliased = withRootAlias(upload);
  t.equal(text(aliased.get('root.json') as Uint8Array), 'v10');
  t.notOk(upload.has('root.json'), 'the upload itself is not changed');
  const own = withRootAlias(new Map([...upload, ['root.json', bytes('sent')]]));
  t.equal(text(own.get('root.json') as Uint8Array), 'sent', 'an uploaded root.json stays');
  t.notOk(withRootAlias(new Map([['timestamp.json', bytes('ts')]])).has('root.json'));
  t.end();
});

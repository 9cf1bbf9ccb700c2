import t from 'tap';
import { MemorySource } from '../../sources/memory.js';
import { ReachabilityProbe } from '../../sources/reachability.js';
import { TufError } from '../../tuf/errors.js';
import type { MetadataSource } from '../../tuf/source.js';

/** A source whose every read fails with `err`. */
const failing = (err: unknown): MetadataSource => ({
  location: 'https://down.example/',
  read: async () => {
    await Promise.resolve();
    throw err;
  },
  // eslint-disable-next-line require-yield
  async *stream() {
    await Promise.resolve();
    throw err;
  },
});
const refused = new TufError('FETCH_FAILED', 'connection refused');
const files = new MemorySource(new Map([['root.json', Buffer.from('{}')]]));

async function drain(source: MetadataSource, name: string): Promise<void> {
  for await (const _chunk of source.stream(name, 100));
}

t.test('nothing read yet: not known to be unreachable', (t) => {
  const probe = new ReachabilityProbe(files);
  t.equal(probe.location, 'memory:');
  t.equal(probe.unreachable, undefined);
  t.end();
});

t.test('every read failed to connect: unreachable, with the first reason', async (t) => {
  const probe = new ReachabilityProbe(failing(refused));
  await t.rejects(probe.read('root.json', 100), refused);
  await t.rejects(drain(probe, 'a.txt'), refused);
  t.equal(probe.unreachable, 'connection refused');
  const odd = new ReachabilityProbe(failing('a string'));
  await t.rejects(odd.read('root.json', 100));
  t.equal(odd.unreachable, 'a string', 'anything thrown counts as not answered');
});

t.test('any answer, even "missing" or "too large", means reached', async (t) => {
  for (const err of [
    new TufError('METADATA_MISSING', '404'),
    new TufError('SIZE_LIMIT_EXCEEDED', 'too large'),
  ]) {
    const probe = new ReachabilityProbe(failing(err));
    await t.rejects(probe.read('x.json', 100));
    t.equal(probe.unreachable, undefined, err.code);
  }
  const probe = new ReachabilityProbe(files);
  await t.rejects(probe.read('missing.json', 100), { code: 'METADATA_MISSING' });
  t.equal(probe.unreachable, undefined);
});

t.test('a file read or streamed means reached, whatever failed before', async (t) => {
  const read = new ReachabilityProbe(files);
  t.equal((await read.read('root.json', 100)).byteLength, 2);
  t.equal(read.unreachable, undefined);
  const streamed = new ReachabilityProbe(files);
  await drain(streamed, 'root.json');
  t.equal(streamed.unreachable, undefined);
});

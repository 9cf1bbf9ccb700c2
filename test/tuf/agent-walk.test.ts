import t from 'tap';
import { MemorySource } from '../../sources/memory.js';
import { walkAgentRoot, walkAgentRoots, type AgentWalkOptions } from '../../tuf/agent-walk.js';
import { TufError } from '../../tuf/errors.js';
import type { MetadataSource } from '../../tuf/source.js';
import type { VerifyReport } from '../../tuf/verify.js';
import { RepoBuilder } from '../support/builder.js';

const NOW = new Date('2030-06-01T00:00:00Z');
const DAY = 24 * 3600 * 1000;
const LATER = new Date(NOW.getTime() + 30 * DAY);

/** Counts the reads that reach the host. */
class Counting implements MetadataSource {
  readonly location = 'memory:';
  readonly reads: string[] = [];
  readonly #inner: MetadataSource;

  constructor(inner: MetadataSource) {
    this.#inner = inner;
  }

  read(name: string, maxBytes: number): Promise<Uint8Array> {
    this.reads.push(name);
    return this.#inner.read(name, maxBytes);
  }

  stream(name: string, maxBytes: number): AsyncIterable<Uint8Array> {
    return this.#inner.stream(name, maxBytes);
  }
}

/** A repository at root v3 (rotated twice, each rotation signed by old and new keys). */
function rotated(): RepoBuilder {
  return new RepoBuilder({ now: NOW })
    .rotateRoot({ roles: { root: {}, timestamp: {} } })
    .rotateRoot({ roles: { root: {}, snapshot: {} } });
}

function options(
  files: ReadonlyMap<string, Uint8Array>,
  extra: Partial<AgentWalkOptions> = {},
): AgentWalkOptions {
  return {
    name: 'fleetd-1',
    root: files.get('1.root.json')!,
    metadata: new MemorySource(files),
    now: NOW,
    lookaheadAt: LATER,
    currentRootVersion: 3,
    ...extra,
  };
}

t.test('a root that chains to today reaches every role, now and at the look-ahead', async (t) => {
  const files = rotated().build();
  const counting = new Counting(new MemorySource(files));
  const walk = await walkAgentRoot(options(files, { metadata: counting }));
  t.match(walk, {
    name: 'fleetd-1',
    embeddedRootVersion: 1,
    reachable: true,
    finalRootVersion: 3,
    lookahead: { at: LATER.toISOString(), reachable: true },
  });
  t.notOk(walk.failure);
  t.strictSame(walk.roles.map((r) => r.role).sort(), ['root', 'snapshot', 'targets', 'timestamp']);
  t.ok(walk.breaks, 'the next break is named');
  // The look-ahead walk reads what today's walk read: one read per file.
  t.equal(new Set(counting.reads).size, counting.reads.length, 'each file read once');
});

t.test('a rotation the embedded root keys did not sign: fail at that N.root.json', async (t) => {
  const files = new RepoBuilder({ now: NOW })
    .rotateRoot({ roles: { root: {} }, signers: 'new' })
    .build();
  const walk = await walkAgentRoot(options(files, { currentRootVersion: 2 }));
  t.match(walk, {
    reachable: false,
    finalRootVersion: 1,
    failure: { code: 'ROOT_ROTATION_INVALID', file: '2.root.json' },
  });
  t.notOk(walk.lookahead, 'no look-ahead when today fails');
});

t.test('a missing intermediate N.root.json: fail, naming it, before later steps', async (t) => {
  const files = rotated().omit('2.root.json').build();
  const walk = await walkAgentRoot(options(files));
  t.match(walk, {
    reachable: false,
    finalRootVersion: 1,
    failure: { code: 'METADATA_MISSING', role: 'root', file: '2.root.json' },
  });
});

t.test(
  'without the current root version, a walk that stops short fails at its next step',
  async (t) => {
    const files = rotated().omit('2.root.json').build();
    const walk = await walkAgentRoot(options(files, { currentRootVersion: undefined }));
    // Root v1 does not know the rotated timestamp key.
    t.match(walk, { reachable: false, failure: { code: 'SIGNATURE_THRESHOLD_NOT_MET' } });
  },
);

t.test('an expired final root: fail', async (t) => {
  const files = new RepoBuilder({
    now: NOW,
    expires: { root: new Date(NOW.getTime() - DAY) },
  }).build();
  const walk = await walkAgentRoot(options(files, { currentRootVersion: 1 }));
  t.match(walk, { reachable: false, failure: { code: 'METADATA_EXPIRED', role: 'root' } });
});

t.test('a root that expires within the look-ahead: the break date is its expiry', async (t) => {
  const expires = new Date(NOW.getTime() + 10 * DAY);
  const files = new RepoBuilder({ now: NOW, expires: { root: expires } }).build();
  const walk = await walkAgentRoot(options(files, { currentRootVersion: 1 }));
  t.match(walk, {
    reachable: true,
    breaks: { role: 'root', version: 1, expires: expires.toISOString() },
    lookahead: { reachable: false, failure: { code: 'METADATA_EXPIRED', role: 'root' } },
  });
});

t.test(
  'a timestamp that expires within the look-ahead: routine re-signing, the chain holds',
  async (t) => {
    // Fleet re-signs its 14-day timestamp weekly: every 30-day walk would break on it.
    const expires = new Date(NOW.getTime() + 10 * DAY);
    const files = new RepoBuilder({ now: NOW, expires: { timestamp: expires } }).build();
    const walk = await walkAgentRoot(options(files, { currentRootVersion: 1 }));
    t.match(walk, { reachable: true, breaks: { role: 'root' }, lookahead: { reachable: true } });
    t.notOk(walk.lookahead?.failure);
  },
);

t.test('an embedded root that does not verify itself: fail before any request', async (t) => {
  const files = new RepoBuilder({ now: NOW }).build();
  const unsigned = new RepoBuilder({ now: NOW })
    .editSignatures('root', () => [])
    .build()
    .get('1.root.json')!;
  const walk = await walkAgentRoot(options(files, { root: unsigned }));
  t.match(walk, { reachable: false, failure: { code: 'SIGNATURE_THRESHOLD_NOT_MET' } });
  t.notOk('embeddedRootVersion' in walk);
  t.notOk('finalRootVersion' in walk);
});

t.test('an unreachable repository: FETCH_FAILED, from a TufError or any other error', async (t) => {
  const files = new RepoBuilder({ now: NOW }).build();
  for (const thrown of [
    new TufError('FETCH_FAILED', 'connect ECONNREFUSED', { file: '2.root.json' }),
    new Error('socket hang up'),
  ]) {
    const metadata: MetadataSource = {
      location: 'https://down.test',
      read: () => Promise.reject(thrown),
      stream: () => {
        throw new Error('unused');
      },
    };
    const walk = await walkAgentRoot(options(files, { metadata, currentRootVersion: 1 }));
    t.match(walk, { reachable: false, finalRootVersion: 1, failure: { code: 'FETCH_FAILED' } });
  }
});

t.test('walkAgentRoots measures each agent against the root verification trusts', async (t) => {
  const files = rotated().omit('2.root.json').build();
  const report = (root: number, untrustedRoles?: string[]): VerifyReport => ({
    ok: true,
    referenceTime: NOW.toISOString(),
    roles: {
      root: {
        version: root,
        expires: '2031-01-01T00:00:00Z',
        threshold: 1,
        validSignatures: 1,
        keys: 1,
        length: 1,
        sha256: 'a'.repeat(64),
        signedSha256: 'b'.repeat(64),
      },
    },
    findings: [],
    targetCount: 0,
    ...(untrustedRoles !== undefined && { untrustedRoles }),
  });
  const agents = [
    { name: 'fleetd-1', root: files.get('1.root.json')! },
    { name: 'fleetd-3', root: files.get('3.root.json')! },
  ];
  const options = { now: NOW, lookaheadAt: LATER };
  const trusted = await walkAgentRoots(agents, new MemorySource(files), report(3), options);
  t.match(trusted, [
    {
      name: 'fleetd-1',
      reachable: false,
      failure: { code: 'METADATA_MISSING', file: '2.root.json' },
    },
    { name: 'fleetd-3', reachable: true, finalRootVersion: 3 },
  ]);
  // A served root v3 that did not check out is no yardstick: the next step fails instead.
  const untrusted = await walkAgentRoots(
    agents,
    new MemorySource(files),
    report(3, ['root']),
    options,
  );
  t.match(untrusted[0], { reachable: false, failure: { code: 'SIGNATURE_THRESHOLD_NOT_MET' } });
});

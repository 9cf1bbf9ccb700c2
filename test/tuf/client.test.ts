import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { DirectorySource } from '../../sources/directory.js';
import { DirectoryStore } from '../../sources/store.js';
import {
  quoteName,
  TufClient,
  verifyTarget,
  type LocalStore,
  type TargetInfo,
} from '../../tuf/client.js';
import { succinctRoleForTarget } from '../../tuf/delegations.js';
import { TufError } from '../../tuf/errors.js';
import type { FindingCode } from '../../tuf/findings.js';
import { DEFAULT_LIMITS, type Limits } from '../../tuf/limits.js';
import type { MetadataSource } from '../../tuf/source.js';
import {
  generateKey,
  RepoBuilder,
  type RepoOptions,
  type TargetsSigned,
} from '../support/builder.js';
import { fixture, materialize } from '../support/fixtures.js';

// Builder repositories: expiries default to one year after this.
const NOW = new Date('2030-06-01T00:00:00Z');
const DAY = 24 * 3600 * 1000;

/** A static host in memory that records what was asked of it, as tuf-conformance's simulator does. */
class MemorySource implements MetadataSource {
  readonly location = 'memory:';
  readonly requests: string[] = [];
  files = new Map<string, Uint8Array>();
  readonly failures = new Map<string, unknown>();

  async read(name: string, maxBytes: number): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.stream(name, maxBytes)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  async *stream(name: string, maxBytes: number): AsyncIterable<Uint8Array> {
    // Answers on a later tick, as a network would.
    await Promise.resolve();
    this.requests.push(name);
    if (this.failures.has(name)) throw this.failures.get(name);
    const bytes = this.files.get(name);
    if (bytes === undefined) {
      throw new TufError('METADATA_MISSING', `${name}: HTTP 404`, { file: name });
    }
    if (bytes.byteLength > maxBytes) {
      throw new TufError('SIZE_LIMIT_EXCEEDED', `${name} is larger than ${maxBytes} bytes`, {
        file: name,
        expected: maxBytes,
      });
    }
    yield bytes;
  }
}

class MemoryStore implements LocalStore {
  readonly files = new Map<string, Uint8Array>();
  readonly writes: string[] = [];

  read(name: string): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.files.get(name));
  }

  write(name: string, bytes: Uint8Array): Promise<void> {
    this.writes.push(name);
    this.files.set(name, Buffer.from(bytes));
    return Promise.resolve();
  }
}

const text = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString('utf8');
const versionIn = (bytes: Uint8Array | undefined): number =>
  (JSON.parse(text(bytes)) as { signed: { version: number } }).signed.version;

/**
 * A repository built by the RepoBuilder, served from memory, and a client
 * store initialized with its first root (tuf-conformance's `init`).
 */
class Scenario {
  readonly metadata = new MemorySource();
  readonly targets = new MemorySource();
  readonly store = new MemoryStore();
  readonly builder: RepoBuilder;

  constructor(options: Partial<RepoOptions> | RepoBuilder = {}) {
    this.builder =
      options instanceof RepoBuilder ? options : new RepoBuilder({ now: NOW, ...options });
    this.publish();
    this.store.files.set('root.json', this.metadata.files.get('1.root.json')!);
  }

  /** Serves the builder's current state, under the names a client asks for (role names quoted). */
  publish(): this {
    this.metadata.files.clear();
    this.targets.files.clear();
    for (const [name, bytes] of this.builder.build()) {
      if (name.startsWith('targets/')) this.targets.files.set(name.slice(8), bytes);
      else this.metadata.files.set(name, bytes);
    }
    return this;
  }

  open(now = NOW, limits?: Limits): Promise<TufClient> {
    return TufClient.open({
      metadata: this.metadata,
      targets: this.targets,
      store: this.store,
      now,
      limits,
    });
  }

  /** A fresh client (one CLI run) that refreshes. */
  async refresh(now = NOW, limits?: Limits): Promise<TufClient> {
    const client = await this.open(now, limits);
    await client.refresh();
    return client;
  }

  /** Forgets the requests so far. */
  reset(): void {
    this.metadata.requests.length = 0;
    this.targets.requests.length = 0;
    this.store.writes.length = 0;
  }
}

const rejectsWith = (
  tt: { rejects: typeof t.rejects },
  promise: Promise<unknown>,
  code: FindingCode,
  details: Record<string, unknown> = {},
): Promise<unknown> => tt.rejects(promise, { name: 'TufError', code, details });

// ---------------------------------------------------------------------------

void t.test('refresh: the request sequence and the stored files (conformance basic)', async (t) => {
  for (const consistentSnapshot of [false, true]) {
    const s = new Scenario({ consistentSnapshot });
    const client = await s.refresh();
    t.same(
      s.metadata.requests,
      consistentSnapshot
        ? ['2.root.json', 'timestamp.json', '1.snapshot.json', '1.targets.json']
        : ['2.root.json', 'timestamp.json', 'snapshot.json', 'targets.json'],
    );
    t.same(client.trustedVersions(), { root: 1, timestamp: 1, snapshot: 1, targets: 1 });
    t.same([...s.store.files.keys()].sort(), [
      'root.json',
      'snapshot.json',
      'targets.json',
      'timestamp.json',
    ]);
    t.same(s.store.files.get('snapshot.json'), s.metadata.files.get('snapshot.json'));

    // Nothing changed: the stored snapshot and targets are used without a request,
    // and an equal timestamp is not written again.
    s.reset();
    await s.refresh();
    t.same(s.metadata.requests, ['2.root.json', 'timestamp.json']);
    t.same(s.store.writes, []);
  }
});

void t.test('refresh runs once per client; the trusted state before it is the root', async (t) => {
  const s = new Scenario();
  const client = await s.open();
  t.same(client.trustedVersions(), { root: 1 });
  t.same(s.metadata.requests, [], 'opening makes no request');
  await Promise.all([client.refresh(), client.refresh()]);
  await client.refresh();
  t.equal(s.metadata.requests.length, 4);
});

void t.test('the stored trusted root (TUF 5.2)', async (t) => {
  await t.test('missing', async (t) => {
    const s = new Scenario();
    s.store.files.delete('root.json');
    await rejectsWith(t, s.open(), 'METADATA_MISSING', { role: 'root' });
  });
  await t.test('malformed', async (t) => {
    const s = new Scenario();
    s.store.files.set('root.json', Buffer.from('{"signed": {"_type": "root"}}'));
    await rejectsWith(t, s.open(), 'MALFORMED_METADATA');
    t.same(s.metadata.requests, [], 'no request is made (conformance test_invalid_initial_root)');
  });
  await t.test('not signed by its own threshold', async (t) => {
    const s = new Scenario(
      new RepoBuilder({ now: NOW }).tamper('root', (signed) => {
        signed.expires = '2099-01-01T00:00:00Z';
      }),
    );
    await rejectsWith(t, s.open(), 'SIGNATURE_THRESHOLD_NOT_MET', { role: 'root' });
    t.same(s.metadata.requests, []);
  });
  await t.test('a threshold of 0 is never met (go-tuf CVE-2026-23992)', async (t) => {
    const s = new Scenario(
      new RepoBuilder({ now: NOW }).mutateSigned('root', (signed) => {
        signed.roles.timestamp.threshold = 0;
      }),
    );
    await rejectsWith(t, s.refresh(), 'INVALID_THRESHOLD', { role: 'timestamp' });
  });
  await t.test('an expired trusted root may be rotated away from, not used', async (t) => {
    const s = new Scenario({ expires: { root: new Date(NOW.getTime() - DAY) } });
    await rejectsWith(t, s.refresh(), 'METADATA_EXPIRED', { role: 'root' });
    s.builder.rotateRoot({ expires: new Date(NOW.getTime() + DAY) });
    s.publish();
    const client = await s.refresh();
    t.equal(client.trustedVersions().root, 2);
  });
});

void t.test('root rotation (TUF 5.3)', async (t) => {
  await t.test('one version at a time, each persisted', async (t) => {
    const s = new Scenario();
    s.builder
      .rotateRoot({ roles: { root: { threshold: 2 } } })
      .rotateRoot({ roles: { root: {}, timestamp: {} } })
      .rotateRoot();
    s.publish();
    const client = await s.refresh();
    t.equal(client.trustedVersions().root, 4);
    t.same(s.metadata.requests.slice(0, 4), [
      '2.root.json',
      '3.root.json',
      '4.root.json',
      '5.root.json',
    ]);
    t.same(s.store.writes.slice(0, 3), ['root.json', 'root.json', 'root.json']);
    t.equal(versionIn(s.store.files.get('root.json')), 4);
  });

  await t.test('at most limits.maxRootRotations versions per update', async (t) => {
    const s = new Scenario();
    s.builder.rotateRoot().rotateRoot().rotateRoot();
    s.publish();
    const client = await s.refresh(NOW, { ...DEFAULT_LIMITS, maxRootRotations: 2 });
    t.equal(client.trustedVersions().root, 3);
    t.notOk(s.metadata.requests.includes('4.root.json'));
  });

  const invalid: {
    name: string;
    build: (b: RepoBuilder) => void;
    code: FindingCode;
    serve?: (s: Scenario) => void;
  }[] = [
    {
      name: 'signed by the new root keys only',
      build: (b) => b.rotateRoot({ roles: { root: {} }, signers: 'new' }),
      code: 'ROOT_ROTATION_INVALID',
    },
    {
      name: 'signed by the old root keys only',
      build: (b) => b.rotateRoot({ roles: { root: {} }, signers: 'old' }),
      code: 'ROOT_ROTATION_INVALID',
    },
    {
      name: 'a skipped version (3 served as 2.root.json)',
      build: (b) => b.rotateRoot({ version: 3 }),
      code: 'ROOT_ROTATION_INVALID',
      serve: (s) => s.metadata.files.set('2.root.json', s.metadata.files.get('3.root.json')!),
    },
    {
      name: 'a replayed version (1 served as 2.root.json)',
      build: () => undefined,
      code: 'ROOT_ROTATION_INVALID',
      serve: (s) => s.metadata.files.set('2.root.json', s.metadata.files.get('1.root.json')!),
    },
    {
      name: 'malformed',
      build: () => undefined,
      code: 'MALFORMED_METADATA',
      serve: (s) => s.metadata.files.set('2.root.json', Buffer.from('not json')),
    },
    {
      name: 'a server error is not the end of the chain',
      build: () => undefined,
      code: 'FETCH_FAILED',
      serve: (s) =>
        s.metadata.failures.set('2.root.json', new TufError('FETCH_FAILED', 'HTTP 500')),
    },
    {
      name: 'larger than the root size limit',
      build: () => undefined,
      code: 'SIZE_LIMIT_EXCEEDED',
      serve: (s) =>
        s.metadata.files.set('2.root.json', Buffer.alloc(DEFAULT_LIMITS.maxRootBytes + 1, 32)),
    },
  ];
  for (const c of invalid) {
    await t.test(c.name, async (t) => {
      const s = new Scenario();
      c.build(s.builder);
      s.publish();
      c.serve?.(s);
      await rejectsWith(t, s.refresh(), c.code);
      t.equal(versionIn(s.store.files.get('root.json')), 1, 'the trusted root is unchanged');
    });
  }

  await t.test('details of a rotation that the old root did not sign', async (t) => {
    const s = new Scenario();
    s.builder.rotateRoot({ roles: { root: {} }, signers: 'new' });
    s.publish();
    await rejectsWith(t, s.refresh(), 'ROOT_ROTATION_INVALID', {
      file: '2.root.json',
      role: 'root',
      threshold: 1,
      validKeys: [],
    });
  });

  await t.test('intermediate roots may be expired, the final one may not', async (t) => {
    const past = new Date(NOW.getTime() - DAY);
    const s = new Scenario({ expires: { root: past } });
    s.builder.rotateRoot({ expires: past }).rotateRoot({ expires: new Date(NOW.getTime() + DAY) });
    s.publish();
    t.equal((await s.refresh()).trustedVersions().root, 3);

    const s2 = new Scenario();
    s2.builder.rotateRoot().rotateRoot({ expires: past });
    s2.publish();
    await rejectsWith(t, s2.refresh(), 'METADATA_EXPIRED', { role: 'root', version: 3 });
    t.equal(versionIn(s2.store.files.get('root.json')), 3, 'rotated roots stay trusted');
    t.notOk(s2.metadata.requests.includes('timestamp.json'));
  });
});

void t.test('timestamp (TUF 5.4)', async (t) => {
  await t.test('version rollback against the stored timestamp', async (t) => {
    const s = new Scenario();
    s.builder.setVersion('timestamp', 2);
    s.publish();
    await s.refresh();
    s.builder.setVersion('timestamp', 1);
    s.publish();
    await rejectsWith(t, s.refresh(), 'VERSION_ROLLBACK', {
      role: 'timestamp',
      expected: 2,
      actual: 1,
    });
    t.equal(versionIn(s.store.files.get('timestamp.json')), 2);
  });

  await t.test('snapshot version rollback in the timestamp', async (t) => {
    const s = new Scenario();
    s.builder.setVersion('snapshot', 2);
    s.publish();
    await s.refresh();
    s.builder.setVersion('snapshot', 1).setVersion('timestamp', 2);
    s.publish();
    await rejectsWith(t, s.refresh(), 'VERSION_ROLLBACK', {
      role: 'snapshot',
      expected: 2,
      actual: 1,
    });
  });

  await t.test(
    'an equal version keeps the trusted one (test_timestamp_eq_versions_check)',
    async (t) => {
      const s = new Scenario();
      await s.refresh();
      const trusted = s.store.files.get('timestamp.json');
      s.builder.mutateSigned('timestamp', (signed) => {
        signed.meta['snapshot.json']!.version = 100;
      });
      s.publish();
      s.reset();
      const client = await s.refresh();
      t.equal(client.trustedVersions().snapshot, 1);
      t.same(s.store.files.get('timestamp.json'), trusted);
      t.notOk(s.store.writes.includes('timestamp.json'));
    },
  );

  await t.test('an expired timestamp is a freeze attack', async (t) => {
    const s = new Scenario({ expires: { timestamp: new Date(NOW.getTime() - 1000) } });
    await rejectsWith(t, s.refresh(), 'METADATA_EXPIRED', { role: 'timestamp' });
    t.notOk(s.store.files.has('timestamp.json'), 'not persisted');
    t.notOk(s.metadata.requests.includes('snapshot.json'));
  });

  await t.test('a stored timestamp that expired, served again unchanged', async (t) => {
    const s = new Scenario({ expires: { timestamp: new Date(NOW.getTime() + DAY) } });
    await s.refresh();
    s.reset();
    await rejectsWith(t, s.refresh(new Date(NOW.getTime() + 2 * DAY)), 'METADATA_EXPIRED', {
      role: 'timestamp',
    });
  });

  await t.test('an expired stored timestamp still guards against rollback', async (t) => {
    const s = new Scenario({ expires: { timestamp: new Date(NOW.getTime() + DAY) } });
    s.builder.setVersion('timestamp', 5);
    s.publish();
    await s.refresh();
    s.builder.setVersion('timestamp', 4);
    s.publish();
    const client = await s.open(new Date(NOW.getTime() + 2 * DAY));
    await rejectsWith(t, client.refresh(), 'VERSION_ROLLBACK', { role: 'timestamp' });
    t.match(client.localNotes, [{ file: 'timestamp.json', error: { code: 'METADATA_EXPIRED' } }]);
  });

  await t.test('not signed by the timestamp key', async (t) => {
    const s = new Scenario(new RepoBuilder({ now: NOW }).editSignatures('timestamp', () => []));
    await rejectsWith(t, s.refresh(), 'SIGNATURE_THRESHOLD_NOT_MET', { role: 'timestamp' });
  });

  await t.test('larger than the timestamp size limit', async (t) => {
    const s = new Scenario();
    s.metadata.files.set('timestamp.json', Buffer.alloc(DEFAULT_LIMITS.maxTimestampBytes + 1));
    await rejectsWith(t, s.refresh(), 'SIZE_LIMIT_EXCEEDED');
  });

  await t.test('missing', async (t) => {
    const s = new Scenario();
    s.metadata.files.delete('timestamp.json');
    await rejectsWith(t, s.refresh(), 'METADATA_MISSING');
  });
});

void t.test('snapshot (TUF 5.5)', async (t) => {
  await t.test('length and hashes from the timestamp', async (t) => {
    const s = new Scenario();
    const good = s.metadata.files.get('snapshot.json')!;
    s.metadata.files.set('snapshot.json', good.subarray(0, good.length - 1));
    await rejectsWith(t, s.refresh(), 'LENGTH_MISMATCH', {
      role: 'snapshot',
      expected: good.length,
      actual: good.length - 1,
    });

    const same = Buffer.from(good);
    same[same.length - 1] = 0x20; // the closing '}' becomes a space: same length
    s.metadata.files.set('snapshot.json', same);
    await rejectsWith(t, s.refresh(), 'HASH_MISMATCH', { role: 'snapshot' });
  });

  await t.test('at most the length the timestamp lists is read', async (t) => {
    const s = new Scenario();
    const good = s.metadata.files.get('snapshot.json')!;
    s.metadata.files.set('snapshot.json', Buffer.concat([good, Buffer.alloc(1000, 32)]));
    await rejectsWith(t, s.refresh(), 'SIZE_LIMIT_EXCEEDED', { expected: good.length });
  });

  await t.test('not the version the timestamp lists', async (t) => {
    const s = new Scenario(
      new RepoBuilder({ now: NOW }).mutateSigned('timestamp', (signed) => {
        signed.meta['snapshot.json']!.version = 5;
      }),
    );
    await rejectsWith(t, s.refresh(), 'VERSION_MISMATCH', {
      role: 'snapshot',
      expected: 5,
      actual: 1,
    });
    t.notOk(s.store.files.has('snapshot.json'));
  });

  await t.test('expired', async (t) => {
    const s = new Scenario({ expires: { snapshot: new Date(NOW.getTime() - 1) } });
    await rejectsWith(t, s.refresh(), 'METADATA_EXPIRED', { role: 'snapshot' });
  });

  await t.test('not signed by the snapshot key', async (t) => {
    const s = new Scenario(
      new RepoBuilder({ now: NOW, roles: { snapshot: { threshold: 2 } } }).editSignatures(
        'snapshot',
        (sigs) => [sigs[0]!, sigs[0]!],
      ),
    );
    await rejectsWith(t, s.refresh(), 'SIGNATURE_THRESHOLD_NOT_MET', {
      role: 'snapshot',
      threshold: 2,
    });
  });

  await t.test(
    'a keyid signing twice, threshold met (conformance test_duplicate_sig_keyids)',
    async (t) => {
      // TUF: a keyid MUST be unique in signatures; the copy is refused, not counted once.
      const s = new Scenario(
        new RepoBuilder({ now: NOW }).editSignatures('snapshot', (sigs) => [...sigs, sigs[0]!]),
      );
      await rejectsWith(t, s.refresh(), 'DUPLICATE_SIGNATURE', { role: 'snapshot' });
      t.notOk(s.store.files.has('snapshot.json'), 'the snapshot is not stored');
    },
  );

  await t.test('a targets version rollback (conformance test_targets_rollback)', async (t) => {
    const s = new Scenario({ snapshotFileInfo: 'full' });
    s.builder.setVersion('targets', 3).setVersion('snapshot', 3).setVersion('timestamp', 3);
    s.publish();
    await s.refresh();
    s.builder.setVersion('targets', 2).setVersion('snapshot', 5).setVersion('timestamp', 5);
    s.publish();
    await rejectsWith(t, s.refresh(), 'VERSION_ROLLBACK', {
      role: 'snapshot',
      file: 'targets.json',
      expected: 3,
      actual: 2,
    });
    t.equal(versionIn(s.store.files.get('snapshot.json')), 3);
    t.equal(versionIn(s.store.files.get('targets.json')), 3);
  });

  await t.test('a role removed from the snapshot', async (t) => {
    const s = new Scenario();
    s.builder.addDelegation({ name: 'role1', targets: { 'a.txt': 'a' } });
    s.publish();
    await s.refresh();
    s.builder
      .setVersion('snapshot', 2)
      .setVersion('timestamp', 2)
      .mutateSigned('snapshot', (signed) => {
        delete signed.meta['role1.json'];
      });
    s.publish();
    await rejectsWith(t, s.refresh(), 'VERSION_ROLLBACK', {
      role: 'snapshot',
      file: 'role1.json',
      expected: 1,
    });
  });

  await t.test('a stored snapshot that no longer verifies is fetched again', async (t) => {
    const s = new Scenario();
    await s.refresh();
    s.store.files.set('snapshot.json', Buffer.from('garbage'));
    s.reset();
    const client = await s.refresh();
    t.same(s.metadata.requests, ['2.root.json', 'timestamp.json', 'snapshot.json']);
    t.match(client.localNotes, [{ file: 'snapshot.json', error: { code: 'MALFORMED_METADATA' } }]);
  });

  await t.test('a store that fails to read is a note, not a failure', async (t) => {
    const s = new Scenario();
    await s.refresh();
    const store: LocalStore = {
      read: (name) =>
        name === 'root.json' ? s.store.read(name) : Promise.reject(new Error(`EACCES: ${name}`)),
      write: (name, bytes) => s.store.write(name, bytes),
    };
    const client = await TufClient.open({ metadata: s.metadata, store, now: NOW });
    await client.refresh();
    t.same(
      client.localNotes.map((n) => n.file),
      ['timestamp.json', 'snapshot.json', 'targets.json'],
    );
  });
});

void t.test('targets (TUF 5.6)', async (t) => {
  await t.test('mix-and-match: the snapshot lists targets v2, the server has v1', async (t) => {
    const s = new Scenario(
      new RepoBuilder({ now: NOW }).mutateSigned('snapshot', (signed) => {
        signed.meta['targets.json']!.version = 2;
      }),
    );
    await rejectsWith(t, s.refresh(), 'VERSION_MISMATCH', {
      role: 'targets',
      expected: 2,
      actual: 1,
    });
    t.notOk(s.store.files.has('targets.json'));
  });

  await t.test('length and hashes from the snapshot', async (t) => {
    const s = new Scenario({ snapshotFileInfo: 'full' });
    const good = s.metadata.files.get('targets.json')!;
    const same = Buffer.from(good);
    same[same.length - 1] = 0x20;
    s.metadata.files.set('targets.json', same);
    await rejectsWith(t, s.refresh(), 'HASH_MISMATCH', { role: 'targets' });
  });

  await t.test('expired', async (t) => {
    const s = new Scenario({ expires: { targets: new Date(NOW.getTime() - 1) } });
    await rejectsWith(t, s.refresh(), 'METADATA_EXPIRED', { role: 'targets' });
  });

  await t.test('signed by a key root does not list for targets', async (t) => {
    const s = new Scenario(
      new RepoBuilder({ now: NOW }).tamper('targets', (signed) => {
        signed.version = 1;
        signed.targets['evil'] = { length: 1, hashes: { sha256: '00' } };
      }),
    );
    await rejectsWith(t, s.refresh(), 'SIGNATURE_THRESHOLD_NOT_MET', { role: 'targets' });
  });

  await t.test('not listed in the snapshot', async (t) => {
    const s = new Scenario(
      new RepoBuilder({ now: NOW }).mutateSigned('snapshot', (signed) => {
        delete signed.meta['targets.json'];
      }),
    );
    await rejectsWith(t, s.refresh(), 'METADATA_MISSING', { role: 'targets' });
  });

  await t.test('a new targets version replaces the stored one', async (t) => {
    const s = new Scenario();
    s.builder.addTarget('a.txt', 'one');
    s.publish();
    await s.refresh();
    s.builder
      .addTarget('a.txt', 'two')
      .setVersion('targets', 2)
      .setVersion('snapshot', 2)
      .setVersion('timestamp', 2);
    s.publish();
    s.reset();
    const client = await s.refresh();
    t.same(s.metadata.requests, ['2.root.json', 'timestamp.json', 'snapshot.json', 'targets.json']);
    t.match(client.localNotes, [
      { file: 'snapshot.json', error: { code: 'VERSION_MISMATCH' } },
      { file: 'targets.json', error: { code: 'VERSION_MISMATCH' } },
    ]);
    t.equal(versionIn(s.store.files.get('targets.json')), 2);
    const target = await client.getTargetInfo('a.txt');
    t.equal(text(await client.downloadTarget(target!)), 'two');
  });
});

void t.test('fast-forward recovery (TUF 5.3.11)', async (t) => {
  await t.test('timestamp: rotated key, version back to 1', async (t) => {
    const s = new Scenario();
    s.builder.setVersion('timestamp', 100);
    s.publish();
    await s.refresh();
    s.builder.setVersion('timestamp', 1);
    s.publish();
    await rejectsWith(t, s.refresh(), 'VERSION_ROLLBACK', { role: 'timestamp' });

    s.builder.rotateRoot({ roles: { timestamp: {} } });
    s.publish();
    const client = await s.refresh();
    t.equal(client.trustedVersions().timestamp, 1);
    t.equal(versionIn(s.store.files.get('timestamp.json')), 1);
    t.match(client.localNotes, [
      { file: 'timestamp.json', error: { code: 'SIGNATURE_THRESHOLD_NOT_MET' } },
    ]);
  });

  await t.test('snapshot: rotated snapshot and timestamp keys', async (t) => {
    const s = new Scenario();
    s.builder.setVersion('snapshot', 99999).setVersion('timestamp', 2);
    s.publish();
    await s.refresh();
    s.builder
      .rotateRoot({ roles: { snapshot: {}, timestamp: {} } })
      .setVersion('snapshot', 1)
      .setVersion('timestamp', 1);
    s.publish();
    const client = await s.refresh();
    t.equal(client.trustedVersions().snapshot, 1);
  });

  await t.test(
    'targets: rotated snapshot key (test_new_targets_fast_forward_recovery)',
    async (t) => {
      const s = new Scenario();
      s.builder.setVersion('targets', 100).setVersion('snapshot', 2).setVersion('timestamp', 2);
      s.publish();
      await s.refresh();
      s.builder
        .rotateRoot({ roles: { snapshot: {} } })
        .setVersion('targets', 2)
        .setVersion('snapshot', 3)
        .setVersion('timestamp', 3);
      s.publish();
      const client = await s.refresh();
      t.equal(client.trustedVersions().targets, 2);
    },
  );
});

// ---------------------------------------------------------------------------
// Delegations (TUF 5.6.7), as tuf-conformance test_updater_delegation_graphs.

interface Edge {
  from: string;
  to: string;
  terminating?: boolean;
  paths?: string[];
}

function graphScenario(edges: readonly Edge[], targets: Record<string, string> = {}): Scenario {
  const b = new RepoBuilder({ now: NOW });
  for (const e of edges) {
    b.addDelegation({ name: e.to, terminating: e.terminating, paths: e.paths ?? ['*'] }, e.from);
  }
  for (const [targetPath, role] of Object.entries(targets)) {
    b.addTarget(targetPath, `${targetPath} by ${role}`, { role });
  }
  return new Scenario(b);
}

const roleRequests = (s: Scenario): string[] => s.metadata.requests.slice(4);

void t.test('delegation graph traversal order', async (t) => {
  const graphs: Record<string, { edges: Edge[]; visited: string[] }> = {
    'basic-delegation': { edges: [{ from: 'targets', to: 'A' }], visited: ['A'] },
    'single-level-delegations': {
      edges: [
        { from: 'targets', to: 'A' },
        { from: 'targets', to: 'B' },
      ],
      visited: ['A', 'B'],
    },
    'two-level-test-DFS-order-of-traversal': {
      edges: [
        { from: 'targets', to: 'A' },
        { from: 'targets', to: 'B' },
        { from: 'A', to: 'C' },
        { from: 'A', to: 'D' },
      ],
      visited: ['A', 'C', 'D', 'B'],
    },
    'three-level-delegation-test-DFS-order-of-traversal': {
      edges: [
        { from: 'targets', to: 'A' },
        { from: 'targets', to: 'B' },
        { from: 'A', to: 'C' },
        { from: 'C', to: 'D' },
      ],
      visited: ['A', 'C', 'D', 'B'],
    },
    'two-level-terminating-ignores-all-but-roles-descendants': {
      edges: [
        { from: 'targets', to: 'A' },
        { from: 'targets', to: 'B' },
        { from: 'A', to: 'C', terminating: true },
        { from: 'A', to: 'D' },
      ],
      visited: ['A', 'C'],
    },
    'three-level-terminating-ignores-all-but-roles-descendants': {
      edges: [
        { from: 'targets', to: 'A' },
        { from: 'targets', to: 'B' },
        { from: 'A', to: 'C', terminating: true },
        { from: 'C', to: 'D' },
      ],
      visited: ['A', 'C', 'D'],
    },
    'two-level-ignores-all-branches-not-matching-paths': {
      edges: [
        { from: 'targets', to: 'A', paths: ['*.py'] },
        { from: 'targets', to: 'B' },
        { from: 'A', to: 'C' },
      ],
      visited: ['B'],
    },
    'three-level-ignores-all-branches-not-matching-paths': {
      edges: [
        { from: 'targets', to: 'A' },
        { from: 'targets', to: 'B' },
        { from: 'A', to: 'C', paths: ['*.py'] },
        { from: 'C', to: 'D' },
      ],
      visited: ['A', 'B'],
    },
    'cyclic-graph': {
      edges: [
        { from: 'targets', to: 'A' },
        { from: 'targets', to: 'B' },
        { from: 'B', to: 'C' },
        { from: 'C', to: 'D' },
        { from: 'D', to: 'B' },
      ],
      visited: ['A', 'B', 'C', 'D'],
    },
    'two-roles-delegating-to-a-third': {
      edges: [
        { from: 'targets', to: 'A' },
        { from: 'targets', to: 'B' },
        { from: 'B', to: 'C' },
        { from: 'A', to: 'C' },
      ],
      visited: ['A', 'C', 'B'],
    },
    'two-roles-delegating-to-a-third-different-paths': {
      edges: [
        { from: 'targets', to: 'A' },
        { from: 'targets', to: 'B' },
        { from: 'B', to: 'C' },
        { from: 'A', to: 'C', paths: ['*.py'] },
      ],
      visited: ['A', 'B', 'C'],
    },
  };
  for (const [name, graph] of Object.entries(graphs)) {
    const s = graphScenario(graph.edges);
    const client = await s.refresh();
    t.equal(await client.getTargetInfo('missingpath'), undefined, name);
    t.same(
      roleRequests(s),
      graph.visited.map((role) => `${role}.json`),
      name,
    );
    t.same(
      [...s.store.files.keys()].filter((f) => !/^(root|timestamp|snapshot|targets)\.json$/.test(f)),
      graph.visited.map((role) => `${role}.json`),
      `${name}: visited roles are stored`,
    );
  }
});

void t.test('target search through the delegation tree', async (t) => {
  const edges: Edge[] = [
    { from: 'targets', to: 'A', paths: ['*.doc', '*.md'] },
    { from: 'targets', to: 'B', paths: ['releases/*/*'] },
    { from: 'B', to: 'C', paths: ['releases/x/*'] },
    { from: 'B', to: 'D', paths: ['releases/y/*.zip'] },
  ];
  const files = {
    targetfile: 'targets',
    'README.md': 'A',
    'releases/x/x_v1': 'C',
    'releases/y/y_v1.zip': 'D',
    'releases/z/z_v1.zip': 'D',
  };
  const cases: [string, string | undefined, string[]][] = [
    ['targetfile', 'targets', []],
    ['README.md', 'A', ['A']],
    ['releases/x/x_v1', 'C', ['B', 'C']],
    ['releases/y/y_v1.zip', 'D', ['B', 'D']],
    // D lists it, but B delegates only releases/y/*.zip to D.
    ['releases/z/z_v1.zip', undefined, ['B']],
  ];
  for (const [targetPath, role, visited] of cases) {
    const s = graphScenario(edges, files);
    const client = await s.refresh();
    const target = await client.getTargetInfo(targetPath);
    t.equal(target?.role, role, targetPath);
    t.same(
      roleRequests(s),
      visited.map((r) => `${r}.json`),
      targetPath,
    );
    if (target !== undefined) {
      t.equal(text(await client.downloadTarget(target)), `${targetPath} by ${role}`);
    }
  }
});

void t.test('stored delegated roles are reused; a second search loads nothing', async (t) => {
  const s = graphScenario([{ from: 'targets', to: 'A' }], { 'a.txt': 'A' });
  const first = await s.refresh();
  t.equal((await first.getTargetInfo('a.txt'))?.role, 'A');
  t.equal((await first.getTargetInfo('b.txt'))?.role, undefined);
  t.same(roleRequests(s), ['A.json'], 'A is loaded once per client');
  s.reset();
  const second = await s.refresh();
  t.equal((await second.getTargetInfo('a.txt'))?.role, 'A');
  t.same(s.metadata.requests, ['2.root.json', 'timestamp.json'], 'A comes from the store');
  t.same(second.trustedVersions(), { root: 1, timestamp: 1, snapshot: 1, targets: 1, A: 1 });
});

void t.test('at most limits.maxDelegations delegated roles are visited', async (t) => {
  const b = new RepoBuilder({ now: NOW });
  for (let i = 1; i <= 40; i++) b.addDelegation({ name: `r${i}` });
  b.addTarget('in-32', 'found', { role: 'r32' }).addTarget('in-33', 'too far', { role: 'r33' });
  const s = new Scenario(b);
  const client = await s.refresh();
  t.equal((await client.getTargetInfo('in-32'))?.role, 'r32');
  s.reset();
  // Not "not found": the search did not look everywhere it should have.
  await rejectsWith(t, client.getTargetInfo('in-33'), 'SIZE_LIMIT_EXCEEDED', {
    role: 'r33',
    target: 'in-33',
    expected: 32,
  });
  t.notOk(s.metadata.requests.includes('r33.json'), 'the 33rd role is never fetched');

  const small = await new Scenario(b).refresh(NOW, { ...DEFAULT_LIMITS, maxDelegations: 2 });
  await rejectsWith(t, small.getTargetInfo('in-32'), 'SIZE_LIMIT_EXCEEDED', { role: 'r3' });
  t.same(Object.keys(small.trustedVersions()), [
    'root',
    'timestamp',
    'snapshot',
    'targets',
    'r1',
    'r2',
  ]);
});

void t.test('succinct hash bins (TAP 15) are terminating', async (t) => {
  const key = generateKey();
  const spec = { keyids: [key.keyid], threshold: 1, bit_length: 2, name_prefix: 'bin' };
  const b = new RepoBuilder({ now: NOW });
  for (const bin of ['bin-0', 'bin-1', 'bin-2', 'bin-3'])
    b.addDelegation({ name: bin, keys: [key] });
  const inBin = succinctRoleForTarget(spec, 'file.txt');
  b.addTarget('file.txt', 'binned', { role: inBin });
  b.mutateSigned('targets', (signed) => {
    (signed as unknown as { delegations: unknown }).delegations = {
      keys: { [key.keyid]: key.publicKey },
      succinct_roles: spec,
    };
  });
  const s = new Scenario(b);
  const client = await s.refresh();
  const target = await client.getTargetInfo('file.txt');
  t.equal(target?.role, inBin);
  t.equal(text(await client.downloadTarget(target!)), 'binned');
  s.reset();
  const other = ['a', 'b', 'c', 'd', 'e', 'f'].find(
    (p) => succinctRoleForTarget(spec, p) !== inBin,
  )!;
  const otherBin = succinctRoleForTarget(spec, other);
  t.equal(await client.getTargetInfo(other), undefined);
  t.same(s.metadata.requests, [`${otherBin}.json`], 'only its bin is searched');
});

void t.test('delegations with no roles at all', async (t) => {
  const s = new Scenario(
    new RepoBuilder({ now: NOW }).mutateSigned('targets', (signed) => {
      (signed as unknown as { delegations: unknown }).delegations = { keys: {} };
    }),
  );
  const client = await s.refresh();
  t.equal(await client.getTargetInfo('x'), undefined);
});

void t.test('delegated roles are verified like targets', async (t) => {
  const cases: {
    name: string;
    build: (b: RepoBuilder) => void;
    code: FindingCode;
    role?: string;
  }[] = [
    {
      name: 'expired',
      build: (b) => b.addDelegation({ name: 'A', expires: new Date(NOW.getTime() - 1) }),
      code: 'METADATA_EXPIRED',
    },
    {
      name: 'signed by another key',
      build: (b) =>
        b
          .addDelegation({ name: 'A' })
          .editSignatures('A', (_sigs, signed) => [
            { keyid: generateKey().keyid, sig: JSON.stringify(signed).length.toString(16) },
          ]),
      code: 'SIGNATURE_THRESHOLD_NOT_MET',
    },
    {
      name: 'not in the snapshot',
      build: (b) =>
        b.addDelegation({ name: 'A' }).mutateSigned('snapshot', (signed) => {
          delete signed.meta['A.json'];
        }),
      code: 'METADATA_MISSING',
    },
    {
      // Fetched as ..%2FA.json (never outside the base): not published, so missing.
      name: 'a name that is a path, not in the snapshot',
      build: (b) =>
        b.addDelegation({ name: 'A' }).mutateSigned('targets', (signed: TargetsSigned) => {
          signed.delegations!.roles[0]!.name = '../A';
        }),
      code: 'METADATA_MISSING',
      role: '../A',
    },
    {
      // Stored as Root.json, which is root.json on a case-insensitive file system.
      name: 'a name that is a top-level role name',
      build: (b) => b.addDelegation({ name: 'Root' }),
      code: 'DELEGATION_INVALID',
      role: 'Root',
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const b = new RepoBuilder({ now: NOW });
      c.build(b);
      const client = await new Scenario(b).refresh();
      await rejectsWith(t, client.getTargetInfo('x'), c.code, { role: c.role ?? 'A' });
    });
  }
});

void t.test('delegated role files are stored under percent-encoded names', async (t) => {
  const name = "a b?#(x)!*'~ö";
  const s = graphScenario([{ from: 'targets', to: name }], { 'f.txt': name });
  const client = await s.refresh();
  t.equal((await client.getTargetInfo('f.txt'))?.role, name);
  const quoted = 'a%20b%3F%23%28x%29%21%2A%27~%C3%B6.json';
  t.same(roleRequests(s), [quoted], 'requested under its quoted name, as python-tuf does');
  t.ok(s.store.files.has(quoted), 'and stored under the same name');
});

void t.test('quoteName is python urllib.parse.quote(name, "")', (t) => {
  const cases: [string, string][] = [
    ['role1', 'role1'],
    ['A-Z_a.z~0', 'A-Z_a.z~0'],
    ['a/b', 'a%2Fb'],
    ['../a', '..%2Fa'],
    ['.', '.'],
    ['ö', '%C3%B6'],
    ["!'()*", '%21%27%28%29%2A'],
    ['?#% &+', '%3F%23%25%20%26%2B'],
    ['😀', '%F0%9F%98%80'],
  ];
  for (const [name, quoted] of cases) t.equal(quoteName(name), quoted, name);
  t.throws(() => quoteName('\ud800'), { name: 'TufError', code: 'MALFORMED_METADATA' });
  t.end();
});

// ---------------------------------------------------------------------------
// Target files (TUF 5.7)

void t.test('downloads verify length and hashes; consistent names are hash-prefixed', async (t) => {
  for (const consistentSnapshot of [false, true]) {
    const s = new Scenario({ consistentSnapshot, hashAlgorithms: ['sha512', 'sha256'] });
    s.builder.addTarget('dir/sub/file.txt', 'content');
    s.publish();
    const client = await s.refresh();
    const target = await client.getTargetInfo('dir/sub/file.txt');
    t.match(target, { path: 'dir/sub/file.txt', role: 'targets', length: 7 });
    t.equal(text(await client.downloadTarget(target!)), 'content');
    t.same(s.targets.requests, [
      consistentSnapshot ? `dir/sub/${target!.hashes.sha512}.file.txt` : 'dir/sub/file.txt',
    ]);
  }
});

void t.test('target attacks', async (t) => {
  const setup = async (
    content = 'content',
  ): Promise<{ s: Scenario; client: TufClient; target: TargetInfo }> => {
    const s = new Scenario();
    s.builder.addTarget('file.txt', content, { custom: { version: '1.2.3' } });
    s.publish();
    const client = await s.refresh();
    const target = (await client.getTargetInfo('file.txt'))!;
    return { s, client, target };
  };

  await t.test('tampered, same length', async (t) => {
    const { s, client, target } = await setup();
    t.same(target.custom, { version: '1.2.3' });
    s.targets.files.set('file.txt', Buffer.from('CONTENT'));
    await rejectsWith(t, client.downloadTarget(target), 'TARGET_HASH_MISMATCH', {
      target: 'file.txt',
      role: 'targets',
    });
  });

  await t.test('shorter', async (t) => {
    const { s, client, target } = await setup();
    s.targets.files.set('file.txt', Buffer.from('con'));
    await rejectsWith(t, client.downloadTarget(target), 'TARGET_HASH_MISMATCH', {
      expected: 7,
      actual: 3,
    });
  });

  await t.test('longer than declared: the source stops at the trusted length', async (t) => {
    const { s, client, target } = await setup();
    s.targets.files.set('file.txt', Buffer.from('content and then some'));
    await rejectsWith(t, client.downloadTarget(target), 'TARGET_HASH_MISMATCH', { expected: 7 });
  });

  await t.test('endless, from a source that ignores the cap', async (t) => {
    const { s, target } = await setup();
    let served = 0;
    const endless: MetadataSource = {
      location: 'endless:',
      read: () => Promise.reject(new Error('not used')),
      async *stream() {
        for (;;) {
          served += 4;
          yield await Promise.resolve(Buffer.from('data'));
        }
      },
    };
    const client = await TufClient.open({
      metadata: s.metadata,
      targets: endless,
      store: s.store,
      now: NOW,
    });
    await rejectsWith(t, client.downloadTarget(target), 'TARGET_HASH_MISMATCH', { expected: 7 });
    t.equal(served, 8, 'reading stopped after the trusted length');
  });

  await t.test('missing', async (t) => {
    const { s, client, target } = await setup();
    s.targets.files.delete('file.txt');
    await rejectsWith(t, client.downloadTarget(target), 'TARGET_MISSING', {
      target: 'file.txt',
    });
  });

  await t.test('other failures pass through', async (t) => {
    const { s, client, target } = await setup();
    s.targets.failures.set('file.txt', new TufError('FETCH_FAILED', 'HTTP 500'));
    await rejectsWith(t, client.downloadTarget(target), 'FETCH_FAILED');
    const boom = new Error('socket hang up');
    s.targets.failures.set('file.txt', boom);
    await t.rejects(client.downloadTarget(target), boom);
  });

  await t.test('no target base', async (t) => {
    const { s, target } = await setup();
    const client = await TufClient.open({ metadata: s.metadata, store: s.store, now: NOW });
    await rejectsWith(t, client.downloadTarget(target), 'FETCH_FAILED');
  });

  await t.test('a target path is an own property, not Object.prototype', async (t) => {
    const { client } = await setup();
    t.equal(await client.getTargetInfo('constructor'), undefined);
    t.equal(await client.getTargetInfo('__proto__'), undefined);
  });
});

void t.test('verifyTarget', (t) => {
  const target: TargetInfo = {
    path: 'f',
    role: 'targets',
    length: 3,
    hashes: {
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      md5: '900150983cd24fb0d6963f7d28e17f72',
    },
  };
  t.doesNotThrow(() => verifyTarget(target, Buffer.from('abc')), 'unknown algorithms are skipped');
  t.throws(() => verifyTarget(target, Buffer.from('abd')), { code: 'TARGET_HASH_MISMATCH' });
  t.throws(
    () => verifyTarget({ ...target, hashes: { md5: target.hashes.md5! } }, Buffer.from('abc')),
    {
      code: 'TARGET_HASH_MISMATCH',
    },
    'no supported hash: refused',
  );
  t.end();
});

// ---------------------------------------------------------------------------
// Real repositories written by go-tuf v0.7.0 and python-tuf

/** go-tuf `TestUpdateRoots`: client/metadata/current against server/metadata. */
void t.test('go-tuf v0.7.0 root update scenarios', async (t) => {
  const at2025 = new Date('2025-01-01T00:00:00Z');
  const cases: {
    name: string;
    now?: Date;
    versions?: Record<string, number>;
    code?: FindingCode;
  }[] = [
    { name: 'Published1Time', versions: { root: 1, timestamp: 1, snapshot: 1, targets: 1 } },
    { name: 'Published1Time_client_root_only', versions: { root: 1, timestamp: 1 } },
    { name: 'Published2Times_keyrotated', versions: { root: 2, timestamp: 1, snapshot: 1 } },
    { name: 'Published2Times_keyrotated_initialrootexpired', versions: { root: 2 } },
    { name: 'Published3Times_keyrotated_initialrootsexpired', versions: { root: 3 } },
    {
      name: 'Published3Times_keyrotated_initialrootsexpired_clientversionis2',
      versions: { root: 3 },
    },
    { name: 'Published3Times_keyrotated_latestrootexpired', code: 'METADATA_EXPIRED' },
    // Despite its name this rotation is valid (go-tuf accepts it too, see its
    // issue #417): the zeroed signature is the new key's, and root v2 keeps the
    // old key in its root role, so the old key's valid signature meets both
    // thresholds (TUF 5.3.4).
    { name: 'Published2Times_keyrotated_invalidOldRootSignature', versions: { root: 2 } },
    {
      name: 'Published2Times_keyrotated_invalidNewRootSignature',
      // Its timestamp expires 2021-09-11: a time when only the rotation can fail.
      now: new Date('2021-09-01T00:00:00Z'),
      code: 'ROOT_ROTATION_INVALID',
    },
    { name: 'Published1Time_backwardRootVersion', code: 'ROOT_ROTATION_INVALID' },
    { name: 'Published3Times_keyrotated_forwardRootVersion', code: 'ROOT_ROTATION_INVALID' },
    { name: 'Published1Time_client_no_root', code: 'METADATA_MISSING' },
    { name: 'Published2Times_roottoolarge', code: 'SIZE_LIMIT_EXCEEDED' },
    {
      name: 'Published2Times_snapshot_keyrotated',
      versions: { root: 2, timestamp: 2, snapshot: 2, targets: 1 },
    },
    {
      name: 'Published2Times_targets_keyrotated',
      versions: { root: 2, timestamp: 2, snapshot: 2, targets: 2 },
    },
    {
      name: 'Published2Times_timestamp_keyrotated',
      versions: { root: 2, timestamp: 2, snapshot: 1, targets: 1 },
    },
    ...[2, 4].flatMap((revoked) =>
      ['root', 'snapshot', 'targets', 'timestamp'].map((role) => ({
        name: `PublishedTwiceMultiKeysadd_9_revoke_${revoked}_threshold_4_${role}`,
        versions: { root: 2 },
      })),
    ),
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const dir = materialize('go-tuf-v0.7.0', c.name);
      t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
      const store = new DirectoryStore(path.join(dir, 'client/metadata/current'));
      const opening = TufClient.open({
        metadata: new DirectorySource(path.join(dir, 'server/metadata')),
        store,
        now: c.now ?? at2025,
      });
      const run = opening.then(async (client) => {
        await client.refresh();
        return client;
      });
      if (c.code !== undefined) {
        await rejectsWith(t, run, c.code);
        return;
      }
      const client = await run;
      t.match(client.trustedVersions(), c.versions);
      t.equal(versionIn(await store.read('root.json')), c.versions!.root);
    });
  }
});

/**
 * go-tuf deletes stored metadata once a threshold of its keys is revoked. The
 * spec (5.3.11) and python-tuf use the stored file as long as it verifies under
 * the new root: here 5 of its 9 keys remain for a threshold of 4, so the stored
 * timestamp still serves the rollback check.
 */
void t.test(
  'go-tuf v0.7.0 revoke_4_threshold_4_timestamp: still verifiable, still used',
  async (t) => {
    const dir = materialize(
      'go-tuf-v0.7.0',
      'PublishedTwiceMultiKeysadd_9_revoke_4_threshold_4_timestamp',
    );
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const client = await TufClient.open({
      metadata: new DirectorySource(path.join(dir, 'server/metadata')),
      store: new DirectoryStore(path.join(dir, 'client/metadata/current')),
      now: new Date('2025-01-01T00:00:00Z'),
    });
    await client.refresh();
    t.match(client.trustedVersions(), { root: 2, timestamp: 2 });
    t.same(client.localNotes, []);
  },
);

void t.test('go-tuf v0.7.0 repositories, every step from the first root', async (t) => {
  for (const consistent of [false, true]) {
    const dir = materialize('go-tuf-v0.7.0', 'go-tuf', `consistent-snapshot-${consistent}`);
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    for (let step = 0; step <= 5; step++) {
      const name = `consistent-snapshot-${consistent}/${step}`;
      const repo = path.join(dir, String(step), 'repository');
      const store = new MemoryStore();
      store.files.set('root.json', fs.readFileSync(path.join(dir, '0/repository/1.root.json')));
      const client = await TufClient.open({
        metadata: new DirectorySource(repo),
        targets: new DirectorySource(path.join(repo, 'targets')),
        store,
        now: new Date('2025-01-01T00:00:00Z'),
      });
      await client.refresh();
      t.equal(client.trustedVersions().timestamp, step + 1, name);
      for (let file = 0; file <= step; file++) {
        const target = await client.getTargetInfo(String(file));
        t.ok(target, `${name}: target ${file}`);
        const bytes = await client.downloadTarget(target!);
        t.equal(bytes.byteLength, 1, `${name}: target ${file} downloaded and verified`);
      }
    }
  }
});

void t.test('python-tuf repository_data: RSA keys, delegations role1 and role2', async (t) => {
  const repo = fixture('python-tuf/repository_data/repository');
  const store = new MemoryStore();
  store.files.set(
    'root.json',
    fs.readFileSync(
      fixture('python-tuf/repository_data/client/test_repository1/metadata/current/root.json'),
    ),
  );
  const metadata = new DirectorySource(path.join(repo, 'metadata'));
  const client = await TufClient.open({
    metadata,
    targets: new DirectorySource(path.join(repo, 'targets')),
    store,
    now: new Date('2025-01-01T00:00:00Z'),
  });
  await client.refresh();
  for (const [file, role] of [
    ['file1.txt', 'targets'],
    ['file2.txt', 'targets'],
    ['file3.txt', 'role1'],
  ] as const) {
    const target = await client.getTargetInfo(file);
    t.equal(target?.role, role, file);
    t.same(
      await client.downloadTarget(target!),
      fs.readFileSync(path.join(repo, 'targets', file)),
      file,
    );
  }
  t.equal(await client.getTargetInfo('file4.txt'), undefined);
  t.same([...store.files.keys()].sort(), [
    'role1.json',
    'root.json',
    'snapshot.json',
    'targets.json',
    'timestamp.json',
  ]);
  await rejectsWith(
    t,
    TufClient.open({ metadata, store, now: new Date('2030-01-02T00:00:00Z') }).then((c) =>
      c.refresh(),
    ),
    'METADATA_EXPIRED',
    { role: 'root' },
  );
});

void t.test(
  'python-tuf fishy_rolenames: ../a is asked for as 1...%2Fa.json, in the base',
  async (t) => {
    const dir = fixture('python-tuf/repository_data/fishy_rolenames/metadata');
    const store = new MemoryStore();
    store.files.set('root.json', fs.readFileSync(path.join(dir, '1.root.json')));
    // Served as a web server serves the directory: a request's path is the quoted file name.
    const metadata = new MemorySource();
    for (const name of fs.readdirSync(dir)) {
      metadata.files.set(quoteName(name), fs.readFileSync(path.join(dir, name)));
    }
    const client = await TufClient.open({ metadata, store, now: new Date('2025-01-01T00:00:00Z') });
    await client.refresh();
    t.same(metadata.requests, [
      '2.root.json',
      'timestamp.json',
      '2.snapshot.json',
      '1.targets.json',
    ]);
    // The fixture has no file for '../a' (python-tuf's generator could not write one there).
    await rejectsWith(t, client.getTargetInfo('anything'), 'METADATA_MISSING', { role: '../a' });
    t.same(metadata.requests.slice(4), ['1...%2Fa.json']);
    t.notOk([...store.files.keys()].some((name) => name.includes('/')));
  },
);

void t.test(
  'a role reached through two delegators meets the keys of each (conformance: cached role)',
  async (t) => {
    // targets -> A (a/*) -> C, signed by A's key for C; targets -> B (b/*) -> C, whose key for C did not sign.
    const build = (): Scenario => {
      const keyFromA = generateKey();
      const b = new RepoBuilder({ now: NOW })
        .addDelegation({ name: 'A', paths: ['a/*'] })
        .addDelegation({ name: 'B', paths: ['b/*'] })
        .addDelegation({ name: 'C', paths: ['a/*'], keys: [keyFromA] }, 'A')
        .addDelegation({ name: 'C', paths: ['b/*'] }, 'B')
        .addTarget('a/x', 'by C for A', { role: 'C' })
        .addTarget('b/y', 'by C for B', { role: 'C' })
        .editSignatures('C', (sigs) => sigs.filter((sig) => sig.keyid === keyFromA.keyid));
      return new Scenario(b);
    };
    await t.test('verified through A first, then not trusted through B', async (t) => {
      const s = build();
      const client = await s.refresh();
      t.equal((await client.getTargetInfo('a/x'))?.role, 'C');
      await rejectsWith(t, client.getTargetInfo('b/y'), 'SIGNATURE_THRESHOLD_NOT_MET', {
        role: 'C',
      });
      t.equal((await client.getTargetInfo('a/x'))?.role, 'C', 'still trusted through A');
    });
    await t.test('through B alone', async (t) => {
      const client = await build().refresh();
      await rejectsWith(t, client.getTargetInfo('b/y'), 'SIGNATURE_THRESHOLD_NOT_MET', {
        role: 'C',
      });
    });
    await t.test('a stored copy is checked against the delegation followed too', async (t) => {
      const s = build();
      t.equal((await (await s.refresh()).getTargetInfo('a/x'))?.role, 'C');
      t.ok(s.store.files.has('C.json'));
      const again = await s.refresh();
      await rejectsWith(t, again.getTargetInfo('b/y'), 'SIGNATURE_THRESHOLD_NOT_MET', {
        role: 'C',
      });
    });
  },
);

void t.test('unusual role names are data: requested and stored quoted (conformance)', async (t) => {
  // tuf-conformance test_unusual_role_name, and python-tuf test_fishy_rolenames.
  const cases: [string, string][] = [
    ['?', '%3F'],
    ['#', '%23'],
    ['/delegatedrole', '%2Fdelegatedrole'],
    ['../delegatedrole', '..%2Fdelegatedrole'],
    ['.', '.'],
    ['..', '..'],
    ['/', '%2F'],
    ['ö', '%C3%B6'],
  ];
  for (const [name, quoted] of cases) {
    for (const consistentSnapshot of [true, false]) {
      await t.test(
        `${JSON.stringify(name)}, consistent_snapshot ${consistentSnapshot}`,
        async (t) => {
          const b = new RepoBuilder({ now: NOW, consistentSnapshot }).addDelegation({ name });
          b.addTarget('f.txt', 'found', { role: name });
          const s = new Scenario(b);
          const client = await s.refresh();
          t.equal((await client.getTargetInfo('f.txt'))?.role, name);
          t.same(roleRequests(s), [consistentSnapshot ? `1.${quoted}.json` : `${quoted}.json`]);
          t.same(
            [...s.store.files.keys()].sort(),
            [
              `${quoted}.json`,
              'root.json',
              'snapshot.json',
              'targets.json',
              'timestamp.json',
            ].sort(),
          );
          t.equal(Object.keys(client.trustedVersions()).length, 5);
        },
      );
    }
  }
});

void t.test('a source failure that is not a TufError reaches the caller as it is', async (t) => {
  const s = graphScenario([{ from: 'targets', to: 'A' }]);
  const client = await s.refresh();
  const broken = new Error('socket hang up');
  s.metadata.failures.set('A.json', broken);
  await t.rejects(client.getTargetInfo('x'), broken);
});

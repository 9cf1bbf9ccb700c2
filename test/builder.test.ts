// Proves test/support/builder.ts writes repositories that an independent TUF
// implementation (tuf-js) accepts, and that its attack hooks break them.
import { canonicalize } from '@tufjs/canonical-json';
import { Metadata, MetadataKind } from '@tufjs/models';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import t from 'tap';
import { Updater } from 'tuf-js';
import {
  generateKey,
  importKey,
  RepoBuilder,
  serialize,
  signEnvelope,
  tufTime,
  writeRepo,
  type KeyType,
  type TestKey,
} from './support/builder.js';

const now = new Date('2030-01-01T00:00:00Z');

type Json = Parameters<typeof Metadata.fromJSON>[1];
type Files = Map<string, Buffer>;

function bytesOf(files: Files, name: string): Buffer {
  const bytes = files.get(name);
  if (bytes === undefined) throw new Error(`${name} was not published`);
  return bytes;
}

const json = (files: Files, name: string): Json =>
  JSON.parse(bytesOf(files, name).toString('utf8')) as Json;
const loadRoot = (files: Files, name = 'root.json') =>
  Metadata.fromJSON(MetadataKind.Root, json(files, name));
const loadTimestamp = (files: Files) =>
  Metadata.fromJSON(MetadataKind.Timestamp, json(files, 'timestamp.json'));
const loadSnapshot = (files: Files, name = 'snapshot.json') =>
  Metadata.fromJSON(MetadataKind.Snapshot, json(files, name));
const loadTargets = (files: Files, name = 'targets.json') =>
  Metadata.fromJSON(MetadataKind.Targets, json(files, name));

/** TUF 5.3-5.6 as tuf-js checks them: signatures, then the file info chain. */
function verifyTopLevel(files: Files): void {
  const root = loadRoot(files);
  root.verifyDelegate('root', root);
  const timestamp = loadTimestamp(files);
  root.verifyDelegate('timestamp', timestamp);
  const snapshot = loadSnapshot(files);
  root.verifyDelegate('snapshot', snapshot);
  timestamp.signed.snapshotMeta.verify(bytesOf(files, 'snapshot.json'));
  const targets = loadTargets(files);
  root.verifyDelegate('targets', targets);
  snapshot.signed.meta['targets.json']?.verify(bytesOf(files, 'targets.json'));
}

/** The class of what `fn` throws (tuf-js exports few of its error classes), or 'none'. */
function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof Error ? err.constructor.name : typeof err;
  }
  return 'none';
}

const sha = (alg: string, data: string | Uint8Array): string =>
  crypto.createHash(alg).update(data).digest('hex');

void t.test('keys: TUF key objects and signatures that tuf-js verifies', (t) => {
  const cases: { type: KeyType; keytype: string; scheme: string; pub: RegExp }[] = [
    { type: 'ed25519', keytype: 'ed25519', scheme: 'ed25519', pub: /^[0-9a-f]{64}$/ },
    {
      type: 'ecdsa',
      keytype: 'ecdsa',
      scheme: 'ecdsa-sha2-nistp256',
      pub: /^-----BEGIN PUBLIC KEY-----\n[^]+\n-----END PUBLIC KEY-----\n$/,
    },
    {
      type: 'ecdsa-hex',
      keytype: 'ecdsa-sha2-nistp256',
      scheme: 'ecdsa-sha2-nistp256',
      pub: /^04[0-9a-f]{128}$/,
    },
    {
      type: 'rsa',
      keytype: 'rsa',
      scheme: 'rsassa-pss-sha256',
      pub: /^-----BEGIN PUBLIC KEY-----\n[^]+\n-----END PUBLIC KEY-----\n$/,
    },
  ];
  for (const c of cases) {
    void t.test(c.type, (t) => {
      const key = generateKey(c.type);
      t.equal(key.type, c.type);
      t.equal(key.publicKey.keytype, c.keytype);
      t.equal(key.publicKey.scheme, c.scheme);
      t.match(key.publicKey.keyval.public, c.pub);
      t.equal(key.keyid, sha('sha256', canonicalize(key.publicKey)));

      const files = new RepoBuilder({ now, keyType: c.type }).build();
      verifyTopLevel(files);
      t.equal(
        Object.values(loadRoot(files).signed.keys)[0]?.keyType,
        c.keytype,
        'the builder generates keys of its keyType',
      );
      t.end();
    });
  }

  void t.test('RSA-PSS salt length is the digest length', (t) => {
    const key = generateKey('rsa');
    const data = Buffer.from('payload');
    const verifyWithSalt = (saltLength: number) =>
      crypto.verify(
        'sha256',
        data,
        {
          key: key.publicKey.keyval.public,
          padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
          saltLength,
        },
        Buffer.from(key.sign(data), 'hex'),
      );
    t.ok(verifyWithSalt(32));
    t.notOk(verifyWithSalt(64));
    t.end();
  });

  void t.test('ECDSA signatures are DER', (t) => {
    const key = generateKey('ecdsa');
    const sig = Buffer.from(key.sign(Buffer.from('x')), 'hex');
    t.equal(sig[0], 0x30, 'DER SEQUENCE');
    t.end();
  });

  void t.test('go-tuf legacy keyid_hash_algorithms: one key, two valid keyids', (t) => {
    const key = generateKey();
    const legacy = importKey(key.privateKey, 'ed25519', { legacyKeyidHashAlgorithms: true });
    t.same(legacy.publicKey.keyid_hash_algorithms, ['sha256', 'sha512']);
    t.equal(legacy.keyid, sha('sha256', canonicalize(legacy.publicKey)));
    t.not(legacy.keyid, key.keyid);
    t.equal(legacy.publicKey.keyval.public, key.publicKey.keyval.public);

    // The attack a monitor must flag: tuf-js counts one key twice toward a threshold of 2.
    const files = new RepoBuilder({
      now,
      roles: { root: { keys: [key, legacy], threshold: 2 } },
    }).build();
    const root = loadRoot(files);
    t.same(root.signed.roles.root?.keyIDs, [key.keyid, legacy.keyid]);
    t.doesNotThrow(() => root.verifyDelegate('root', root));
    t.end();
  });

  void t.test('keyid override', (t) => {
    const keyid = 'ab'.repeat(32);
    const key = importKey(generateKey('ecdsa-hex').privateKey, 'ecdsa-hex', { keyid });
    t.equal(key.keyid, keyid);
    t.not(sha('sha256', canonicalize(key.publicKey)), keyid);
    t.end();
  });
  t.end();
});

void t.test('signEnvelope and serialize', (t) => {
  const key = generateKey();
  const signed = { _type: 'example', n: 1, s: 'line\nbreak' };
  const envelope = signEnvelope(signed, [key]);
  t.same(
    envelope.signatures.map((s) => s.keyid),
    [key.keyid],
  );
  const verified = crypto.verify(
    null,
    Buffer.from(canonicalize(signed)),
    crypto.createPublicKey(key.privateKey),
    Buffer.from(envelope.signatures[0]?.sig ?? '', 'hex'),
  );
  t.ok(verified, 'signature over OLPC canonical JSON');

  const indented = serialize(envelope).toString('utf8');
  t.match(indented, /^\{\n\t"signed": \{\n\t\t"_type"/);
  t.equal(serialize(envelope, 'indent').toString('utf8'), indented);
  const compact = serialize(envelope, 'compact').toString('utf8');
  t.notMatch(compact, /\n\t/);
  t.same(JSON.parse(compact), JSON.parse(indented));
  t.equal(tufTime(new Date('2030-01-02T03:04:05.678Z')), '2030-01-02T03:04:05Z');
  t.end();
});

void t.test('a default repository', async (t) => {
  const builder = new RepoBuilder({ now })
    .addTarget('a.txt', 'hello', { custom: { tag: ['x'] } })
    .addTarget('bin/tool', new Uint8Array([0, 1, 2]));
  const files = builder.build();
  t.same(
    [...files.keys()].sort(),
    [
      '1.root.json',
      'root.json',
      'snapshot.json',
      'targets.json',
      'targets/a.txt',
      'targets/bin/tool',
      'timestamp.json',
    ],
    'no consistent-snapshot copies',
  );
  verifyTopLevel(files);
  t.equal(bytesOf(files, 'root.json'), bytesOf(files, '1.root.json'));

  const root = loadRoot(files);
  t.equal(root.signed.version, 1);
  t.equal(root.signed.specVersion, '1.0.31');
  t.equal(root.signed.consistentSnapshot, false);
  t.equal(root.signed.expires, '2031-01-01T00:00:00Z', 'one year after now');
  for (const role of ['root', 'timestamp', 'snapshot', 'targets']) {
    t.same(
      root.signed.roles[role]?.keyIDs,
      builder.keysOf(role).map((k) => k.keyid),
    );
    t.equal(root.signed.roles[role]?.threshold, 1);
  }

  const snapshot = loadSnapshot(files);
  t.same(json(files, 'snapshot.json').signed, {
    _type: 'snapshot',
    spec_version: '1.0.31',
    version: 1,
    expires: '2031-01-01T00:00:00Z',
    meta: { 'targets.json': { version: 1 } },
  });
  const timestamp = loadTimestamp(files);
  t.equal(timestamp.signed.snapshotMeta.version, snapshot.signed.version);
  t.same(timestamp.signed.snapshotMeta.hashes, {
    sha256: sha('sha256', bytesOf(files, 'snapshot.json')),
  });
  t.equal(timestamp.signed.snapshotMeta.length, bytesOf(files, 'snapshot.json').length);

  const targets = loadTargets(files);
  const a = targets.signed.targets['a.txt'];
  t.same(a?.custom, { tag: ['x'] });
  t.same(Object.keys(a?.hashes ?? {}), ['sha256']);
  await t.resolves(a!.verify(Readable.from([bytesOf(files, 'targets/a.txt')])));
  await t.resolves(
    targets.signed.targets['bin/tool']!.verify(Readable.from([Buffer.from([0, 1, 2])])),
  );
  t.equal(targets.signed.delegations, undefined);

  t.match(bytesOf(files, 'timestamp.json').toString('utf8'), /\n\t/, 'indented by default');
  const compact = new RepoBuilder({ now, style: 'compact', specVersion: '1.0' }).build();
  t.notMatch(bytesOf(compact, 'timestamp.json').toString('utf8'), /\n/);
  t.equal(loadTimestamp(compact).signed.specVersion, '1.0');
});

void t.test('expiries, keys and thresholds are configurable', (t) => {
  const rootKeys = [generateKey(), generateKey('ecdsa')];
  const files = new RepoBuilder({
    now,
    roles: { root: { keys: rootKeys, threshold: 2 }, targets: { threshold: 3 } },
    expires: { timestamp: new Date('2030-01-02T00:00:00Z') },
  }).build();
  verifyTopLevel(files);
  const root = loadRoot(files);
  t.same(
    root.signed.roles.root?.keyIDs,
    rootKeys.map((k) => k.keyid),
  );
  t.equal(root.signed.roles.targets?.keyIDs.length, 3);
  t.equal(root.signed.roles.targets?.threshold, 3);
  t.equal(loadTargets(files).signed.version, 1);
  t.equal(loadTimestamp(files).signed.expires, '2030-01-02T00:00:00Z');
  t.equal(loadSnapshot(files).signed.expires, '2031-01-01T00:00:00Z');
  t.end();
});

void t.test('delegations', async (t) => {
  const prefix = sha('sha256', 'a/nested.bin').slice(0, 2);
  const builder = new RepoBuilder({
    now,
    hashAlgorithms: ['sha512'],
    metaHashAlgorithms: ['sha256', 'sha512'],
    snapshotFileInfo: 'full',
  })
    .addTarget('top.txt', 'top')
    .addDelegation({
      name: 'a',
      threshold: 2,
      paths: ['a/*'],
      terminating: true,
      targets: { 'a/x.txt': 'x' },
      delegations: [{ name: 'b', pathHashPrefixes: [prefix], targets: { 'a/nested.bin': 'n' } }],
      expires: new Date('2030-06-01T00:00:00Z'),
    })
    .addDelegation({ name: 'c', keys: [generateKey('rsa')] })
    // A diamond: b is delegated from a and from c.
    .addDelegation({ name: 'b', paths: ['c/*'] }, 'c')
    .addTarget('c/y', 'y', { role: 'c', custom: { n: 1 } });
  const files = builder.build();
  verifyTopLevel(files);

  const targets = loadTargets(files);
  const a = loadTargets(files, 'a.json');
  const b = loadTargets(files, 'b.json');
  const c = loadTargets(files, 'c.json');
  t.doesNotThrow(() => targets.verifyDelegate('a', a));
  t.doesNotThrow(() => targets.verifyDelegate('c', c));
  t.doesNotThrow(() => a.verifyDelegate('b', b));
  t.doesNotThrow(() => c.verifyDelegate('b', b));
  t.equal(
    thrown(() => targets.verifyDelegate('a', b)),
    'UnsignedMetadataError',
    'b is not signed by the keys of a',
  );

  const entries = json(files, 'targets.json').signed as {
    delegations: { roles: Record<string, unknown>[] };
  };
  t.same(entries.delegations.roles, [
    {
      name: 'a',
      keyids: builder.keysOf('a').map((k) => k.keyid),
      threshold: 2,
      terminating: true,
      paths: ['a/*'],
    },
    {
      name: 'c',
      keyids: builder.keysOf('c').map((k) => k.keyid),
      threshold: 1,
      terminating: false,
      paths: ['*'],
    },
  ]);
  const bFromA = a.signed.delegations?.roles?.b;
  t.same(bFromA?.pathHashPrefixes, [prefix]);
  t.equal(bFromA?.paths, undefined);
  t.same(c.signed.delegations?.roles?.b?.paths, ['c/*']);
  const rolesFor = (target: string) => [
    ...(targets.signed.delegations?.rolesForTarget(target) ?? []),
  ];
  t.same(rolesFor('a/x.txt'), [{ role: 'a', terminating: true }]);
  t.same(rolesFor('top.txt'), [{ role: 'c', terminating: false }], "'*' by default");
  t.same(
    [...(a.signed.delegations?.rolesForTarget('a/nested.bin') ?? [])],
    [{ role: 'b', terminating: false }],
  );
  t.equal(builder.keysOf('b').length, 2, 'signed by the keys of both delegations');
  t.same(
    Object.keys(b.signatures).sort(),
    builder
      .keysOf('b')
      .map((k) => k.keyid)
      .sort(),
  );
  t.equal(a.signed.expires, '2030-06-01T00:00:00Z');
  t.equal(b.signed.expires, '2031-01-01T00:00:00Z');

  const snapshot = loadSnapshot(files);
  t.same(Object.keys(snapshot.signed.meta), ['targets.json', 'a.json', 'b.json', 'c.json']);
  for (const name of ['targets.json', 'a.json', 'b.json', 'c.json']) {
    const info = snapshot.signed.meta[name];
    t.equal(info?.version, 1);
    t.same(Object.keys(info?.hashes ?? {}), ['sha256', 'sha512']);
    t.doesNotThrow(() => info?.verify(bytesOf(files, name)), `snapshot lists ${name} fully`);
  }
  t.same(Object.keys(loadTimestamp(files).signed.snapshotMeta.hashes ?? {}), ['sha256', 'sha512']);

  const y = c.signed.targets['c/y'];
  t.same(y?.custom, { n: 1 });
  t.same(Object.keys(y?.hashes ?? {}), ['sha512'], 'Fleet-style sha512 target hashes');
  await t.resolves(y!.verify(Readable.from([bytesOf(files, 'targets/c/y')])));
  t.equal(bytesOf(files, 'targets/a/nested.bin').toString(), 'n');

  // Spec 1.0: a delegation has paths or path_hash_prefixes; given both, the builder writes both.
  const both = new RepoBuilder({ now })
    .addDelegation({ name: 'x', paths: ['x/*'], pathHashPrefixes: ['00'] })
    .build();
  const xEntry = (json(both, 'targets.json').signed as typeof entries).delegations.roles[0];
  t.same(xEntry?.paths, ['x/*']);
  t.same(xEntry?.path_hash_prefixes, ['00']);
  t.equal(
    thrown(() => loadTargets(both)),
    'ValueError',
    'which tuf-js rejects',
  );

  t.throws(() => builder.keysOf('nope'), /unknown targets role: nope/);
  t.throws(() => builder.addTarget('x', 'x', { role: 'nope' }), /unknown targets role/);
  t.throws(() => builder.addDelegation({ name: 'd' }, 'nope'), /unknown targets role/);
});

void t.test('consistent snapshots', (t) => {
  const builder = new RepoBuilder({
    now,
    consistentSnapshot: true,
    hashAlgorithms: ['sha256', 'sha512'],
  })
    .addTarget('dir/sub/file.txt', 'hello')
    .addTarget('top.txt', 'top')
    .addDelegation({ name: 'd', targets: { 'd.txt': 'd' } })
    .setVersion('targets', 3)
    .setVersion('snapshot', 7)
    .setVersion('timestamp', 9)
    .setVersion('d', 2);
  const files = builder.build();
  verifyTopLevel(files);
  t.equal(loadRoot(files).signed.consistentSnapshot, true);

  const expected = [
    '1.root.json',
    'root.json',
    'timestamp.json',
    'snapshot.json',
    '7.snapshot.json',
    'targets.json',
    '3.targets.json',
    'd.json',
    '2.d.json',
    'targets/dir/sub/file.txt',
    `targets/dir/sub/${sha('sha256', 'hello')}.file.txt`,
    `targets/dir/sub/${sha('sha512', 'hello')}.file.txt`,
    'targets/top.txt',
    `targets/${sha('sha256', 'top')}.top.txt`,
    `targets/${sha('sha512', 'top')}.top.txt`,
    'targets/d.txt',
    `targets/${sha('sha256', 'd')}.d.txt`,
    `targets/${sha('sha512', 'd')}.d.txt`,
  ];
  t.same([...files.keys()].sort(), expected.sort());
  t.equal(bytesOf(files, '3.targets.json'), bytesOf(files, 'targets.json'));
  t.equal(loadTargets(files, '3.targets.json').signed.version, 3);
  t.equal(loadTargets(files, '2.d.json').signed.version, 2);
  t.equal(loadTimestamp(files).signed.version, 9);
  t.equal(loadTimestamp(files).signed.snapshotMeta.version, 7);
  t.same(json(files, '7.snapshot.json').signed, {
    _type: 'snapshot',
    spec_version: '1.0.31',
    version: 7,
    expires: '2031-01-01T00:00:00Z',
    meta: { 'targets.json': { version: 3 }, 'd.json': { version: 2 } },
  });
  t.throws(() => builder.setVersion('root', 2), /rotateRoot/);
  t.end();
});

void t.test('root rotation', (t) => {
  void t.test('signed by the old and the new root keys', (t) => {
    const builder = new RepoBuilder({ now, roles: { root: { threshold: 2 } } });
    const ids = (role: string) => builder.keysOf(role).map((k) => k.keyid);
    const before = { root: ids('root'), snapshot: ids('snapshot') };
    const timestampKey = generateKey('ecdsa');
    builder.rotateRoot({ roles: { root: {}, timestamp: { keys: [timestampKey] } } });
    t.equal(ids('root').length, 1);
    t.notOk(before.root.includes(ids('root')[0] ?? ''), 'a fresh root key');
    t.same(ids('timestamp'), [timestampKey.keyid]);
    t.same(ids('snapshot'), before.snapshot, 'unchanged roles keep their keys');

    const files = builder.build();
    verifyTopLevel(files);
    t.equal(bytesOf(files, 'root.json'), bytesOf(files, '2.root.json'));
    const v1 = loadRoot(files, '1.root.json');
    const v2 = loadRoot(files, '2.root.json');
    t.equal(v2.signed.version, 2);
    t.equal(Object.keys(v2.signatures).length, 3);
    t.doesNotThrow(() => v1.verifyDelegate('root', v2), 'TUF 5.3.4: old threshold');
    t.doesNotThrow(() => v2.verifyDelegate('root', v2), 'TUF 5.3.5: new threshold');
    t.equal(
      thrown(() => v1.verifyDelegate('timestamp', loadTimestamp(files))),
      'UnsignedMetadataError',
    );
    t.doesNotThrow(() => v1.verifyDelegate('snapshot', loadSnapshot(files)));
    t.end();
  });

  const invalid: {
    name: string;
    signers: 'old' | 'new' | ((old: readonly TestKey[]) => TestKey[]);
    oldAccepts: boolean;
    newAccepts: boolean;
  }[] = [
    { name: 'only the old keys', signers: 'old', oldAccepts: true, newAccepts: false },
    { name: 'only the new keys', signers: 'new', oldAccepts: false, newAccepts: true },
    {
      name: 'below the old threshold',
      signers: (old) => old.slice(0, 1),
      oldAccepts: false,
      newAccepts: false,
    },
  ];
  for (const c of invalid) {
    void t.test(c.name, (t) => {
      const builder = new RepoBuilder({ now, roles: { root: { threshold: 2 } } });
      const old = builder.keysOf('root');
      builder.rotateRoot({
        roles: { root: {} },
        signers: typeof c.signers === 'string' ? c.signers : c.signers(old),
      });
      const files = builder.build();
      const v1 = loadRoot(files, '1.root.json');
      const v2 = loadRoot(files, '2.root.json');
      const accepts = (root: typeof v1) => thrown(() => root.verifyDelegate('root', v2)) === 'none';
      t.equal(accepts(v1), c.oldAccepts);
      t.equal(accepts(v2), c.newAccepts);
      t.end();
    });
  }

  void t.test('a skipped version, a changed layout, several rotations', (t) => {
    const files = new RepoBuilder({ now })
      .rotateRoot({ version: 3, expires: new Date('2030-03-01T00:00:00Z') })
      .rotateRoot({ consistentSnapshot: true })
      .build();
    t.same([...files.keys()].filter((name) => name.endsWith('root.json')).sort(), [
      '1.root.json',
      '3.root.json',
      '4.root.json',
      'root.json',
    ]);
    t.equal(loadRoot(files, '3.root.json').signed.expires, '2030-03-01T00:00:00Z');
    const latest = loadRoot(files);
    t.equal(latest.signed.version, 4);
    t.equal(latest.signed.consistentSnapshot, true);
    t.ok(files.has('1.snapshot.json'), 'the latest root decides the layout');
    t.doesNotThrow(() => loadRoot(files, '3.root.json').verifyDelegate('root', latest));
    t.end();
  });
  t.end();
});

void t.test('attack hooks', (t) => {
  void t.test('mutateSigned keeps signatures valid; tamper breaks them', (t) => {
    const extraKey = generateKey();
    const files = new RepoBuilder({ now, snapshotFileInfo: 'full' })
      .mutateSigned('targets', (s) => {
        s.x_unknown_field = { kept: true };
      })
      .mutateSigned('root', (s) => {
        s.keys[extraKey.keyid] = extraKey.publicKey;
      })
      .mutateSigned('root', (s) => {
        s.roles.root.keyids.push(extraKey.keyid);
      })
      .tamper('snapshot', (s) => {
        s.expires = tufTime(new Date('2099-01-01T00:00:00Z'));
      })
      .build();
    const root = loadRoot(files);
    t.ok(root.signed.roles.root?.keyIDs.includes(extraKey.keyid), 'two hooks on one role');
    t.doesNotThrow(() => root.verifyDelegate('root', root));
    const targets = loadTargets(files);
    t.same(targets.signed.unrecognizedFields.x_unknown_field, { kept: true });
    t.doesNotThrow(() => root.verifyDelegate('targets', targets));
    t.equal(
      thrown(() => root.verifyDelegate('snapshot', loadSnapshot(files))),
      'UnsignedMetadataError',
    );
    t.doesNotThrow(
      () => loadTimestamp(files).signed.snapshotMeta.verify(bytesOf(files, 'snapshot.json')),
      'timestamp lists the bytes served, so only the signature is wrong',
    );
    t.end();
  });

  void t.test('hooks on root run for every version', (t) => {
    const seen: number[] = [];
    new RepoBuilder({ now })
      .rotateRoot()
      .tamper('root', (s) => {
        seen.push(s.version);
      })
      .build();
    t.same(seen, [1, 2]);
    t.end();
  });

  void t.test('editSignatures: repeated signatures, foreign keys, none', (t) => {
    const rogue = generateKey();
    const files = new RepoBuilder({ now })
      .editSignatures('timestamp', (sigs) => [...sigs, ...sigs])
      .editSignatures('snapshot', (_sigs, signed) => signEnvelope(signed, [rogue]).signatures)
      .editSignatures('targets', () => [])
      .build();
    const root = loadRoot(files);
    t.equal(
      thrown(() => loadTimestamp(files)),
      'ValueError',
      'tuf-js rejects duplicate keyids',
    );
    const timestampSigs = (json(files, 'timestamp.json') as { signatures: unknown[] }).signatures;
    t.equal(timestampSigs.length, 2);
    const snapshot = loadSnapshot(files);
    t.same(Object.keys(snapshot.signatures), [rogue.keyid]);
    t.equal(
      thrown(() => root.verifyDelegate('snapshot', snapshot)),
      'UnsignedMetadataError',
    );
    t.equal(
      thrown(() => root.verifyDelegate('targets', loadTargets(files))),
      'UnsignedMetadataError',
    );
    t.end();
  });

  void t.test('omit', (t) => {
    const files = new RepoBuilder({ now })
      .rotateRoot()
      .omit('timestamp.json', '1.root.json')
      .build();
    t.notOk(files.has('timestamp.json'));
    t.notOk(files.has('1.root.json'));
    t.ok(files.has('2.root.json'));
    t.end();
  });
  t.end();
});

void t.test('writeRepo, and a tuf-js client updating from it over HTTP', (t) => {
  // tuf-js checks expiry against the wall clock, so these repositories expire in 2101.
  const far = new Date('2100-01-01T00:00:00Z');
  for (const consistentSnapshot of [false, true]) {
    void t.test(`consistent_snapshot: ${String(consistentSnapshot)}`, async (t) => {
      const nestedPath = 'a/nested.bin';
      const builder = new RepoBuilder({
        now: far,
        consistentSnapshot,
        keyType: 'ecdsa-hex',
        hashAlgorithms: ['sha512', 'sha256'],
        snapshotFileInfo: 'full',
      })
        .addTarget('top.txt', 'top')
        .addDelegation({
          name: 'a',
          paths: ['a/*'],
          delegations: [
            {
              name: 'b',
              pathHashPrefixes: [sha('sha256', nestedPath).slice(0, 4)],
              targets: { [nestedPath]: Buffer.from([9, 8, 7]) },
            },
          ],
        });
      const trusted = builder.build();
      builder.rotateRoot({ roles: { root: { threshold: 2 }, targets: {} } }).rotateRoot();
      const files = builder.build();

      const dir = t.testdir({ repo: {}, metadata: {}, download: {} });
      writeRepo(files, path.join(dir, 'repo'));
      const written = new Map(
        [...files.keys()].map((name) => [name, fs.readFileSync(path.join(dir, 'repo', name))]),
      );
      t.same(written, files, 'writeRepo wrote every file, in subdirectories');
      fs.writeFileSync(path.join(dir, 'metadata', 'root.json'), bytesOf(trusted, '1.root.json'));

      const requested: string[] = [];
      const server = http.createServer((req, res) => {
        const name = decodeURIComponent(new URL(req.url ?? '/', 'http://repo').pathname);
        requested.push(name);
        fs.readFile(path.join(dir, 'repo', name), (err, data) => {
          res.statusCode = err === null ? 200 : 404;
          res.end(data);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      t.teardown(() => {
        server.closeAllConnections();
        server.close();
      });
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

      const updater = new Updater({
        metadataDir: path.join(dir, 'metadata'),
        metadataBaseUrl: base,
        targetDir: path.join(dir, 'download'),
        targetBaseUrl: `${base}/targets`,
      });
      await updater.refresh();
      const info = await updater.getTargetInfo(nestedPath);
      t.equal(info?.path, nestedPath);
      if (info === undefined) return;
      const saved = await updater.downloadTarget(info);
      t.same(fs.readFileSync(saved), Buffer.from([9, 8, 7]));

      const trustedRoot = loadRoot(
        new Map([['root.json', fs.readFileSync(path.join(dir, 'metadata', 'root.json'))]]),
      );
      t.equal(trustedRoot.signed.version, 3, 'the client rotated 1 -> 2 -> 3');
      t.same(
        requested.filter((name) => name.endsWith('.json')),
        [
          '/2.root.json',
          '/3.root.json',
          '/4.root.json',
          '/timestamp.json',
          ...(consistentSnapshot
            ? ['/1.snapshot.json', '/1.targets.json']
            : ['/snapshot.json', '/targets.json']),
          consistentSnapshot ? '/1.a.json' : '/a.json',
          consistentSnapshot ? '/1.b.json' : '/b.json',
        ],
      );
      t.equal(
        requested.at(-1),
        consistentSnapshot
          ? `/targets/a/${sha('sha512', Buffer.from([9, 8, 7]))}.nested.bin`
          : '/targets/a/nested.bin',
      );
    });
  }
  t.end();
});

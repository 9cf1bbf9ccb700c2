import { canonicalize } from '@tufjs/canonical-json';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';

import { TufError } from '../../tuf/errors.js';
import {
  parseMetadata,
  TOP_LEVEL_ROLES,
  type Metadata,
  type RoleType,
} from '../../tuf/metadata.js';
import { FIXTURES } from '../support/fixtures.js';

type Json = Record<string, unknown>;

const KEY = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: 'ab'.repeat(32) } };
const role = (keyids = ['k1'], threshold = 1): Json => ({ keyids, threshold });

/** A valid document of each type, with unknown fields that must be kept. */
function valid(type: RoleType): Json {
  const common = {
    _type: type,
    spec_version: '1.0.31',
    version: 3,
    expires: '2034-10-05T15:57:51-05:00',
    x_unknown: { nested: ['kept', 1, null, true] },
  };
  const body: Record<RoleType, Json> = {
    root: {
      consistent_snapshot: false,
      keys: { k1: { ...KEY, keyid_hash_algorithms: ['sha256', 'sha512'] } },
      roles: {
        root: role(),
        timestamp: role(),
        snapshot: role(),
        targets: role(),
        mirrors: role(),
      },
    },
    timestamp: {
      meta: { 'snapshot.json': { version: 9, length: 515, hashes: { sha256: 'ab12' } } },
    },
    snapshot: {
      meta: {
        'targets.json': { version: 2 },
        'role1.json': { version: 1, length: 0, hashes: { sha512: 'cd', sha256: 'ef' } },
      },
    },
    targets: {
      targets: {
        'orbit/macos/stable/orbit': {
          length: 3,
          hashes: { sha512: '0123456789abcdef' },
          custom: { version: '1.2.3' },
        },
      },
      delegations: {
        keys: { k2: KEY },
        roles: [
          { name: 'role1', keyids: ['k2'], threshold: 1, terminating: true, paths: ['a/*'] },
          {
            name: 'role2',
            keyids: [],
            threshold: 0,
            terminating: false,
            path_hash_prefixes: ['8f'],
            x_role: 'kept',
          },
          { name: 'role3', keyids: ['k2'], threshold: 1, terminating: false },
        ],
      },
    },
  };
  return { ...common, ...body[type] };
}

const envelope = (signed: unknown, signatures: unknown = [{ keyid: 'k1', sig: 'abcd' }]): Json => ({
  signed,
  signatures,
});
const bytesOf = (doc: unknown, indent?: string): Buffer =>
  Buffer.from(JSON.stringify(doc, null, indent), 'utf8');

function thrown(fn: () => unknown): TufError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TufError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

/** The field path of each problem ("path: what is wrong"). */
const paths = (err: TufError): string[] =>
  (err.details.problems ?? []).map((p) => p.slice(0, p.indexOf(': ')));

t.test('valid metadata of every role type', (t) => {
  for (const type of TOP_LEVEL_ROLES) {
    t.test(type, (t) => {
      const signed = valid(type);
      const signatures = [
        { keyid: 'k1', sig: 'abcd' },
        { keyid: 'k2', sig: 'ef', x_sig: 'kept' },
      ];
      const bytes = bytesOf(envelope(signed, signatures), '\t');
      const md: Metadata = parseMetadata(bytes, type);
      t.equal(md.role, type, 'role defaults to the type');
      t.strictSame(md.signed, signed, 'every field kept, unknown ones included');
      t.strictSame(md.signatures, signatures);
      t.equal(md.length, bytes.length, 'length of the file as fetched');
      t.ok(md.signedBytes.equals(Buffer.from(canonicalize(signed), 'utf8')), 'signedBytes');
      t.equal(md.expires.toISOString(), '2034-10-05T20:57:51.000Z');
      t.end();
    });
  }

  t.test('a delegated role keeps its name', (t) => {
    const md = parseMetadata(bytesOf(envelope(valid('targets'))), 'targets', 'role1');
    t.equal(md.role, 'role1');
    t.equal(md.signed._type, 'targets');
    t.end();
  });

  t.test('succinct delegations', (t) => {
    const signed = {
      ...valid('targets'),
      delegations: {
        keys: { k2: KEY },
        succinct_roles: { keyids: ['k2'], threshold: 1, bit_length: 8, name_prefix: 'bin' },
      },
    };
    const md = parseMetadata(bytesOf(envelope(signed)), 'targets');
    t.strictSame(md.signed.delegations?.succinct_roles?.name_prefix, 'bin');
    t.end();
  });

  t.test('no delegations, no targets, no signatures', (t) => {
    const { delegations: _d, ...signed } = valid('targets');
    const md = parseMetadata(bytesOf(envelope({ ...signed, targets: {} }, [])), 'targets');
    t.strictSame(md.signatures, []);
    t.equal(md.signed.delegations, undefined);
    t.end();
  });

  t.test('accepted spec versions and thresholds', (t) => {
    for (const spec_version of ['1.0', '1.0.0', '1.0.31', '1.99.7']) {
      const md = parseMetadata(
        bytesOf(envelope({ ...valid('snapshot'), spec_version })),
        'snapshot',
      );
      t.equal(md.signed.spec_version, spec_version);
    }
    // A threshold below 1 parses; verification reports it as INVALID_THRESHOLD.
    const root = valid('root');
    root.roles = { ...(root.roles as Json), root: role(['k1'], -2) };
    t.equal(parseMetadata(bytesOf(envelope(root)), 'root').signed.roles.root.threshold, -2);
    t.end();
  });

  t.test('non-ASCII and control characters in strings', (t) => {
    const signed = { ...valid('targets'), targets: {}, x_text: 'ö\n\u0001"\\' };
    const md = parseMetadata(bytesOf(envelope(signed)), 'targets');
    t.equal(md.signed.x_text, 'ö\n\u0001"\\');
    t.ok(md.signedBytes.includes('"x_text":"ö\n\u0001\\"\\\\"'));
    t.end();
  });
  t.end();
});

t.test('every signed fixture parses as its type', (t) => {
  const LINK = /^(?:\.\.\/)+[\w.\-/]+$/;
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
    );
  let parsed = 0;
  for (const file of walk(FIXTURES)) {
    const bytes = readFileSync(file);
    const text = bytes.toString('utf8');
    if (LINK.test(text) || !text.includes('"signed"')) continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      continue;
    }
    const type = (json as { signed?: { _type?: unknown } }).signed?._type;
    if (!TOP_LEVEL_ROLES.includes(type as RoleType)) continue;
    try {
      const md = parseMetadata(bytes, type as RoleType);
      t.equal(md.length, bytes.length);
      parsed++;
    } catch (err) {
      t.fail(`${relative(FIXTURES, file)}: ${String(err)}`);
    }
  }
  t.ok(parsed > 1000, `${parsed} fixtures parsed`);
  t.end();
});

t.test('bytes that are not a JSON object', (t) => {
  const cases: { name: string; bytes: Buffer; problems?: string[]; cause?: true }[] = [
    { name: 'not UTF-8', bytes: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), cause: true },
    { name: 'truncated UTF-8', bytes: Buffer.from('{"a":"ö"}').subarray(0, 7), cause: true },
    {
      name: 'a UTF-8 byte order mark (go-tuf, python-tuf and tuf-js reject it)',
      bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytesOf(envelope(valid('root')))]),
      cause: true,
    },
    { name: 'not JSON', bytes: Buffer.from('{"signed":'), cause: true },
    { name: 'empty', bytes: Buffer.alloc(0), cause: true },
    { name: 'an array', bytes: Buffer.from('[]'), problems: ['$'] },
    { name: 'a string', bytes: Buffer.from('"root"'), problems: ['$'] },
    { name: 'null', bytes: Buffer.from('null'), problems: ['$'] },
    { name: 'a number', bytes: Buffer.from('1'), problems: ['$'] },
    { name: 'no signed', bytes: bytesOf({ signatures: [] }), problems: ['signed'] },
    { name: 'signed is an array', bytes: bytesOf(envelope([])), problems: ['signed'] },
    { name: 'signed is null', bytes: bytesOf(envelope(null)), problems: ['signed'] },
  ];
  for (const c of cases) {
    t.test(c.name, (t) => {
      const err = thrown(() => parseMetadata(c.bytes, 'root'));
      t.equal(err.code, 'MALFORMED_METADATA');
      t.equal(err.details.role, 'root');
      if (c.problems !== undefined) t.strictSame(paths(err), c.problems);
      if (c.cause === true) t.ok(err.cause instanceof Error, 'cause kept');
      t.end();
    });
  }
  t.end();
});

t.test('wrong _type', (t) => {
  const cases: { expected: RoleType; actual: unknown }[] = [
    { expected: 'root', actual: 'targets' },
    { expected: 'timestamp', actual: 'snapshot' },
    { expected: 'targets', actual: 'Targets' },
    { expected: 'snapshot', actual: undefined },
    { expected: 'root', actual: 1 },
  ];
  for (const c of cases) {
    t.test(`${String(c.actual)} for ${c.expected}`, (t) => {
      const signed = { ...valid(c.expected), _type: c.actual };
      const err = thrown(() => parseMetadata(bytesOf(envelope(signed)), c.expected, 'the-role'));
      t.equal(err.code, 'WRONG_METADATA_TYPE');
      t.strictSame(err.details, { role: 'the-role', expected: c.expected, actual: c.actual });
      t.end();
    });
  }
  t.end();
});

t.test('unsupported spec_version', (t) => {
  for (const spec_version of [
    '2.0',
    '2.0.0',
    '0.9',
    '1',
    '1.',
    '1.0.0.0',
    'v1.0',
    '1.0-rc1',
    'garbage',
    '',
  ]) {
    t.test(JSON.stringify(spec_version), (t) => {
      const signed = { ...valid('timestamp'), spec_version };
      const err = thrown(() => parseMetadata(bytesOf(envelope(signed)), 'timestamp'));
      t.equal(err.code, 'UNSUPPORTED_SPEC_VERSION');
      t.strictSame(err.details, { role: 'timestamp', actual: spec_version });
      t.end();
    });
  }
  t.end();
});

type Mutation = (signed: Json, doc: Json) => void;
interface MalformedCase {
  name: string;
  type: RoleType;
  mutate: Mutation;
  problems: string[];
}

const set =
  (path: string, value: unknown): Mutation =>
  (signed) => {
    const parts = path.split('/');
    const last = parts.pop() as string;
    let at: Json = signed;
    for (const part of parts) at = at[part] as Json;
    if (value === undefined) delete at[last];
    else at[last] = value;
  };

const delegationRole = (extra: Json): Json => ({
  name: 'r',
  keyids: ['k2'],
  threshold: 1,
  terminating: false,
  paths: ['*'],
  ...extra,
});

const malformed: MalformedCase[] = [
  // Common fields.
  {
    name: 'spec_version not a string',
    type: 'root',
    mutate: set('spec_version', 1),
    problems: ['signed.spec_version'],
  },
  {
    name: 'no spec_version',
    type: 'root',
    mutate: set('spec_version', undefined),
    problems: ['signed.spec_version'],
  },
  { name: 'version 0', type: 'root', mutate: set('version', 0), problems: ['signed.version'] },
  {
    name: 'version -1',
    type: 'timestamp',
    mutate: set('version', -1),
    problems: ['signed.version'],
  },
  {
    name: 'version float',
    type: 'snapshot',
    mutate: set('version', 1.5),
    // A float is refused by the reader, before any field is looked at (json.ts).
    problems: ['$'],
  },
  {
    name: 'version string',
    type: 'targets',
    mutate: set('version', '1'),
    problems: ['signed.version'],
  },
  {
    name: 'version beyond 2^53',
    type: 'targets',
    mutate: set('version', 2 ** 53),
    problems: ['signed.version'],
  },
  {
    name: 'no version',
    type: 'root',
    mutate: set('version', undefined),
    problems: ['signed.version'],
  },
  {
    name: 'expires without time',
    type: 'root',
    mutate: set('expires', '2030-01-01'),
    problems: ['signed.expires'],
  },
  {
    name: 'expires without zone',
    type: 'timestamp',
    mutate: set('expires', '2030-01-01T00:00:00'),
    problems: ['signed.expires'],
  },
  {
    name: 'expires Feb 29 in a non-leap year',
    type: 'timestamp',
    mutate: set('expires', '2031-02-29T00:00:00Z'),
    problems: ['signed.expires'],
  },
  {
    name: 'expires a number',
    type: 'snapshot',
    mutate: set('expires', 1893456000),
    problems: ['signed.expires'],
  },
  {
    name: 'no expires',
    type: 'targets',
    mutate: set('expires', undefined),
    problems: ['signed.expires'],
  },
  // Signatures.
  {
    name: 'signatures not an array',
    type: 'root',
    mutate: (_s, doc) => {
      doc.signatures = { k1: 'abcd' };
    },
    problems: ['signatures'],
  },
  {
    name: 'no signatures',
    type: 'root',
    mutate: (_s, doc) => {
      delete doc.signatures;
    },
    problems: ['signatures'],
  },
  {
    name: 'signature entries malformed',
    type: 'timestamp',
    mutate: (_s, doc) => {
      doc.signatures = [
        'abcd',
        null,
        { keyid: 1, sig: 'ab' },
        { keyid: 'k1' },
        { keyid: 'k1', sig: 'ab' },
      ];
    },
    problems: ['signatures[0]', 'signatures[1]', 'signatures[2].keyid', 'signatures[3].sig'],
  },
  // Root.
  {
    name: 'consistent_snapshot not a boolean',
    type: 'root',
    mutate: set('consistent_snapshot', 'false'),
    problems: ['signed.consistent_snapshot'],
  },
  {
    name: 'no consistent_snapshot',
    type: 'root',
    mutate: set('consistent_snapshot', undefined),
    problems: ['signed.consistent_snapshot'],
  },
  { name: 'keys not an object', type: 'root', mutate: set('keys', []), problems: ['signed.keys'] },
  { name: 'no keys', type: 'root', mutate: set('keys', undefined), problems: ['signed.keys'] },
  {
    name: 'a key not an object',
    type: 'root',
    mutate: set('keys/k1', 'ab'),
    problems: ['signed.keys.k1'],
  },
  {
    name: 'key fields',
    type: 'root',
    mutate: set('keys/k1', { keytype: 1, keyval: 'ab' }),
    problems: ['signed.keys.k1.keytype', 'signed.keys.k1.scheme', 'signed.keys.k1.keyval'],
  },
  {
    name: 'roles not an object',
    type: 'root',
    mutate: set('roles', ['root']),
    problems: ['signed.roles'],
  },
  { name: 'no roles', type: 'root', mutate: set('roles', undefined), problems: ['signed.roles'] },
  {
    name: 'a top-level role missing',
    type: 'root',
    mutate: set('roles/timestamp', undefined),
    problems: ['signed.roles.timestamp'],
  },
  {
    name: 'every top-level role missing',
    type: 'root',
    mutate: set('roles', { mirrors: role() }),
    problems: [
      'signed.roles.root',
      'signed.roles.timestamp',
      'signed.roles.snapshot',
      'signed.roles.targets',
    ],
  },
  {
    name: 'role keyids not an array',
    type: 'root',
    mutate: set('roles/root/keyids', 'k1'),
    problems: ['signed.roles.root.keyids'],
  },
  {
    name: 'role keyids not strings',
    type: 'root',
    mutate: set('roles/snapshot/keyids', ['k1', 2]),
    problems: ['signed.roles.snapshot.keyids'],
  },
  {
    name: 'role threshold a string',
    type: 'root',
    mutate: set('roles/targets/threshold', '1'),
    problems: ['signed.roles.targets.threshold'],
  },
  {
    name: 'role threshold a float',
    type: 'root',
    mutate: set('roles/root/threshold', 1.5),
    problems: ['$'],
  },
  {
    name: 'role threshold missing',
    type: 'root',
    mutate: set('roles/root/threshold', undefined),
    problems: ['signed.roles.root.threshold'],
  },
  // Timestamp.
  {
    name: 'timestamp without meta',
    type: 'timestamp',
    mutate: set('meta', undefined),
    problems: ['signed.meta'],
  },
  {
    name: 'timestamp without snapshot.json',
    type: 'timestamp',
    mutate: set('meta', { 'targets.json': { version: 1 } }),
    problems: ['signed.meta', 'signed.meta.targets.json'],
  },
  {
    // TUF 4.6: only snapshot.json. python-tuf drops the rest, so its signature check fails.
    name: 'timestamp listing more than snapshot.json',
    type: 'timestamp',
    mutate: set('meta', {
      'snapshot.json': { version: 1 },
      'targets.json': { version: 1 },
      'root.json': { version: 1 },
    }),
    problems: ['signed.meta.targets.json', 'signed.meta.root.json'],
  },
  {
    name: 'timestamp snapshot.json not an object',
    type: 'timestamp',
    mutate: set('meta/snapshot.json', 1),
    problems: ['signed.meta.snapshot.json', 'signed.meta'],
  },
  {
    name: 'meta version 0',
    type: 'timestamp',
    mutate: set('meta/snapshot.json/version', 0),
    problems: ['signed.meta.snapshot.json.version'],
  },
  {
    name: 'meta without version',
    type: 'snapshot',
    mutate: set('meta/targets.json/version', undefined),
    problems: ['signed.meta.targets.json.version'],
  },
  {
    name: 'meta length negative',
    type: 'timestamp',
    mutate: set('meta/snapshot.json/length', -1),
    problems: ['signed.meta.snapshot.json.length'],
  },
  {
    name: 'meta length a string',
    type: 'snapshot',
    mutate: set('meta/role1.json/length', '0'),
    problems: ['signed.meta.role1.json.length'],
  },
  {
    name: 'meta hashes not an object',
    type: 'timestamp',
    mutate: set('meta/snapshot.json/hashes', 'ab'),
    problems: ['signed.meta.snapshot.json.hashes'],
  },
  {
    name: 'meta hashes empty',
    type: 'timestamp',
    mutate: set('meta/snapshot.json/hashes', {}),
    problems: ['signed.meta.snapshot.json.hashes'],
  },
  {
    name: 'meta hashes not lowercase hex',
    type: 'snapshot',
    mutate: set('meta/role1.json/hashes', {
      sha256: 'AB',
      sha512: 'zz',
      sha384: '',
      blake2b: 12,
    }),
    problems: [
      'signed.meta.role1.json.hashes.sha256',
      'signed.meta.role1.json.hashes.sha512',
      'signed.meta.role1.json.hashes.sha384',
      'signed.meta.role1.json.hashes.blake2b',
    ],
  },
  {
    name: 'snapshot meta not an object',
    type: 'snapshot',
    mutate: set('meta', []),
    problems: ['signed.meta'],
  },
  {
    name: 'snapshot meta entry not an object',
    type: 'snapshot',
    mutate: set('meta/targets.json', [1]),
    problems: ['signed.meta.targets.json'],
  },
  // Targets.
  {
    name: 'no targets',
    type: 'targets',
    mutate: set('targets', undefined),
    problems: ['signed.targets'],
  },
  {
    name: 'targets an array',
    type: 'targets',
    mutate: set('targets', []),
    problems: ['signed.targets'],
  },
  {
    name: 'target not an object',
    type: 'targets',
    mutate: set('targets', { a: 'x' }),
    problems: ['signed.targets.a'],
  },
  {
    name: 'target without length and hashes',
    type: 'targets',
    mutate: set('targets', { a: { custom: {} } }),
    problems: ['signed.targets.a.length', 'signed.targets.a.hashes'],
  },
  {
    name: 'target length float, hashes empty',
    type: 'targets',
    mutate: set('targets', { a: { length: 1.5, hashes: {} } }),
    problems: ['$'],
  },
  {
    name: 'target length negative, hashes not an object',
    type: 'targets',
    mutate: set('targets', { a: { length: -1, hashes: [] } }),
    problems: ['signed.targets.a.length', 'signed.targets.a.hashes'],
  },
  {
    name: 'target hashes not an object',
    type: 'targets',
    mutate: set('targets', { a: { length: 1, hashes: 'ab' } }),
    problems: ['signed.targets.a.hashes'],
  },
  {
    name: 'target hash not hex',
    type: 'targets',
    mutate: set('targets', { a: { length: 1, hashes: { sha256: 'not hex' } } }),
    problems: ['signed.targets.a.hashes.sha256'],
  },
  // Delegations.
  {
    name: 'delegations not an object',
    type: 'targets',
    mutate: set('delegations', []),
    problems: ['signed.delegations'],
  },
  {
    name: 'delegations null',
    type: 'targets',
    mutate: set('delegations', null),
    problems: ['signed.delegations'],
  },
  {
    name: 'delegations without keys',
    type: 'targets',
    mutate: set('delegations/keys', undefined),
    problems: ['signed.delegations.keys'],
  },
  {
    name: 'delegation key malformed',
    type: 'targets',
    mutate: set('delegations/keys/k2', { keytype: 'ed25519', scheme: 'ed25519', keyval: null }),
    problems: ['signed.delegations.keys.k2.keyval'],
  },
  {
    name: 'roles not an array',
    type: 'targets',
    mutate: set('delegations/roles', { role1: {} }),
    problems: ['signed.delegations.roles'],
  },
  {
    name: 'role entry not an object',
    type: 'targets',
    mutate: set('delegations/roles', [delegationRole({}), 'role1']),
    problems: ['signed.delegations.roles[1]'],
  },
  {
    name: 'role entry fields',
    type: 'targets',
    mutate: set('delegations/roles', [
      { keyids: 'k2', threshold: '1', terminating: 'no', paths: 'a/*', path_hash_prefixes: [1] },
    ]),
    problems: [
      'signed.delegations.roles[0].name',
      'signed.delegations.roles[0].keyids',
      'signed.delegations.roles[0].threshold',
      'signed.delegations.roles[0].terminating',
      'signed.delegations.roles[0].paths',
      'signed.delegations.roles[0].path_hash_prefixes',
      'signed.delegations.roles[0]',
    ],
  },
  {
    name: 'paths and path_hash_prefixes both set',
    type: 'targets',
    mutate: set('delegations/roles', [
      delegationRole({}),
      delegationRole({ path_hash_prefixes: ['ab'] }),
    ]),
    problems: ['signed.delegations.roles[1]'],
  },
  {
    name: 'roles and succinct_roles both set',
    type: 'targets',
    mutate: set('delegations/succinct_roles', {
      keyids: ['k2'],
      threshold: 1,
      bit_length: 4,
      name_prefix: 'bin',
    }),
    problems: ['signed.delegations'],
  },
  {
    name: 'succinct_roles not an object',
    type: 'targets',
    mutate: set('delegations', { keys: {}, succinct_roles: 'bin' }),
    problems: ['signed.delegations.succinct_roles'],
  },
  {
    name: 'succinct_roles fields',
    type: 'targets',
    mutate: set('delegations', {
      keys: {},
      succinct_roles: { keyids: [1], bit_length: 0 },
    }),
    problems: [
      'signed.delegations.succinct_roles.keyids',
      'signed.delegations.succinct_roles.threshold',
      'signed.delegations.succinct_roles.bit_length',
      'signed.delegations.succinct_roles.name_prefix',
    ],
  },
  {
    name: 'succinct bit_length a float',
    type: 'targets',
    mutate: set('delegations', {
      keys: {},
      succinct_roles: { keyids: [], threshold: 1, bit_length: 2.5, name_prefix: 'p' },
    }),
    problems: ['$'],
  },
  // Every problem of a file is reported at once.
  {
    name: 'many problems together',
    type: 'root',
    mutate: (signed, doc) => {
      doc.signatures = [{ sig: 'ab' }];
      signed.version = 0;
      signed.expires = 'soon';
      signed.consistent_snapshot = 1;
      delete (signed.roles as Json).targets;
    },
    problems: [
      'signatures[0].keyid',
      'signed.version',
      'signed.expires',
      'signed.consistent_snapshot',
      'signed.roles.targets',
    ],
  },
];

t.test('malformed fields are all reported, by path', (t) => {
  for (const c of malformed) {
    t.test(`${c.type}: ${c.name}`, (t) => {
      const signed = structuredClone(valid(c.type));
      const doc = envelope(signed);
      c.mutate(signed, doc);
      const err = thrown(() => parseMetadata(bytesOf(doc), c.type, 'the-role'));
      t.equal(err.code, 'MALFORMED_METADATA');
      t.equal(err.details.role, 'the-role');
      t.strictSame(paths(err), c.problems);
      t.end();
    });
  }
  t.end();
});

t.test('signed content that cannot be canonicalized', (t) => {
  t.test('a float in an unknown field', (t) => {
    const signed = { ...valid('snapshot'), x_ratio: 0.5 };
    const err = thrown(() => parseMetadata(bytesOf(envelope(signed)), 'snapshot', 'snap'));
    t.equal(err.code, 'MALFORMED_METADATA');
    t.equal(err.details.role, 'snap');
    t.end();
  });

  t.test('a float in a target custom field', (t) => {
    const signed = valid('targets');
    signed.targets = { a: { length: 1, hashes: { sha256: 'ab' }, custom: { x: 1.25 } } };
    t.equal(
      thrown(() => parseMetadata(bytesOf(envelope(signed)), 'targets')).code,
      'MALFORMED_METADATA',
    );
    t.end();
  });

  t.test('deep nesting is an error, not a crash', (t) => {
    const depth = 200_000;
    const text = `{"signed":${JSON.stringify(valid('targets')).slice(0, -1)},"x":${'['.repeat(depth)}${']'.repeat(depth)}},"signatures":[]}`;
    const err = thrown(() => parseMetadata(Buffer.from(text), 'targets'));
    t.equal(err.code, 'MALFORMED_METADATA');
    t.equal(err.details.role, 'targets');
    t.end();
  });
  t.end();
});

/** The text of a valid document of `type` in which `"MARK"` stands for what the case writes there. */
function marked(type: RoleType, mark: (signed: Json) => void): string {
  const signed = structuredClone(valid(type));
  mark(signed);
  return JSON.stringify(envelope(signed), null, '\t');
}

t.test('integers beyond 2^53: the signed bytes hold them as written', (t) => {
  const text = marked('targets', (signed) => {
    signed.x_counter = 'MARK1';
    (signed.targets as Json)['orbit/macos/stable/orbit'] = {
      length: 3,
      hashes: { sha512: '0123456789abcdef' },
      custom: { version: '1.2.3', build: 'MARK2' },
    };
  })
    .replace('"MARK1"', '18446744073709551615')
    .replace('"MARK2"', '-9007199254740993');
  const md = parseMetadata(Buffer.from(text), 'targets');
  const bytes = md.signedBytes.toString('utf8');
  // JSON.parse would read 18446744073709552000 and -9007199254740992: other bytes, a failed signature.
  t.ok(bytes.includes('"x_counter":18446744073709551615'), 'unknown field exact');
  t.ok(bytes.includes('"build":-9007199254740993'), 'custom exact');
  t.equal(md.signed.x_counter, 18446744073709551615n);
  t.end();
});

t.test('an integer field beyond 2^53 is malformed', (t) => {
  const text = marked('snapshot', (signed) => {
    signed.version = 'MARK';
  }).replace('"MARK"', '9007199254740993');
  const err = thrown(() => parseMetadata(Buffer.from(text), 'snapshot'));
  t.equal(err.code, 'MALFORMED_METADATA');
  t.strictSame(paths(err), ['signed.version']);
  t.end();
});

t.test('every spelling of a number that is not an integer literal is malformed', (t) => {
  // OLPC canonical JSON, which TUF signs, has integers only. JSON.parse reads
  // `1.0`, `1e0` and `-0` as integers, whose canonical form is other bytes.
  const places: { name: string; type: RoleType; mark: (signed: Json) => void }[] = [
    { name: 'version', type: 'timestamp', mark: (s) => (s.version = 'MARK') },
    {
      name: 'a snapshot meta version',
      type: 'snapshot',
      mark: (s) => ((s.meta as Json)['targets.json'] = { version: 'MARK' }),
    },
    {
      name: 'a target length',
      type: 'targets',
      mark: (s) => (s.targets = { a: { length: 'MARK', hashes: { sha256: 'ab' } } }),
    },
    {
      name: 'a root role threshold',
      type: 'root',
      mark: (s) => ((s.roles as Json).root = { keyids: ['k1'], threshold: 'MARK' }),
    },
    { name: 'an unknown field', type: 'root', mark: (s) => (s.x_ratio = 'MARK') },
  ];
  const spellings = ['1.0', '1e0', '1E2', '-0', '1.50', '0.0', '1e+0', '10E-1', '-1.0'];
  for (const place of places) {
    for (const spelling of spellings) {
      t.test(`${place.name}: ${spelling}`, (t) => {
        const text = marked(place.type, place.mark).replace('"MARK"', spelling);
        const err = thrown(() => parseMetadata(Buffer.from(text), place.type, 'the-role'));
        t.equal(err.code, 'MALFORMED_METADATA');
        t.equal(err.details.role, 'the-role');
        t.strictSame(paths(err), ['$']);
        t.end();
      });
    }
  }
  t.end();
});

t.test('a lone surrogate escape in signed content is malformed', (t) => {
  const cases: { name: string; type: RoleType; mark: (signed: Json) => void; escape: string }[] = [
    {
      name: 'a custom string',
      type: 'targets',
      mark: (s) => ((s.targets as Json)['orbit/macos/stable/orbit'] = customTarget('MARK')),
      escape: '"\\ud800"',
    },
    {
      name: 'a target path',
      type: 'targets',
      mark: (s) => (s.targets = { MARK: customTarget('x') }),
      escape: '"a\\udc00.txt"',
    },
    {
      name: 'an unknown field',
      type: 'root',
      mark: (s) => (s.x_note = 'MARK'),
      escape: '"\\udbff"',
    },
    {
      name: 'a reversed pair',
      type: 'snapshot',
      mark: (s) => (s.x = 'MARK'),
      escape: '"\\ude00\\ud83d"',
    },
  ];
  for (const c of cases) {
    t.test(c.name, (t) => {
      const text = marked(c.type, c.mark).replace('"MARK"', c.escape);
      const err = thrown(() => parseMetadata(Buffer.from(text), c.type));
      t.equal(err.code, 'MALFORMED_METADATA');
      t.strictSame(paths(err), ['$']);
      t.end();
    });
  }
  t.test('two documents no longer share one signature', (t) => {
    // Before: "\ud800" became U+FFFD in the signed bytes, the bytes of the second document.
    const lone = marked('targets', (s) => (s.x = 'MARK')).replace('"MARK"', '"\\ud800"');
    const replacement = marked('targets', (s) => (s.x = '\ufffd'));
    t.equal(thrown(() => parseMetadata(Buffer.from(lone), 'targets')).code, 'MALFORMED_METADATA');
    const md = parseMetadata(Buffer.from(replacement), 'targets');
    t.ok(md.signedBytes.includes(Buffer.from('"x":"\ufffd"')));
    t.end();
  });
  t.test('an escaped pair is one character', (t) => {
    const text = marked('targets', (s) => (s.x = 'MARK')).replace('"MARK"', '"\\ud83d\\ude00"');
    t.equal(parseMetadata(Buffer.from(text), 'targets').signed.x, '😀');
    t.end();
  });
  t.end();
});

function customTarget(custom: string): Json {
  return { length: 1, hashes: { sha256: 'ab' }, custom: { note: custom } };
}

t.test('a key repeated in one object is malformed, in signed content or around it', (t) => {
  // JSON.parse keeps the last value; another reader may keep the first: two readings of one signed document.
  const cases: { name: string; type: RoleType; mark: (signed: Json) => void; repeat: string }[] = [
    {
      name: 'version',
      type: 'timestamp',
      mark: (s) => (s.version = 'MARK'),
      repeat: '1, "version": 2',
    },
    {
      name: 'a target path',
      type: 'targets',
      mark: (s) => (s.targets = { a: customTarget('MARK') }),
      repeat: '"x"}}, "a": {"length": 2, "hashes": {"sha256": "cd"}, "custom": {"note": "y"',
    },
    {
      name: 'a key of the root',
      type: 'root',
      mark: (s) => (s.keys = { k1: { ...KEY, x: 'MARK' } }),
      repeat:
        '1}, "k1": {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": "cd"}, "x": 2',
    },
    {
      name: 'signed itself',
      type: 'snapshot',
      mark: (s) => (s.x = 'MARK'),
      repeat: '1}, "signed": {"_type": "snapshot"',
    },
  ];
  for (const c of cases) {
    t.test(c.name, (t) => {
      const text = marked(c.type, c.mark).replace('"MARK"', c.repeat);
      t.doesNotThrow(() => JSON.parse(text) as unknown, 'JSON.parse reads it');
      const err = thrown(() => parseMetadata(Buffer.from(text), c.type));
      t.equal(err.code, 'MALFORMED_METADATA');
      t.strictSame(paths(err), ['$']);
      t.end();
    });
  }
  t.test('a repeated keyid in signatures is left to signature counting', (t) => {
    const doc = envelope(valid('root'), [
      { keyid: 'k1', sig: 'ab' },
      { keyid: 'k1', sig: 'ab' },
    ]);
    t.equal(parseMetadata(bytesOf(doc), 'root').signatures.length, 2);
    t.end();
  });
  t.end();
});

t.test('a wrong _type of any JSON type is reported as JSON-safe fields', (t) => {
  // Findings are serialized with JSON.stringify, which throws on a bigint.
  const cases: { written: string; actual: unknown; shown: string }[] = [
    {
      written: '18446744073709551615',
      actual: '18446744073709551615',
      shown: '18446744073709551615',
    },
    { written: '[18446744073709551615]', actual: 'an array', shown: 'an array' },
    { written: '{"t": 18446744073709551615}', actual: 'an object', shown: 'an object' },
    { written: 'null', actual: null, shown: 'null' },
    { written: 'true', actual: true, shown: 'true' },
  ];
  for (const c of cases) {
    t.test(c.written, (t) => {
      const text = marked('root', (s) => (s._type = 'MARK')).replace('"MARK"', c.written);
      const err = thrown(() => parseMetadata(Buffer.from(text), 'root'));
      t.equal(err.code, 'WRONG_METADATA_TYPE');
      t.strictSame(err.details, { role: 'root', expected: 'root', actual: c.actual });
      t.ok(err.message.includes(`_type is ${c.shown},`), err.message);
      t.doesNotThrow(() => JSON.stringify(err.toFinding()));
      t.end();
    });
  }
  t.end();
});

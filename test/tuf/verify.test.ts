// Attacks on a whole repository, and the exact findings `verifyRepository` must
// report for each. Repositories are built with real keys by the test builder
// and served from temp directories; a wrapping source injects I/O failures.
import { canonicalize } from '@tufjs/canonical-json';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { DirectorySource } from '../../sources/directory.js';
import { TufError } from '../../tuf/errors.js';
import type { Finding, FindingCode, FindingDetails, Severity } from '../../tuf/findings.js';
import type { MetadataSource } from '../../tuf/source.js';
import {
  targetKey,
  verifyRepository,
  type RoleSummary,
  type VerifyOptions,
  type VerifyReport,
} from '../../tuf/verify.js';
import {
  generateKey,
  importKey,
  RepoBuilder,
  serialize,
  signEnvelope,
  tufTime,
  writeRepo,
  type KeyType,
  type MetaFileInfo,
  type RepoOptions,
  type TestKey,
  type TufPublicKey,
} from '../support/builder.js';

// --- Fixed time -------------------------------------------------------------

const now = new Date('2030-01-01T00:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The builder's default lifetime: every role expires one 365-day year after `now`. */
const YEAR = 365 * DAY;
const at = (offsetMs: number): Date => new Date(now.getTime() + offsetMs);
const IN_A_YEAR = tufTime(at(YEAR));

// --- Repositories -----------------------------------------------------------

type Files = Map<string, Buffer>;

const sha256 = (data: string | Uint8Array): string =>
  crypto.createHash('sha256').update(data).digest('hex');
const ZEROS = '0'.repeat(64);

function fileOf(files: Files, name: string): Buffer {
  const bytes = files.get(name);
  if (bytes === undefined) throw new Error(`${name} was not published`);
  return bytes;
}

function metaOf(meta: Record<string, MetaFileInfo>, name: string): MetaFileInfo {
  const entry = meta[name];
  if (entry === undefined) throw new Error(`no meta entry ${name}`);
  return entry;
}

function keyOf(b: RepoBuilder, role: string, index = 0): TestKey {
  const key = b.keysOf(role)[index];
  if (key === undefined) throw new Error(`${role} has no key ${index}`);
  return key;
}

const keyidOf = (b: RepoBuilder, role: string, index = 0): string => keyOf(b, role, index).keyid;

/** A repository with nothing to report: root threshold 2, one distinct key per online role. */
function repo(options: Partial<RepoOptions> = {}): RepoBuilder {
  return new RepoBuilder({ now, ...options, roles: { root: { threshold: 2 }, ...options.roles } });
}

/** The repository most attacks start from: a top-level target and a delegated role with one. */
function standard(options: Partial<RepoOptions> = {}): RepoBuilder {
  return repo(options)
    .addTarget('a.txt', 'hello')
    .addDelegation({ name: 'a', paths: ['a/*'], targets: { 'a/x.txt': 'x' } });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tufwatch-verify-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
let served = 0;

/** Writes a repository into a fresh directory: metadata at the top, target files under targets/. */
function serve(files: ReadonlyMap<string, Uint8Array>): string {
  const dir = path.join(tmp, String(++served));
  fs.mkdirSync(dir);
  writeRepo(files, dir);
  return dir;
}

/** A source that fails on the named files and reads everything else through. */
class Faulty implements MetadataSource {
  readonly #inner: MetadataSource;
  readonly #faults: ReadonlyMap<string, Error>;

  constructor(inner: MetadataSource, faults: Record<string, Error>) {
    this.#inner = inner;
    this.#faults = new Map(Object.entries(faults));
  }

  get location(): string {
    return this.#inner.location;
  }

  async read(name: string, maxBytes: number): Promise<Uint8Array> {
    this.#fail(name);
    return await this.#inner.read(name, maxBytes);
  }

  async *stream(name: string, maxBytes: number): AsyncIterable<Uint8Array> {
    this.#fail(name);
    yield* this.#inner.stream(name, maxBytes);
  }

  #fail(name: string): void {
    const fault = this.#faults.get(name);
    if (fault !== undefined) throw fault;
  }
}

const fetchFailed = (file: string): TufError =>
  new TufError('FETCH_FAILED', `HTTP 503 for ${file}`, { file });

interface Run extends Partial<Omit<VerifyOptions, 'repository' | 'trustedRoot'>> {
  /** Where trust starts. Default: the repository's own 1.root.json; 'none': no trusted root. */
  anchor?: Uint8Array | 'none';
  /** Failures of the metadata source, by file name. */
  faults?: Record<string, Error>;
  /** Failures of the target source, by file name. */
  targetFaults?: Record<string, Error>;
}

async function verify(files: Files, run: Run = {}): Promise<VerifyReport> {
  const { anchor, faults = {}, targetFaults = {}, ...options } = run;
  const dir = serve(files);
  return verifyRepository({
    repository: new Faulty(new DirectorySource(dir), faults),
    targets: new Faulty(new DirectorySource(path.join(dir, 'targets')), targetFaults),
    trustedRoot: anchor === 'none' ? undefined : (anchor ?? files.get('1.root.json')),
    now,
    ...options,
  });
}

// --- Expected findings ------------------------------------------------------

type Expected = Omit<Partial<Finding>, 'message'> & Pick<Finding, 'code' | 'severity'>;

const expect =
  (severity: Severity) =>
  (code: FindingCode, role?: string, details: FindingDetails = {}): Expected => ({
    code,
    severity,
    ...(role === undefined ? {} : { role }),
    ...details,
  });
const error = expect('error');
const warning = expect('warning');
const info = expect('info');

const keyOfFinding = (f: Expected): string => `${f.code} ${f.severity} ${f.role ?? '-'}`;
const byKey = (a: Expected, b: Expected): number => keyOfFinding(a).localeCompare(keyOfFinding(b));

/**
 * The report has exactly these findings (code, severity, role), each with the
 * structured fields listed (compared exactly), and `ok` as given. Findings
 * with the same code and role are matched in the order they were reported.
 */
function expectFindings(t: Test, report: VerifyReport, ok: boolean, expected: Expected[]): void {
  const actual = [...report.findings].sort(byKey);
  const wanted = [...expected].sort(byKey);
  t.strictSame(actual.map(keyOfFinding), wanted.map(keyOfFinding), 'code, severity, role');
  const projected = actual.map((f, i) =>
    Object.fromEntries(Object.keys(wanted[i] ?? {}).map((k) => [k, f[k as keyof Finding]])),
  );
  t.strictSame(projected, wanted, 'structured details');
  t.equal(report.ok, ok, 'report.ok');
}

const problemPaths = (report: VerifyReport, code: FindingCode): string[] =>
  report.findings
    .filter((f) => f.code === code)
    .flatMap((f) => f.problems ?? [])
    .map((p) => p.slice(0, p.indexOf(': ')));

// --- Table-driven attack cases ----------------------------------------------

interface Case {
  name: string;
  /** Default: `standard()`. */
  base?: () => RepoBuilder;
  build?: (b: RepoBuilder) => void;
  /** Changes the served files after building. */
  files?: (files: Files, b: RepoBuilder) => void;
  run?: Run | ((b: RepoBuilder, files: Files) => Run);
  ok: boolean;
  expected: Expected[] | ((b: RepoBuilder, files: Files) => Expected[]);
  check?: (t: Test, report: VerifyReport, b: RepoBuilder, files: Files) => void;
}

function runCases(t: Test, cases: readonly Case[]): void {
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const b = (c.base ?? standard)();
      c.build?.(b);
      const files = b.build();
      c.files?.(files, b);
      const run = typeof c.run === 'function' ? c.run(b, files) : c.run;
      const report = await verify(files, run);
      const expected = typeof c.expected === 'function' ? c.expected(b, files) : c.expected;
      expectFindings(t, report, c.ok, expected);
      c.check?.(t, report, b, files);
    });
  }
}

// --- A clean repository -----------------------------------------------------

t.test('a clean repository', (t) => {
  for (const consistentSnapshot of [false, true]) {
    t.test(
      `consistent_snapshot ${String(consistentSnapshot)}: every role summarized`,
      async (t) => {
        const b = repo({ consistentSnapshot, hashAlgorithms: ['sha256', 'sha512'] })
          .addTarget('a.txt', 'hello')
          .addTarget('dir/sub/b.bin', new Uint8Array([0, 1, 2]))
          .addDelegation({
            name: 'a',
            paths: ['a/*'],
            targets: { 'a/x.txt': 'x' },
            delegations: [
              { name: 'b', paths: ['a/y*'], threshold: 2, targets: { 'a/y.txt': 'y' } },
            ],
          })
          .setVersion('timestamp', 4)
          .setVersion('snapshot', 3)
          .setVersion('targets', 2)
          .setVersion('b', 5);
        const files = b.build();
        if (consistentSnapshot) {
          // Only versioned and hash-prefixed names are served: they are what a client reads.
          for (const name of ['snapshot.json', 'targets.json', 'a.json', 'b.json']) {
            t.ok(files.delete(name), name);
          }
          for (const target of ['a.txt', 'dir/sub/b.bin', 'a/x.txt', 'a/y.txt']) {
            t.ok(files.delete(`targets/${target}`), target);
          }
        }
        const report = await verify(files, { targetsMode: 'required' });
        expectFindings(t, report, true, []);
        t.equal(report.referenceTime, '2030-01-01T00:00:00.000Z');
        t.equal(report.targetCount, 4);

        const v = (version: number, role: string): string =>
          consistentSnapshot ? `${version}.${role}.json` : `${role}.json`;
        const roles = [
          { role: 'root', file: 'root.json', version: 1, threshold: 2, keys: 2 },
          { role: 'timestamp', file: 'timestamp.json', version: 4, threshold: 1, keys: 1 },
          { role: 'snapshot', file: v(3, 'snapshot'), version: 3, threshold: 1, keys: 1 },
          { role: 'targets', file: v(2, 'targets'), version: 2, threshold: 1, keys: 1 },
          { role: 'a', file: v(1, 'a'), version: 1, threshold: 1, keys: 1 },
          { role: 'b', file: v(5, 'b'), version: 5, threshold: 2, keys: 2 },
        ];
        t.strictSame(Object.keys(report.roles).sort(), roles.map((r) => r.role).sort());
        for (const r of roles) {
          const bytes = fileOf(files, r.file);
          const { signed } = JSON.parse(bytes.toString('utf8')) as { signed: unknown };
          t.strictSame(
            report.roles[r.role],
            {
              version: r.version,
              expires: IN_A_YEAR,
              threshold: r.threshold,
              validSignatures: r.threshold,
              keys: r.keys,
              length: bytes.byteLength,
              sha256: sha256(bytes),
              signedSha256: sha256(canonicalize(signed)),
              // What the snapshot lists, for the next run's TUF 5.5.5 check.
              ...(r.role === 'snapshot' && {
                meta: { 'targets.json': 2, 'a.json': 1, 'b.json': 5 },
              }),
              // The keys that vouch for a version: a root that rotates them away allows going back (TUF 5.3.11).
              ...((r.role === 'timestamp' || r.role === 'snapshot') && {
                keyids: [keyidOf(b, r.role)],
              }),
            },
            r.role,
          );
        }
      },
    );
  }

  for (const keyType of ['ecdsa', 'ecdsa-hex', 'rsa'] as KeyType[]) {
    t.test(`${keyType} keys`, async (t) => {
      const report = await verify(standard({ keyType }).build(), { targetsMode: 'required' });
      expectFindings(t, report, true, []);
      t.equal(report.roles.root?.validSignatures, 2);
    });
  }

  const noTargetFiles = (files: Files): void => {
    for (const name of [...files.keys()]) if (name.startsWith('targets/')) files.delete(name);
  };
  runCases(t, [
    {
      name: "targets mode 'auto' with the target files present checks them all",
      files: (files) => files.set('targets/a/x.txt', Buffer.from('X')),
      run: { targetsMode: 'auto' },
      ok: false,
      expected: [
        error('TARGET_HASH_MISMATCH', 'a', {
          target: 'a/x.txt',
          expected: sha256('x'),
          actual: sha256('X'),
        }),
      ],
    },
    {
      name: "targets mode 'auto' with an empty targets base: one info finding",
      files: noTargetFiles,
      ok: true,
      expected: [info('TARGETS_NOT_PRESENT', undefined, { target: 'a.txt' })],
      check: (t, report) => t.equal(report.targetCount, 2),
    },
    {
      name: "targets mode 'required' with an empty targets base: every file is missing",
      files: noTargetFiles,
      run: { targetsMode: 'required' },
      ok: false,
      expected: [
        error('TARGET_MISSING', 'targets', { target: 'a.txt', file: 'a.txt' }),
        error('TARGET_MISSING', 'a', { target: 'a/x.txt', file: 'a/x.txt' }),
      ],
    },
    {
      name: "targets mode 'skip' reads no target file",
      files: noTargetFiles,
      run: { targetsMode: 'skip' },
      ok: true,
      expected: [],
      check: (t, report) => t.equal(report.targetCount, 2),
    },
    {
      name: 'no targets source: metadata only',
      files: noTargetFiles,
      run: { targets: undefined, targetsMode: 'required' },
      ok: true,
      expected: [],
    },
    {
      name: 'a repository without targets',
      base: () => repo(),
      run: { targetsMode: 'required' },
      ok: true,
      expected: [],
      check: (t, report) => {
        t.equal(report.targetCount, 0);
        t.strictSame(Object.keys(report.roles), ['root', 'timestamp', 'snapshot', 'targets']);
      },
    },
    {
      name: 'one target file checked at a time',
      run: { targetsMode: 'required', targetConcurrency: 1 },
      ok: true,
      expected: [],
    },
  ]);
  t.end();
});

// --- Thresholds and signatures ----------------------------------------------

t.test('thresholds and signatures', (t) => {
  const twin = generateKey();
  // The same public key under its legacy keyid: a valid keyid, but not a second signer.
  const twinAlias = importKey(twin.privateKey, 'ed25519', { legacyKeyidHashAlgorithms: true });
  const unknownKey: TufPublicKey = {
    keytype: 'sphincs',
    scheme: 'sphincs-shake-256f',
    keyval: { public: 'ab'.repeat(32) },
  };
  const unknownKeyid = sha256(canonicalize(unknownKey));
  const ghost = 'f0'.repeat(32);
  const rogue = generateKey();
  const flip = (sig: string): string => (sig.startsWith('0') ? '1' : '0') + sig.slice(1);

  runCases(t, [
    {
      name: 'one key under two keyids does not meet root threshold 2',
      base: () =>
        new RepoBuilder({ now, roles: { root: { keys: [twin, twinAlias], threshold: 2 } } }),
      ok: false,
      expected: [
        warning('DUPLICATE_KEY', 'root', { keyids: [twin.keyid, twinAlias.keyid] }),
        error('INVALID_THRESHOLD', 'root', { threshold: 2, actual: 1 }),
        error('SIGNATURE_THRESHOLD_NOT_MET', 'root', {
          threshold: 2,
          validKeys: [twin.keyid],
          expected: 2,
          actual: 1,
        }),
      ],
      check: (t, report) =>
        t.match(report.roles.root, { threshold: 2, validSignatures: 1, keys: 2 }),
    },
    {
      name: 'one keyid listed twice in a role',
      build: (b) =>
        b.mutateSigned('root', (s) => {
          s.roles.timestamp.keyids.push(...s.roles.timestamp.keyids);
        }),
      ok: true,
      expected: (b) => [
        warning('DUPLICATE_KEY', 'timestamp', {
          keyids: [keyidOf(b, 'timestamp'), keyidOf(b, 'timestamp')],
        }),
      ],
    },
    {
      name: 'a keyid named like an Object.prototype member is a missing key, not a crash',
      build: (b) =>
        b.mutateSigned('root', (s) => {
          s.roles.snapshot.keyids.push('toString');
        }),
      ok: false,
      expected: [error('DELEGATION_INVALID', 'snapshot', { keyid: 'toString' })],
    },
    {
      name: 'one keyid signing twice does not meet threshold 2',
      base: () => standard({ roles: { timestamp: { threshold: 2 } } }),
      build: (b) =>
        b.editSignatures('timestamp', (sigs) => [...sigs.slice(0, 1), ...sigs.slice(0, 1)]),
      ok: false,
      expected: (b) => [
        error('DUPLICATE_SIGNATURE', 'timestamp', { keyid: keyidOf(b, 'timestamp') }),
        error('SIGNATURE_THRESHOLD_NOT_MET', 'timestamp', {
          threshold: 2,
          validKeys: [keyidOf(b, 'timestamp')],
        }),
      ],
      check: (t, report) => t.match(report.roles.timestamp, { threshold: 2, validSignatures: 1 }),
    },
    {
      name: 'threshold 0 is never met',
      build: (b) =>
        b.mutateSigned('root', (s) => {
          s.roles.targets.threshold = 0;
        }),
      ok: false,
      expected: (b) => [
        error('INVALID_THRESHOLD', 'targets', { threshold: 0, actual: 0 }),
        error('SIGNATURE_THRESHOLD_NOT_MET', 'targets', {
          threshold: 0,
          validKeys: [keyidOf(b, 'targets')],
        }),
      ],
    },
    {
      name: 'a negative threshold in a delegation',
      build: (b) =>
        b.mutateSigned('targets', (s) => {
          for (const role of s.delegations?.roles ?? []) role.threshold = -1;
        }),
      ok: false,
      expected: (b) => [
        error('INVALID_THRESHOLD', 'a', { threshold: -1, actual: -1 }),
        error('SIGNATURE_THRESHOLD_NOT_MET', 'a', { threshold: -1, validKeys: [keyidOf(b, 'a')] }),
      ],
    },
    {
      name: 'threshold above the number of keys',
      build: (b) =>
        b.mutateSigned('root', (s) => {
          s.roles.snapshot.threshold = 3;
        }),
      ok: false,
      expected: (b) => [
        error('INVALID_THRESHOLD', 'snapshot', { threshold: 3, actual: 1 }),
        error('SIGNATURE_THRESHOLD_NOT_MET', 'snapshot', {
          threshold: 3,
          validKeys: [keyidOf(b, 'snapshot')],
        }),
      ],
    },
    {
      name: 'a keyid in a role that is not among the keys',
      build: (b) =>
        b.mutateSigned('root', (s) => {
          s.roles.timestamp.keyids.push(ghost);
        }),
      ok: false,
      expected: [error('DELEGATION_INVALID', 'timestamp', { keyid: ghost })],
      check: (t, report) => t.match(report.roles.timestamp, { keys: 2, validSignatures: 1 }),
    },
    {
      name: 'an unknown key type beside a usable key is skipped, not a crash',
      build: (b) =>
        b.mutateSigned('root', (s) => {
          s.keys[unknownKeyid] = unknownKey;
          s.roles.targets.keyids.push(unknownKeyid);
        }),
      ok: true,
      expected: [
        warning('UNKNOWN_KEY_TYPE', 'targets', {
          keyid: unknownKeyid,
          actual: { keytype: 'sphincs', scheme: 'sphincs-shake-256f' },
        }),
      ],
    },
    {
      name: 'an unknown key type as the only key: nothing can meet the threshold',
      build: (b) =>
        b
          .mutateSigned('root', (s) => {
            s.keys[unknownKeyid] = unknownKey;
            s.roles.timestamp.keyids = [unknownKeyid];
          })
          .editSignatures('timestamp', () => [{ keyid: unknownKeyid, sig: 'ab'.repeat(64) }]),
      ok: false,
      expected: (b) => [
        warning('UNKNOWN_KEY_TYPE', 'timestamp', { keyid: unknownKeyid }),
        error('INVALID_THRESHOLD', 'timestamp', { threshold: 1, actual: 0 }),
        error('SIGNATURE_THRESHOLD_NOT_MET', 'timestamp', { threshold: 1, validKeys: [] }),
        // The builder still lists the timestamp key it signs with.
        info('UNUSED_KEY', 'root', { keyid: keyidOf(b, 'timestamp') }),
      ],
    },
    {
      name: 'a signature that does not verify',
      build: (b) =>
        b.editSignatures('snapshot', (sigs) => sigs.map((s) => ({ ...s, sig: flip(s.sig) }))),
      ok: false,
      expected: (b) => [
        warning('SIGNATURE_INVALID', 'snapshot', { keyid: keyidOf(b, 'snapshot') }),
        error('SIGNATURE_THRESHOLD_NOT_MET', 'snapshot', { threshold: 1, validKeys: [] }),
      ],
    },
    {
      name: 'a signature that is not hex',
      build: (b) =>
        b.editSignatures('snapshot', (sigs) => sigs.map((s) => ({ ...s, sig: 'not hex' }))),
      ok: false,
      expected: (b) => [
        warning('SIGNATURE_INVALID', 'snapshot', { keyid: keyidOf(b, 'snapshot') }),
        error('SIGNATURE_THRESHOLD_NOT_MET', 'snapshot', { threshold: 1, validKeys: [] }),
      ],
    },
    {
      name: 'signatures by keys outside the role are ignored',
      build: (b) =>
        b.editSignatures('targets', (sigs, signed) => [
          // A key unknown to root, and root keys that are not targets keys.
          ...signEnvelope(signed, [rogue, ...b.keysOf('root')]).signatures,
          ...sigs,
        ]),
      ok: true,
      expected: [],
      check: (t, report) => t.match(report.roles.targets, { validSignatures: 1, keys: 1 }),
    },
    {
      name: 'signatures only by keys outside the role',
      build: (b) =>
        b.editSignatures('targets', (_sigs, signed) => signEnvelope(signed, [rogue]).signatures),
      ok: false,
      expected: [error('SIGNATURE_THRESHOLD_NOT_MET', 'targets', { threshold: 1, validKeys: [] })],
    },
    {
      name: 'a trusted root that does not meet its own threshold',
      build: (b) => b.editSignatures('root', (sigs) => sigs.slice(0, 1)),
      ok: false,
      expected: (b) => [
        error('SIGNATURE_THRESHOLD_NOT_MET', 'root', {
          threshold: 2,
          validKeys: [keyidOf(b, 'root')],
        }),
      ],
    },
  ]);
  t.end();
});

// --- Expiry -----------------------------------------------------------------

t.test('expiry', (t) => {
  type Role = 'root' | 'timestamp' | 'snapshot' | 'targets' | 'a';
  const cases: {
    name: string;
    expires: Partial<Record<Role, Date>>;
    horizons?: VerifyOptions['horizons'];
    expected: Expected[];
  }[] = [];
  for (const role of ['root', 'timestamp', 'snapshot', 'targets', 'a'] as const) {
    const past = at(-1000);
    cases.push({
      name: `${role} expired`,
      expires: { [role]: past },
      expected: [error('METADATA_EXPIRED', role, { expires: tufTime(past), version: 1 })],
    });
  }
  const soon = (role: Role, date: Date): Expected =>
    warning('METADATA_EXPIRING_SOON', role, { expires: tufTime(date), version: 1 });
  cases.push(
    {
      name: 'timestamp expiring exactly now is expired',
      expires: { timestamp: now },
      expected: [error('METADATA_EXPIRED', 'timestamp', { expires: tufTime(now), version: 1 })],
    },
    {
      name: 'default horizons: timestamp within 4 days, every other role within 30 days',
      expires: {
        timestamp: at(3 * DAY),
        snapshot: at(29 * DAY),
        targets: at(29 * DAY),
        root: at(29 * DAY),
        a: at(29 * DAY),
      },
      expected: [
        soon('timestamp', at(3 * DAY)),
        soon('snapshot', at(29 * DAY)),
        soon('targets', at(29 * DAY)),
        soon('root', at(29 * DAY)),
        soon('a', at(29 * DAY)),
      ],
    },
    {
      name: 'default horizons: timestamp in 5 days and the others in 31 days are fine',
      expires: {
        timestamp: at(5 * DAY),
        snapshot: at(31 * DAY),
        targets: at(31 * DAY),
        root: at(31 * DAY),
        a: at(31 * DAY),
      },
      expected: [],
    },
    {
      name: 'custom horizons: 1 hour for timestamp, 1 day for the others',
      horizons: { timestampWarnSeconds: 3600, otherWarnSeconds: 86_400 },
      expires: {
        timestamp: at(30 * MINUTE),
        snapshot: at(12 * HOUR),
        targets: at(29 * DAY),
        a: at(2 * DAY),
      },
      expected: [soon('timestamp', at(30 * MINUTE)), soon('snapshot', at(12 * HOUR))],
    },
    {
      name: 'custom horizons: timestamp in 3 days is fine with a 1 hour horizon',
      horizons: { timestampWarnSeconds: 3600 },
      expires: { timestamp: at(3 * DAY), snapshot: at(29 * DAY) },
      expected: [soon('snapshot', at(29 * DAY))],
    },
  );
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const { a, ...top } = c.expires;
      const b = repo({ expires: { targets: at(YEAR), ...top } })
        .addTarget('a.txt', 'hello')
        .addDelegation({
          name: 'a',
          paths: ['a/*'],
          targets: { 'a/x.txt': 'x' },
          expires: a ?? at(YEAR),
        });
      const report = await verify(b.build(), { horizons: c.horizons });
      const ok = !c.expected.some((f) => f.severity === 'error');
      expectFindings(t, report, ok, c.expected);
    });
  }
  t.end();
});

// --- Versions, lengths and hashes between roles ------------------------------

t.test('timestamp, snapshot and the roles they list', (t) => {
  let oldTargets: Buffer | undefined;
  runCases(t, [
    {
      name: 'timestamp lists another hash of snapshot',
      build: (b) =>
        b.mutateSigned('timestamp', (s) => {
          metaOf(s.meta, 'snapshot.json').hashes = { sha256: ZEROS };
        }),
      ok: false,
      expected: (_b, files) => [
        error('HASH_MISMATCH', 'snapshot', {
          file: 'snapshot.json',
          expected: ZEROS,
          actual: sha256(fileOf(files, 'snapshot.json')),
        }),
      ],
    },
    {
      name: 'timestamp lists another length of snapshot',
      build: (b) =>
        b.mutateSigned('timestamp', (s) => {
          const meta = metaOf(s.meta, 'snapshot.json');
          meta.length = (meta.length ?? 0) + 1;
        }),
      ok: false,
      expected: (_b, files) => [
        error('LENGTH_MISMATCH', 'snapshot', {
          file: 'snapshot.json',
          expected: fileOf(files, 'snapshot.json').byteLength + 1,
          actual: fileOf(files, 'snapshot.json').byteLength,
        }),
      ],
    },
    {
      name: 'snapshot is not the version timestamp lists',
      build: (b) =>
        b.mutateSigned('timestamp', (s) => {
          metaOf(s.meta, 'snapshot.json').version = 2;
        }),
      ok: false,
      expected: [error('VERSION_MISMATCH', 'snapshot', { expected: 2, actual: 1 })],
    },
    {
      name: 'mix-and-match: an older, validly signed targets.json than snapshot lists',
      build: (b) => {
        oldTargets = fileOf(b.build(), 'targets.json');
        b.setVersion('targets', 2);
      },
      files: (files) => files.set('targets.json', oldTargets ?? Buffer.alloc(0)),
      ok: false,
      expected: [error('VERSION_MISMATCH', 'targets', { expected: 2, actual: 1 })],
      check: (t, report) => t.equal(report.roles.targets?.version, 1),
    },
    {
      name: 'snapshot lists another hash of a delegated role',
      base: () => standard({ snapshotFileInfo: 'full' }),
      build: (b) =>
        b.mutateSigned('snapshot', (s) => {
          metaOf(s.meta, 'a.json').hashes = { sha256: ZEROS };
        }),
      ok: false,
      expected: (_b, files) => [
        error('HASH_MISMATCH', 'a', {
          file: 'a.json',
          expected: ZEROS,
          actual: sha256(fileOf(files, 'a.json')),
        }),
      ],
    },
    {
      name: 'snapshot lists another length of targets',
      base: () => standard({ snapshotFileInfo: 'full' }),
      build: (b) =>
        b.mutateSigned('snapshot', (s) => {
          metaOf(s.meta, 'targets.json').length = 1;
        }),
      ok: false,
      expected: (_b, files) => [
        error('LENGTH_MISMATCH', 'targets', {
          file: 'targets.json',
          expected: 1,
          actual: fileOf(files, 'targets.json').byteLength,
        }),
      ],
    },
    {
      name: 'a metadata hash with no supported algorithm cannot be checked',
      base: () => standard({ metaHashAlgorithms: ['sha3-256'] }),
      ok: false,
      expected: [
        error('HASH_MISMATCH', 'snapshot', { file: 'snapshot.json', expected: ['sha3-256'] }),
      ],
    },
    {
      name: 'every file snapshot lists with no supported algorithm',
      base: () => standard({ metaHashAlgorithms: ['sha3-256'], snapshotFileInfo: 'full' }),
      ok: false,
      // targets.json does not check out: a client never reaches a, nor trusts a.txt.
      expected: [
        error('HASH_MISMATCH', 'snapshot', { file: 'snapshot.json', expected: ['sha3-256'] }),
        error('HASH_MISMATCH', 'targets', { file: 'targets.json', expected: ['sha3-256'] }),
      ],
      check: (t, report) => {
        t.equal(report.targetCount, 0);
        t.equal(report.untrustedTargets, 1);
      },
    },
    {
      name: 'sha512 beside an unsupported algorithm is enough',
      base: () =>
        standard({ metaHashAlgorithms: ['sha3-256', 'sha512'], snapshotFileInfo: 'full' }),
      ok: true,
      expected: [],
    },
  ]);
  t.end();
});

// --- Malformed and unexpected metadata ----------------------------------------

t.test('malformed metadata, sizes and fetch failures', (t) => {
  const replace = (name: string, bytes: Buffer) => (files: Files) => files.set(name, bytes);
  runCases(t, [
    {
      name: 'signed content tampered with after signing',
      build: (b) =>
        b.tamper('targets', (s) => {
          s.expires = tufTime(at(10 * YEAR));
        }),
      ok: false,
      expected: (b) => [
        warning('SIGNATURE_INVALID', 'targets', { keyid: keyidOf(b, 'targets') }),
        error('SIGNATURE_THRESHOLD_NOT_MET', 'targets', { threshold: 1, validKeys: [] }),
      ],
    },
    {
      name: 'a delegated role tampered with: a target added',
      build: (b) =>
        b.tamper('a', (s) => {
          s.targets['a/evil.bin'] = { length: 1, hashes: { sha256: ZEROS } };
        }),
      run: { targetsMode: 'skip' },
      ok: false,
      expected: (b) => [
        warning('SIGNATURE_INVALID', 'a', { keyid: keyidOf(b, 'a') }),
        error('SIGNATURE_THRESHOLD_NOT_MET', 'a', { threshold: 1, validKeys: [] }),
      ],
    },
    {
      name: 'wrong _type',
      build: (b) =>
        b.mutateSigned('snapshot', (s) => {
          s._type = 'timestamp';
        }),
      ok: false,
      expected: [
        error('WRONG_METADATA_TYPE', 'snapshot', { expected: 'snapshot', actual: 'timestamp' }),
      ],
      check: (t, report) => t.equal(report.roles.snapshot, undefined),
    },
    {
      name: 'spec_version 2.0',
      build: (b) =>
        b.mutateSigned('timestamp', (s) => {
          s.spec_version = '2.0';
        }),
      ok: false,
      expected: [error('UNSUPPORTED_SPEC_VERSION', 'timestamp', { actual: '2.0' })],
    },
    {
      name: 'not JSON',
      files: replace('targets.json', Buffer.from('{"signed": {"_type": "targets",')),
      ok: false,
      expected: [error('MALFORMED_METADATA', 'targets')],
      check: (t, report) => t.equal(report.targetCount, 0),
    },
    {
      name: 'not a JSON object',
      files: replace('timestamp.json', Buffer.from('[]')),
      ok: false,
      expected: [error('MALFORMED_METADATA', 'timestamp', { problems: ['$: must be an object'] })],
    },
    {
      name: 'missing and mistyped fields, each reported by path',
      build: (b) =>
        b
          .mutateSigned('targets', (s) => {
            Reflect.deleteProperty(s, 'expires');
            s.spec_version = 1 as unknown as string;
            s.version = 0;
            const a = s.targets['a.txt'];
            if (a !== undefined) {
              a.length = -1;
              a.hashes = {};
            }
            const delegated = s.delegations?.roles[0];
            if (delegated !== undefined) delegated.terminating = 'yes' as unknown as boolean;
          })
          .editSignatures('targets', (sigs) => [
            ...sigs,
            { keyid: 7 as unknown as string, sig: '' },
          ]),
      ok: false,
      expected: [error('MALFORMED_METADATA', 'targets')],
      check: (t, report) =>
        t.strictSame(problemPaths(report, 'MALFORMED_METADATA'), [
          'signatures[1].keyid',
          'signed.spec_version',
          'signed.version',
          'signed.expires',
          'signed.targets.a.txt.length',
          'signed.targets.a.txt.hashes',
          'signed.delegations.roles[0].terminating',
        ]),
    },
    {
      name: 'a root missing its roles',
      build: (b) =>
        b.mutateSigned('root', (s) => {
          if (s.version === 2) Reflect.deleteProperty(s.roles, 'snapshot');
        }),
      base: () => standard().rotateRoot(),
      ok: false,
      expected: [error('MALFORMED_METADATA', 'root')],
      check: (t, report) => {
        t.strictSame(problemPaths(report, 'MALFORMED_METADATA'), ['signed.roles.snapshot']);
        t.equal(report.roles.root?.version, 1, 'the walk stops at the last good root');
      },
    },
    {
      name: 'bytes that are not UTF-8',
      files: replace(
        'targets.json',
        Buffer.concat([
          Buffer.from('{"signed": {"_type": "'),
          Buffer.from([0xff]),
          Buffer.from('"}}'),
        ]),
      ),
      ok: false,
      expected: [error('MALFORMED_METADATA', 'targets')],
    },
    {
      name: 'a float in signed content',
      build: (b) =>
        b.tamper('targets', (s) => {
          s.x_ratio = 0.5;
        }),
      ok: false,
      expected: [error('MALFORMED_METADATA', 'targets')],
    },
    {
      name: 'control characters and non-ASCII in custom fields verify: canonical JSON keeps them raw',
      build: (b) =>
        b
          .addTarget('ctl.txt', 'c', {
            custom: {
              note: 'tab\there\nnewline\r\u0001\u001f\u007f "quoted" back\\slash',
              unicode: 'é ☃ 😀 \u2028\u2029',
              'ключ ü': ['значение', { 日本: '語' }],
            },
          })
          .addTarget('a/ctl.txt', 'd', { role: 'a', custom: { line: 'one\ntwo', nul: '\u0000' } }),
      run: { targetsMode: 'required' },
      ok: true,
      expected: [],
      check: (t, report) => t.equal(report.targetCount, 4),
    },
    ...(['timestamp', 'snapshot', 'targets', 'a'] as const).map((role): Case => ({
      name: `${role}.json missing`,
      build: (b) => b.omit(`${role}.json`),
      ok: false,
      expected: [error('METADATA_MISSING', role, { file: `${role}.json` })],
    })),
    {
      name: 'a source failure on snapshot.json',
      run: { faults: { 'snapshot.json': fetchFailed('snapshot.json') } },
      ok: false,
      expected: [error('FETCH_FAILED', 'snapshot', { file: 'snapshot.json' })],
    },
    {
      name: 'a failure that is not a TufError is a FETCH_FAILED, never a crash',
      run: { faults: { 'targets.json': new Error('ECONNRESET') } },
      ok: false,
      expected: [error('FETCH_FAILED', 'targets', { file: 'targets.json' })],
    },
  ]);
  t.end();
});

t.test('size limits per role', (t) => {
  const pad =
    (bytes: number, version?: number) =>
    (s: { version: number; [field: string]: unknown }): void => {
      if (version === undefined || s.version === version) s.x_padding = 'x'.repeat(bytes);
    };
  const sizeCases: Case[] = [];
  const limitsFor = [
    { label: 'default', limits: undefined, small: false },
    {
      label: 'custom',
      limits: {
        maxRootBytes: 4000,
        maxTimestampBytes: 1000,
        maxSnapshotBytes: 1500,
        maxTargetsBytes: 3000,
      },
      small: true,
    },
  ];
  for (const { label, limits, small } of limitsFor) {
    const max = {
      root: limits?.maxRootBytes ?? 512_000,
      timestamp: limits?.maxTimestampBytes ?? 16_384,
      snapshot: limits?.maxSnapshotBytes ?? 2_000_000,
      targets: limits?.maxTargetsBytes ?? 5_000_000,
      a: limits?.maxTargetsBytes ?? 5_000_000,
    };
    sizeCases.push({
      name: `${label} limits: root v2 too large`,
      base: () => standard().rotateRoot(),
      build: (b) => b.mutateSigned('root', pad(max.root, 2)),
      run: { limits },
      ok: false,
      expected: [
        error('SIZE_LIMIT_EXCEEDED', 'root', { file: '2.root.json', expected: max.root }),
        error('SIZE_LIMIT_EXCEEDED', 'root', { file: 'root.json', expected: max.root }),
      ],
      check: (t, report) => t.equal(report.roles.root?.version, 1),
    });
    for (const role of ['timestamp', 'snapshot', 'targets', 'a'] as const) {
      sizeCases.push({
        name: `${label} limits: ${role} too large`,
        build: (b) => b.mutateSigned(role, pad(max[role])),
        run: { limits, targetsMode: 'skip' },
        ok: false,
        expected: [
          error('SIZE_LIMIT_EXCEEDED', role, { file: `${role}.json`, expected: max[role] }),
        ],
      });
    }
    if (small) {
      sizeCases.push({
        name: 'custom limits: files under them pass',
        build: (b) => b.mutateSigned('targets', pad(500)),
        run: { limits },
        ok: true,
        expected: [],
      });
    }
  }
  sizeCases.push({
    name: 'a custom limit above the default admits a larger timestamp',
    build: (b) => b.mutateSigned('timestamp', pad(20_000)),
    run: { limits: { maxTimestampBytes: 40_000 } },
    ok: true,
    expected: [],
  });
  runCases(t, sizeCases);
  t.end();
});

// --- Delegations --------------------------------------------------------------

t.test('delegations', (t) => {
  const otherKey = generateKey();
  runCases(t, [
    {
      name: 'a delegated role listing a target outside its paths',
      base: () =>
        repo().addDelegation({
          name: 'a',
          paths: ['a/*'],
          targets: { 'a/in.txt': '1', 'b/out.txt': '2' },
        }),
      run: { targetsMode: 'required' },
      ok: false,
      expected: [error('DELEGATION_INVALID', 'a', { actual: ['b/out.txt'], expected: ['a/*'] })],
      check: (t, report) => t.equal(report.targetCount, 1, 'only a/in.txt is trusted'),
    },
    {
      name: "a nested role listing a target inside its own paths but outside an ancestor's",
      base: () =>
        repo().addDelegation({
          name: 'a',
          paths: ['a/*'],
          delegations: [
            { name: 'b', paths: ['*/*'], targets: { 'a/ok.txt': '1', 'z/out.txt': '2' } },
          ],
        }),
      ok: false,
      expected: [error('DELEGATION_INVALID', 'b', { actual: ['z/out.txt'], expected: ['*/*'] })],
      check: (t, report) => t.equal(report.targetCount, 1),
    },
    {
      name: 'path_hash_prefixes: a target whose hash is outside the prefixes',
      base: () =>
        repo().addDelegation({
          name: 'h',
          pathHashPrefixes: [sha256('in.bin').slice(0, 2)],
          targets: { 'in.bin': 'i', 'out.bin': 'o' },
        }),
      ok: false,
      expected: [
        error('DELEGATION_INVALID', 'h', {
          actual: ['out.bin'],
          expected: [sha256('in.bin').slice(0, 2)],
        }),
      ],
      check: (t, report) => {
        t.not(sha256('out.bin').slice(0, 2), sha256('in.bin').slice(0, 2), 'precondition');
        t.equal(report.targetCount, 1);
      },
    },
    {
      name: 'a delegated role missing from snapshot',
      build: (b) =>
        b.mutateSigned('snapshot', (s) => {
          Reflect.deleteProperty(s.meta, 'a.json');
        }),
      ok: false,
      expected: [error('METADATA_MISSING', 'a', { file: 'a.json' })],
      check: (t, report) => t.equal(report.roles.a, undefined),
    },
    {
      name: 'a delegated role not the version snapshot lists',
      build: (b) =>
        b.mutateSigned('snapshot', (s) => {
          metaOf(s.meta, 'a.json').version = 3;
        }),
      ok: false,
      expected: [error('VERSION_MISMATCH', 'a', { expected: 3, actual: 1 })],
    },
    {
      name: 'a delegated role that is not JSON',
      files: (files) => files.set('a.json', Buffer.from('nope')),
      ok: false,
      expected: [error('MALFORMED_METADATA', 'a')],
    },
    ...twiceDelegated(),
    ...['a/b', '../x', '/', '.', '..', '?#'].map((name): Case => ({
      // Role names are data: the file is a%2Fb.json, ..%2Fx.json, ... (python-tuf's quote).
      name: `the role name ${JSON.stringify(name)} is data`,
      base: () => repo().addDelegation({ name, targets: { 'x.txt': 'x' } }),
      ok: true,
      expected: [],
      check: (t, report) => {
        t.match(report.roles[name], { version: 1, validSignatures: 1 });
        t.equal(report.targetCount, 1);
      },
    })),
    ...['root', 'targets', 'Snapshot', 'ROOT'].map((name): Case => ({
      name: `a delegated role named like the top-level ${name}`,
      base: () => repo(),
      build: (b) =>
        b.mutateSigned('targets', (s) => {
          s.delegations = {
            keys: { [otherKey.keyid]: otherKey.publicKey },
            roles: [
              { name, keyids: [otherKey.keyid], threshold: 1, terminating: false, paths: ['*'] },
            ],
          };
        }),
      ok: false,
      expected: [error('DELEGATION_INVALID', 'targets', { actual: name })],
    })),
    {
      name: 'one parent delegating to the same name twice',
      base: () =>
        repo()
          .addDelegation({ name: 'a', paths: ['a/*'], targets: { 'a/x': 'x' } })
          .addDelegation({ name: 'a', paths: ['*'] }),
      ok: false,
      expected: [error('DELEGATION_INVALID', 'targets', { actual: 'a' })],
      check: (t, report) => t.equal(report.roles.a?.version, 1),
    },
    ...[
      { max: 3, ok: true, expected: [], roles: ['a', 'b', 'c'], targetCount: 4 },
      {
        max: 2,
        ok: false,
        expected: [
          error('SIZE_LIMIT_EXCEEDED', 'c', {
            expected: 2,
            rolesNotVerified: 1,
            targetsNotVerified: 0,
          }),
        ],
        roles: ['a', 'b'],
        targetCount: 3,
      },
    ].map((c): Case => ({
      name: `three delegated roles, limits.maxRolesVerified ${c.max}`,
      base: () =>
        repo()
          .addTarget('top.txt', 't')
          .addDelegation({ name: 'a', targets: { 'a.txt': 'a' } })
          .addDelegation({ name: 'b', targets: { 'b.txt': 'b' } })
          .addDelegation({ name: 'c', targets: { 'c.txt': 'c' } }),
      run: { limits: { maxRolesVerified: c.max } },
      ok: c.ok,
      expected: c.expected,
      check: (t, report) => {
        t.strictSame(
          Object.keys(report.roles).sort(),
          [...c.roles, 'root', 'snapshot', 'targets', 'timestamp'].sort(),
          'top-level targets does not count as a delegated role',
        );
        t.equal(report.targetCount, c.targetCount);
        if (!c.ok) {
          t.strictSame(report.incompleteTargets, { rolesNotVerified: 1, targetsNotVerified: 0 });
        } else t.notOk('incompleteTargets' in report);
      },
    })),
    ...preOrder(),
  ]);

  /** b is delegated by a and by c, each with its own key: each edge is checked on its keys. */
  function twiceDelegated(): Case[] {
    const base = (shareKey = false) => {
      const fromA = generateKey();
      const fromC = shareKey ? fromA : generateKey();
      return repo()
        .addDelegation({ name: 'a', paths: ['*'] })
        .addDelegation({ name: 'c', paths: ['*'] })
        .addDelegation({ name: 'b', keys: [fromA], paths: ['*'], targets: { 'b.txt': 'b' } }, 'a')
        .addDelegation({ name: 'b', keys: [fromC], paths: ['*'] }, 'c');
    };
    return [
      {
        name: 'a role delegated by two parents, signed by both delegations',
        base,
        ok: true,
        expected: [],
        check: (t, report) => {
          t.match(report.roles.b, { validSignatures: 1, keys: 1 });
          t.equal(report.targetCount, 1);
        },
      },
      {
        name: "a role delegated by two parents, not signed by the second parent's key",
        base,
        build: (b) =>
          b.editSignatures('b', (sigs) => sigs.filter((s) => s.keyid !== keyidOf(b, 'b', 1))),
        ok: false,
        expected: [
          error('SIGNATURE_THRESHOLD_NOT_MET', 'b', {
            threshold: 1,
            validKeys: [],
            delegator: 'c',
          }),
        ],
        // b.txt is reached through a (whose key signed b) before c: still trusted.
        check: (t, report) => t.equal(report.targetCount, 1),
      },
      {
        name: 'a role delegated by two parents with one key, tampered: reported once',
        base: () => base(true),
        build: (b) =>
          b.tamper('b', (s) => {
            s.version = 9;
          }),
        ok: false,
        expected: (b) => [
          warning('SIGNATURE_INVALID', 'b', { keyid: keyidOf(b, 'b') }),
          error('SIGNATURE_THRESHOLD_NOT_MET', 'b', { threshold: 1, validKeys: [] }),
          error('VERSION_MISMATCH', 'b', { expected: 1, actual: 9 }),
        ],
      },
      {
        name: 'a role delegated by two parents, its file missing: read once',
        base,
        build: (b) => b.omit('b.json'),
        ok: false,
        expected: [error('METADATA_MISSING', 'b', { file: 'b.json' })],
      },
    ];
  }

  /**
   * targets delegates a then b; a delegates a1. Both a1 and b list f.txt: a
   * client searching pre-order trusts a1's entry (a breadth-first one would trust b's).
   */
  function preOrder(): Case[] {
    const base = () =>
      repo()
        .addTarget('top.txt', 'top')
        .addDelegation({ name: 'a', paths: ['*'] })
        .addDelegation({ name: 'b', paths: ['*'], targets: { 'f.txt': 'from b', 'g.txt': 'g' } })
        // Added last, so the builder serves a1's f.txt.
        .addDelegation({ name: 'a1', paths: ['*'], targets: { 'f.txt': 'from a1' } }, 'a');
    return [
      {
        name: 'target resolution: the first role in pre-order wins',
        base,
        run: { targetsMode: 'required' },
        ok: true,
        expected: [],
        check: (t, report) => t.equal(report.targetCount, 3, 'f.txt counted once'),
      },
      {
        name: "target resolution: the file of the later role does not match the first role's entry",
        base,
        files: (files) => files.set('targets/f.txt', Buffer.from('from b')),
        run: { targetsMode: 'required' },
        ok: false,
        expected: [
          error('TARGET_HASH_MISMATCH', 'a1', { target: 'f.txt', expected: 7, actual: 6 }),
        ],
      },
    ];
  }
  t.end();
});

t.test('succinct_roles (TAP 15)', (t) => {
  const binOf = (target: string, bitLength: number): number =>
    parseInt(sha256(target).slice(0, 8), 16) >>> (32 - bitLength);
  /** Top-level targets delegates to 2^bitLength bins named bin-N, signed by one key. */
  const succinct = (bitLength: number, namePrefix = 'bin', bins = 2 ** bitLength) => {
    const key = generateKey();
    const b = repo();
    // TAP 15: bin names are zero-padded hex, as wide as the last bin's number.
    const width = Math.ceil(bitLength / 4);
    for (let i = 0; i < bins; i++)
      b.addDelegation({
        name: `${namePrefix}-${i.toString(16).padStart(width, '0')}`,
        keys: [key],
      });
    return b.mutateSigned('targets', (s) =>
      Object.assign(s, {
        delegations: {
          keys: { [key.keyid]: key.publicKey },
          succinct_roles: {
            keyids: [key.keyid],
            threshold: 1,
            bit_length: bitLength,
            name_prefix: namePrefix,
          },
        },
      }),
    );
  };
  const paths = Array.from({ length: 10 }, (_, i) => `pkg/file-${i}.tgz`);
  const stray = 'pkg/stray.tgz';
  const wrongBin = (binOf(stray, 2) + 1) % 4;

  runCases(t, [
    {
      name: 'valid bins are verified, each target in its bin',
      base: () => succinct(2),
      build: (b) => {
        for (const p of paths) b.addTarget(p, p, { role: `bin-${binOf(p, 2)}` });
      },
      run: { targetsMode: 'required' },
      ok: true,
      expected: [],
      check: (t, report) => {
        for (const bin of ['bin-0', 'bin-1', 'bin-2', 'bin-3'])
          t.match(report.roles[bin], { version: 1, threshold: 1, validSignatures: 1 }, bin);
        t.equal(report.targetCount, paths.length);
      },
    },
    {
      name: 'bit_length 5: two hex digits per bin name, each bin a range of prefixes',
      base: () => succinct(5),
      build: (b) => {
        for (const p of paths)
          b.addTarget(p, p, { role: `bin-${binOf(p, 5).toString(16).padStart(2, '0')}` });
      },
      run: { targetsMode: 'required' },
      ok: true,
      expected: [],
      check: (t, report) => {
        t.equal(Object.keys(report.roles).filter((r) => r.startsWith('bin-')).length, 32);
        t.match(report.roles['bin-1f'], { version: 1, validSignatures: 1 });
        t.equal(report.targetCount, paths.length);
      },
    },
    {
      name: 'a target in the wrong bin',
      base: () => succinct(2),
      build: (b) => b.addTarget(stray, 's', { role: `bin-${wrongBin}` }),
      ok: false,
      expected: [
        error('DELEGATION_INVALID', `bin-${wrongBin}`, {
          actual: [stray],
          expected: [0, 1, 2, 3].map((i) => ((wrongBin << 2) | i).toString(16)),
        }),
      ],
      check: (t, report) => t.equal(report.targetCount, 0),
    },
    {
      name: 'bit_length 33 is invalid',
      base: () => succinct(33, 'bin', 0),
      ok: false,
      expected: [error('DELEGATION_INVALID', 'targets')],
      check: (t, report) =>
        t.strictSame(
          report.findings.flatMap((f) => f.problems ?? []).map((p) => p.split(':')[0]),
          ['bit_length'],
        ),
    },
    {
      name: 'bit_length 0 is malformed',
      base: () => succinct(0, 'bin', 0),
      ok: false,
      expected: [error('MALFORMED_METADATA', 'targets')],
      check: (t, report) =>
        t.strictSame(problemPaths(report, 'MALFORMED_METADATA'), [
          'signed.delegations.succinct_roles.bit_length',
        ]),
    },
    {
      // Bin names are data: bins/x-0 is read from bins%2Fx-0.json.
      name: "a name_prefix with '/' is data",
      base: () => succinct(1, 'bins/x'),
      build: (b) => b.addTarget('p', 'p', { role: `bins/x-${binOf('p', 1)}` }),
      ok: true,
      expected: [],
      check: (t, report) => {
        t.match(report.roles['bins/x-1'], { version: 1, validSignatures: 1 });
        t.equal(report.targetCount, 1);
      },
    },
    {
      name: 'as many bins as limits.maxRolesVerified: all verified',
      base: () => succinct(2),
      run: { limits: { maxRolesVerified: 4 } },
      ok: true,
      expected: [],
      check: (t, report) => t.match(report.roles['bin-3'], { version: 1, validSignatures: 1 }),
    },
    {
      name: 'more bins than limits.maxRolesVerified',
      base: () => succinct(3, 'bin', 0),
      run: { limits: { maxRolesVerified: 4 } },
      ok: false,
      expected: [
        error('SIZE_LIMIT_EXCEEDED', 'targets', { expected: 4, actual: 8, rolesNotVerified: 8 }),
      ],
      check: (t, report) =>
        t.strictSame(report.incompleteTargets, { rolesNotVerified: 8, targetsNotVerified: 0 }),
    },
    {
      name: 'bit_length 32 (4 294 967 296 bins) against the default limits, without a crash',
      base: () => succinct(32, 'bin', 0),
      ok: false,
      expected: [error('SIZE_LIMIT_EXCEEDED', 'targets', { expected: 10_000, actual: 2 ** 32 })],
    },
  ]);
  t.end();
});

// --- Root rotation (TUF 5.3) -----------------------------------------------------

t.test(
  'a rotation refused only because a keyid signs twice says so, not a bare count',
  async (t) => {
    const b = standard().rotateRoot();
    b.editSignatures('root', (sigs) => [...sigs, ...sigs.slice(0, 1)]);
    const report = await verify(b.build());
    const rotation = report.findings.filter((f) => f.code === 'ROOT_ROTATION_INVALID');
    t.ok(rotation.length > 0, 'the rotation is refused');
    for (const f of rotation) {
      t.ok((f.validKeys?.length ?? 0) >= (f.threshold ?? Infinity), 'the count itself was met');
      t.match(f.message, /a keyid signs twice \(DUPLICATE_SIGNATURE\)/);
    }
    t.ok(report.findings.some((f) => f.code === 'DUPLICATE_SIGNATURE'));
  },
);

t.test('root rotation', (t) => {
  const newRootKeys = { roles: { root: { threshold: 2 } } } as const;
  const oldRoot = [generateKey(), generateKey()];
  const newRoot = [generateKey(), generateKey()];
  runCases(t, [
    {
      name: 'a valid rotation to new root and timestamp keys',
      build: (b) => b.rotateRoot({ roles: { root: { threshold: 2 }, timestamp: {} } }),
      ok: true,
      expected: [],
      check: (t, report) => t.match(report.roles.root, { version: 2, validSignatures: 2 }),
    },
    {
      name: 'new root signed only by the old keys',
      build: (b) => b.rotateRoot({ ...newRootKeys, signers: 'old' }),
      ok: false,
      expected: [
        error('ROOT_ROTATION_INVALID', 'root', {
          file: '2.root.json',
          threshold: 2,
          validKeys: [],
          version: 2,
        }),
        error('SIGNATURE_THRESHOLD_NOT_MET', 'root', { threshold: 2, validKeys: [] }),
      ],
    },
    {
      name: 'new root signed only by the new keys',
      build: (b) => b.rotateRoot({ ...newRootKeys, signers: 'new' }),
      ok: false,
      expected: [
        error('ROOT_ROTATION_INVALID', 'root', {
          file: '2.root.json',
          threshold: 2,
          validKeys: [],
          version: 2,
        }),
      ],
      check: (t, report) => t.equal(report.roles.root?.version, 2),
    },
    {
      name: 'new root signed by one of two old keys and the new keys',
      base: () => standard({ roles: { root: { keys: oldRoot, threshold: 2 } } }),
      build: (b) =>
        b.rotateRoot({
          roles: { root: { keys: newRoot, threshold: 2 } },
          signers: [...oldRoot.slice(0, 1), ...newRoot],
        }),
      ok: false,
      expected: [
        error('ROOT_ROTATION_INVALID', 'root', {
          file: '2.root.json',
          threshold: 2,
          validKeys: oldRoot.slice(0, 1).map((k) => k.keyid),
          version: 2,
        }),
      ],
    },
    {
      name: 'N.root.json holding version N+1',
      build: (b) => b.rotateRoot({ version: 3 }),
      files: (files) => {
        files.set('2.root.json', fileOf(files, '3.root.json'));
        files.delete('3.root.json');
      },
      ok: false,
      expected: [
        error('ROOT_ROTATION_INVALID', 'root', { file: '2.root.json', expected: 2, actual: 3 }),
      ],
      check: (t, report) => t.equal(report.roles.root?.version, 3),
    },
    {
      name: 'root.json newer than the end of the chain',
      build: (b) => b.rotateRoot().omit('2.root.json'),
      ok: false,
      expected: [
        error('ROOT_ROTATION_INVALID', 'root', { file: 'root.json', expected: 1, actual: 2 }),
      ],
      check: (t, report) => t.equal(report.roles.root?.version, 1),
    },
    {
      name: 'root.json older than the end of the chain',
      build: (b) => b.rotateRoot(),
      files: (files) => files.set('root.json', fileOf(files, '1.root.json')),
      ok: false,
      expected: [error('VERSION_ROLLBACK', 'root', { file: 'root.json', expected: 2, actual: 1 })],
    },
    {
      name: 'root.json differing from N.root.json at the same version',
      build: (b) => b.rotateRoot(),
      files: (files) => {
        const envelope = JSON.parse(fileOf(files, '2.root.json').toString('utf8')) as {
          signed: Record<string, unknown>;
        };
        envelope.signed.x_note = 'not what 2.root.json says';
        files.set('root.json', serialize(envelope));
      },
      ok: false,
      expected: [error('HASH_MISMATCH', 'root', { file: 'root.json', expected: 2, actual: 2 })],
    },
    {
      name: 'root.json serialized differently from N.root.json, same signed content',
      build: (b) => b.rotateRoot(),
      files: (files) => {
        const envelope = JSON.parse(fileOf(files, '2.root.json').toString('utf8')) as object;
        files.set('root.json', serialize(envelope, 'compact'));
      },
      ok: true,
      expected: [],
    },
    {
      name: 'root.json missing',
      build: (b) => b.omit('root.json'),
      ok: false,
      expected: [error('METADATA_MISSING', 'root', { file: 'root.json' })],
    },
    {
      name: 'root.json not JSON',
      files: (files) => files.set('root.json', Buffer.from('{')),
      ok: false,
      expected: [error('MALFORMED_METADATA', 'root')],
    },
    {
      name: 'a FETCH_FAILED on N.root.json is an error, unlike a missing one',
      run: { faults: { '2.root.json': fetchFailed('2.root.json') } },
      ok: false,
      expected: [error('FETCH_FAILED', 'root', { file: '2.root.json' })],
    },
    {
      name: 'a non-TufError on N.root.json',
      run: { faults: { '2.root.json': new Error('socket hang up') } },
      ok: false,
      expected: [error('FETCH_FAILED', 'root', { file: '2.root.json' })],
    },
    {
      name: 'a malformed N.root.json',
      files: (files) => files.set('2.root.json', Buffer.from('{"signed": 1, "signatures": []}')),
      ok: false,
      expected: [error('MALFORMED_METADATA', 'root', { problems: ['signed: must be an object'] })],
    },
    {
      name: 'intermediate expired roots are accepted, the final one is current',
      base: () => standard({ expires: { root: at(-2 * YEAR) } }),
      build: (b) => b.rotateRoot({ expires: at(-YEAR) }).rotateRoot({ expires: at(YEAR) }),
      ok: true,
      expected: [],
      check: (t, report) => t.equal(report.roles.root?.version, 3),
    },
    {
      name: 'the final root expired',
      build: (b) => b.rotateRoot({ expires: at(-DAY) }),
      ok: false,
      expected: [error('METADATA_EXPIRED', 'root', { expires: tufTime(at(-DAY)), version: 2 })],
    },
    {
      name: 'maxRootRotations is respected',
      build: (b) => b.rotateRoot().rotateRoot().rotateRoot(),
      run: { limits: { maxRootRotations: 2 } },
      ok: false,
      expected: [
        error('ROOT_ROTATION_INVALID', 'root', { file: 'root.json', expected: 3, actual: 4 }),
      ],
      check: (t, report) => t.equal(report.roles.root?.version, 3),
    },
    {
      name: 'a trusted root that is not JSON',
      run: { anchor: Buffer.from('not json') },
      ok: false,
      expected: [error('MALFORMED_METADATA', 'root')],
      check: (t, report) => {
        t.strictSame(report.roles, {});
        t.equal(report.targetCount, 0);
      },
    },
  ]);
  t.end();
});

t.test('no trusted root: the walk starts at 1.root.json', (t) => {
  const none = { anchor: 'none' } as const;
  const notAnchored = info('TRUST_NOT_ANCHORED', 'root');
  runCases(t, [
    {
      name: 'every rotation from 1.root.json is walked',
      build: (b) => b.rotateRoot({ roles: { root: { threshold: 2 } } }).rotateRoot(),
      run: none,
      ok: true,
      expected: [notAnchored],
      check: (t, report) => t.equal(report.roles.root?.version, 3),
    },
    {
      name: 'a bad first rotation is found',
      build: (b) =>
        b.rotateRoot({ roles: { root: { threshold: 2 } }, signers: 'new' }).rotateRoot(),
      run: none,
      ok: false,
      expected: [
        notAnchored,
        error('ROOT_ROTATION_INVALID', 'root', {
          file: '2.root.json',
          threshold: 2,
          validKeys: [],
          version: 2,
        }),
      ],
    },
    {
      name: '1.root.json missing: root.json is the start',
      build: (b) => b.rotateRoot().omit('1.root.json'),
      run: none,
      ok: true,
      expected: [notAnchored],
      check: (t, report) => t.equal(report.roles.root?.version, 2),
    },
    {
      name: '1.root.json and root.json missing',
      build: (b) => b.omit('1.root.json', 'root.json'),
      run: none,
      ok: false,
      expected: [notAnchored, error('METADATA_MISSING', 'root', { file: 'root.json' })],
      check: (t, report) => t.strictSame(report.roles, {}),
    },
    {
      name: 'a FETCH_FAILED on 1.root.json stops',
      run: { ...none, faults: { '1.root.json': fetchFailed('1.root.json') } },
      ok: false,
      expected: [notAnchored, error('FETCH_FAILED', 'root', { file: '1.root.json' })],
      check: (t, report) => {
        t.strictSame(report.roles, {});
        t.equal(report.targetCount, 0);
      },
    },
    {
      name: 'a non-TufError on 1.root.json stops',
      run: { ...none, faults: { '1.root.json': new Error('EACCES') } },
      ok: false,
      expected: [notAnchored, error('FETCH_FAILED', 'root', { file: '1.root.json' })],
      check: (t, report) => t.strictSame(report.roles, {}),
    },
    {
      name: 'an oversized 1.root.json stops',
      run: { ...none, limits: { maxRootBytes: 100 } },
      ok: false,
      expected: [
        notAnchored,
        error('SIZE_LIMIT_EXCEEDED', 'root', { file: '1.root.json', expected: 100 }),
      ],
      check: (t, report) => t.strictSame(report.roles, {}),
    },
  ]);
  t.end();
});

// --- Target files (TUF 5.7.3) -----------------------------------------------------

t.test('target files', (t) => {
  const targetRepo = (options: Partial<RepoOptions> = {}) =>
    repo(options)
      .addTarget('a.txt', 'hello')
      .addTarget('dir/sub/b.bin', 'bytes')
      .addDelegation({ name: 'a', paths: ['a/*'], targets: { 'a/x.txt': 'x' } });
  const set = (name: string, content: string) => (files: Files) =>
    files.set(`targets/${name}`, Buffer.from(content));
  const required = { targetsMode: 'required' } as const;
  const consistent = () =>
    targetRepo({ consistentSnapshot: true, hashAlgorithms: ['sha512', 'sha256'] });
  const hashedName = (dir: string, base: string, content: string) =>
    `${dir}${crypto.createHash('sha512').update(content).digest('hex')}.${base}`;
  const dropPlain = (files: Files) => {
    for (const name of ['a.txt', 'dir/sub/b.bin', 'a/x.txt']) files.delete(`targets/${name}`);
  };

  runCases(t, [
    {
      name: 'tampered content',
      base: targetRepo,
      files: set('a.txt', 'hellO'),
      run: required,
      ok: false,
      expected: [
        error('TARGET_HASH_MISMATCH', 'targets', {
          target: 'a.txt',
          expected: sha256('hello'),
          actual: sha256('hellO'),
        }),
      ],
    },
    {
      name: 'longer than its metadata lists: the read is capped',
      base: targetRepo,
      files: set('a.txt', 'hello, and more'),
      run: required,
      ok: false,
      expected: [error('TARGET_HASH_MISMATCH', 'targets', { target: 'a.txt', expected: 5 })],
    },
    {
      name: 'shorter than its metadata lists',
      base: targetRepo,
      files: set('a.txt', 'hell'),
      run: required,
      ok: false,
      expected: [
        error('TARGET_HASH_MISMATCH', 'targets', { target: 'a.txt', expected: 5, actual: 4 }),
      ],
    },
    {
      name: "missing in 'required' mode",
      base: targetRepo,
      files: (files) => files.delete('targets/a.txt'),
      run: required,
      ok: false,
      expected: [error('TARGET_MISSING', 'targets', { target: 'a.txt', file: 'a.txt' })],
    },
    {
      name: "missing in 'auto' mode once the first file was found",
      base: targetRepo,
      files: (files) => files.delete('targets/dir/sub/b.bin'),
      ok: false,
      expected: [
        error('TARGET_MISSING', 'targets', { target: 'dir/sub/b.bin', file: 'dir/sub/b.bin' }),
      ],
    },
    {
      name: "'auto' mode: a bad first file, and the others still checked",
      base: targetRepo,
      files: (files) => {
        files.set('targets/a.txt', Buffer.from('HELLO'));
        files.delete('targets/a/x.txt');
      },
      ok: false,
      expected: [
        error('TARGET_HASH_MISMATCH', 'targets', {
          target: 'a.txt',
          expected: sha256('hello'),
          actual: sha256('HELLO'),
        }),
        error('TARGET_MISSING', 'a', { target: 'a/x.txt', file: 'a/x.txt' }),
      ],
    },
    {
      name: "'auto' mode: the first file cannot be fetched",
      base: targetRepo,
      run: { targetFaults: { 'a.txt': fetchFailed('a.txt') } },
      ok: false,
      expected: [error('FETCH_FAILED', 'targets', { target: 'a.txt', file: 'a.txt' })],
    },
    {
      name: 'a non-TufError while streaming a target',
      base: targetRepo,
      run: { ...required, targetFaults: { 'a/x.txt': new Error('ETIMEDOUT') } },
      ok: false,
      expected: [error('FETCH_FAILED', 'a', { target: 'a/x.txt', file: 'a/x.txt' })],
    },
    {
      name: 'a tampered target of a delegated role',
      base: targetRepo,
      files: set('a/x.txt', 'y'),
      run: required,
      ok: false,
      expected: [
        error('TARGET_HASH_MISMATCH', 'a', {
          target: 'a/x.txt',
          expected: sha256('x'),
          actual: sha256('y'),
        }),
      ],
    },
    {
      name: 'consistent snapshot: files are read as <dir>/<hash>.<basename>',
      base: consistent,
      files: dropPlain,
      run: required,
      ok: true,
      expected: [],
      check: (t, report) => t.equal(report.targetCount, 3),
    },
    {
      name: 'consistent snapshot: the hash-prefixed file missing, the plain one present',
      base: consistent,
      files: (files) => files.delete(`targets/${hashedName('dir/sub/', 'b.bin', 'bytes')}`),
      run: required,
      ok: false,
      expected: [
        error('TARGET_MISSING', 'targets', {
          target: 'dir/sub/b.bin',
          file: hashedName('dir/sub/', 'b.bin', 'bytes'),
        }),
      ],
    },
    {
      name: 'consistent snapshot: a tampered hash-prefixed file',
      base: consistent,
      files: (files) =>
        files.set(`targets/${hashedName('', 'a.txt', 'hello')}`, Buffer.from('jello')),
      run: required,
      ok: false,
      expected: (_b, files) => [
        error('TARGET_HASH_MISMATCH', 'targets', {
          target: 'a.txt',
          expected: crypto.createHash('sha512').update('hello').digest('hex'),
          actual: crypto.createHash('sha512').update('jello').digest('hex'),
        }),
        error('TARGET_HASH_MISMATCH', 'targets', {
          target: 'a.txt',
          expected: sha256('hello'),
          actual: sha256(fileOf(files, `targets/${hashedName('', 'a.txt', 'hello')}`)),
        }),
      ],
    },
    {
      name: 'a target with only an unsupported hash algorithm cannot be checked',
      base: () => targetRepo({ hashAlgorithms: ['sha3-256'] }),
      run: required,
      ok: false,
      expected: [
        error('TARGET_HASH_MISMATCH', 'targets', { target: 'a.txt', expected: ['sha3-256'] }),
        error('TARGET_HASH_MISMATCH', 'targets', {
          target: 'dir/sub/b.bin',
          expected: ['sha3-256'],
        }),
        error('TARGET_HASH_MISMATCH', 'a', { target: 'a/x.txt', expected: ['sha3-256'] }),
      ],
    },
    {
      name: 'sha512 beside an unsupported algorithm is checked',
      base: () => targetRepo({ hashAlgorithms: ['sha3-256', 'sha512'] }),
      files: set('a.txt', 'hellO'),
      run: required,
      ok: false,
      expected: [
        error('TARGET_HASH_MISMATCH', 'targets', {
          target: 'a.txt',
          expected: crypto.createHash('sha512').update('hello').digest('hex'),
          actual: crypto.createHash('sha512').update('hellO').digest('hex'),
        }),
      ],
    },
  ]);
  t.end();
});

// --- Key hygiene --------------------------------------------------------------------

t.test('key hygiene', (t) => {
  const rootKeys = [generateKey(), generateKey()];
  const [r1, r2] = rootKeys as [TestKey, TestKey];
  const r2Alias = importKey(r2.privateKey, 'ed25519', { legacyKeyidHashAlgorithms: true });
  const misnamed = importKey(generateKey().privateKey, 'ed25519', { keyid: 'ab'.repeat(32) });
  const spare = generateKey();
  const legacy = () =>
    importKey(generateKey().privateKey, 'ed25519', { legacyKeyidHashAlgorithms: true });
  const withRoles = (roles: RepoOptions['roles']) => () =>
    standard({ roles: { root: { keys: rootKeys, threshold: 2 }, ...roles } });

  runCases(t, [
    {
      name: 'timestamp sharing a key with root',
      base: withRoles({ timestamp: { keys: [r1] } }),
      ok: true,
      expected: [warning('ONLINE_KEY_SHARED_WITH_ROOT', 'timestamp', { keyid: r1.keyid })],
    },
    {
      name: 'snapshot sharing a root key under another keyid',
      base: withRoles({ snapshot: { keys: [r2Alias] } }),
      ok: true,
      expected: [warning('ONLINE_KEY_SHARED_WITH_ROOT', 'snapshot', { keyid: r2Alias.keyid })],
    },
    {
      name: 'targets, an offline role, may share a root key',
      base: withRoles({ targets: { keys: [r1] } }),
      ok: true,
      expected: [],
    },
    {
      name: 'a keyid in root that is not the sha256 of its key',
      base: withRoles({ targets: { keys: [misnamed] } }),
      ok: true,
      expected: [
        warning('KEYID_MISMATCH', 'root', {
          keyid: misnamed.keyid,
          expected: sha256(canonicalize(misnamed.publicKey)),
          actual: misnamed.keyid,
        }),
      ],
    },
    {
      name: 'a keyid in a delegation that is not the sha256 of its key',
      base: () => repo().addDelegation({ name: 'd', keys: [misnamed], targets: { 'd.txt': 'd' } }),
      ok: true,
      expected: [
        warning('KEYID_MISMATCH', 'targets', {
          keyid: misnamed.keyid,
          expected: sha256(canonicalize(misnamed.publicKey)),
          actual: misnamed.keyid,
        }),
      ],
    },
    {
      name: 'a root key that no role uses',
      build: (b) =>
        b.mutateSigned('root', (s) => {
          s.keys[spare.keyid] = spare.publicKey;
        }),
      ok: true,
      expected: [info('UNUSED_KEY', 'root', { keyid: spare.keyid })],
    },
    {
      name: 'root threshold 1',
      base: () => new RepoBuilder({ now }),
      ok: true,
      expected: [warning('WEAK_ROOT_THRESHOLD', 'root', { threshold: 1 })],
    },
    {
      name: 'legacy keyid_hash_algorithms keyids are accepted',
      base: () =>
        repo({
          roles: {
            root: { keys: [legacy(), legacy()], threshold: 2 },
            timestamp: { keys: [legacy()] },
            snapshot: { keys: [legacy()] },
            targets: { keys: [legacy()] },
          },
        }).addDelegation({ name: 'a', keys: [legacy()], targets: { 'a.txt': 'a' } }),
      ok: true,
      expected: [],
    },
  ]);
  t.end();
});

// --- Against the live repository, or a previous run --------------------------------

t.test('transitions from the published repository or a previous report', (t) => {
  interface Transition {
    name: string;
    make: () => { live: Files; staged: Files };
    ok: boolean;
    expected: Expected[];
    check?: (t: Test, report: VerifyReport) => void;
  }
  const versions = (b: RepoBuilder, version: number) => {
    for (const role of ['timestamp', 'snapshot', 'targets', 'a']) b.setVersion(role, version);
    return b;
  };
  const newRoot = { roles: { root: { threshold: 2 } } } as const;
  const transitions: Transition[] = [
    {
      name: 'staged versions going backwards',
      make: () => {
        const b = versions(standard(), 5);
        const live = b.build();
        return { live, staged: versions(b, 4).build() };
      },
      ok: false,
      expected: [
        ...['timestamp', 'snapshot', 'targets', 'a'].map((role) =>
          error('VERSION_ROLLBACK', role, { expected: 5, actual: 4 }),
        ),
        // TUF 5.5.5: the files the old snapshot listed, at lower versions in the new one.
        ...['targets.json', 'a.json'].map((file) =>
          error('VERSION_ROLLBACK', 'snapshot', { file, expected: 5, actual: 4 }),
        ),
      ],
    },
    {
      name: 'every version moving forward',
      make: () => {
        const b = standard();
        const live = b.build();
        return { live, staged: versions(b.addTarget('b.txt', 'b'), 2).build() };
      },
      ok: true,
      expected: [],
    },
    {
      name: 'targets changed without a version bump',
      make: () => {
        const b = standard();
        const live = b.build();
        return { live, staged: b.addTarget('new.txt', 'new').build() };
      },
      ok: false,
      expected: [error('VERSION_MISMATCH', 'targets', { expected: 2, actual: 1 })],
    },
    {
      name: 're-signed without a change of content: no new version needed',
      make: () => {
        const b = standard();
        const live = b.build();
        const extra = generateKey();
        b.editSignatures('targets', (sigs, signed) => [
          ...sigs,
          ...signEnvelope(signed, [extra]).signatures,
        ]);
        return { live, staged: b.build() };
      },
      ok: true,
      expected: [],
    },
    {
      name: 'a delegated role that disappeared',
      make: () => {
        const b = standard();
        const live = b.build();
        const same = (role: string) => ({
          keys: b.keysOf(role),
          threshold: role === 'root' ? 2 : 1,
        });
        const staged = new RepoBuilder({
          now,
          roles: {
            root: same('root'),
            timestamp: same('timestamp'),
            snapshot: same('snapshot'),
            targets: same('targets'),
          },
        })
          .addTarget('a.txt', 'hello')
          .setVersion('timestamp', 2)
          .setVersion('snapshot', 2)
          .setVersion('targets', 2)
          .build();
        return { live, staged };
      },
      // Removing a delegation is not a rollback; snapshot dropping the role's file is (TUF 5.5.5).
      ok: false,
      expected: [error('VERSION_ROLLBACK', 'snapshot', { file: 'a.json', expected: 1 })],
      check: (t, report) => t.equal(report.roles.a, undefined),
    },
    {
      name: 'a role no delegation reaches any more, dropped from snapshot',
      make: () => {
        // The live snapshot lists legacy.json, which no role delegates to; the staged one drops it.
        let legacy = true;
        const b = standard().mutateSigned('snapshot', (signed) => {
          if (legacy) signed.meta['legacy.json'] = { version: 5 };
        });
        const live = b.build();
        legacy = false;
        return { live, staged: versions(b, 2).build() };
      },
      ok: false,
      expected: [error('VERSION_ROLLBACK', 'snapshot', { file: 'legacy.json', expected: 5 })],
    },
    {
      name: 'a top-level role missing is reported once, as missing',
      make: () => {
        const b = standard();
        const live = b.build();
        return { live, staged: b.omit('timestamp.json').build() };
      },
      ok: false,
      expected: [error('METADATA_MISSING', 'timestamp', { file: 'timestamp.json' })],
    },
    {
      name: 'the snapshot missing: its files cannot be compared, only its absence is reported',
      make: () => {
        const b = standard();
        const live = b.build();
        return { live, staged: b.omit('snapshot.json').build() };
      },
      ok: false,
      expected: [error('METADATA_MISSING', 'snapshot', { file: 'snapshot.json' })],
    },
    {
      name: 'a new root signed by the old and the new root keys',
      make: () => {
        const b = standard();
        const live = b.build();
        return { live, staged: b.rotateRoot(newRoot).build() };
      },
      ok: true,
      expected: [],
      check: (t, report) => t.equal(report.roles.root?.version, 2),
    },
    {
      name: 'a new root signed only by the new root keys',
      make: () => {
        const b = standard();
        const live = b.build();
        return { live, staged: b.rotateRoot({ ...newRoot, signers: 'new' }).build() };
      },
      ok: false,
      expected: [
        error('ROOT_ROTATION_INVALID', 'root', {
          file: '2.root.json',
          threshold: 2,
          validKeys: [],
          version: 2,
        }),
      ],
    },
  ];

  // TUF 5.3.11: after a fast-forward attack, root rotates the keys that vouched for the
  // inflated versions, and the repository starts again lower (tuf-conformance test_rollback.py).
  const recovery = (role: string, from: number, to: number) =>
    warning('FAST_FORWARD_RECOVERY', role, { expected: from, actual: to });
  const listedRecovery = (file: string, from: number, to: number) =>
    warning('FAST_FORWARD_RECOVERY', 'snapshot', { file, expected: from, actual: to });
  const recovered =
    (...roles: string[]) =>
    (t: Test, report: VerifyReport) =>
      t.strictSame(report.recoveredRoles, roles.length > 0 ? roles : undefined, 'recoveredRoles');
  transitions.push(
    {
      name: 'timestamp keys rotated: timestamp starts again from 1',
      make: () => {
        const b = standard().setVersion('timestamp', 100);
        const live = b.build();
        b.rotateRoot({ roles: { timestamp: {} } }).setVersion('timestamp', 1);
        return { live, staged: b.build() };
      },
      ok: true,
      expected: [recovery('timestamp', 100, 1)],
      check: recovered('timestamp'),
    },
    {
      name: 'root rotated, but not the timestamp keys: timestamp going back stays a rollback',
      make: () => {
        const b = standard().setVersion('timestamp', 100);
        const live = b.build();
        b.rotateRoot({ roles: { targets: {} } }).setVersion('timestamp', 1);
        return { live, staged: b.build() };
      },
      ok: false,
      expected: [error('VERSION_ROLLBACK', 'timestamp', { expected: 100, actual: 1 })],
      check: recovered(),
    },
    {
      name: 'a key added beside the old one is no rotation: the old timestamp still verifies',
      make: () => {
        const b = standard().setVersion('timestamp', 100);
        const live = b.build();
        const keys = [keyOf(b, 'timestamp'), generateKey()];
        b.rotateRoot({ roles: { timestamp: { keys, threshold: 1 } } }).setVersion('timestamp', 1);
        return { live, staged: b.build() };
      },
      ok: false,
      expected: [error('VERSION_ROLLBACK', 'timestamp', { expected: 100, actual: 1 })],
    },
    {
      name: 'a rotation by a root that does not check out recovers nothing',
      make: () => {
        const b = standard().setVersion('timestamp', 100);
        const live = b.build();
        b.rotateRoot({ roles: { ...newRoot.roles, timestamp: {} }, signers: 'new' }).setVersion(
          'timestamp',
          1,
        );
        return { live, staged: b.build() };
      },
      ok: false,
      expected: [
        error('ROOT_ROTATION_INVALID', 'root', { file: '2.root.json' }),
        error('VERSION_ROLLBACK', 'timestamp', { expected: 100, actual: 1 }),
      ],
      check: recovered(),
    },
    {
      name: 'timestamp and snapshot keys rotated: snapshot starts again from 1',
      make: () => {
        const b = standard().setVersion('snapshot', 99999).setVersion('timestamp', 5);
        const live = b.build();
        b.rotateRoot({ roles: { timestamp: {}, snapshot: {} } })
          .setVersion('snapshot', 1)
          .setVersion('timestamp', 6);
        return { live, staged: b.build() };
      },
      ok: true,
      expected: [recovery('snapshot', 99999, 1)],
      check: recovered('snapshot'),
    },
    {
      name: 'only the snapshot keys rotated: the snapshot version timestamp vouched for stays',
      make: () => {
        const b = standard().setVersion('snapshot', 99999).setVersion('timestamp', 5);
        const live = b.build();
        b.rotateRoot({ roles: { snapshot: {} } })
          .setVersion('snapshot', 1)
          .setVersion('timestamp', 6);
        return { live, staged: b.build() };
      },
      ok: false,
      expected: [error('VERSION_ROLLBACK', 'snapshot', { expected: 99999, actual: 1 })],
    },
    {
      name: 'snapshot keys rotated: targets and delegated roles start again lower',
      make: () => {
        const b = standard().setVersion('targets', 100).setVersion('a', 50);
        const live = b.build();
        b.rotateRoot({ roles: { snapshot: {} } })
          .setVersion('targets', 1)
          .setVersion('a', 1)
          .setVersion('snapshot', 2)
          .setVersion('timestamp', 2);
        return { live, staged: b.build() };
      },
      ok: true,
      expected: [
        recovery('targets', 100, 1),
        recovery('a', 50, 1),
        listedRecovery('targets.json', 100, 1),
        listedRecovery('a.json', 50, 1),
      ],
      check: recovered('targets', 'a'),
    },
    {
      name: 'snapshot keys rotated: a file snapshot stops listing is reset too',
      make: () => {
        let legacy = true;
        const b = standard().mutateSigned('snapshot', (signed) => {
          if (legacy) signed.meta['legacy.json'] = { version: 5 };
        });
        const live = b.build();
        legacy = false;
        b.rotateRoot({ roles: { snapshot: {} } });
        return { live, staged: versions(b, 2).build() };
      },
      ok: true,
      expected: [listedRecovery('legacy.json', 5, undefined as unknown as number)],
      check: recovered(),
    },
    {
      name: 'only the timestamp keys rotated: targets going back stays a rollback',
      make: () => {
        const b = standard().setVersion('targets', 100);
        const live = b.build();
        b.rotateRoot({ roles: { timestamp: {} } })
          .setVersion('targets', 1)
          .setVersion('snapshot', 2)
          .setVersion('timestamp', 2);
        return { live, staged: b.build() };
      },
      ok: false,
      expected: [
        error('VERSION_ROLLBACK', 'targets', { expected: 100, actual: 1 }),
        error('VERSION_ROLLBACK', 'snapshot', { file: 'targets.json', expected: 100, actual: 1 }),
      ],
    },
    {
      name: 'a delegation removed while snapshot still lists its file: no rollback',
      make: () => {
        // Validly signed: targets v2 no longer delegates to a; snapshot still lists a.json v1.
        const b = standard();
        const live = b.build();
        b.mutateSigned('targets', (signed) => {
          delete signed.delegations;
        });
        return { live, staged: versions(b, 2).setVersion('a', 1).build() };
      },
      ok: true,
      expected: [],
      check: (t, report) => t.equal(report.roles.a, undefined, 'a is no longer verified'),
    },
  );

  for (const mode of ['published', 'previous'] as const) {
    for (const c of transitions) {
      t.test(`${mode}: ${c.name}`, async (t) => {
        const { live, staged } = c.make();
        let report: VerifyReport;
        if (mode === 'published') {
          // Trust starts at the published root.json.
          report = await verify(staged, {
            anchor: 'none',
            published: new DirectorySource(serve(live)),
          });
        } else {
          const before = await verify(live);
          expectFindings(t, before, true, []);
          report = await verify(staged, { previous: before.roles });
        }
        expectFindings(t, report, c.ok, c.expected);
        c.check?.(t, report);
      });
    }
  }

  t.test('published: its root.json missing, nothing is anchored', async (t) => {
    const report = await verify(standard().build(), {
      anchor: 'none',
      published: new DirectorySource(serve(new Map())),
    });
    expectFindings(t, report, false, [error('METADATA_MISSING', 'root', { file: 'root.json' })]);
    t.strictSame(report.roles, {});
  });

  t.test('published with a trusted root: trust starts at the trusted root', async (t) => {
    const b = standard();
    const first = fileOf(b.build(), '1.root.json');
    const live = b.rotateRoot(newRoot).build();
    const staged = b.rotateRoot().build();
    const report = await verify(staged, {
      anchor: first,
      published: new DirectorySource(serve(live)),
    });
    expectFindings(t, report, true, []);
    t.equal(report.roles.root?.version, 3);
  });
  t.end();
});

t.test('a rotation recovers only along the root chain of the old state', (t) => {
  const inflated = (b: RepoBuilder) => b.setVersion('timestamp', 100);
  t.test('previous state of another repository: its keys differ, yet no recovery', async (t) => {
    const before = await verify(inflated(standard()).build());
    // Fresh keys everywhere, root v1 of its own: not a link of the old state's chain.
    const report = await verify(standard().build(), { previous: before.roles });
    t.equal(report.ok, false);
    t.ok(report.findings.some((f) => f.code === 'VERSION_ROLLBACK' && f.role === 'timestamp'));
    t.notOk(report.findings.some((f) => f.code === 'FAST_FORWARD_RECOVERY'));
  });

  t.test('previous state recorded without keyids: no rotation can be shown', async (t) => {
    const b = inflated(standard());
    const before = await verify(b.build());
    const { keyids: _keyids, ...timestamp } = before.roles.timestamp as RoleSummary;
    b.rotateRoot({ roles: { timestamp: {} } }).setVersion('timestamp', 1);
    const report = await verify(b.build(), { previous: { ...before.roles, timestamp } });
    expectFindings(t, report, false, [
      error('VERSION_ROLLBACK', 'timestamp', { expected: 100, actual: 1 }),
    ]);
  });

  t.test('a root chain that ends before the old root: no recovery', async (t) => {
    const b = inflated(standard()).rotateRoot();
    const before = await verify(b.build());
    // The staged repository lost 2.root.json: its chain ends at v1, the old state was at v2.
    b.rotateRoot({ roles: { timestamp: {} } }).setVersion('timestamp', 1);
    const files = b.build();
    files.delete('2.root.json');
    files.delete('3.root.json');
    files.set('root.json', fileOf(files, '1.root.json'));
    const report = await verify(files, { previous: before.roles });
    t.ok(report.findings.some((f) => f.code === 'VERSION_ROLLBACK' && f.role === 'timestamp'));
    t.notOk(report.findings.some((f) => f.code === 'FAST_FORWARD_RECOVERY'));
  });
  t.end();
});

t.test('a broken published role does not block the staged repository that repairs it', (t) => {
  const broken = (t: Test, report: VerifyReport, role: string, code: FindingCode) =>
    t.ok(
      report.findings.some(
        (f) =>
          f.code === 'PUBLISHED_METADATA_INVALID' &&
          f.severity === 'warning' &&
          f.role === role &&
          f.published === true &&
          f.actual === code,
      ),
      `published ${role}: ${code}`,
    );

  t.test('a malformed published timestamp', async (t) => {
    const b = standard().setVersion('timestamp', 3);
    const live = b.build();
    live.set('timestamp.json', Buffer.from('{"signed": '));
    const staged = b.setVersion('timestamp', 4).build();
    const report = await verify(staged, {
      anchor: 'none',
      published: new DirectorySource(serve(live)),
    });
    expectFindings(t, report, true, [
      warning('PUBLISHED_METADATA_INVALID', 'timestamp', {
        published: true,
        actual: 'MALFORMED_METADATA',
      }),
    ]);
  });

  t.test('a published timestamp that does not verify is no baseline', async (t) => {
    // Posted without a key at a huge version: comparing with it would call every real version a rollback.
    const b = standard();
    const live = b
      .setVersion('timestamp', 9_000_000_000)
      .editSignatures('timestamp', () => [])
      .build();
    const staged = standard().build();
    const report = await verify(staged, {
      anchor: fileOf(live, '1.root.json'),
      published: new DirectorySource(serve(live)),
    });
    broken(t, report, 'timestamp', 'SIGNATURE_THRESHOLD_NOT_MET');
    t.notOk(report.findings.some((f) => f.code === 'VERSION_ROLLBACK'));
  });

  t.test('a malformed published snapshot: the listing is not compared', async (t) => {
    let legacy = true;
    const b = standard().mutateSigned('snapshot', (signed) => {
      if (legacy) signed.meta['legacy.json'] = { version: 5 };
    });
    const live = b.build();
    live.set('snapshot.json', Buffer.from('[]'));
    legacy = false;
    const report = await verify(versions2(b).build(), {
      anchor: 'none',
      published: new DirectorySource(serve(live)),
    });
    t.equal(report.ok, true);
    // Timestamp lists the snapshot's length: the bytes are refused before they are parsed.
    broken(t, report, 'snapshot', 'LENGTH_MISMATCH');
    t.notOk(report.findings.some((f) => f.code === 'VERSION_ROLLBACK'));
  });

  t.test('a malformed published root.json: trust starts at the published chain', async (t) => {
    const b = standard().rotateRoot();
    const live = b.build();
    live.set('root.json', Buffer.from('{"signed": {"_type": "root"}}'));
    const staged = versions2(b).build();
    const report = await verify(staged, {
      anchor: 'none',
      published: new DirectorySource(serve(live)),
    });
    t.equal(report.ok, true, JSON.stringify(report.findings));
    t.equal(report.roles.root?.version, 2, 'walked from the published 1.root.json');
    broken(t, report, 'root', 'MALFORMED_METADATA');
  });

  t.test('no published root that parses at all: nothing is anchored', async (t) => {
    const live = standard().build();
    live.set('root.json', Buffer.from('[]'));
    live.set('1.root.json', Buffer.from('[]'));
    const report = await verify(standard().build(), {
      anchor: 'none',
      published: new DirectorySource(serve(live)),
    });
    expectFindings(t, report, false, [
      error('MALFORMED_METADATA', 'root', { file: 'root.json', published: true }),
    ]);
  });

  for (const [why, fault] of [
    ['a fetch failure', fetchFailed('root.json')],
    ['an unexpected failure', new Error('socket hang up')],
  ] as const) {
    t.test(`a published root.json not reached (${why}) is not passed over`, async (t) => {
      const live = standard().build();
      const report = await verify(standard().build(), {
        anchor: 'none',
        published: new Faulty(new DirectorySource(serve(live)), { 'root.json': fault }),
      });
      expectFindings(t, report, false, [
        error('FETCH_FAILED', 'root', { file: 'root.json', published: true }),
      ]);
    });
  }

  t.test('what is unchanged is still compared', async (t) => {
    const b = standard().setVersion('targets', 5);
    const live = b.build();
    live.set('timestamp.json', Buffer.from('not json'));
    const report = await verify(b.setVersion('targets', 4).build(), {
      anchor: 'none',
      published: new DirectorySource(serve(live)),
    });
    t.equal(report.ok, false);
    t.ok(report.findings.some((f) => f.code === 'VERSION_ROLLBACK' && f.role === 'targets'));
    broken(t, report, 'timestamp', 'MALFORMED_METADATA');
  });
  t.end();
});

function versions2(b: RepoBuilder): RepoBuilder {
  for (const role of ['timestamp', 'snapshot', 'targets', 'a']) b.setVersion(role, 2);
  return b;
}

t.test('findings about a root name the root version they are in', async (t) => {
  // Root threshold 2 of 3 keys; every root version carries an empty placeholder signature by the third.
  const keys = [generateKey(), generateKey(), generateKey()];
  const b = standard({ roles: { root: { keys, threshold: 2 } } })
    .editSignatures('root', (sigs) =>
      sigs.map((sig) => (sig.keyid === keys[2]?.keyid ? { ...sig, sig: '' } : sig)),
    )
    .rotateRoot();
  const report = await verify(b.build());
  const placeholders = report.findings.filter((f) => f.code === 'SIGNATURE_INVALID');
  t.strictSame(
    placeholders.map((f) => [f.role, f.keyid, f.version]),
    [
      ['root', keys[2]?.keyid, 1],
      ['root', keys[2]?.keyid, 2],
    ],
  );
  t.match(placeholders[1]?.message, /root v2/);
});

// --- Target resolution as a client resolves (TUF 5.6.7) ----------------------

t.test('target resolution', (t) => {
  t.test('a terminating delegation hides later siblings for the paths it matches', async (t) => {
    // `a` is terminating for f*; `b` also lists f.txt. A client never trusts b's f.txt.
    const b = repo()
      .addDelegation({ name: 'a', paths: ['f*'], terminating: true, targets: {} })
      .addDelegation({ name: 'b', paths: ['*'], targets: { 'f.txt': 'from b', 'g.txt': 'g' } });
    const files = b.build();
    // b's f.txt differs from what is served: if it were resolved, its file check would fail.
    files.set('targets/f.txt', Buffer.from('something else'));
    const report = await verify(files, { targetsMode: 'required' });
    expectFindings(t, report, true, []);
    t.equal(report.targetCount, 1, 'only g.txt resolves');
  });

  t.test('the first role in pre-order wins', async (t) => {
    const b = repo()
      .addDelegation({ name: 'a', paths: ['*'], targets: { 'x.txt': 'from a' } })
      .addDelegation({ name: 'b', paths: ['*'], targets: { 'x.txt': 'from b' } });
    const files = b.build();
    files.set('targets/x.txt', Buffer.from('from a'));
    const report = await verify(files, { targetsMode: 'required' });
    expectFindings(t, report, true, []);
    t.equal(report.targetCount, 1);
  });

  t.test('a search past maxDelegations roles is a cut, not "not found"', async (t) => {
    const b = repo()
      .addDelegation({ name: 'a', paths: ['*'], targets: {} })
      .addDelegation({ name: 'b', paths: ['*'], targets: { 'x.txt': 'x' } });
    const files = b.build();
    // Replaced: had it been resolved, its file check would fail. It must not pass unseen.
    files.set('targets/x.txt', Buffer.from('replaced'));
    const report = await verify(files, { limits: { maxDelegations: 1 }, targetsMode: 'required' });
    expectFindings(t, report, false, [
      error('SIZE_LIMIT_EXCEEDED', 'b', { expected: 1, targetsNotVerified: 1 }),
    ]);
    t.equal(report.targetCount, 0, 'b is the third role visited');
    t.strictSame(report.incompleteTargets, { rolesNotVerified: 0, targetsNotVerified: 1 });
  });
  t.end();
});

t.test(
  'published: a live file that cannot be read leaves no baseline, and fails closed',
  async (t) => {
    const b = standard();
    const live = b.build();
    const report = await verify(b.build(), {
      anchor: 'none',
      published: new Faulty(new DirectorySource(serve(live)), {
        'timestamp.json': fetchFailed('timestamp.json'),
      }),
    });
    expectFindings(t, report, false, [
      error('FETCH_FAILED', 'timestamp', { file: 'timestamp.json' }),
    ]);
  },
);

t.test(
  'target resolution passes over roles seen twice, and stops at roles that did not load',
  async (t) => {
    // targets -> a -> c and targets -> b -> [c, e] (c seen twice); d is delegated but not published.
    const c = { name: 'c', paths: ['*'], targets: {} };
    const build = () =>
      repo()
        .addDelegation({ name: 'd', paths: ['*'], targets: {} })
        .addDelegation({ name: 'a', paths: ['*'], targets: {}, delegations: [c] })
        .addDelegation({
          name: 'b',
          paths: ['*'],
          delegations: [c, { name: 'e', paths: ['*'], targets: { 'x.txt': 'x' } }],
        });
    const clean = await verify(build().build(), { targetsMode: 'skip' });
    expectFindings(t, clean, true, []);
    t.equal(clean.targetCount, 1, 'x.txt resolves to e after passing d, a, c, b, and c again');
    // A client's search for x.txt fails at d: x.txt is not trusted, and says so in the report.
    const report = await verify(build().omit('d.json').build(), { targetsMode: 'skip' });
    expectFindings(t, report, false, [error('METADATA_MISSING', 'd', { file: 'd.json' })]);
    t.equal(report.targetCount, 0);
    t.equal(report.untrustedTargets, 1);
  },
);

t.test('roles that do not check out are shown but marked untrusted', async (t) => {
  const clean = await verify(standard().build());
  t.notOk('untrustedRoles' in clean, 'absent when every role checks out');

  // Someone with bucket write but no key posts an unsigned timestamp with a huge version.
  const forged = await verify(
    standard()
      .setVersion('timestamp', 9_000_000_000)
      .editSignatures('timestamp', () => [])
      .build(),
  );
  t.strictSame(forged.untrustedRoles, ['timestamp']);
  t.match(forged.roles.timestamp, { version: 9_000_000_000, validSignatures: 0 });

  // Bytes the parent does not list: the snapshot's hash differs from the timestamp's record.
  const swapped = standard().build();
  const snapshotText = fileOf(swapped, 'snapshot.json').toString('utf8');
  swapped.set('snapshot.json', Buffer.from(snapshotText.replace(/}\s*$/, ' }')));
  const mismatch = await verify(swapped);
  t.ok(mismatch.findings.some((f) => f.code === 'HASH_MISMATCH' && f.role === 'snapshot'));
  t.strictSame(mismatch.untrustedRoles, ['snapshot']);

  // Expired but authentic: still a baseline, as a client keeps it.
  const expired = await verify(
    standard({ expires: { targets: new Date('2000-01-01T00:00:00Z') } }).build(),
  );
  t.ok(expired.findings.some((f) => f.code === 'METADATA_EXPIRED' && f.role === 'targets'));
  t.notOk('untrustedRoles' in expired);
  t.end();
});

t.test('names from metadata that are Object.prototype members are data', async (t) => {
  // A delegated role and a target path named `__proto__`: a plain record assignment would drop them.
  const build = (version: number) =>
    repo()
      .addTarget('__proto__', 'p')
      .addDelegation({ name: '__proto__', paths: ['a/*'], targets: { 'a/x.txt': 'x' } })
      .setVersion('__proto__', version)
      .build();
  const before = await verify(build(2), { targetsMode: 'required' });
  expectFindings(t, before, true, []);
  t.ok(Object.hasOwn(before.roles, '__proto__'), 'the role is in the report');
  t.equal(before.roles['__proto__']?.version, 2);
  t.ok(Object.hasOwn(before.verifiedTargets ?? {}, '__proto__'), 'the target was verified');
  t.match(JSON.stringify(before.roles), /"__proto__":\{"version":2/);

  const rolledBack = await verify(build(1), { previous: before.roles });
  t.ok(
    rolledBack.findings.some((f) => f.code === 'VERSION_ROLLBACK' && f.role === '__proto__'),
    'its rollback is seen',
  );
  t.end();
});

t.test(
  'target findings come in target order, whatever order the downloads finish in',
  async (t) => {
    const names = ['t0.txt', 't1.txt', 't2.txt', 't3.txt', 't4.txt', 't5.txt'];
    const b = repo();
    for (const name of names) b.addTarget(name, `good ${name}`);
    const files = b.build();
    for (const name of names) files.set(`targets/${name}`, Buffer.from(`evil ${name}`));
    const dir = serve(files);
    const inner = new DirectorySource(path.join(dir, 'targets'));
    // The first file is the slowest, the last the fastest: completion order is the reverse of entry order.
    const finishing: string[] = [];
    const reversed: MetadataSource = {
      location: inner.location,
      read: (name, maxBytes) => inner.read(name, maxBytes),
      async *stream(name, maxBytes) {
        await new Promise((resolve) =>
          setTimeout(resolve, (names.length - names.indexOf(name)) * 15),
        );
        finishing.push(name);
        yield* inner.stream(name, maxBytes);
      },
    };
    const report = await verifyRepository({
      repository: new DirectorySource(dir),
      targets: reversed,
      trustedRoot: files.get('1.root.json'),
      now,
      targetsMode: 'required',
    });
    t.strictSame(finishing, [...names].reverse(), 'the downloads did finish in reverse');
    t.strictSame(
      report.findings.map((f) => [f.code, f.target]),
      names.map((name) => ['TARGET_HASH_MISMATCH', name]),
    );
  },
);

t.test('incremental target checks', (t) => {
  const build = (): Files => {
    const files = repo().addTarget('a.txt', 'hello').addTarget('b.txt', 'world').build();
    return files;
  };

  t.test('a first run verifies and lists every good file', async (t) => {
    const report = await verify(build(), { targetsMode: 'required', includeTargets: true });
    expectFindings(t, report, true, []);
    t.strictSame(Object.keys(report.verifiedTargets ?? {}).sort(), ['a.txt', 'b.txt']);
    t.strictSame(Object.keys(report.targets ?? {}).sort(), ['a.txt', 'b.txt']);
    t.equal(report.targets?.['a.txt']?.length, 5);
  });

  t.test('files known good with the same length and hashes are not read again', async (t) => {
    const first = await verify(build(), { targetsMode: 'required' });
    const known = new Map(Object.entries(first.verifiedTargets ?? {}));
    const files = build();
    // Gone from the target host: not noticed, since its signed hashes did not change.
    files.delete('targets/a.txt');
    const report = await verify(files, { targetsMode: 'required', verifiedTargets: known });
    expectFindings(t, report, true, []);
    t.strictSame(report.verifiedTargets, first.verifiedTargets);
    t.equal(report.targets, undefined, 'targets only with includeTargets');
  });

  t.test('a file whose signed hashes changed is checked again', async (t) => {
    const known = new Map([
      ['a.txt', { key: '5 sha256=' + '0'.repeat(64), hashedAt: now.toISOString() }],
    ]);
    const files = build();
    files.set('targets/a.txt', Buffer.from('HELLO'));
    const report = await verify(files, { targetsMode: 'required', verifiedTargets: known });
    t.ok(report.findings.some((f) => f.code === 'TARGET_HASH_MISMATCH' && f.target === 'a.txt'));
    t.strictSame(Object.keys(report.verifiedTargets ?? {}), ['b.txt']);
  });

  t.test('when every file is known, nothing is read and the probe is skipped', async (t) => {
    const first = await verify(build(), { targetsMode: 'auto' });
    const report = await verify(build(), {
      targetsMode: 'auto',
      verifiedTargets: new Map(Object.entries(first.verifiedTargets ?? {})),
      targetFaults: { 'a.txt': fetchFailed('a.txt'), 'b.txt': fetchFailed('b.txt') },
    });
    expectFindings(t, report, true, []);
  });

  t.test('auto mode with no files at the targets base lists nothing as verified', async (t) => {
    const files = build();
    files.delete('targets/a.txt');
    files.delete('targets/b.txt');
    const report = await verify(files, { targetsMode: 'auto' });
    expectFindings(t, report, true, [info('TARGETS_NOT_PRESENT', undefined, { target: 'a.txt' })]);
    t.equal(report.verifiedTargets, undefined);
  });
  t.end();
});

t.test('targetKey names length and every hash, in a fixed order', (t) => {
  t.equal(
    targetKey({ length: 3, hashes: { sha512: 'bb', sha256: 'aa' } }),
    '3 sha256=aa sha512=bb',
  );
  t.end();
});

// --- Delegations: trust follows the delegation a lookup took ------------------

t.test(
  'a role reached through two delegators is trusted only through one whose keys signed it',
  async (t) => {
    // tuf-conformance test_cached_role_is_verified_against_current_delegator, for verify.
    const keyFromA = generateKey();
    const b = repo()
      .addDelegation({ name: 'A', paths: ['a/*'] })
      .addDelegation({ name: 'B', paths: ['b/*'] })
      .addDelegation({ name: 'C', paths: ['a/*'], keys: [keyFromA], targets: { 'a/x': 'a' } }, 'A')
      .addDelegation({ name: 'C', paths: ['b/*'], targets: { 'b/y': 'b' } }, 'B')
      .editSignatures('C', (sigs) => sigs.filter((sig) => sig.keyid === keyFromA.keyid));
    const files = b.build();
    // Had b/y been trusted, this replaced file would be a TARGET_HASH_MISMATCH.
    files.set('targets/b/y', Buffer.from('replaced'));
    const report = await verify(files, { targetsMode: 'required', includeTargets: true });
    expectFindings(t, report, false, [
      error('SIGNATURE_THRESHOLD_NOT_MET', 'C', { delegator: 'B', validKeys: [] }),
      // b/y is outside what A delegated to C: a client going through A ignores it.
      error('DELEGATION_INVALID', 'C', { actual: ['b/y'] }),
    ]);
    t.strictSame(Object.keys(report.targets ?? {}), ['a/x']);
    t.strictSame(Object.keys(report.verifiedTargets ?? {}), ['a/x']);
    t.equal(report.untrustedTargets, 1, 'b/y is reported, not trusted');
    t.notOk(report.untrustedRoles?.includes('C'), 'C is authentic through A');
  },
);

t.test(
  'a role whose signatures fail: its targets are not trusted, nor reported missing',
  async (t) => {
    const files = standard()
      .editSignatures('a', () => [])
      .build();
    files.delete('targets/a/x.txt');
    const report = await verify(files, { targetsMode: 'required' });
    expectFindings(t, report, false, [
      error('SIGNATURE_THRESHOLD_NOT_MET', 'a', { delegator: 'targets', validKeys: [] }),
    ]);
    t.equal(report.targetCount, 1, 'a.txt only');
    t.equal(report.untrustedTargets, 1);
    t.strictSame(report.untrustedRoles, ['a']);
  },
);

t.test('a role verified through a later delegation is trusted after all', async (t) => {
  // targets -> A -> C (A's key for C did not sign) and targets -> B -> C (B's key did).
  const keyFromB = generateKey();
  const files = repo()
    .addDelegation({ name: 'A', paths: ['a/*'] })
    .addDelegation({ name: 'B', paths: ['*'] })
    .addDelegation({ name: 'C', paths: ['a/*'] }, 'A')
    .addDelegation({ name: 'C', paths: ['*'], keys: [keyFromB], targets: { 'c.txt': 'c' } }, 'B')
    .editSignatures('C', (sigs) => sigs.filter((sig) => sig.keyid === keyFromB.keyid))
    .build();
  const report = await verify(files, { targetsMode: 'required' });
  expectFindings(t, report, false, [
    error('SIGNATURE_THRESHOLD_NOT_MET', 'C', { delegator: 'A', validKeys: [] }),
  ]);
  t.equal(report.targetCount, 1, 'c.txt is reached through B');
  t.notOk('untrustedRoles' in report, 'C is a baseline: B vouches for it');
});

t.test('a target cut off by maxRolesVerified is counted, not dropped', async (t) => {
  // Walk: a, L (through a), b, then r is past the limit. x.txt, listed by L, is
  // searched through b -> r (a's 'q' does not match): the search meets the cut.
  const files = repo()
    .addDelegation({ name: 'a', paths: ['q'], delegations: [{ name: 'L', targets: { x: 'x' } }] })
    .addDelegation({ name: 'b', paths: ['*'], delegations: [{ name: 'r' }] })
    .addDelegation({ name: 'c', paths: ['*'], delegations: [{ name: 'L' }] })
    .build();
  const report = await verify(files, { limits: { maxRolesVerified: 3 }, targetsMode: 'skip' });
  expectFindings(t, report, false, [
    error('SIZE_LIMIT_EXCEEDED', 'r', { expected: 3, rolesNotVerified: 2, targetsNotVerified: 1 }),
    error('DELEGATION_INVALID', 'L', { actual: ['x'] }),
  ]);
  t.equal(report.targetCount, 0);
  t.strictSame(report.incompleteTargets, { rolesNotVerified: 2, targetsNotVerified: 1 });
});

t.test('a role named ../x is read as ..%2Fx.json inside the metadata directory', async (t) => {
  for (const consistentSnapshot of [false, true]) {
    const files = repo({ consistentSnapshot })
      .addDelegation({ name: '../x', targets: { 'x.txt': 'x' } })
      .build();
    t.ok(files.has(consistentSnapshot ? '1...%2Fx.json' : '..%2Fx.json'));
    const dir = serve(files);
    // Where the unquoted name would lead: never read.
    for (const name of ['x.json', '1.x.json'])
      fs.writeFileSync(path.join(dir, '..', name), 'not metadata');
    const report = await verifyRepository({
      repository: new DirectorySource(dir),
      trustedRoot: files.get('1.root.json'),
      now,
      targetsMode: 'skip',
    });
    expectFindings(t, report, true, []);
    t.match(report.roles['../x'], { version: 1, validSignatures: 1 });
  }
});

t.test('a role name with no UTF-8 form cannot name a file: malformed, not a crash', async (t) => {
  const report = await verify(
    repo()
      .addDelegation({ name: 'a', targets: { 'x.txt': 'x' } })
      .mutateSigned('targets', (s) => {
        s.delegations!.roles[0]!.name = '\ud800';
      })
      .mutateSigned('snapshot', (s) => {
        s.meta['\ud800.json'] = { version: 1 };
      })
      .build(),
    { targetsMode: 'skip' },
  );
  t.equal(report.ok, false);
  t.ok(report.findings.some((f) => f.code === 'MALFORMED_METADATA'));
  t.equal(report.targetCount, 0);
});

import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import type { CheckResult, CheckStatus } from '../../checks/types.js';
import {
  MIGRATIONS,
  SCHEMA_VERSION,
  StoreError,
  migrate,
  openStore,
  type StoreErrorCode,
  type StoredRunRecord,
} from '../../server/store.js';
import {
  canonicalJson,
  checkpointDigest,
  GENESIS_HASH,
  parsePublicKey,
  recordHash,
  verifySignature,
  type SealedRecord,
} from '../../server/evidence.js';
import { generateSigningKey } from '../../server/evidence-keys.js';
import type {
  ControlResult,
  EvidenceChain,
  EvidenceStore,
  TrustedRoles,
} from '../../server/types.js';

const T0 = Date.parse('2031-01-01T00:00:00.000Z');
/** `minutes` after 2031-01-01T00:00:00Z. */
const at = (minutes: number): Date => new Date(T0 + minutes * 60_000);
const iso = (minutes: number): string => at(minutes).toISOString();
/** A verified target hashed at T0, with no validators. */
const vt = (key: string) => ({ key, hashedAt: iso(0) });

function check(
  id: string,
  status: CheckStatus,
  minutes: number,
  evidence: Record<string, unknown> = { id },
): CheckResult {
  return {
    id,
    status,
    message: `${id} is ${status}`,
    evidence,
    evaluatedAt: iso(minutes),
    durationMs: 1.5,
  };
}

/** One control per check, named after it, with the check's status. */
function controlsOf(checks: CheckResult[]): ControlResult[] {
  return checks.map((c) => ({
    id: `control:${c.id}`,
    title: `Control of ${c.id}`,
    status: c.status,
    checks: [{ id: c.id, status: c.status }],
  }));
}

/** Starts at `minutes`, completes one minute later with these statuses (check `a`, `b`, ...). */
function completeWith(
  store: EvidenceStore,
  minutes: number,
  statuses: Record<string, CheckStatus>,
) {
  const run = store.startRun('schedule', at(minutes));
  const checks = Object.entries(statuses).map(([id, status]) => check(id, status, minutes + 0.5));
  return store.completeRun(run.id, at(minutes + 1), checks, controlsOf(checks));
}

function storeError(code: StoreErrorCode) {
  return { name: 'StoreError', code, constructor: StoreError };
}

function memoryStore(t: Test): EvidenceStore {
  const store = openStore(':memory:');
  t.teardown(() => store.close());
  return store;
}

function fileStore(t: Test, path: string, options?: Parameters<typeof openStore>[1]) {
  const store = openStore(path, options);
  t.teardown(() => store.close());
  return store;
}

/** A second, raw connection to the same file: what another process or an attacker sees. */
function raw(t: Test, path: string): Database.Database {
  const db = new Database(path);
  t.teardown(() => db.close());
  return db;
}

t.test('startRun records a running run', (t) => {
  const store = memoryStore(t);
  const run = store.startRun('api', at(0));
  t.strictSame(run, { id: 1, startedAt: iso(0), status: 'running', trigger: 'api' });
  t.strictSame(store.latestRun(), { ...run, checks: [], controls: [] });
  t.equal(store.latestCompletedRun(), undefined);
  t.equal(store.startRun('cli', at(1)).id, 2, 'ids are assigned in order');
  t.end();
});

t.test('completeRun stores results and controls and returns them as stored', (t) => {
  const store = memoryStore(t);
  const run = store.startRun('schedule', at(0));
  const evidence = { repo: { version: 3, keys: ['a', 'b'], nested: { ok: true, none: null } } };
  const checks = [
    check('tuf.signatures', 'pass', 0.25, evidence),
    check('tuf.expiry', 'warn', 0.5),
  ];
  const controls = controlsOf(checks);
  const detail = store.completeRun(run.id, at(1), checks, controls);
  t.strictSame(detail, {
    id: run.id,
    startedAt: iso(0),
    finishedAt: iso(1),
    status: 'completed',
    trigger: 'schedule',
    result: 'pass',
    durationMs: 60_000,
    checks,
    controls,
  });
  t.strictSame(store.run(run.id), detail);
  t.strictSame(store.latestRun(), detail);
  t.strictSame(store.latestCompletedRun(), detail);
  t.equal(store.run(99), undefined);
  t.end();
});

t.test('a run passes when no check is fail or error', (t) => {
  const cases: { statuses: CheckStatus[]; result: 'pass' | 'fail' }[] = [
    { statuses: [], result: 'pass' },
    { statuses: ['pass', 'warn', 'not_applicable'], result: 'pass' },
    { statuses: ['pass', 'fail'], result: 'fail' },
    { statuses: ['error', 'pass'], result: 'fail' },
  ];
  const store = memoryStore(t);
  for (const [i, { statuses, result }] of cases.entries()) {
    const detail = completeWith(
      store,
      i * 10,
      Object.fromEntries(statuses.map((s, k) => [`c${k}`, s])),
    );
    t.equal(detail.result, result, statuses.join(',') || 'no checks');
  }
  t.end();
});

t.test('results keep their order; evaluatedAt is normalized to UTC', (t) => {
  const store = memoryStore(t);
  const run = store.startRun('schedule', at(0));
  const checks = ['z', 'a', 'm'].map((id) => check(id, 'pass', 0));
  checks[0]!.evaluatedAt = '2031-01-01T01:00:00+01:00';
  const detail = store.completeRun(run.id, at(1), checks, controlsOf(checks));
  t.strictSame(
    detail.checks.map((c) => c.id),
    ['z', 'a', 'm'],
  );
  t.strictSame(
    detail.controls.map((c) => c.id),
    ['control:z', 'control:a', 'control:m'],
  );
  t.equal(detail.checks[0]!.evaluatedAt, '2031-01-01T00:00:00.000Z');
  t.end();
});

t.test('transitions: pass -> fail -> fail -> pass', (t) => {
  const store = memoryStore(t);
  const runs = (['pass', 'fail', 'fail', 'pass'] as const).map((s, i) =>
    completeWith(store, i * 10, { 'tuf.expiry': s }),
  );
  const ids = runs.map((r) => r.id);
  t.strictSame(store.transitions('check', 'tuf.expiry', at(0), at(100)), [
    { kind: 'check', id: 'tuf.expiry', from: null, to: 'pass', at: iso(0.5), runId: ids[0] },
    { kind: 'check', id: 'tuf.expiry', from: 'pass', to: 'fail', at: iso(10.5), runId: ids[1] },
    { kind: 'check', id: 'tuf.expiry', from: 'fail', to: 'pass', at: iso(30.5), runId: ids[3] },
  ]);
  // A control changes when its run is committed.
  t.strictSame(
    store
      .transitions('control', 'control:tuf.expiry', at(0), at(100))
      .map((x) => [x.from, x.to, x.at]),
    [
      [null, 'pass', iso(1)],
      ['pass', 'fail', iso(11)],
      ['fail', 'pass', iso(31)],
    ],
  );
  t.strictSame(
    store.transitions('check', 'control:tuf.expiry', at(0), at(100)),
    [],
    'kinds are apart',
  );
  t.end();
});

t.test('transitions compare with the previous completed run only', (t) => {
  const store = memoryStore(t);
  completeWith(store, 0, { a: 'pass', b: 'pass' });
  // A failed run and an abandoned run in between have no statuses.
  const failed = store.startRun('schedule', at(10));
  store.failRun(failed.id, at(11), 'collector crashed');
  store.startRun('schedule', at(20));
  store.abandonUnfinishedRuns(at(21));
  // `b` is missing from this run: no transition to nothing.
  completeWith(store, 30, { a: 'pass' });
  // `b` is back: the previous completed run did not have it, so it comes from null.
  const last = completeWith(store, 40, { a: 'warn', b: 'pass' });
  t.strictSame(
    store.transitions('check', 'a', at(0), at(100)).map((x) => [x.from, x.to]),
    [
      [null, 'pass'],
      ['pass', 'warn'],
    ],
  );
  t.strictSame(
    store.transitions('check', 'b', at(0), at(100)).map((x) => [x.from, x.to, x.runId]),
    [
      [null, 'pass', 1],
      [null, 'pass', last.id],
    ],
  );
  t.end();
});

t.test('history queries: from is inclusive, to is exclusive', (t) => {
  const store = memoryStore(t);
  for (const [i, s] of (['pass', 'fail', 'warn'] as const).entries()) {
    completeWith(store, i * 10, { x: s, y: 'pass' });
  }
  // Check x was evaluated at 0.5, 10.5, 20.5; its controls at 1, 11, 21.
  t.strictSame(store.checkHistory('x', at(0.5), at(20.5)), [
    { runId: 1, at: iso(0.5), status: 'pass', message: 'x is pass' },
    { runId: 2, at: iso(10.5), status: 'fail', message: 'x is fail' },
  ]);
  t.strictSame(
    store.checkHistory('x', at(10.5), at(1000)).map((h) => h.runId),
    [2, 3],
  );
  t.strictSame(store.checkHistory('x', at(21), at(1000)), []);
  t.strictSame(store.checkHistory('nope', at(0), at(1000)), []);
  t.strictSame(store.controlHistory('control:x', at(1), at(21)), [
    { runId: 1, at: iso(1), status: 'pass' },
    { runId: 2, at: iso(11), status: 'fail' },
  ]);
  t.strictSame(
    store.transitions('check', 'x', at(10.5), at(20.5)).map((x) => x.runId),
    [2],
  );
  t.strictSame(store.transitions('check', 'y', at(1), at(1000)), [], 'y never changed after run 1');
  t.end();
});

t.test('lastPassed is when the control last passed', (t) => {
  const store = memoryStore(t);
  t.equal(store.lastPassed('control:a'), undefined);
  completeWith(store, 0, { a: 'fail' });
  t.equal(store.lastPassed('control:a'), undefined);
  completeWith(store, 10, { a: 'pass' });
  completeWith(store, 20, { a: 'pass' });
  completeWith(store, 30, { a: 'error' });
  t.equal(store.lastPassed('control:a'), iso(21));
  t.end();
});

t.test('runs: newest first, paged by id', (t) => {
  const store = memoryStore(t);
  for (let i = 0; i < 5; i++) store.startRun('schedule', at(i));
  t.strictSame(
    store.runs(2).map((r) => r.id),
    [5, 4],
  );
  t.strictSame(
    store.runs(2, 4).map((r) => r.id),
    [3, 2],
  );
  t.strictSame(
    store.runs(10, 2).map((r) => r.id),
    [1],
  );
  t.strictSame(store.runs(10, 1), []);
  t.strictSame(store.runs(1)[0], {
    id: 5,
    startedAt: iso(4),
    status: 'running',
    trigger: 'schedule',
  });
  for (const [limit, before] of [
    [0, undefined],
    [-1, undefined],
    [1.5, undefined],
    [Number.NaN, undefined],
    [1, 2.5],
  ] as const) {
    t.throws(() => store.runs(limit, before), storeError('INVALID_ARGUMENT'), `${limit} ${before}`);
  }
  t.end();
});

t.test('failRun records the reason; a finished run is final', (t) => {
  const store = memoryStore(t);
  const run = store.startRun('startup', at(0));
  store.failRun(run.id, at(2), 'worker timed out');
  const failed = store.run(run.id) as StoredRunRecord | undefined;
  t.strictSame(failed, {
    id: run.id,
    startedAt: iso(0),
    finishedAt: iso(2),
    status: 'failed',
    trigger: 'startup',
    durationMs: 120_000,
    error: 'worker timed out',
    checks: [],
    controls: [],
  });
  t.throws(() => store.failRun(run.id, at(3), 'again'), storeError('RUN_NOT_RUNNING'));
  t.throws(() => store.completeRun(run.id, at(3), [], []), storeError('RUN_NOT_RUNNING'));
  t.throws(() => store.failRun(42, at(3), 'x'), storeError('RUN_NOT_FOUND'));
  t.throws(() => store.completeRun(42, at(3), [], []), storeError('RUN_NOT_FOUND'));
  const done = completeWith(store, 10, { a: 'pass' });
  t.throws(() => store.failRun(done.id, at(20), 'late'), storeError('RUN_NOT_RUNNING'));
  t.throws(() => store.completeRun(done.id, at(20), [], []), storeError('RUN_NOT_RUNNING'));
  t.equal(store.run(done.id)?.result, 'pass', 'unchanged');
  t.end();
});

t.test('completeRun is one transaction: a failure leaves nothing behind', (t) => {
  const store = memoryStore(t);
  completeWith(store, 0, { a: 'pass', b: 'pass' });
  const run = store.startRun('schedule', at(10));
  // The second `a` violates UNIQUE (run_id, check_id) after `a` and `b` were written.
  const checks = [check('a', 'fail', 10), check('b', 'fail', 10), check('a', 'pass', 10)];
  t.throws(() => store.completeRun(run.id, at(11), checks, controlsOf(checks)), {
    code: 'SQLITE_CONSTRAINT_UNIQUE',
  });
  t.strictSame(store.run(run.id), {
    id: run.id,
    startedAt: iso(10),
    status: 'running',
    trigger: 'schedule',
    checks: [],
    controls: [],
  });
  t.equal(store.transitions('check', 'a', at(0), at(100)).length, 1, 'only the first run');
  // The monitor then fails the run, which still works.
  store.failRun(run.id, at(11), 'could not store results');
  t.equal(store.run(run.id)?.status, 'failed');
  t.end();
});

t.test('abandonUnfinishedRuns marks running runs abandoned', (t) => {
  const store = memoryStore(t);
  t.equal(store.abandonUnfinishedRuns(at(0)), 0);
  completeWith(store, 0, { a: 'pass' });
  const left = [store.startRun('schedule', at(10)), store.startRun('api', at(11))];
  t.equal(store.abandonUnfinishedRuns(at(20)), 2);
  for (const run of left) {
    t.match(store.run(run.id), {
      status: 'abandoned',
      finishedAt: iso(20),
      error: /process ended/,
    });
    t.notOk(store.run(run.id)?.result);
  }
  t.equal(store.run(1)?.status, 'completed', 'completed runs are untouched');
  t.equal(store.abandonUnfinishedRuns(at(30)), 0);
  t.end();
});

t.test('runCounts: completed by result, failed and abandoned as error', (t) => {
  const store = memoryStore(t);
  t.strictSame(store.runCounts(), { pass: 0, fail: 0, error: 0 });
  completeWith(store, 0, { a: 'pass' });
  completeWith(store, 10, { a: 'pass' });
  completeWith(store, 20, { a: 'error' });
  store.failRun(store.startRun('schedule', at(30)).id, at(31), 'boom');
  store.startRun('schedule', at(40));
  store.abandonUnfinishedRuns(at(41));
  store.startRun('schedule', at(50)); // running: not counted yet
  t.strictSame(store.runCounts(), { pass: 2, fail: 1, error: 2 });
  t.end();
});

t.test('trusted roles round trip and are replaced', (t) => {
  const dir = t.testdir();
  const path = join(dir, 'evidence.db');
  let clock = at(0);
  const store = fileStore(t, path, { now: () => clock });
  const role = {
    version: 3,
    expires: '2031-02-01T00:00:00Z',
    threshold: 1,
    validSignatures: 1,
    keys: 1,
    length: 100,
    sha256: 'aa',
    signedSha256: 'bb',
  };
  const first: TrustedRoles = { timestamp: { ...role, firstSeenAt: iso(0) } };
  const second: TrustedRoles = {
    timestamp: { ...role, version: 4, firstSeenAt: iso(5) },
    root: { ...role, firstSeenAt: iso(5) },
  };
  t.equal(store.trustedRoles('fleet'), undefined);
  store.saveTrustedRoles('fleet', first);
  t.strictSame(store.trustedRoles('fleet'), first);
  clock = at(5);
  store.saveTrustedRoles('fleet', second);
  store.saveTrustedRoles('other', first);
  t.strictSame(store.trustedRoles('fleet'), second);
  t.strictSame(store.trustedRoles('other'), first);
  t.strictSame(
    raw(t, path).prepare('SELECT repository, updated_at FROM trusted_roles ORDER BY 1').all(),
    [
      { repository: 'fleet', updated_at: iso(5) },
      { repository: 'other', updated_at: iso(5) },
    ],
  );
  t.end();
});

t.test('verified targets round trip and are replaced', (t) => {
  const store = memoryStore(t);
  t.strictSame(store.verifiedTargets('fleet'), new Map());
  store.saveVerifiedTargets(
    'fleet',
    new Map([
      ['orbit/linux/stable/orbit', vt('10 sha256=aa')],
      ['desktop/macos/stable/desktop.app.tar.gz', vt('20 sha256=bb')],
    ]),
  );
  store.saveVerifiedTargets('other', new Map([['x', vt('1 sha256=cc')]]));
  t.strictSame(
    store.verifiedTargets('fleet'),
    new Map([
      ['desktop/macos/stable/desktop.app.tar.gz', vt('20 sha256=bb')],
      ['orbit/linux/stable/orbit', vt('10 sha256=aa')],
    ]),
  );
  // Replacing keeps what is unchanged, adds, and drops targets no longer listed.
  const next = new Map([
    ['orbit/linux/stable/orbit', vt('10 sha256=aa')],
    ['osqueryd/linux/stable/osqueryd', vt('30 sha256=ee')],
  ]);
  store.saveVerifiedTargets('fleet', next);
  t.strictSame(store.verifiedTargets('fleet'), next);
  // New hashes replace the old key.
  store.saveVerifiedTargets('fleet', new Map([['orbit/linux/stable/orbit', vt('11 sha256=dd')]]));
  t.strictSame(
    store.verifiedTargets('fleet'),
    new Map([['orbit/linux/stable/orbit', vt('11 sha256=dd')]]),
  );
  store.saveVerifiedTargets('fleet', new Map());
  t.strictSame(store.verifiedTargets('fleet'), new Map());
  t.strictSame(
    store.verifiedTargets('other'),
    new Map([['x', vt('1 sha256=cc')]]),
    'per repository',
  );
  t.end();
});

t.test('verified targets keep when they were hashed and the validators then', (t) => {
  const store = memoryStore(t);
  const hashed = {
    key: '10 sha256=aa',
    hashedAt: '2030-01-01T00:00:00.000Z',
    validators: { etag: '"v1"', lastModified: 'Tue, 01 Jan 2030 00:00:00 GMT', length: 10 },
  };
  store.saveVerifiedTargets(
    'fleet',
    new Map([
      ['a', hashed],
      ['b', vt('20 sha256=bb')],
    ]),
  );
  t.strictSame(store.verifiedTargets('fleet').get('a'), hashed);
  t.strictSame(store.verifiedTargets('fleet').get('b'), vt('20 sha256=bb'), 'no validators');
  // A new hash time, or new validators, with the same key is written too.
  const rehashed = { ...hashed, hashedAt: '2030-01-02T00:00:00.000Z' };
  store.saveVerifiedTargets(
    'fleet',
    new Map([
      ['a', rehashed],
      ['b', vt('20 sha256=bb')],
    ]),
  );
  t.strictSame(store.verifiedTargets('fleet').get('a'), rehashed);
  const revalidated = { ...rehashed, validators: { etag: '"v2"' } };
  store.saveVerifiedTargets('fleet', new Map([['a', revalidated]]));
  t.strictSame(store.verifiedTargets('fleet'), new Map([['a', revalidated]]));
  t.end();
});

t.test('a verified target stored before hash times were kept is due at once', (t) => {
  const path = join(t.testdir(), 'evidence.db');
  const db = new Database(path);
  migrate(db, MIGRATIONS.slice(0, 2));
  db.prepare(
    "INSERT INTO verified_targets (repository, path, key) VALUES ('fleet', 'a', 'k')",
  ).run();
  db.close();
  const store = fileStore(t, path);
  t.strictSame(store.verifiedTargets('fleet'), new Map([['a', { key: 'k', hashedAt: '' }]]));
  t.end();
});

t.test('invalid dates are refused', (t) => {
  const store = memoryStore(t);
  const bad = new Date(Number.NaN);
  t.throws(() => store.startRun('schedule', bad), storeError('INVALID_ARGUMENT'));
  const run = store.startRun('schedule', at(0));
  t.throws(() => store.completeRun(run.id, bad, [], []), storeError('INVALID_ARGUMENT'));
  t.throws(() => store.failRun(run.id, bad, 'x'), storeError('INVALID_ARGUMENT'));
  t.throws(() => store.abandonUnfinishedRuns(bad), storeError('INVALID_ARGUMENT'));
  t.throws(() => store.checkHistory('a', bad, at(1)), storeError('INVALID_ARGUMENT'));
  t.throws(() => store.controlHistory('a', at(0), bad), storeError('INVALID_ARGUMENT'));
  t.throws(() => store.transitions('check', 'a', bad, bad), storeError('INVALID_ARGUMENT'));
  const garbled = { ...check('a', 'pass', 0), evaluatedAt: 'yesterday' };
  t.throws(() => store.completeRun(run.id, at(1), [garbled], []), storeError('INVALID_ARGUMENT'));
  t.equal(store.run(run.id)?.status, 'running');
  const frozen = openStore(':memory:', { now: () => bad });
  t.teardown(() => frozen.close());
  t.throws(() => frozen.saveTrustedRoles('fleet', {}), storeError('INVALID_ARGUMENT'));
  t.end();
});

t.test('close is idempotent; a closed store refuses work', (t) => {
  const store = openStore(':memory:');
  store.close();
  store.close();
  t.throws(() => store.latestRun(), TypeError);
  t.end();
});

t.test('a file store: permissions, WAL, schema version, and reopening keeps everything', (t) => {
  const dir = t.testdir();
  const path = join(dir, 'state', 'tufwatch', 'evidence.db');
  const store = openStore(path, { synchronous: 'NORMAL' });
  t.equal(statSync(join(dir, 'state')).mode & 0o777, 0o700, 'created directories are owner-only');
  t.equal(statSync(join(dir, 'state', 'tufwatch')).mode & 0o777, 0o700);
  t.equal(statSync(path).mode & 0o777, 0o600, 'the database file is owner-only');
  const first = completeWith(store, 0, { a: 'pass', b: 'fail' });
  const second = completeWith(store, 10, { a: 'fail', b: 'fail' });
  store.saveTrustedRoles('fleet', {});
  store.saveVerifiedTargets('fleet', new Map([['t', vt('k')]]));
  const running = store.startRun('api', at(20));
  store.close();

  const db = raw(t, path);
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok');

  const again = fileStore(t, path);
  t.strictSame(again.run(first.id), first);
  t.strictSame(again.latestCompletedRun(), second);
  t.strictSame(again.latestRun(), { ...running, checks: [], controls: [] });
  t.equal(again.transitions('check', 'a', at(0), at(100)).length, 2);
  t.strictSame(again.trustedRoles('fleet'), {});
  t.strictSame(again.verifiedTargets('fleet'), new Map([['t', vt('k')]]));
  t.equal(again.abandonUnfinishedRuns(at(30)), 1);
  // The next run's transitions still chain from what the file holds.
  completeWith(again, 40, { a: 'pass', b: 'fail' });
  t.strictSame(
    again.transitions('check', 'a', at(0), at(100)).map((x) => x.to),
    ['pass', 'fail', 'pass'],
  );
  t.end();
});

t.test('evidence JSON is stored as given and read back parsed', (t) => {
  const path = join(t.testdir(), 'evidence.db');
  const store = fileStore(t, path);
  const evidence = { z: 1, a: [{ y: 'two', b: null }], m: 'ünïcødé "quoted" \n' };
  const run = store.startRun('schedule', at(0));
  store.completeRun(run.id, at(1), [check('a', 'pass', 0, evidence)], []);
  const row = raw(t, path).prepare('SELECT evidence FROM check_results').get() as {
    evidence: string;
  };
  t.equal(row.evidence, JSON.stringify(evidence), 'key order and text as serialized');
  t.strictSame(store.run(run.id)?.checks[0]?.evidence, evidence);
  t.end();
});

t.test('an existing parent directory keeps its mode', (t) => {
  const dir = t.testdir();
  chmodSync(dir, 0o750);
  const store = fileStore(t, join(dir, 'evidence.db'));
  t.equal(store.latestRun(), undefined);
  t.equal(statSync(dir).mode & 0o777, 0o750, 'not ours to change');
  t.end();
});

t.test('migrations', (t) => {
  t.test('an empty file is migrated to the current schema', (t) => {
    const path = join(t.testdir(), 'empty.db');
    writeFileSync(path, '');
    const store = fileStore(t, path);
    completeWith(store, 0, { a: 'pass' });
    t.equal(raw(t, path).pragma('user_version', { simple: true }), SCHEMA_VERSION);
    t.end();
  });

  t.test('a file from a newer tufwatch is refused and left alone', (t) => {
    const path = join(t.testdir(), 'newer.db');
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    t.throws(() => openStore(path), storeError('SCHEMA_TOO_NEW'));
    const after = raw(t, path);
    t.equal(after.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1);
    t.strictSame(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all(), []);
    t.end();
  });

  t.test('migrations run forward, one transaction each', (t) => {
    const db = new Database(':memory:');
    t.teardown(() => db.close());
    const v2 = 'CREATE TABLE v2 (x INTEGER) STRICT;';
    migrate(db, [...MIGRATIONS, v2]);
    t.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1);
    migrate(db, [...MIGRATIONS, v2]); // already there: nothing to do
    t.throws(() =>
      migrate(db, [...MIGRATIONS, v2, 'CREATE TABLE v3 (x); SELECT nope FROM nothing;']),
    );
    t.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1, 'v3 rolled back');
    t.strictSame(db.prepare("SELECT name FROM sqlite_master WHERE name = 'v3'").all(), []);
    t.end();
  });
  t.end();
});

t.test('a WAL file left by a dead process is recovered on open', (t) => {
  const dir = t.testdir({ copy: {}, 'main-only': {} });
  const path = join(dir, 'evidence.db');
  const store = fileStore(t, path);
  const detail = completeWith(store, 0, { a: 'pass', b: 'warn' });
  const running = store.startRun('schedule', at(10));
  // While the store is open its commits live in the WAL, not yet in the main file:
  // copy both, as a crash would leave them.
  t.ok(existsSync(`${path}-wal`), 'the WAL exists while the store is open');
  const copy = join(dir, 'copy', 'evidence.db');
  copyFileSync(path, copy);
  copyFileSync(`${path}-wal`, `${copy}-wal`);
  const mainOnly = join(dir, 'main-only', 'evidence.db');
  copyFileSync(path, mainOnly);
  t.strictSame(
    raw(t, mainOnly).prepare("SELECT name FROM sqlite_master WHERE name = 'runs'").all(),
    [],
    'without its WAL the main file does not even have the schema yet',
  );

  const reopened = fileStore(t, copy);
  t.strictSame(reopened.run(detail.id), detail);
  t.equal(reopened.abandonUnfinishedRuns(at(20)), 1);
  t.equal(reopened.run(running.id)?.status, 'abandoned');
  t.equal(raw(t, copy).pragma('integrity_check', { simple: true }), 'ok');
  t.end();
});

t.test('evidence is append-only, even for another connection', (t) => {
  const path = join(t.testdir(), 'evidence.db');
  const store = fileStore(t, path);
  const done = completeWith(store, 0, { a: 'fail' });
  store.startRun('schedule', at(10));
  const db = raw(t, path);
  const attempts = [
    "UPDATE check_results SET status = 'pass'",
    'DELETE FROM check_results',
    "UPDATE control_results SET status = 'pass'",
    'DELETE FROM control_results',
    "UPDATE transitions SET to_status = 'pass'",
    'DELETE FROM transitions',
    'DELETE FROM runs',
    `UPDATE runs SET result = 'pass' WHERE id = ${done.id}`,
    `UPDATE runs SET started_at = '2000-01-01T00:00:00.000Z' WHERE status = 'running'`,
    `INSERT INTO check_results (run_id, check_id, status, message, evidence, evaluated_at, duration_ms)
     VALUES (${done.id}, 'late', 'pass', '', '{}', '${iso(0)}', 0)`,
    `INSERT INTO control_results (run_id, control_id, title, status, checks, at)
     VALUES (${done.id}, 'late', '', 'pass', '[]', '${iso(0)}')`,
    `INSERT INTO check_results (run_id, check_id, status, message, evidence, evaluated_at, duration_ms)
     VALUES (999, 'orphan', 'pass', '', '{}', '${iso(0)}', 0)`,
  ];
  for (const sql of attempts) t.throws(() => db.exec(sql), { code: /^SQLITE_CONSTRAINT/ }, sql);
  t.strictSame(store.run(done.id), done);
  t.end();
});

t.test('corrupt JSON in the file is reported, not passed on', (t) => {
  const path = join(t.testdir(), 'evidence.db');
  const store = fileStore(t, path);
  const db = raw(t, path);
  store.saveTrustedRoles('array', {});
  db.prepare("UPDATE trusted_roles SET roles = '[1, 2]' WHERE repository = 'array'").run();
  t.throws(() => store.trustedRoles('array'), storeError('CORRUPT_RECORD'));
  store.saveTrustedRoles('garbled', {});
  db.pragma('ignore_check_constraints = ON');
  db.prepare("UPDATE trusted_roles SET roles = 'not json' WHERE repository = 'garbled'").run();
  t.throws(() => store.trustedRoles('garbled'), storeError('CORRUPT_RECORD'));
  t.end();
});

t.test('busy timeout: a writer waits for another connection, then gives up', (t) => {
  const path = join(t.testdir(), 'evidence.db');
  const store = fileStore(t, path, { busyTimeoutMs: 200 });
  const db = raw(t, path);
  db.exec('BEGIN IMMEDIATE');
  const started = performance.now();
  t.throws(() => store.startRun('schedule', at(0)), { code: 'SQLITE_BUSY' });
  t.ok(performance.now() - started >= 150, 'waited for the lock');
  db.exec('ROLLBACK');
  t.equal(store.startRun('schedule', at(0)).status, 'running');
  t.end();
});

t.test('a file that cannot be put in WAL mode is refused', async (t) => {
  const real = (await import('better-sqlite3')).default;
  class NoWal extends real {
    override pragma(source: string, options?: Database.PragmaOptions): unknown {
      return source.startsWith('journal_mode') ? 'delete' : super.pragma(source, options);
    }
  }
  const mocked = await t.mockImport<typeof import('../../server/store.js')>(
    '../../server/store.js',
    { 'better-sqlite3': NoWal },
  );
  const path = join(t.testdir(), 'evidence.db');
  t.throws(() => mocked.openStore(path), storeError('UNSUPPORTED_JOURNAL'));
  // The in-memory database of tests has no journal to speak of.
  mocked.openStore(':memory:').close();
  t.end();
});

const CHILD = fileURLToPath(new URL('fixtures/crash-child.ts', import.meta.url));

/** Runs the child until `stop` says so, then SIGKILLs it; returns what it reported. */
async function runAndKill(
  t: Test,
  path: string,
  mode: 'fast' | 'inflight',
  stop: (committed: number[], started: number[]) => boolean,
): Promise<{ committed: number[]; started: number[] }> {
  const child = spawn(process.execPath, [...process.execArgv, CHILD, path, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Whatever happens to this test, the child does not outlive it.
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const committed: number[] = [];
  const started: number[] = [];
  let stderr = '';
  let buffer = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) {
      const [what, id] = line.split(' ');
      (what === 'committed' ? committed : started).push(Number(id));
    }
    if (!child.killed && stop(committed, started)) child.kill('SIGKILL');
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  t.equal(signal, 'SIGKILL', `killed mid-loop (exit ${code}): ${stderr}`);
  return { committed, started };
}

t.test('crash safety: SIGKILL mid-loop loses no committed run', (t) => {
  t.test('killed anywhere in a fast loop', async (t) => {
    const path = join(t.testdir(), 'evidence.db');
    const { committed } = await runAndKill(t, path, 'fast', (c) => c.length >= 40);

    const db = new Database(path);
    t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
    const store = fileStore(t, path);
    t.ok(committed.length >= 40);
    for (const id of committed) {
      const run = store.run(id);
      t.equal(run?.status, 'completed', `run ${id}`);
      t.equal(run?.checks.length, 20);
      t.equal(run?.controls.length, 4);
    }
    // Atomic: every run in the file is complete with all results, or running with none.
    const all = store.runs(10_000);
    t.ok(all.length >= committed.length);
    let running = 0;
    for (const record of all) {
      const run = store.run(record.id)!;
      if (run.status === 'running') running++;
      t.equal(
        run.checks.length,
        run.status === 'completed' ? 20 : 0,
        `run ${run.id} ${run.status}`,
      );
    }
    t.ok(running <= 1, 'at most the run in flight');
    t.equal(store.abandonUnfinishedRuns(at(100_000)), running);
    // Transitions chain: each one starts where the previous one ended.
    const chain = store.transitions('check', 'check.0', at(-1), at(1_000_000));
    t.ok(chain.length >= committed.length);
    t.strictSame(
      chain.map((x) => x.from),
      [null, ...chain.slice(0, -1).map((x) => x.to)],
    );
    t.end();
  });

  t.test('killed while a run is in flight', async (t) => {
    const path = join(t.testdir(), 'evidence.db');
    const { committed, started } = await runAndKill(t, path, 'inflight', (_, s) => s.length === 6);
    t.strictSame(committed, [1, 2, 3, 4, 5]);
    const inflight = started[5]!;
    const db = new Database(path);
    t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
    const store = fileStore(t, path);
    t.equal(store.run(inflight)?.status, 'running');
    t.equal(store.latestCompletedRun()?.id, 5);
    t.equal(store.abandonUnfinishedRuns(at(100_000)), 1);
    t.match(store.run(inflight), { status: 'abandoned', checks: [], controls: [] });
    t.strictSame(store.runCounts(), { pass: 0, fail: 5, error: 1 });
    t.end();
  });
  t.end();
});

// --- The hash chain (migration 2) --------------------------------------------

/** A store with a signing key for its checkpoints, its clock at `minutes`. */
function chainStore(t: Test, path = ':memory:') {
  const key = generateSigningKey().key;
  const clock = { minutes: 0 };
  const store = openStore(path, {
    synchronous: 'NORMAL',
    now: () => at(clock.minutes),
    signer: () => key,
  });
  t.teardown(() => store.close());
  return { store, key, clock };
}

/** Every record of the chain that is still stored, in order. */
function allRecords(store: EvidenceChain): SealedRecord[] {
  const range = store.evidenceRange(at(-1_000_000), at(1_000_000));
  return store.evidenceRecords(range.first, range.last, 1_000_000);
}

t.test('completeRun seals every result into one hash chain, in order', (t) => {
  const { store } = chainStore(t);
  completeWith(store, 0, { a: 'pass', b: 'fail' });
  completeWith(store, 10, { a: 'warn', b: 'fail' });
  const records = allRecords(store);
  t.strictSame(
    records.map((r) => r.seq),
    [1, 2, 3, 4],
  );
  let prev = GENESIS_HASH;
  for (const record of records) {
    const { hash, ...body } = record;
    t.equal(record.prevHash, prev, `record ${record.seq} chains from the one before`);
    t.equal(hash, recordHash(body), `record ${record.seq} hash`);
    prev = hash;
  }
  t.strictSame(records[2], {
    v: 1,
    kind: 'check',
    seq: 3,
    runId: 2,
    checkId: 'a',
    status: 'warn',
    message: 'a is warn',
    evidence: { id: 'a' },
    evaluatedAt: iso(10.5),
    prevHash: records[1]!.hash,
    hash: records[2]!.hash,
  });
  t.strictSame(store.checkStatuses(1, 4, 3), [
    { seq: 1, runId: 1, checkId: 'a', status: 'pass', evaluatedAt: iso(0.5) },
    { seq: 2, runId: 1, checkId: 'b', status: 'fail', evaluatedAt: iso(0.5) },
    { seq: 3, runId: 2, checkId: 'a', status: 'warn', evaluatedAt: iso(10.5) },
  ]);
  t.strictSame(
    store.evidenceRecords(2, 3, 10).map((r) => r.seq),
    [2, 3],
    'a slice',
  );
  t.strictSame(
    store.evidenceRecords(1, 4, 1).map((r) => r.seq),
    [1],
    'a page',
  );
  t.end();
});

t.test('a result with a lone surrogate is stored and hashed as well-formed text', (t) => {
  const { store } = chainStore(t);
  const run = store.startRun('schedule', at(0));
  const result = {
    ...check('odd\ud800', 'pass', 0, { path: 'targets/\udc00' }),
    message: 'm\ud800',
  };
  const detail = store.completeRun(run.id, at(1), [result], []);
  t.equal(detail.checks[0]?.id, 'odd\ufffd');
  t.equal(detail.checks[0]?.message, 'm\ufffd');
  const [record] = allRecords(store);
  t.match(record, {
    checkId: 'odd\ufffd',
    message: 'm\ufffd',
    evidence: { path: 'targets/\ufffd' },
  });
  t.end();
});

t.test('signing keys: each activation is a record; the history is kept', (t) => {
  const { store } = chainStore(t);
  const first = generateSigningKey().key;
  const second = generateSigningKey().key;
  t.strictSame(store.signingKeys(), []);
  t.equal(store.registerSigningKey(first, at(0), 'created'), true);
  t.equal(store.registerSigningKey(first, at(1), 'adopted'), false, 'already active: nothing');
  completeWith(store, 2, { a: 'pass' });
  t.equal(store.registerSigningKey(second, at(5), 'rotated'), true);
  t.equal(store.registerSigningKey(first, at(6), 'adopted'), true, 'an earlier key, back again');
  t.strictSame(store.signingKeys(), [
    {
      fingerprint: first.fingerprint,
      publicKey: first.publicKey,
      activatedAt: iso(0),
      retiredAt: iso(5),
      reason: 'created',
      seq: 1,
    },
    {
      fingerprint: second.fingerprint,
      publicKey: second.publicKey,
      activatedAt: iso(5),
      retiredAt: iso(6),
      reason: 'rotated',
      seq: 3,
    },
    {
      fingerprint: first.fingerprint,
      publicKey: first.publicKey,
      activatedAt: iso(6),
      retiredAt: null,
      reason: 'adopted',
      seq: 4,
    },
  ]);
  const records = allRecords(store);
  t.strictSame(
    records.map((r) => r.kind),
    ['signing-key', 'check', 'signing-key', 'signing-key'],
  );
  t.match(records[2], {
    kind: 'signing-key',
    at: iso(5),
    fingerprint: second.fingerprint,
    previousFingerprint: first.fingerprint,
    reason: 'rotated',
    prevHash: records[1]!.hash,
  });
  const { hash, ...body } = records[2]!;
  t.equal(hash, recordHash(body));
  t.end();
});

t.test(
  'evidenceRange: whole runs from the first record at or after from to the last before to',
  (t) => {
    const { store } = chainStore(t);
    t.strictSame(store.evidenceRange(at(0), at(10)), {
      anchor: { kind: 'genesis', seq: 0, hash: GENESIS_HASH },
      first: 1,
      last: 0,
    });
    // Checks of the run at 10 are evaluated at 10.25 and 10.75.
    for (const minutes of [0, 10, 20]) {
      const run = store.startRun('schedule', at(minutes));
      const checks = [check('a', 'pass', minutes + 0.25), check('b', 'pass', minutes + 0.75)];
      store.completeRun(run.id, at(minutes + 1), checks, controlsOf(checks));
    }
    const records = allRecords(store);
    t.strictSame(store.evidenceRange(at(0), at(100)), {
      anchor: { kind: 'genesis', seq: 0, hash: GENESIS_HASH },
      first: 1,
      last: 6,
    });
    // From inside the second run: the whole run is in.
    t.strictSame(store.evidenceRange(at(10.5), at(20)), {
      anchor: { kind: 'record', seq: 2, hash: records[1]!.hash },
      first: 3,
      last: 4,
    });
    // To inside the second run: the whole run is in.
    t.strictSame(store.evidenceRange(at(5), at(10.5)), {
      anchor: { kind: 'record', seq: 2, hash: records[1]!.hash },
      first: 3,
      last: 4,
    });
    // Nothing in the period: an empty range after the head.
    for (const [from, to] of [
      [30, 40],
      [1, 2],
    ] as const) {
      t.strictSame(store.evidenceRange(at(from), at(to)), {
        anchor: { kind: 'record', seq: 6, hash: records[5]!.hash },
        first: 7,
        last: 6,
      });
    }
    t.throws(() => store.evidenceRange(new Date(NaN), at(1)), storeError('INVALID_ARGUMENT'));
    t.end();
  },
);

t.test('prune: a signed checkpoint of the prefix, then the chain continues from it', (t) => {
  const { store, key, clock } = chainStore(t);
  store.registerSigningKey(key, at(0), 'created');
  for (const minutes of [10, 20, 30, 40]) completeWith(store, minutes, { a: 'pass', b: 'fail' });
  const before = allRecords(store);
  clock.minutes = 1000;
  t.equal(store.prune(at(-5)), undefined, 'nothing older than the cutoff');
  t.strictSame(store.checkpoints(), []);

  // The cutoff falls inside the run at 20 (evaluated at 20.5): that run is kept whole.
  const checkpoint = store.prune(at(20.6));
  t.ok(checkpoint);
  const { signature, ...body } = checkpoint!;
  t.strictSame(body, {
    v: 1,
    kind: 'checkpoint',
    firstSeq: 1,
    lastSeq: 5,
    lastHash: before[4]!.hash,
    count: 5,
    from: iso(0),
    to: iso(20.5),
    before: iso(20.6),
    createdAt: iso(1000),
    previous: null,
    keyFingerprint: key.fingerprint,
  });
  t.ok(verifySignature(parsePublicKey(key.publicKey)!, canonicalJson(body), signature));
  t.strictSame(store.checkpoints(), [checkpoint]);
  t.strictSame(
    allRecords(store).map((r) => r.seq),
    [6, 7, 8, 9],
    'the pruned records are gone',
  );
  t.strictSame(store.run(1)?.checks, [], 'the run is kept, its results are pruned');
  t.strictSame(store.run(1)?.controls, []);
  t.equal(store.run(2)?.status, 'completed');
  t.strictSame(store.transitions('check', 'a', at(0), at(100)), []);
  t.strictSame(store.runCounts(), { pass: 0, fail: 4, error: 0 }, 'counters never go down');
  t.strictSame(store.signingKeys().length, 1, 'the key history is never pruned');
  t.strictSame(store.evidenceRange(at(0), at(100)), {
    anchor: { kind: 'checkpoint', seq: 5, hash: before[4]!.hash, checkpoint },
    first: 6,
    last: 9,
  });

  // Everything else, in a second checkpoint that names the first.
  const second = store.prune(at(1000));
  t.match(second, { firstSeq: 6, lastSeq: 9, count: 4, lastHash: before[8]!.hash });
  t.equal(second?.previous, checkpointDigest(checkpoint!));
  t.strictSame(allRecords(store), []);
  t.equal(store.prune(at(1000)), undefined, 'nothing left');
  // The next run chains from the checkpoint.
  completeWith(store, 1001, { a: 'pass' });
  const [next] = allRecords(store);
  t.match(next, { seq: 10, prevHash: before[8]!.hash });
  t.strictSame(store.evidenceRange(at(0), at(2000)).anchor, {
    kind: 'checkpoint',
    seq: 9,
    hash: before[8]!.hash,
    checkpoint: second,
  });
  t.end();
});

t.test('prune signs with the current key, recorded in the history first', (t) => {
  const first = generateSigningKey().key;
  const second = generateSigningKey().key;
  let current = first;
  const store = openStore(':memory:', { now: () => at(100), signer: () => current });
  t.teardown(() => store.close());
  store.registerSigningKey(first, at(0), 'created');
  completeWith(store, 1, { a: 'pass' });
  current = second;
  const checkpoint = store.prune(at(50));
  t.equal(checkpoint?.keyFingerprint, second.fingerprint);
  t.strictSame(
    store.signingKeys().map((k) => [k.fingerprint, k.reason]),
    [
      [first.fingerprint, 'created'],
      [second.fingerprint, 'adopted'],
    ],
  );
  t.end();
});

t.test('prune needs a signer only when there is something to prune', (t) => {
  const store = openStore(':memory:');
  t.teardown(() => store.close());
  t.equal(store.prune(at(100)), undefined);
  completeWith(store, 0, { a: 'pass' });
  t.throws(() => store.prune(at(100)), storeError('SIGNER_REQUIRED'));
  t.strictSame(allRecords(store).length, 1, 'nothing was pruned');
  t.end();
});

t.test('the append-only triggers allow exactly the pruning path', (t) => {
  const path = join(t.testdir(), 'evidence.db');
  const { store, key } = chainStore(t, path);
  store.registerSigningKey(key, at(0), 'created');
  completeWith(store, 10, { a: 'fail' });
  completeWith(store, 20, { a: 'pass' });
  const records = allRecords(store);
  const db = raw(t, path);
  const hash = 'e'.repeat(64);
  const refused = [
    'DELETE FROM check_results',
    'DELETE FROM control_results',
    'DELETE FROM transitions',
    'DELETE FROM signing_keys',
    "UPDATE check_results SET hash = '" + hash + "'",
    "UPDATE signing_keys SET reason = 'rotated'",
    // Unsealed, or not after the head of the chain.
    `INSERT INTO check_results (seq, run_id, check_id, status, message, evidence, evaluated_at, duration_ms)
     VALUES (100, 2, 'late', 'pass', '', '{}', '${iso(0)}', 0)`,
    `INSERT INTO signing_keys (seq, at, fingerprint, public_key, reason, prev_hash, hash)
     VALUES (2, '${iso(0)}', 'f', 'k', 'adopted', '${hash}', '${hash}')`,
    // A checkpoint that does not match the chain cannot authorize a deletion.
    `INSERT INTO evidence_checkpoints (first_seq, last_seq, last_hash, body)
     VALUES (1, 2, '${hash}', '{}')`,
    `INSERT INTO evidence_checkpoints (first_seq, last_seq, last_hash, body)
     VALUES (1, 99, '${hash}', '{}')`,
  ];
  for (const sql of refused) t.throws(() => db.exec(sql), { code: /^SQLITE_CONSTRAINT/ }, sql);

  const checkpoint = store.prune(at(15));
  t.equal(checkpoint?.lastSeq, 2);
  t.strictSame(
    allRecords(store).map((r) => r.seq),
    [3],
  );
  // Behind the checkpoint, still no update; past it, still no delete.
  t.throws(() => db.exec('DELETE FROM check_results'), { code: /^SQLITE_CONSTRAINT/ });
  t.throws(() => db.exec('DELETE FROM evidence_checkpoints'), { code: /^SQLITE_CONSTRAINT/ });
  t.throws(() => db.exec("UPDATE evidence_checkpoints SET body = '{}'"), {
    code: /^SQLITE_CONSTRAINT/,
  });
  // A result of a running run must still be sealed and come after the head (and the checkpoint).
  const running = store.startRun('schedule', at(30));
  const insert = (seq: number, sealed: string) =>
    `INSERT INTO check_results (seq, run_id, check_id, status, message, evidence, evaluated_at,
       duration_ms, prev_hash, hash)
     VALUES (${seq}, ${running.id}, 'x${seq}', 'pass', '', '{}', '${iso(30)}', 0, ${sealed})`;
  for (const sql of [
    insert(4, 'NULL, NULL'),
    insert(4, `'${hash}', 'short'`),
    insert(1, `'${hash}', '${hash}'`),
    insert(2, `'${hash}', '${hash}'`),
  ]) {
    t.throws(() => db.exec(sql), { code: /^SQLITE_CONSTRAINT/ }, sql);
  }
  // A checkpoint must continue the previous one.
  t.throws(
    () =>
      db.exec(`INSERT INTO evidence_checkpoints (first_seq, last_seq, last_hash, body)
               VALUES (1, 3, '${records[2]!.hash}', '{}')`),
    { code: /^SQLITE_CONSTRAINT/ },
  );
  t.end();
});

t.test('migration 2 hashes the results stored before the chain, in order', (t) => {
  const path = join(t.testdir(), 'v1.db');
  const db = new Database(path);
  migrate(db, MIGRATIONS.slice(0, 1));
  // What tufwatch with schema 1 wrote.
  db.exec(`
    INSERT INTO runs (started_at, status, "trigger") VALUES ('${iso(0)}', 'running', 'schedule');
    INSERT INTO check_results (run_id, check_id, status, message, evidence, evaluated_at, duration_ms)
    VALUES (1, 'a', 'pass', 'a ok', '{"z":1,"a":"\\ud800"}', '${iso(0.5)}', 1),
           (1, 'b', 'fail', 'b bad', '{}', '${iso(0.5)}', 1);
    UPDATE runs SET status = 'completed', result = 'fail', finished_at = '${iso(1)}', duration_ms = 60000;
  `);
  db.close();
  const { store } = chainStore(t, path);
  t.equal(raw(t, path).pragma('user_version', { simple: true }), SCHEMA_VERSION);
  const records = allRecords(store);
  t.equal(records.length, 2);
  t.equal(records[0]?.prevHash, GENESIS_HASH);
  t.equal(records[1]?.prevHash, records[0]?.hash);
  for (const { hash, ...body } of records) t.equal(hash, recordHash(body));
  t.strictSame(records[0]?.kind === 'check' && records[0].evidence, { z: 1, a: '\ufffd' });
  // New runs continue the chain.
  completeWith(store, 10, { a: 'pass' });
  t.match(allRecords(store)[2], { seq: 3, prevHash: records[1]!.hash });
  t.end();
});

t.test('a stored record that is no longer what tufwatch wrote is reported', (t) => {
  const path = join(t.testdir(), 'evidence.db');
  const { store } = chainStore(t, path);
  completeWith(store, 0, { a: 'pass' });
  completeWith(store, 10, { a: 'pass' });
  completeWith(store, 20, { a: 'pass' });
  const db = raw(t, path);
  // An attacker with the file drops the triggers.
  db.exec('DROP TRIGGER check_results_no_update; DROP TRIGGER check_results_pruned_only;');
  db.exec(`UPDATE check_results SET evidence = '[1]' WHERE seq = 1`);
  t.throws(() => store.evidenceRecords(1, 1, 1), storeError('CORRUPT_RECORD'));
  db.pragma('ignore_check_constraints = ON');
  db.exec(`UPDATE check_results SET evidence = 'not json' WHERE seq = 1`);
  t.throws(() => store.evidenceRecords(1, 1, 1), storeError('CORRUPT_RECORD'));
  // A record deleted in the middle: the chain has a hole before the next one.
  db.exec('DELETE FROM check_results WHERE seq = 2');
  t.throws(() => store.evidenceRange(at(15), at(100)), storeError('CORRUPT_RECORD'));
  t.end();
});

t.test(
  'a store whose file was deleted or replaced while open refuses every write; restored, it writes again',
  (t) => {
    const dir = t.testdir({ data: {} });
    const path = join(dir, 'data', 'tufwatch.db');
    const store = fileStore(t, path, { signer: () => generateSigningKey().key });
    const run = store.startRun('schedule', at(0));
    const writes: [string, () => unknown][] = [
      ['startRun', () => store.startRun('api', at(1))],
      ['completeRun', () => store.completeRun(run.id, at(1), [], [])],
      ['failRun', () => store.failRun(run.id, at(1), 'x')],
      ['abandonUnfinishedRuns', () => store.abandonUnfinishedRuns(at(1))],
      ['saveTrustedRoles', () => store.saveTrustedRoles('orbit', {})],
      ['saveVerifiedTargets', () => store.saveVerifiedTargets('orbit', new Map())],
      ['prune', () => store.prune(at(100))],
      [
        'registerSigningKey',
        () => store.registerSigningKey(generateSigningKey().key, at(1), 'adopted'),
      ],
    ];
    // The data directory moved away (an unmounted volume), then a new one in its place.
    renameSync(join(dir, 'data'), join(dir, 'moved'));
    for (const [name, write] of writes) {
      t.throws(write, storeError('STORE_REPLACED'), `${name}: deleted`);
    }
    mkdirSync(join(dir, 'data'));
    writeFileSync(path, '');
    for (const [name, write] of writes) {
      t.throws(write, storeError('STORE_REPLACED'), `${name}: replaced`);
    }
    // A file where the data directory was.
    rmSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'data'), '');
    t.throws(writes[0]![1], storeError('STORE_REPLACED'), 'not a directory');
    rmSync(join(dir, 'data'));
    t.equal(store.latestRun()?.id, run.id, 'reads go on from the open file');

    renameSync(join(dir, 'moved'), join(dir, 'data'));
    t.equal(store.completeRun(run.id, at(1), [], []).status, 'completed');
    t.end();
  },
);

t.test('a path whose directory cannot be created is refused at once', (t) => {
  t.throws(() => openStore('/proc/tufwatch-test/data/tufwatch.db'), storeError('PATH_UNUSABLE'));
  t.end();
});

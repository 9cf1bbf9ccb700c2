import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { createAwsClients, destroyAwsClients } from '../../checks/aws/clients.js';
import { collectAws } from '../../checks/aws/collect.js';
import { ALL_CHECKS } from '../../checks/registry.js';
import {
  CheckMonitor,
  MAX_UNSAVED_RUNS,
  reverifyPolicy,
  type MonitorDeps,
} from '../../server/monitor.js';
import { generateSigningKey } from '../../server/evidence-keys.js';
import { openStore, StoreError } from '../../server/store.js';
import type { EvidenceStore, RunDetail, StorageHealth } from '../../server/types.js';
import { Verifier } from '../../server/verifier.js';
import { writeRepo } from '../support/builder.js';
import { startAwsEmulator } from '../support/aws/emulator.js';
import { TEST_CREDENTIALS } from '../support/aws/harness.js';
import { hardenedScenario, scenarioConfig } from '../support/aws/scenarios.js';
import { addRuns } from '../support/evidence.js';
import { NOW, orbitRepository, serviceConfig } from '../support/service.js';

const DAY = 24 * 3600 * 1000;

// One worker for the file: starting a worker under tap's TypeScript loader takes seconds.
const verifier = new Verifier();
t.teardown(() => verifier.close());

function monitorFor(overrides: Partial<MonitorDeps> & { store?: EvidenceStore } = {}) {
  const repo = orbitRepository();
  const store = overrides.store ?? openStore(':memory:');
  let clock = NOW.getTime();
  const deps: MonitorDeps = {
    config: serviceConfig([repo.config]),
    store,
    checks: ALL_CHECKS,
    verifier,
    now: () => new Date(clock),
    ...overrides,
  };
  const monitor = new CheckMonitor(deps);
  return {
    repo,
    store,
    monitor,
    advance: (ms: number) => (clock += ms),
    close: async () => {
      await monitor.settled();
      store.close();
    },
  };
}

async function runOnce(monitor: CheckMonitor): Promise<RunDetail> {
  const started = monitor.start('api');
  if (started === undefined) throw new Error('a run was already in progress');
  const detail = await started.done;
  if (detail === undefined) throw new Error('the run failed');
  return detail;
}

const statusOf = (detail: RunDetail, id: string) => detail.checks.find((c) => c.id === id)?.status;

t.test(
  'a run of a clean repository passes every TUF control and records the trusted state',
  async (t) => {
    const m = monitorFor();
    t.teardown(m.close);
    const detail = await runOnce(m.monitor);
    t.equal(detail.status, 'completed');
    t.strictSame(detail.checks.map((c) => c.id).sort(), ALL_CHECKS.map((c) => c.id).sort());
    for (const c of detail.checks) {
      // Key hygiene warns on nothing here (the root threshold is 2); AWS is not configured.
      t.equal(
        c.status,
        c.id.startsWith('tuf.') ? 'pass' : 'not_applicable',
        `${c.id}: ${c.message}`,
      );
    }
    t.strictSame(Object.fromEntries(detail.controls.map((c) => [c.id, c.status])), {
      'TW-01': 'pass',
      'TW-02': 'pass',
      'TW-03': 'pass',
      'TW-04': 'pass',
      'TW-05': 'not_applicable',
      'TW-06': 'not_applicable',
      // tuf.agent-roots, walked in the verify worker from the agent root the repository embeds.
      'TW-07': 'pass',
    });
    const agentRoots = detail.checks.find((c) => c.id === 'tuf.agent-roots');
    t.match(agentRoots?.evidence, {
      orbit: { agents: { 'fleetd-1': { reachable: true, finalRootVersion: 1, breaksAt: String } } },
    });
    const roles = m.store.trustedRoles('orbit');
    t.equal(roles?.timestamp?.version, 1);
    t.equal(roles?.timestamp?.firstSeenAt, NOW.toISOString());
    t.strictSame([...m.store.verifiedTargets('orbit').keys()].sort(), [
      'orbit/macos/1.2.3/orbit',
      'orbit/macos/stable/orbit',
    ]);
    t.equal(m.monitor.current(), undefined);
  },
);

t.test(
  'the HTTPS endpoints are probed each run; a collector that throws makes the https checks error',
  async (t) => {
    const seen: string[] = [];
    const probed = monitorFor({
      collectHttps: (repositories, options) => {
        seen.push(...repositories.map((r) => `${r.name} ${String(options?.timeoutMs)}`));
        return Promise.resolve([
          {
            repository: 'orbit',
            location: 'network',
            endpoints: [{ edge: 'origin', url: 'http://updates.example', scheme: 'http' }],
          },
        ]);
      },
    });
    t.teardown(probed.close);
    const detail = await runOnce(probed.monitor);
    t.strictSame(seen, ['orbit 10000']);
    for (const id of ['https.certificate', 'https.protocol', 'https.hsts'])
      t.equal(statusOf(detail, id), 'warn', id);
    t.equal(detail.controls.find((c) => c.id === 'TW-07')?.status, 'warn');

    const broken = monitorFor({ collectHttps: () => Promise.reject(new Error('boom')) });
    t.teardown(broken.close);
    const failed = await runOnce(broken.monitor);
    for (const id of ['https.certificate', 'https.protocol', 'https.hsts'])
      t.equal(statusOf(failed, id), 'error', id);
  },
);

t.test('never two runs at once', async (t) => {
  const m = monitorFor();
  t.teardown(m.close);
  const first = m.monitor.start('schedule');
  t.ok(first);
  t.equal(m.monitor.current()?.id, first?.run.id);
  t.equal(m.monitor.start('api'), undefined);
  await first?.done;
  t.ok(m.monitor.start('api'), 'a new run once the first finished');
  await m.monitor.settled();
});

t.test('a rollback across runs fails tuf.rollback and does not lower the baseline', async (t) => {
  const m = monitorFor();
  t.teardown(m.close);
  // Run 1 sees timestamp v3.
  m.repo.builder.setVersion('timestamp', 3);
  writeRepo(m.repo.builder.build(), m.repo.dir);
  t.equal(statusOf(await runOnce(m.monitor), 'tuf.rollback'), 'pass');
  // Run 2 is served timestamp v2: an old, validly signed file.
  m.repo.builder.setVersion('timestamp', 2);
  writeRepo(m.repo.builder.build(), m.repo.dir);
  m.advance(60_000);
  t.equal(statusOf(await runOnce(m.monitor), 'tuf.rollback'), 'fail');
  t.equal(m.store.trustedRoles('orbit')?.timestamp?.version, 3, 'baseline kept');
  // Run 3: still rolled back, still failing.
  m.advance(60_000);
  t.equal(statusOf(await runOnce(m.monitor), 'tuf.rollback'), 'fail');
});

t.test('a forged timestamp does not poison the baseline of later runs', async (t) => {
  const m = monitorFor();
  t.teardown(m.close);
  m.repo.builder.setVersion('timestamp', 3);
  writeRepo(m.repo.builder.build(), m.repo.dir);
  t.equal(statusOf(await runOnce(m.monitor), 'tuf.rollback'), 'pass');
  // Someone who can write the bucket, without the timestamp key, posts an unsigned huge version.
  let forging = true;
  m.repo.builder
    .setVersion('timestamp', 9_000_000_000)
    .editSignatures('timestamp', (signatures) => (forging ? [] : signatures));
  writeRepo(m.repo.builder.build(), m.repo.dir);
  m.advance(60_000);
  const forged = await runOnce(m.monitor);
  t.equal(statusOf(forged, 'tuf.signatures'), 'fail', 'the forgery is reported');
  // Expiry is read from the timestamp agents keep (v3), and the evidence says what is served is not it.
  const expiry = forged.checks.find((c) => c.id === 'tuf.expiry');
  t.equal(expiry?.status, 'warn');
  t.match(expiry?.evidence.orbit, {
    roles: { timestamp: { version: 3 } },
    notTrusted: [
      { role: 'timestamp', served: { version: 9_000_000_000 }, trusted: { version: 3 } },
    ],
  });
  t.equal(m.store.trustedRoles('orbit')?.timestamp?.version, 3, 'and never trusted');
  // The genuine re-signed timestamp v4 arrives: no rollback from the forged version.
  forging = false;
  m.repo.builder.setVersion('timestamp', 4);
  writeRepo(m.repo.builder.build(), m.repo.dir);
  m.advance(60_000);
  const genuine = await runOnce(m.monitor);
  t.equal(statusOf(genuine, 'tuf.rollback'), 'pass');
  t.equal(statusOf(genuine, 'tuf.signatures'), 'pass');
  t.equal(m.store.trustedRoles('orbit')?.timestamp?.version, 4);
});

/** Rewrites, in place, every published file of a target path with other bytes of the same length. */
function replaceTarget(dir: string, targetPath: string, bytes: string): void {
  const file = join(dir, 'targets', ...targetPath.split('/'));
  writeFileSync(file, bytes);
}

const evidenceOf = (detail: RunDetail, id: string) =>
  detail.checks.find((c) => c.id === id)?.evidence.orbit as Record<string, unknown> | undefined;

t.test(
  'a replaced target file is caught by the next run when the host validators change',
  async (t) => {
    const m = monitorFor();
    t.teardown(m.close);
    t.equal(statusOf(await runOnce(m.monitor), 'tuf.target-integrity'), 'pass');
    const hashedAt = m.store.verifiedTargets('orbit').get('orbit/macos/stable/orbit')?.hashedAt;
    t.equal(hashedAt, NOW.toISOString(), 'the hash time is stored');
    replaceTarget(m.repo.dir, 'orbit/macos/stable/orbit', 'orbit 6.6.6');
    m.advance(60_000);
    const next = await runOnce(m.monitor);
    t.equal(statusOf(next, 'tuf.target-integrity'), 'fail');
    t.match(evidenceOf(next, 'tuf.target-integrity'), {
      validatorsChanged: ['orbit/macos/stable/orbit'],
      findings: [{ code: 'TARGET_HASH_MISMATCH', target: 'orbit/macos/stable/orbit' }],
    });
  },
);

t.test(
  'a replaced target file behind unchanged validators is caught within targetReverifyHours',
  async (t) => {
    // A host that keeps its validators across a replacement (a fixed ETag, as a misconfigured
    // CDN or an attacker who controls the origin might send).
    const repo = orbitRepository();
    const server = createServer((req, res) => {
      const file = join(repo.dir, ...decodeURIComponent(req.url ?? '/').split('/'));
      if (!existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      const body = readFileSync(file);
      res.writeHead(200, { etag: '"fixed"', 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.teardown(() => server.close());
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const m = monitorFor({
      config: serviceConfig([{ ...repo.config, url: `${base}/`, targetsUrl: `${base}/targets` }]),
    });
    t.teardown(m.close);
    t.equal(statusOf(await runOnce(m.monitor), 'tuf.target-integrity'), 'pass');
    replaceTarget(repo.dir, 'orbit/macos/stable/orbit', 'orbit 6.6.6');
    m.advance(3600_000);
    const unnoticed = await runOnce(m.monitor);
    t.equal(statusOf(unnoticed, 'tuf.target-integrity'), 'pass', 'nothing said it changed yet');
    // The schedule runs every 60 s: by a day after the first hash, the file has been hashed again.
    m.advance(24 * 3600_000 - 3600_000 - 60_000);
    const due = await runOnce(m.monitor);
    t.equal(statusOf(due, 'tuf.target-integrity'), 'fail');
    t.match(evidenceOf(due, 'tuf.target-integrity'), {
      hashedThisRun: { due: 2 },
      findings: [{ code: 'TARGET_HASH_MISMATCH', target: 'orbit/macos/stable/orbit' }],
    });
  },
);

t.test('the re-hash policy follows targetReverifyHours and the schedule', (t) => {
  t.strictSame(reverifyPolicy(24, 300), {
    maxAgeMs: 24 * 3600_000 - 300_000,
    budgetFraction: (2 * 300) / (24 * 3600),
  });
  t.strictSame(
    reverifyPolicy(0, 300),
    { maxAgeMs: 0, budgetFraction: 1 },
    '0: every file, every run',
  );
  t.strictSame(
    reverifyPolicy(1, 7200),
    { maxAgeMs: 0, budgetFraction: 1 },
    'runs further apart than the window',
  );
  t.end();
});

t.test('a repository that cannot be verified makes its checks error, not pass', async (t) => {
  const m = monitorFor();
  t.teardown(m.close);
  rmSync(m.repo.dir, { recursive: true, force: true });
  const detail = await runOnce(m.monitor);
  t.equal(detail.result, 'fail');
  for (const id of ['tuf.signatures', 'tuf.expiry', 'tuf.consistency']) {
    t.not(statusOf(detail, id), 'pass', id);
  }
  // Only the configured trusted root was verified; no timestamp was seen.
  t.equal(m.store.trustedRoles('orbit')?.timestamp, undefined, 'no timestamp recorded');
});

t.test('a verifier failure (timeout, crash) is an error for that repository', async (t) => {
  const m = monitorFor({ verifier: { verify: () => Promise.reject(new Error('worker crashed')) } });
  t.teardown(m.close);
  const detail = await runOnce(m.monitor);
  t.equal(statusOf(detail, 'tuf.signatures'), 'error');
  t.match(detail.checks.find((c) => c.id === 'tuf.signatures')?.evidence, { orbit: {} });
});

t.test('a run that cannot be stored is recorded as failed and reported', async (t) => {
  const store = openStore(':memory:');
  const finished: unknown[] = [];
  // The store's methods use private fields: forward them bound, except the one that fails.
  const broken = new Proxy(store, {
    get(target, prop) {
      if (prop === 'completeRun') {
        return () => {
          throw new Error('disk full');
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
  const m = monitorFor({
    store: broken,
    onFinished: (_run, detail, error) => finished.push(detail ?? error),
  });
  t.teardown(m.close);
  const started = m.monitor.start('api');
  t.equal(await started?.done, undefined);
  t.equal(store.run(started?.run.id ?? 0)?.status, 'failed');
  t.match(finished, [{ message: 'disk full' }]);
});

/** The store, with the named methods throwing while they are in `broken` (a disk that fills and empties). */
function breakable(store: EvidenceStore): { store: EvidenceStore; broken: Set<string> } {
  const broken = new Set<string>();
  const proxy = new Proxy(store, {
    get(target, prop) {
      if (typeof prop === 'string' && broken.has(prop)) {
        return () => {
          throw new StoreError('STORE_REPLACED', `${prop}: the store is gone`);
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
  return { store: proxy, broken };
}

t.test(
  'a run whose save and failure both throw: no unhandled rejection, degraded, kept, and stored by the next run',
  async (t) => {
    const store = openStore(':memory:');
    const { store: proxy, broken } = breakable(store);
    const failures: StorageHealth[] = [];
    const m = monitorFor({ store: proxy, onStoreFailure: (_err, state) => failures.push(state) });
    t.teardown(m.close);
    t.match(m.monitor.storage(), { status: 'ok', failures: 0 });
    broken.add('completeRun').add('failRun');
    // Scheduled, as serve does: a rejection here would end the process (and this test).
    m.monitor.schedule(3_600_000);
    await m.monitor.settled();
    t.match(m.monitor.storage(), {
      status: 'degraded',
      code: 'STORE_REPLACED',
      unsaved: 1,
      dropped: 0,
      since: NOW.toISOString(),
    });
    t.ok(failures.length >= 2, 'the save and the failure were both reported');
    t.equal(store.run(1)?.status, 'running', 'left running: the next start abandons it');

    // The store takes writes again: the kept run is stored first, then the new one.
    broken.clear();
    m.advance(60_000);
    const detail = await runOnce(m.monitor);
    t.equal(detail.id, 3);
    t.match(store.run(2), {
      status: 'completed',
      trigger: 'startup',
      startedAt: NOW.toISOString(),
    });
    t.match(store.run(1), { status: 'failed', error: /run 2 holds them/ });
    t.match(m.monitor.storage(), { status: 'ok', failures: failures.length });
    await m.monitor.stop(0);
  },
);

t.test('a run that cannot even be started is a storage failure, not a crash', async (t) => {
  const { store, broken } = breakable(openStore(':memory:'));
  const m = monitorFor({ store });
  t.teardown(m.close);
  broken.add('startRun');
  t.throws(() => m.monitor.start('api'), { code: 'STORE_REPLACED' });
  // The scheduler's tick swallows it (recorded), and keeps ticking.
  m.monitor.schedule(3_600_000);
  t.match(m.monitor.storage(), { status: 'degraded', failures: 2 });
  await m.monitor.stop(0);
  broken.clear();
  await runOnce(m.monitor);
  t.match(m.monitor.storage(), { status: 'ok' });
});

t.test('a retry that fails half way marks its own row failed and keeps the run', async (t) => {
  const store = openStore(':memory:');
  const { store: proxy, broken } = breakable(store);
  const m = monitorFor({ store: proxy });
  t.teardown(m.close);
  broken.add('completeRun');
  t.equal(await m.monitor.start('api')?.done, undefined);
  t.match(store.run(1), { status: 'failed', error: /could not be stored/ });
  // startRun works, completeRun still not: the retry's row is failed, the run still kept.
  t.equal(await m.monitor.start('api')?.done, undefined);
  t.match(store.run(2), { status: 'failed', error: /not stored/ });
  t.match(m.monitor.storage(), { status: 'degraded', unsaved: 2 });
  broken.clear();
  await runOnce(m.monitor);
  t.match(m.monitor.storage(), { status: 'ok' });
  t.equal(store.runs(100).filter((r) => r.status === 'completed').length, 3);
});

t.test(
  `at most ${MAX_UNSAVED_RUNS} unsaved runs are kept; older ones are counted as dropped`,
  async (t) => {
    const { store, broken } = breakable(openStore(':memory:'));
    const m = monitorFor({ store });
    t.teardown(m.close);
    broken.add('completeRun');
    for (let i = 0; i < MAX_UNSAVED_RUNS + 2; i++) await m.monitor.start('api')?.done;
    t.match(m.monitor.storage(), { status: 'degraded', unsaved: MAX_UNSAVED_RUNS, dropped: 2 });
  },
);

t.test(
  'trusted state that cannot be saved after a stored run degrades, and the run stands',
  async (t) => {
    const { store, broken } = breakable(openStore(':memory:'));
    const m = monitorFor({ store });
    t.teardown(m.close);
    broken.add('saveTrustedRoles');
    const detail = await runOnce(m.monitor);
    t.equal(detail.status, 'completed');
    t.match(m.monitor.storage(), { status: 'degraded', reason: /saveTrustedRoles/ });
    broken.clear();
    await runOnce(m.monitor);
    t.match(m.monitor.storage(), { status: 'ok' });
  },
);

t.test(
  'a run whose evaluation throws (the store cannot be read) is failed and reported',
  async (t) => {
    const store = openStore(':memory:');
    const { store: proxy, broken } = breakable(store);
    const finished: unknown[] = [];
    const m = monitorFor({
      store: proxy,
      onFinished: (_run, detail, err) => finished.push(detail ?? err),
    });
    t.teardown(m.close);
    broken.add('trustedRoles');
    t.equal(await m.monitor.start('api')?.done, undefined);
    t.match(store.run(1), { status: 'failed', error: /trustedRoles/ });
    t.match(finished, [{ code: 'STORE_REPLACED' }]);
  },
);

t.test('onFinished hears completed runs too', async (t) => {
  const seen: (RunDetail | undefined)[] = [];
  const m = monitorFor({ onFinished: (_run, detail) => seen.push(detail) });
  t.teardown(m.close);
  await runOnce(m.monitor);
  t.equal(seen.length, 1);
  t.equal(seen[0]?.status, 'completed');
});

t.test(
  'schedule runs at startup and then every interval; stop waits for the run in progress',
  async (t) => {
    const m = monitorFor();
    t.teardown(m.close);
    m.monitor.schedule(50);
    t.equal(m.monitor.current()?.trigger, 'startup');
    // Ticks that find a run in progress are skipped; wait for a scheduled run to complete.
    const completed = () => m.store.runs(100).filter((r) => r.status === 'completed').length;
    for (let i = 0; i < 600 && completed() < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await m.monitor.stop(30_000);
    const runs = m.store.runs(100);
    t.ok(runs.length >= 2, `${runs.length} runs`);
    t.ok(runs.some((r) => r.trigger === 'schedule'));
    t.equal(m.monitor.current(), undefined);
    await m.monitor.stop(0);
  },
);

t.test('stop gives up waiting after the grace period', async (t) => {
  let release: () => void = () => undefined;
  const m = monitorFor({
    verifier: {
      verify: () => new Promise((_, reject) => (release = () => reject(new Error('stopped')))),
    },
  });
  t.teardown(m.close);
  m.monitor.start('api');
  const before = Date.now();
  await m.monitor.stop(50);
  t.ok(Date.now() - before < 5_000);
  t.ok(m.monitor.current(), 'still running');
  release();
  await m.monitor.settled();
  t.equal(m.monitor.current(), undefined);
});

t.test('AWS', (t) => {
  const awsIds = ALL_CHECKS.filter((c) => /^(s3|cloudtrail)\./.test(c.id)).map((c) => c.id);

  t.test('not configured: every AWS check is not_applicable', async (t) => {
    const m = monitorFor();
    t.teardown(m.close);
    const detail = await runOnce(m.monitor);
    for (const id of awsIds) t.equal(statusOf(detail, id), 'not_applicable', id);
  });

  t.test(
    'configured: the hardened bucket behind CloudFront, read with the real SDK over the wire',
    async (t) => {
      const scenario = hardenedScenario(NOW);
      const emulator = await startAwsEmulator(scenario);
      t.teardown(() => emulator.close());
      const repo = orbitRepository();
      const aws = {
        ...scenarioConfig(scenario, emulator.endpoint),
        allowedPrincipals: ['arn:aws:iam::123456789012:role/tuf-release'],
      };
      const m = monitorFor({
        config: serviceConfig([repo.config], { aws }),
        // Real clients with static test credentials; LookupEvents spacing off for speed.
        collectAws: (config, options) => {
          const clients = createAwsClients(config, { credentials: TEST_CREDENTIALS });
          return collectAws(config, { ...options, clients, lookupSpacingMs: 0 }).finally(() =>
            destroyAwsClients(clients),
          );
        },
      });
      t.teardown(m.close);
      const detail = await runOnce(m.monitor);
      for (const id of [
        's3.block-public-access',
        's3.not-public-write',
        's3.tls-only',
        'cloudtrail.logging',
      ]) {
        t.equal(statusOf(detail, id), 'pass', id);
      }
      t.ok(emulator.calls.length > 10, 'the SDK talked to the emulator');
      t.comment(
        detail.checks
          .filter((c) => !c.id.startsWith('tuf.'))
          .map((c) => `${c.id}=${c.status}`)
          .join(' '),
      );
      t.not(detail.controls.find((c) => c.id === 'TW-06')?.status, 'not_applicable');
    },
  );

  t.test(
    'by default the real collector reads the account, with credentials from the environment',
    async (t) => {
      const scenario = hardenedScenario(NOW);
      const emulator = await startAwsEmulator(scenario);
      t.teardown(() => emulator.close());
      const saved = {
        id: process.env.AWS_ACCESS_KEY_ID,
        secret: process.env.AWS_SECRET_ACCESS_KEY,
      };
      process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
      t.teardown(() => {
        if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
        else process.env.AWS_ACCESS_KEY_ID = saved.id;
        if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
        else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
      });
      const m = monitorFor({
        config: serviceConfig([], { aws: scenarioConfig(scenario, emulator.endpoint) }),
      });
      t.teardown(m.close);
      const detail = await runOnce(m.monitor);
      t.equal(statusOf(detail, 's3.block-public-access'), 'pass');
    },
  );

  t.test('a collection that throws makes every AWS check error', async (t) => {
    const m = monitorFor({
      config: serviceConfig([orbitRepository().config], { aws: AWS }),
      collectAws: () => Promise.reject(new Error('no credentials')),
    });
    t.teardown(m.close);
    const detail = await runOnce(m.monitor);
    for (const id of awsIds) t.equal(statusOf(detail, id), 'error', id);
    t.match(detail.checks.find((c) => c.id === 's3.versioning')?.evidence, {
      failure: { code: 'CollectionFailed', message: 'no credentials' },
    });
  });

  t.test('a collection that outlives the timeout makes every AWS check error', async (t) => {
    const config = serviceConfig([], { aws: AWS });
    config.schedule.checkTimeoutSeconds = 0.05;
    const m = monitorFor({ config, collectAws: () => new Promise(() => undefined) });
    t.teardown(m.close);
    const detail = await runOnce(m.monitor);
    for (const id of awsIds) t.equal(statusOf(detail, id), 'error', id);
  });
  t.end();
});

const AWS = {
  region: 'us-east-1',
  accountId: '123456789012',
  bucket: 'fleet-tuf-repo',
  expectedBucketOwner: '123456789012',
};

t.test('retention: after a completed run, at most once a day, and reported', async (t) => {
  const key = generateSigningKey().key;
  const store = openStore(':memory:', { signer: () => key });
  // Evidence from 500 days ago: older than the default 400 days of retention.
  addRuns(store, new Date(NOW.getTime() - 500 * DAY), 3);
  const reports: unknown[] = [];
  const m = monitorFor({
    store,
    onPruned: (checkpoint, error) => reports.push(checkpoint ?? error),
  });
  t.teardown(m.close);
  await runOnce(m.monitor);
  t.match(reports, [{ kind: 'checkpoint', firstSeq: 1, keyFingerprint: key.fingerprint }]);
  t.equal(store.checkpoints().length, 1);
  await runOnce(m.monitor);
  t.equal(reports.length, 1, 'not again the same day');
  m.advance(DAY);
  await runOnce(m.monitor);
  t.strictSame(reports.slice(1), [undefined], 'a day later: nothing left to prune');

  // Without a signing key the prune fails; the run does not.
  const unsigned = openStore(':memory:');
  addRuns(unsigned, new Date(NOW.getTime() - 500 * DAY), 1);
  const failures: unknown[] = [];
  const n = monitorFor({ store: unsigned, onPruned: (_c, error) => failures.push(error) });
  t.teardown(n.close);
  t.equal((await runOnce(n.monitor)).status, 'completed');
  t.match(failures, [{ code: 'SIGNER_REQUIRED' }]);
  const quiet = openStore(':memory:');
  addRuns(quiet, new Date(NOW.getTime() - 500 * DAY), 1);
  const q = monitorFor({ store: quiet });
  t.teardown(q.close);
  t.equal((await runOnce(q.monitor)).status, 'completed', 'no listener: nothing thrown');
});

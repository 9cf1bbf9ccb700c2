import { existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildApp } from '../../server/app.js';
import { acquireWriterLock, markerPath } from '../../server/data-dir.js';
import { SIGNING_KEY_FILE } from '../../server/evidence-keys.js';
import { createService, VERSION } from '../../server/service.js';
import { openStore } from '../../server/store.js';
import { addRuns } from '../support/evidence.js';
import { writeRepo } from '../support/builder.js';
import { NOW, orbitRepository, serviceConfig } from '../support/service.js';

t.test(
  'staged uploads are verified from the trusted root against the published repository',
  async (t) => {
    const repo = orbitRepository();
    const service = createService(serviceConfig([repo.config]), { now: () => NOW });
    t.teardown(() => service.close(0));
    const metadataOnly = (files: Map<string, Buffer>) =>
      new Map([...files].filter(([name]) => !name.startsWith('targets/')));

    // The next release: a new target; targets, snapshot and timestamp move to version 2.
    repo.builder
      .addTarget('orbit/macos/1.2.4/orbit', 'orbit 1.2.4')
      .setVersion('targets', 2)
      .setVersion('snapshot', 2)
      .setVersion('timestamp', 2);
    const next = await service.deps.verifyStaged(metadataOnly(repo.builder.build()), {});
    t.equal(next.ok, true, JSON.stringify(next.findings));
    t.equal(next.roles.targets?.version, 2);
    t.notOk(next.findings.some((f) => f.code === 'TRUST_NOT_ANCHORED'));

    // Live moves on to timestamp 5; an upload still at 2 would roll clients back.
    writeRepo(repo.builder.setVersion('timestamp', 5).build(), repo.dir);
    const stale = metadataOnly(repo.builder.setVersion('timestamp', 2).build());
    const report = await service.deps.verifyStaged(stale, { at: NOW });
    t.ok(report.findings.some((f) => f.code === 'VERSION_ROLLBACK' && f.role === 'timestamp'));
  },
);

t.test(
  'without a configured repository, uploads are checked for self-consistency only',
  async (t) => {
    const repo = orbitRepository();
    const service = createService(serviceConfig([]), { now: () => NOW });
    t.teardown(() => service.close(0));
    const staged = new Map(
      [...repo.builder.build()].filter(([name]) => !name.startsWith('targets/')),
    );
    const report = await service.deps.verifyStaged(staged, { at: NOW });
    t.ok(report.findings.some((f) => f.code === 'TRUST_NOT_ANCHORED'));
  },
);

t.test('metrics are computed from the store and the monitor', async (t) => {
  const repo = orbitRepository();
  const service = createService(serviceConfig([repo.config]), { now: () => NOW });
  t.teardown(() => service.close(0));
  t.match(service.deps.metrics(), `tufwatch_build_info{version="${VERSION}"} 1`);
  await service.monitor.start('api')?.done;
  const text = service.deps.metrics();
  t.match(text, /tufwatch_tuf_role_version\{repository="orbit",role="timestamp"\} 1/);
  t.match(text, /tufwatch_runs_total\{result="pass"\} 1/);
  t.equal(service.deps.version, VERSION);
  t.equal(service.deps.now().getTime(), NOW.getTime());
});

t.test('the default clock is the wall clock', (t) => {
  const service = createService(serviceConfig([]));
  t.teardown(() => service.close(0));
  t.ok(Math.abs(service.deps.now().getTime() - Date.now()) < 60_000);
  t.end();
});

t.test(
  'the evidence key is created next to the database on first start, and recorded',
  async (t) => {
    const dir = t.testdir();
    const config = serviceConfig([], { storage: { path: join(dir, 'data', 'tufwatch.db') } });
    const first = createService(config, { now: () => NOW });
    const keyPath = join(dir, 'data', SIGNING_KEY_FILE);
    t.equal(statSync(keyPath).mode & 0o777, 0o600);
    const info = first.deps.evidence.publicKey();
    t.match(info.keys, [{ reason: 'created', activatedAt: NOW.toISOString(), retiredAt: null }]);
    t.equal(first.keys.path, keyPath);
    await first.close(0);

    // The next start reads the same key, and records nothing new.
    const second = createService(config, { now: () => NOW });
    t.teardown(() => second.close(0));
    t.strictSame(second.deps.evidence.publicKey(), info);
    t.equal(second.store.signingKeys().length, 1);
  },
);

t.test('an in-memory store gets a key for the life of the service', (t) => {
  const service = createService(serviceConfig([]), { now: () => NOW });
  t.teardown(() => service.close(0));
  t.equal(service.keys.path, undefined);
  t.match(service.deps.evidence.publicKey().keys, [{ reason: 'created' }]);
  const bundle = [...service.deps.evidence.exportBundle(new Date(0), NOW)].join('');
  t.match(bundle, /^\{"format":"tufwatch-evidence-bundle"/);
  t.match(service.deps.evidence.exportCsv(new Date(NOW.getTime() - 86_400_000), NOW), /^date,/);
  t.end();
});

t.test('a key that cannot be used stops the start, and the store is closed', (t) => {
  const dir = t.testdir();
  const config = serviceConfig([], { storage: { path: join(dir, 'tufwatch.db') } });
  writeFileSync(join(dir, SIGNING_KEY_FILE), 'not a key', { mode: 0o600 });
  // --init: a key without a database is otherwise refused as a trace of an earlier chain.
  t.throws(() => createService(config, { now: () => NOW, storage: { init: true } }), {
    code: 'KEY_INVALID',
  });
  // Closed: the file can be opened and migrated again at once, and the writer lock is free.
  const again = openStore(join(dir, 'tufwatch.db'));
  again.close();
  acquireWriterLock(join(dir, 'tufwatch.db')).release();
  t.end();
});

t.test(
  'retention prunes old evidence behind a checkpoint signed by the instance key',
  async (t) => {
    const path = join(t.testdir(), 'tufwatch.db');
    // A store with a run from 500 days ago, older than the default retention.
    const old = openStore(path);
    addRuns(old, new Date(NOW.getTime() - 500 * 86_400_000), 1);
    old.close();
    const seen: unknown[] = [];
    const service = createService(serviceConfig([], { storage: { path } }), {
      now: () => NOW,
      onPruned: (checkpoint, error) => seen.push(checkpoint ?? error),
    });
    t.teardown(() => service.close(0));
    await service.monitor.start('api')?.done;
    const key = service.deps.evidence.publicKey();
    t.match(seen, [{ kind: 'checkpoint', firstSeq: 1, keyFingerprint: key.fingerprint }]);
  },
);

t.test(
  'one writer per database: a second service on the same file is refused at once',
  async (t) => {
    const path = join(t.testdir(), 'data', 'tufwatch.db');
    const config = serviceConfig([], { storage: { path } });
    const first = createService(config, { now: () => NOW });
    t.throws(() => createService(config, { now: () => NOW }), { code: 'STORE_LOCKED' });
    await first.close(0);
    const second = createService(config, { now: () => NOW });
    await second.close(0);
  },
);

t.test(
  'a missing database where one was created before is refused; --init starts a new chain',
  async (t) => {
    const dir = t.testdir({ markers: {} });
    const path = join(dir, 'volume', 'tufwatch.db');
    const markerDir = join(dir, 'markers');
    const config = serviceConfig([], { storage: { path } });
    const first = createService(config, { now: () => NOW, storage: { markerDir } });
    t.strictSame(first.warnings, []);
    t.ok(existsSync(markerPath(markerDir, path)), 'the creation is recorded outside the volume');
    const key = first.deps.evidence.publicKey().fingerprint;
    await first.close(0);

    // The volume is not mounted: its directory is missing (or empty).
    renameSync(join(dir, 'volume'), join(dir, 'unmounted'));
    t.throws(() => createService(config, { now: () => NOW, storage: { markerDir } }), {
      code: 'STORE_MISSING',
    });
    t.notOk(existsSync(join(dir, 'volume')), 'nothing was created');

    const fresh = createService(config, { now: () => NOW, storage: { markerDir, init: true } });
    t.teardown(() => fresh.close(0));
    t.not(fresh.deps.evidence.publicKey().fingerprint, key, 'a new chain, asked for');
  },
);

t.test('a marker that cannot be written is a warning of the start', (t) => {
  const dir = t.testdir({ file: '' });
  const service = createService(
    serviceConfig([], { storage: { path: join(dir, 'tufwatch.db') } }),
    {
      now: () => NOW,
      storage: { markerDir: join(dir, 'file', 'markers') },
    },
  );
  t.teardown(() => service.close(0));
  t.match(service.warnings, [/cannot record/]);
  t.end();
});

t.test('storage.path under /proc fails the start at once (no spin at 100% CPU)', (t) => {
  const config = serviceConfig([], { storage: { path: '/proc/tufwatch-test/tufwatch.db' } });
  t.throws(() => createService(config, { now: () => NOW }), { code: 'PATH_UNUSABLE' });
  t.end();
});

t.test(
  'the data directory vanishes mid-run: the process lives, readyz and metrics say degraded, and the next run stores both',
  async (t) => {
    const repo = orbitRepository();
    const dir = t.testdir();
    const path = join(dir, 'data', 'tufwatch.db');
    const service = createService(serviceConfig([repo.config], { storage: { path } }), {
      now: () => NOW,
    });
    t.teardown(() => service.close(0));
    const app = await buildApp({ ...service.deps, logger: false });
    t.teardown(() => app.close());
    await service.monitor.start('api')?.done;
    t.equal((await app.inject('/readyz')).statusCode, 200);

    const started = service.monitor.start('api');
    // The run is verifying in its worker; the volume goes away under it.
    renameSync(join(dir, 'data'), join(dir, 'gone'));
    t.equal(await started?.done, undefined, 'not stored');
    const ready = await app.inject('/readyz');
    t.equal(ready.statusCode, 503);
    t.match(ready.json(), {
      code: 'STORAGE_DEGRADED',
      storage: { status: 'degraded', code: 'STORE_REPLACED', unsaved: 1 },
    });
    t.match(service.deps.metrics(), /tufwatch_storage_degraded 1/);
    t.notOk(existsSync(join(dir, 'data')), 'no new data directory, no new chain');

    renameSync(join(dir, 'gone'), join(dir, 'data'));
    const next = await service.monitor.start('api')?.done;
    t.equal(next?.id, 4, 'the kept run is stored as run 3, then this one');
    t.equal(service.store.run(3)?.status, 'completed');
    t.equal((await app.inject('/readyz')).statusCode, 200);
    t.match(service.deps.metrics(), /tufwatch_storage_degraded 0/);
    t.match(service.deps.metrics(), /tufwatch_store_failures_total [1-9]/);
  },
);

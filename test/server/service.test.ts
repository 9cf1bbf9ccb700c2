import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
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
  t.throws(() => createService(config, { now: () => NOW }), { code: 'KEY_INVALID' });
  // Closed: the file can be opened and migrated again at once.
  const again = openStore(join(dir, 'tufwatch.db'));
  again.close();
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

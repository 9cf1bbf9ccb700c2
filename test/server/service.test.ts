import t from 'tap';
import { createService, VERSION } from '../../server/service.js';
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

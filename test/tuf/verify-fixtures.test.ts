import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { DirectorySource } from '../../sources/directory.js';
import { verifyRepository, type VerifyReport } from '../../tuf/verify.js';
import { fixture, materialize } from '../support/fixtures.js';

const codes = (r: VerifyReport, severity = 'error'): string[] =>
  [...new Set(r.findings.filter((f) => f.severity === severity).map((f) => f.code))].sort();

// go-tuf v0.7.0's client testdata: the verdict each scenario's name implies.
// Generated 2021-09-09/10; `at` sits inside every validity window the scenario does not break on purpose.
const GO_TUF_AT = new Date('2021-09-10T12:00:00Z');
const goTufScenarios: {
  name: string;
  ok: boolean;
  errors?: string[];
  at?: string;
  rootVersion?: number;
}[] = [
  { name: 'Published1Time', ok: true, rootVersion: 1 },
  { name: 'Published1Time_backwardRootVersion', ok: false, errors: ['ROOT_ROTATION_INVALID'] },
  { name: 'Published1Time_client_root_only', ok: true, rootVersion: 1 },
  { name: 'Published2Times_keyrotated', ok: true, rootVersion: 2 },
  {
    name: 'Published2Times_keyrotated_initialrootexpired',
    ok: true,
    rootVersion: 2,
    at: '2025-01-01T00:00:00Z',
  },
  {
    name: 'Published2Times_keyrotated_invalidNewRootSignature',
    ok: false,
    errors: ['ROOT_ROTATION_INVALID'],
  },
  // go-tuf's own test expects success here (its generator left the old key in v2: go-tuf issue 417):
  // v2 is signed by v1's key, which v2 also lists. The bad signature is reported as a warning.
  { name: 'Published2Times_keyrotated_invalidOldRootSignature', ok: true, rootVersion: 2 },
  {
    name: 'Published2Times_roottoolarge',
    ok: false,
    errors: ['ROOT_ROTATION_INVALID', 'SIZE_LIMIT_EXCEEDED'],
  },
  { name: 'Published2Times_snapshot_keyrotated', ok: true, rootVersion: 2 },
  { name: 'Published2Times_targets_keyrotated', ok: true, rootVersion: 2 },
  { name: 'Published2Times_timestamp_keyrotated', ok: true, rootVersion: 2 },
  {
    name: 'Published3Times_keyrotated_forwardRootVersion',
    ok: false,
    errors: ['ROOT_ROTATION_INVALID'],
  },
  {
    name: 'Published3Times_keyrotated_initialrootsexpired',
    ok: true,
    rootVersion: 3,
    at: '2025-01-01T00:00:00Z',
  },
  {
    name: 'Published3Times_keyrotated_initialrootsexpired_clientversionis2',
    ok: true,
    rootVersion: 3,
    at: '2025-01-01T00:00:00Z',
  },
  {
    name: 'Published3Times_keyrotated_latestrootexpired',
    ok: false,
    errors: ['METADATA_EXPIRED'],
    at: '2021-09-13T00:00:00Z',
  },
  ...['root', 'snapshot', 'targets', 'timestamp'].flatMap((role) => [
    { name: `PublishedTwiceMultiKeysadd_9_revoke_2_threshold_4_${role}`, ok: true },
    { name: `PublishedTwiceMultiKeysadd_9_revoke_4_threshold_4_${role}`, ok: true },
  ]),
];

for (const s of goTufScenarios) {
  t.test(`go-tuf ${s.name}`, async (t) => {
    const dir = materialize('go-tuf-v0.7.0', s.name);
    const report = await verifyRepository({
      repository: new DirectorySource(join(dir, 'server', 'metadata')),
      trustedRoot: readFileSync(join(dir, 'client', 'metadata', 'current', 'root.json')),
      now: s.at === undefined ? GO_TUF_AT : new Date(s.at),
    });
    t.equal(report.ok, s.ok, JSON.stringify(report.findings, null, 1));
    if (s.errors !== undefined) t.strictSame(codes(report), s.errors);
    if (s.rootVersion !== undefined) t.equal(report.roles.root?.version, s.rootVersion);
  });
}

t.test('go-tuf invalidOldRootSignature reports the bad signature as a warning', async (t) => {
  const dir = materialize('go-tuf-v0.7.0', 'Published2Times_keyrotated_invalidOldRootSignature');
  const report = await verifyRepository({
    repository: new DirectorySource(join(dir, 'server', 'metadata')),
    trustedRoot: readFileSync(join(dir, 'client', 'metadata', 'current', 'root.json')),
    now: GO_TUF_AT,
  });
  t.strictSame(codes(report, 'warning'), ['SIGNATURE_INVALID', 'WEAK_ROOT_THRESHOLD']);
});

// go-tuf/consistent-snapshot-{false,true}/N: every role rotated at each step; step N verifies from step 0's root.
for (const consistent of ['false', 'true']) {
  for (const step of [0, 1, 2, 3, 4, 5]) {
    t.test(
      `go-tuf consistent-snapshot-${consistent} step ${step} from step 0's root`,
      async (t) => {
        const dir = materialize('go-tuf-v0.7.0', 'go-tuf', `consistent-snapshot-${consistent}`);
        const repo = join(dir, String(step), 'repository');
        const report = await verifyRepository({
          repository: new DirectorySource(repo),
          targets: new DirectorySource(join(repo, 'targets')),
          targetsMode: 'required',
          trustedRoot: readFileSync(join(dir, '0', 'repository', '1.root.json')),
          now: new Date('2030-01-01T00:00:00Z'),
        });
        t.equal(report.ok, true, JSON.stringify(report.findings, null, 1));
        const published = JSON.parse(readFileSync(join(repo, 'root.json'), 'utf8')) as {
          signed: { version: number };
        };
        t.equal(report.roles.root?.version, published.signed.version);
        t.equal(report.targetCount, step + 1);
      },
    );
  }
}

for (const transition of ['go-tuf-transition-M3', 'go-tuf-transition-M4']) {
  for (const consistent of ['false', 'true']) {
    t.test(
      `${transition} consistent-snapshot-${consistent}: the last step verifies from the first root`,
      async (t) => {
        const dir = materialize('go-tuf-v0.7.0', transition, `consistent-snapshot-${consistent}`);
        const report = await verifyRepository({
          repository: new DirectorySource(join(dir, '5', 'repository')),
          trustedRoot: readFileSync(join(dir, '0', 'repository', '1.root.json')),
          now: new Date('2030-01-01T00:00:00Z'),
          targetsMode: 'skip',
        });
        t.equal(report.ok, true, JSON.stringify(report.findings, null, 1));
      },
    );
  }
}

t.test('php-tuf delegation fixtures verify through their delegations', async (t) => {
  for (const name of ['TUFTestFixture2LevelDelegation', 'TUFTestFixture3LevelDelegation']) {
    const repo = fixture('go-tuf-v0.7.0', 'php-tuf-fixtures', name, 'server', 'metadata');
    const report = await verifyRepository({
      repository: new DirectorySource(repo),
      now: new Date('2020-01-01T12:00:00Z'),
      targetsMode: 'skip',
    });
    t.equal(report.ok, true, `${name}: ${JSON.stringify(report.findings, null, 1)}`);
    t.ok(Object.keys(report.roles).length > 4, `${name} has delegated roles`);
  }
});

t.test(
  "python-tuf's repository (RSA-PSS PEM keys, delegated role1 and role2) with its target files",
  async (t) => {
    const repo = fixture('python-tuf', 'repository_data', 'repository');
    const report = await verifyRepository({
      repository: new DirectorySource(join(repo, 'metadata')),
      targets: new DirectorySource(join(repo, 'targets')),
      targetsMode: 'required',
      now: new Date('2025-01-01T00:00:00Z'),
    });
    t.equal(report.ok, true, JSON.stringify(report.findings, null, 1));
    t.strictSame(Object.keys(report.roles).sort(), [
      'role1',
      'role2',
      'root',
      'snapshot',
      'targets',
      'timestamp',
    ]);
    t.equal(report.targetCount, 3);
  },
);

t.test('Fleet roots', async (t) => {
  const fleet = (name: string): Buffer => readFileSync(fixture('fleet', name));
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');

  t.test('v4 -> v5 is a valid rotation, and v5 expires at an offset time', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tufwatch-fleet-'));
    writeFileSync(join(dir, '5.root.json'), fleet('root_v5_tuf.fleetctl.com.json'));
    writeFileSync(join(dir, 'root.json'), fleet('root_v5_tuf.fleetctl.com.json'));
    const report = await verifyRepository({
      repository: new DirectorySource(dir),
      trustedRoot: fleet('root_v4_tuf.fleetctl.com.json'),
      now: new Date('2025-01-01T00:00:00Z'),
    });
    t.equal(report.roles.root?.version, 5);
    t.equal(report.roles.root?.expires, '2034-10-05T15:57:51-05:00');
    t.notOk(
      report.findings.some(
        (f) => f.code === 'ROOT_ROTATION_INVALID' || (f.role === 'root' && f.severity === 'error'),
      ),
    );
    // Only timestamp.json and the rest are absent: that is all that fails.
    t.strictSame(codes(report), ['METADATA_MISSING']);
  });

  t.test('v6 verifies on its own and is expired at 2026-01-08T22:23:47Z', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tufwatch-fleet-'));
    writeFileSync(join(dir, 'root.json'), fleet('root_v6_updates.fleetdm.com.json'));
    const check = (now: string) =>
      verifyRepository({
        repository: new DirectorySource(dir),
        trustedRoot: fleet('root_v6_updates.fleetdm.com.json'),
        now: new Date(now),
      });
    const before = await check('2026-01-08T22:23:46Z');
    t.notOk(
      before.findings.some((f) => f.role === 'root' && f.severity === 'error'),
      JSON.stringify(before.findings),
    );
    t.equal(before.roles.root?.validSignatures, 1);
    const after = await check('2026-01-08T22:23:47Z');
    t.ok(after.findings.some((f) => f.role === 'root' && f.code === 'METADATA_EXPIRED'));
  });

  t.test('v5 -> v6 is not a rotation: v6 is a new anchor, not signed by v5', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tufwatch-fleet-'));
    writeFileSync(join(dir, '6.root.json'), fleet('root_v6_updates.fleetdm.com.json'));
    const report = await verifyRepository({
      repository: new DirectorySource(dir),
      trustedRoot: fleet('root_v5_tuf.fleetctl.com.json'),
      now: new Date('2025-06-01T00:00:00Z'),
    });
    t.ok(report.findings.some((f) => f.code === 'ROOT_ROTATION_INVALID' && f.threshold === 1));
  });
});

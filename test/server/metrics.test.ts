import t from 'tap';

import { CHECK_STATUSES } from '../../checks/types.js';
import { METRICS_CONTENT_TYPE, renderMetrics } from '../../server/metrics.js';
import type { MetricsInput } from '../../server/types.js';
import {
  CATALOG_CHECK_IDS,
  CATALOG_CONTROL_IDS,
  familyNames,
  realisticMetricsInput,
  role,
  samples,
} from '../support/metrics-input.js';
import { promtool, promtoolMissing } from '../support/promtool.js';

/** Before the first run: the catalog is known, nothing has been evaluated. */
function beforeAnyRun(): MetricsInput {
  return {
    version: '0.1.0',
    running: true,
    runsTotal: { pass: 0, fail: 0, error: 0 },
    scheduleIntervalSeconds: 3600,
    storage: { status: 'ok', failures: 0 },
    repositories: [{ name: 'updates.fleetdm.com', roles: {} }],
    checkIds: CATALOG_CHECK_IDS,
    controlIds: CATALOG_CONTROL_IDS,
  };
}

const EVERY_FAMILY = [
  'tufwatch_build_info',
  'tufwatch_check_duration_seconds',
  'tufwatch_check_last_run_timestamp_seconds',
  'tufwatch_check_status',
  'tufwatch_control_status',
  'tufwatch_last_completed_run_timestamp_seconds',
  'tufwatch_run_duration_seconds',
  'tufwatch_run_in_progress',
  'tufwatch_runs_total',
  'tufwatch_schedule_interval_seconds',
  'tufwatch_storage_degraded',
  'tufwatch_store_failures_total',
  'tufwatch_tls_certificate_expiry_timestamp_seconds',
  'tufwatch_tuf_agent_root_breaks_timestamp_seconds',
  'tufwatch_tuf_agent_root_reachable',
  'tufwatch_tuf_role_expiry_timestamp_seconds',
  'tufwatch_tuf_role_threshold',
  'tufwatch_tuf_role_valid_signatures',
  'tufwatch_tuf_role_version',
  'tufwatch_tuf_target_oldest_verification_timestamp_seconds',
];

t.test('the whole exposition of a small state, byte for byte', (t) => {
  const input: MetricsInput = {
    version: '1.2.3',
    latest: {
      id: 7,
      startedAt: '2030-01-02T03:04:00.000Z',
      finishedAt: '2030-01-02T03:04:05.250Z',
      status: 'completed',
      trigger: 'schedule',
      result: 'fail',
      durationMs: 5250,
      checks: [
        {
          id: 'tuf.expiry',
          status: 'fail',
          message: 'timestamp expired',
          evidence: {},
          evaluatedAt: '2030-01-02T03:04:05.000Z',
          durationMs: 120,
        },
      ],
      controls: [
        {
          id: 'TW-02',
          title: 'fresh',
          status: 'fail',
          checks: [{ id: 'tuf.expiry', status: 'fail' }],
        },
      ],
    },
    running: true,
    runsTotal: { pass: 5, fail: 1, error: 0 },
    scheduleIntervalSeconds: 600,
    repositories: [
      { name: 'fleet', roles: { timestamp: role(4190, '2030-01-01T00:00:00Z', 1, 0) } },
    ],
    checkIds: ['tuf.expiry'],
    controlIds: ['TW-02'],
  };
  t.equal(
    renderMetrics(input),
    `# HELP tufwatch_build_info The tufwatch version running; always 1.
# TYPE tufwatch_build_info gauge
tufwatch_build_info{version="1.2.3"} 1
# HELP tufwatch_check_duration_seconds How long each check took in the last completed run.
# TYPE tufwatch_check_duration_seconds gauge
tufwatch_check_duration_seconds{check="tuf.expiry"} 0.12
# HELP tufwatch_check_last_run_timestamp_seconds When each check was last evaluated, in Unix seconds.
# TYPE tufwatch_check_last_run_timestamp_seconds gauge
tufwatch_check_last_run_timestamp_seconds{check="tuf.expiry"} 1893553445
# HELP tufwatch_check_status Status of each check in the last completed run: 1 for the current status, 0 for the others; all 0 before the check has run.
# TYPE tufwatch_check_status gauge
tufwatch_check_status{check="tuf.expiry",status="error"} 0
tufwatch_check_status{check="tuf.expiry",status="fail"} 1
tufwatch_check_status{check="tuf.expiry",status="not_applicable"} 0
tufwatch_check_status{check="tuf.expiry",status="pass"} 0
tufwatch_check_status{check="tuf.expiry",status="warn"} 0
# HELP tufwatch_control_status Status of each control (the worst of its checks) in the last completed run: 1 for the current status, 0 for the others; all 0 before the first run.
# TYPE tufwatch_control_status gauge
tufwatch_control_status{control="TW-02",status="error"} 0
tufwatch_control_status{control="TW-02",status="fail"} 1
tufwatch_control_status{control="TW-02",status="not_applicable"} 0
tufwatch_control_status{control="TW-02",status="pass"} 0
tufwatch_control_status{control="TW-02",status="warn"} 0
# HELP tufwatch_last_completed_run_timestamp_seconds When the last completed run finished, in Unix seconds; absent before the first.
# TYPE tufwatch_last_completed_run_timestamp_seconds gauge
tufwatch_last_completed_run_timestamp_seconds 1893553445.25
# HELP tufwatch_run_duration_seconds How long the last completed run took, from start to finish.
# TYPE tufwatch_run_duration_seconds gauge
tufwatch_run_duration_seconds 5.25
# HELP tufwatch_run_in_progress Whether a run is in progress now: 1 or 0.
# TYPE tufwatch_run_in_progress gauge
tufwatch_run_in_progress 1
# HELP tufwatch_runs_total Runs since the evidence store was created, by result: pass (no check fail or error), fail, or error (the run failed or was abandoned).
# TYPE tufwatch_runs_total counter
tufwatch_runs_total{result="error"} 0
tufwatch_runs_total{result="fail"} 1
tufwatch_runs_total{result="pass"} 5
# HELP tufwatch_schedule_interval_seconds Configured time between scheduled runs; alerts compare run age with it.
# TYPE tufwatch_schedule_interval_seconds gauge
tufwatch_schedule_interval_seconds 600
# HELP tufwatch_tls_certificate_expiry_timestamp_seconds When the TLS certificate each repository endpoint presents expires (notAfter), in Unix seconds.
# TYPE tufwatch_tls_certificate_expiry_timestamp_seconds gauge
# HELP tufwatch_tuf_agent_root_breaks_timestamp_seconds When each agent root's update path next breaks (when the final root it reaches expires; online roles are re-signed routinely), in Unix seconds; absent when it cannot update now.
# TYPE tufwatch_tuf_agent_root_breaks_timestamp_seconds gauge
# HELP tufwatch_tuf_agent_root_reachable Whether an agent embedding each configured root reaches today's root and a verified timestamp, snapshot and targets: 1 or 0.
# TYPE tufwatch_tuf_agent_root_reachable gauge
# HELP tufwatch_tuf_role_expiry_timestamp_seconds When the trusted metadata of each TUF role expires, in Unix seconds.
# TYPE tufwatch_tuf_role_expiry_timestamp_seconds gauge
tufwatch_tuf_role_expiry_timestamp_seconds{repository="fleet",role="timestamp"} 1893456000
# HELP tufwatch_tuf_role_threshold Signatures each TUF role needs, as its delegator sets.
# TYPE tufwatch_tuf_role_threshold gauge
tufwatch_tuf_role_threshold{repository="fleet",role="timestamp"} 1
# HELP tufwatch_tuf_role_valid_signatures Valid signatures, by distinct authorized keys, on the trusted metadata of each TUF role.
# TYPE tufwatch_tuf_role_valid_signatures gauge
tufwatch_tuf_role_valid_signatures{repository="fleet",role="timestamp"} 0
# HELP tufwatch_tuf_role_version Version of the trusted metadata of each TUF role; a decrease is a rollback.
# TYPE tufwatch_tuf_role_version gauge
tufwatch_tuf_role_version{repository="fleet",role="timestamp"} 4190
# HELP tufwatch_tuf_target_oldest_verification_timestamp_seconds When the bytes of each repository's least recently verified target file were last hashed against trusted metadata, in Unix seconds; absent when target files are not checked.
# TYPE tufwatch_tuf_target_oldest_verification_timestamp_seconds gauge
`,
  );
  t.equal(METRICS_CONTENT_TYPE, 'text/plain; version=0.0.4; charset=utf-8');
  t.end();
});

t.test('a realistic state: Fleet repository, catalog checks and controls', (t) => {
  const text = renderMetrics(realisticMetricsInput());
  t.same([...familyNames(text)], EVERY_FAMILY, 'every family, sorted by name');

  t.same(samples(text, 'tufwatch_build_info'), ['tufwatch_build_info{version="0.1.0"} 1']);

  const checkStatus = samples(text, 'tufwatch_check_status');
  t.equal(checkStatus.length, CATALOG_CHECK_IDS.length * CHECK_STATUSES.length);
  t.same(
    checkStatus.filter((line) => line.endsWith(' 1')),
    [
      'tufwatch_check_status{check="tuf.consistency",status="pass"} 1',
      'tufwatch_check_status{check="tuf.delegations",status="not_applicable"} 1',
      'tufwatch_check_status{check="tuf.expiry",status="warn"} 1',
      'tufwatch_check_status{check="tuf.key-hygiene",status="pass"} 1',
      'tufwatch_check_status{check="tuf.orbit-layout",status="fail"} 1',
      'tufwatch_check_status{check="tuf.rollback",status="pass"} 1',
      'tufwatch_check_status{check="tuf.root-chain",status="pass"} 1',
      'tufwatch_check_status{check="tuf.signatures",status="pass"} 1',
      'tufwatch_check_status{check="tuf.target-integrity",status="error"} 1',
    ],
    'one current status per check',
  );
  t.same(samples(text, 'tufwatch_check_status').slice(0, 5), [
    'tufwatch_check_status{check="tuf.consistency",status="error"} 0',
    'tufwatch_check_status{check="tuf.consistency",status="fail"} 0',
    'tufwatch_check_status{check="tuf.consistency",status="not_applicable"} 0',
    'tufwatch_check_status{check="tuf.consistency",status="pass"} 1',
    'tufwatch_check_status{check="tuf.consistency",status="warn"} 0',
  ]);

  t.same(
    samples(text, 'tufwatch_control_status').filter((line) => line.endsWith(' 1')),
    [
      'tufwatch_control_status{control="TW-01",status="pass"} 1',
      'tufwatch_control_status{control="TW-02",status="warn"} 1',
      'tufwatch_control_status{control="TW-03",status="fail"} 1',
      'tufwatch_control_status{control="TW-04",status="pass"} 1',
    ],
  );
  t.equal(samples(text, 'tufwatch_control_status').length, 4 * CHECK_STATUSES.length);

  t.same(samples(text, 'tufwatch_check_last_run_timestamp_seconds'), [
    'tufwatch_check_last_run_timestamp_seconds{check="tuf.consistency"} 1893553205.5',
    'tufwatch_check_last_run_timestamp_seconds{check="tuf.delegations"} 1893553202.5',
    'tufwatch_check_last_run_timestamp_seconds{check="tuf.expiry"} 1893553203.5',
    'tufwatch_check_last_run_timestamp_seconds{check="tuf.key-hygiene"} 1893553208.5',
    'tufwatch_check_last_run_timestamp_seconds{check="tuf.orbit-layout"} 1893553207.5',
    'tufwatch_check_last_run_timestamp_seconds{check="tuf.rollback"} 1893553204.5',
    'tufwatch_check_last_run_timestamp_seconds{check="tuf.root-chain"} 1893553201.5',
    'tufwatch_check_last_run_timestamp_seconds{check="tuf.signatures"} 1893553200.5',
    'tufwatch_check_last_run_timestamp_seconds{check="tuf.target-integrity"} 1893553206.5',
  ]);
  t.same(samples(text, 'tufwatch_check_duration_seconds').slice(0, 2), [
    'tufwatch_check_duration_seconds{check="tuf.consistency"} 1.5',
    'tufwatch_check_duration_seconds{check="tuf.delegations"} 0.75',
  ]);

  t.same(samples(text, 'tufwatch_run_duration_seconds'), ['tufwatch_run_duration_seconds 12.345']);
  t.same(samples(text, 'tufwatch_last_completed_run_timestamp_seconds'), [
    'tufwatch_last_completed_run_timestamp_seconds 1893553212.345',
  ]);
  t.same(samples(text, 'tufwatch_runs_total'), [
    'tufwatch_runs_total{result="error"} 1',
    'tufwatch_runs_total{result="fail"} 3',
    'tufwatch_runs_total{result="pass"} 120',
  ]);
  t.same(samples(text, 'tufwatch_run_in_progress'), ['tufwatch_run_in_progress 0']);
  t.same(samples(text, 'tufwatch_schedule_interval_seconds'), [
    'tufwatch_schedule_interval_seconds 300',
  ]);

  t.same(
    samples(text, 'tufwatch_tuf_role_expiry_timestamp_seconds'),
    [
      // 2034-10-05T15:57:51-05:00 is 20:57:51Z.
      'tufwatch_tuf_role_expiry_timestamp_seconds{repository="updates.fleetdm.com",role="root"} 2043694671',
      'tufwatch_tuf_role_expiry_timestamp_seconds{repository="updates.fleetdm.com",role="snapshot"} 1969704000',
      'tufwatch_tuf_role_expiry_timestamp_seconds{repository="updates.fleetdm.com",role="targets"} 1969704000',
      'tufwatch_tuf_role_expiry_timestamp_seconds{repository="updates.fleetdm.com",role="timestamp"} 1894147200',
    ],
    'expiry honours the offset of root v5; a repository with no trusted roles has no series',
  );
  t.same(samples(text, 'tufwatch_tuf_role_version'), [
    'tufwatch_tuf_role_version{repository="updates.fleetdm.com",role="root"} 5',
    'tufwatch_tuf_role_version{repository="updates.fleetdm.com",role="snapshot"} 4188',
    'tufwatch_tuf_role_version{repository="updates.fleetdm.com",role="targets"} 1203',
    'tufwatch_tuf_role_version{repository="updates.fleetdm.com",role="timestamp"} 4190',
  ]);
  t.equal(samples(text, 'tufwatch_tuf_role_valid_signatures').length, 4);
  t.equal(samples(text, 'tufwatch_tuf_role_threshold').length, 4);
  t.equal(renderMetrics(realisticMetricsInput()), text, 'the same state renders the same bytes');
  t.end();
});

t.test('before any run: every status series at 0, no run facts', (t) => {
  const text = renderMetrics(beforeAnyRun());
  t.same([...familyNames(text)], EVERY_FAMILY, 'every family is documented before the first run');
  const checkStatus = samples(text, 'tufwatch_check_status');
  t.equal(checkStatus.length, CATALOG_CHECK_IDS.length * CHECK_STATUSES.length);
  t.ok(checkStatus.every((line) => line.endsWith(' 0')));
  const controlStatus = samples(text, 'tufwatch_control_status');
  t.equal(controlStatus.length, CATALOG_CONTROL_IDS.length * CHECK_STATUSES.length);
  t.ok(controlStatus.every((line) => line.endsWith(' 0')));
  for (const absent of [
    'tufwatch_check_last_run_timestamp_seconds',
    'tufwatch_check_duration_seconds',
    'tufwatch_run_duration_seconds',
    'tufwatch_last_completed_run_timestamp_seconds',
    'tufwatch_tuf_role_expiry_timestamp_seconds',
    'tufwatch_tuf_role_version',
  ]) {
    t.same(samples(text, absent), [], `${absent}: no series, not a 0 that reads as 1970`);
  }
  t.same(samples(text, 'tufwatch_runs_total'), [
    'tufwatch_runs_total{result="error"} 0',
    'tufwatch_runs_total{result="fail"} 0',
    'tufwatch_runs_total{result="pass"} 0',
  ]);
  t.same(samples(text, 'tufwatch_run_in_progress'), ['tufwatch_run_in_progress 1']);
  t.end();
});

t.test('ids: catalog ids deduplicated, ids only the last run knows kept', (t) => {
  const input = realisticMetricsInput();
  const text = renderMetrics({
    ...input,
    checkIds: ['tuf.expiry', 'tuf.expiry', 'aws.new-check'],
    controlIds: ['TW-01', 'TW-01'],
  });
  const checks = new Set(
    samples(text, 'tufwatch_check_status').map((line) => /check="([^"]+)"/.exec(line)?.[1]),
  );
  t.same([...checks], ['aws.new-check', ...[...CATALOG_CHECK_IDS].sort()]);
  t.ok(
    samples(text, 'tufwatch_check_status')
      .filter((line) => line.includes('aws.new-check'))
      .every((line) => line.endsWith(' 0')),
    'a catalog check missing from the last run has every status at 0',
  );
  t.equal(samples(text, 'tufwatch_control_status').length, 4 * CHECK_STATUSES.length);
  t.end();
});

t.test('the oldest target verification, per repository, from tuf.target-integrity', (t) => {
  const input = realisticMetricsInput();
  const latest = input.latest as NonNullable<typeof input.latest>;
  const integrity = latest.checks.find((c) => c.id === 'tuf.target-integrity');
  if (integrity === undefined) throw new Error('no tuf.target-integrity in the fixture');
  integrity.evidence = {
    fleet: { status: 'pass', oldestHashedAt: '2030-01-01T00:00:00.000Z' },
    // Files verified, none yet with a known time; target files not checked; evidence of another shape.
    unknown: { status: 'error', oldestHashedAt: '' },
    staged: { status: 'not_applicable' },
    odd: 'not an object',
    none: null,
  };
  t.same(
    samples(renderMetrics(input), 'tufwatch_tuf_target_oldest_verification_timestamp_seconds'),
    ['tufwatch_tuf_target_oldest_verification_timestamp_seconds{repository="fleet"} 1893456000'],
  );
  t.end();
});

t.test('dates that cannot be read leave their series out', (t) => {
  const input = realisticMetricsInput();
  const latest = input.latest!;
  const text = renderMetrics({
    ...input,
    latest: {
      ...latest,
      finishedAt: undefined,
      durationMs: undefined,
      checks: latest.checks.map((c) => ({ ...c, evaluatedAt: 'yesterday' })),
    },
    repositories: [
      {
        name: 'fleet',
        roles: {
          timestamp: role(9, '2030-01-09 00:00:00'),
          root: role(5, '2034-10-05T15:57:51-05:00'),
        },
      },
    ],
  });
  t.same(samples(text, 'tufwatch_last_completed_run_timestamp_seconds'), []);
  t.same(samples(text, 'tufwatch_run_duration_seconds'), []);
  t.same(samples(text, 'tufwatch_check_last_run_timestamp_seconds'), []);
  t.equal(samples(text, 'tufwatch_check_duration_seconds').length, CATALOG_CHECK_IDS.length);
  t.same(samples(text, 'tufwatch_tuf_role_expiry_timestamp_seconds'), [
    'tufwatch_tuf_role_expiry_timestamp_seconds{repository="fleet",role="root"} 2043694671',
  ]);
  t.same(samples(text, 'tufwatch_tuf_role_version'), [
    'tufwatch_tuf_role_version{repository="fleet",role="root"} 5',
    'tufwatch_tuf_role_version{repository="fleet",role="timestamp"} 9',
  ]);
  t.end();
});

t.test('agent roots: reachable and the next break, one series per agent in the evidence', (t) => {
  const input = realisticMetricsInput();
  const latest = input.latest!;
  const agentRoots = {
    id: 'tuf.agent-roots',
    status: 'fail' as const,
    message: 'fleetd-1.0 cannot update',
    evaluatedAt: '2030-01-02T03:00:00.000Z',
    durationMs: 1,
    evidence: {
      fleet: {
        status: 'fail',
        agents: {
          'fleetd-1.0': { reachable: false, breaksAt: null },
          'fleetd-1.1': { reachable: true, breaksAt: '2030-02-01T00:00:00.000Z' },
          // Malformed entries give no series.
          'fleetd-x': null,
        },
      },
      // A repository that could not be verified has no agents in its evidence.
      staging: { status: 'error', error: 'timed out' },
      broken: null,
    },
  };
  const text = renderMetrics({
    ...input,
    latest: { ...latest, checks: [...latest.checks, agentRoots] },
  });
  t.same(samples(text, 'tufwatch_tuf_agent_root_reachable'), [
    'tufwatch_tuf_agent_root_reachable{repository="fleet",agent="fleetd-1.0"} 0',
    'tufwatch_tuf_agent_root_reachable{repository="fleet",agent="fleetd-1.1"} 1',
  ]);
  t.same(samples(text, 'tufwatch_tuf_agent_root_breaks_timestamp_seconds'), [
    'tufwatch_tuf_agent_root_breaks_timestamp_seconds{repository="fleet",agent="fleetd-1.1"} 1896134400',
  ]);
  t.end();
});

t.test(
  'TLS certificate expiry: one series per endpoint https.certificate saw a certificate on',
  (t) => {
    const input = realisticMetricsInput();
    const latest = input.latest!;
    const certificate = {
      id: 'https.certificate',
      status: 'fail' as const,
      message: 'expired',
      evaluatedAt: '2030-01-02T03:00:00.000Z',
      durationMs: 1,
      evidence: {
        endpoints: [
          { repository: 'fleet', edge: 'origin', notAfter: '2030-02-01T00:00:00.000Z' },
          { repository: 'fleet', edge: 'targets', notAfter: '2029-12-01T00:00:00.000Z' },
          // A probe that could not run saw no certificate: no series, not a 0.
          { repository: 'staging', edge: 'origin', probeError: { code: 'Timeout' } },
          { repository: 'fleet', edge: 'http' },
          null,
          'not an endpoint',
        ],
      },
    };
    const text = renderMetrics({
      ...input,
      latest: { ...latest, checks: [...latest.checks, certificate] },
    });
    t.same(samples(text, 'tufwatch_tls_certificate_expiry_timestamp_seconds'), [
      'tufwatch_tls_certificate_expiry_timestamp_seconds{repository="fleet",edge="origin"} 1896134400',
      'tufwatch_tls_certificate_expiry_timestamp_seconds{repository="fleet",edge="targets"} 1890777600',
    ]);
    const noEndpoints = renderMetrics({
      ...input,
      latest: { ...latest, checks: [{ ...certificate, evidence: {} }] },
    });
    t.same(samples(noEndpoints, 'tufwatch_tls_certificate_expiry_timestamp_seconds'), []);
    t.end();
  },
);

/** Hostile label values: repository names come from config, role names from delegations. */
function escapingInput(): MetricsInput {
  return {
    ...beforeAnyRun(),
    version: '1.0.0 "beta"\\dev',
    repositories: [
      {
        name: 'we"ird\\repo\nname',
        roles: { 'delegated\\"role"\n': role(3, '2031-01-01T00:00:00Z', 2, 1) },
      },
    ],
  };
}

t.test('label values escape backslash, double quote and newline', (t) => {
  const text = renderMetrics(escapingInput());
  t.same(samples(text, 'tufwatch_build_info'), [
    'tufwatch_build_info{version="1.0.0 \\"beta\\"\\\\dev"} 1',
  ]);
  t.same(samples(text, 'tufwatch_tuf_role_threshold'), [
    'tufwatch_tuf_role_threshold{repository="we\\"ird\\\\repo\\nname",role="delegated\\\\\\"role\\"\\n"} 2',
  ]);
  t.notOk(text.includes('repo\nname'), 'no raw newline inside a value');
  t.end();
});

t.test('promtool check metrics accepts the output', { skip: promtoolMissing }, (t) => {
  const cases: [string, MetricsInput][] = [
    ['realistic', realisticMetricsInput()],
    ['before any run', beforeAnyRun()],
    ['hostile label values', escapingInput()],
  ];
  for (const [name, input] of cases) {
    const result = promtool(['check', 'metrics'], { input: renderMetrics(input) });
    t.equal(result.status, 0, `${name}: promtool check metrics exits 0`, { output: result.output });
    t.equal(result.output, '', `${name}: no lint problems`);
  }
  t.end();
});

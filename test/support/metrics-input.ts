import { CONTROL_CATALOG, evaluateControls } from '../../checks/controls.js';
import type { CheckResult, CheckStatus } from '../../checks/types.js';
import type { RoleSummary } from '../../tuf/verify.js';
import type { MetricsInput, TrustedRoles } from '../../server/types.js';

/** The TUF controls: a deployment without AWS, whose exact series the tests spell out. */
const TUF_CATALOG = CONTROL_CATALOG.filter((c) => c.checks.every((id) => id.startsWith('tuf.')));

export const CATALOG_CHECK_IDS: readonly string[] = [
  ...new Set(TUF_CATALOG.flatMap((c) => c.checks)),
];
export const CATALOG_CONTROL_IDS: readonly string[] = TUF_CATALOG.map((c) => c.id);

export function role(
  version: number,
  expires: string,
  threshold = 1,
  validSignatures = threshold,
): RoleSummary & { firstSeenAt: string } {
  return {
    version,
    expires,
    threshold,
    validSignatures,
    keys: Math.max(threshold, validSignatures),
    length: 1024,
    sha256: 'a'.repeat(64),
    signedSha256: 'b'.repeat(64),
    firstSeenAt: '2029-12-28T00:00:00.000Z',
  };
}

/** Fleet's repository as its fixtures describe it: timestamp 14 days and re-signed weekly, root with an offset. */
export const FLEET_ROLES: TrustedRoles = {
  root: role(5, '2034-10-05T15:57:51-05:00', 1),
  targets: role(1203, '2032-06-01T12:00:00Z'),
  snapshot: role(4188, '2032-06-01T12:00:00Z'),
  timestamp: role(4190, '2030-01-09T00:00:00Z'),
};

function check(
  id: string,
  status: CheckStatus,
  evaluatedAt: string,
  durationMs: number,
): CheckResult {
  return { id, status, message: `${id} ${status}`, evidence: {}, evaluatedAt, durationMs };
}

/** A monitor at the end of a run where one check fails and one could not be evaluated. */
export function realisticMetricsInput(): MetricsInput {
  const statuses: Record<string, CheckStatus> = {
    'tuf.signatures': 'pass',
    'tuf.root-chain': 'pass',
    'tuf.delegations': 'not_applicable',
    'tuf.expiry': 'warn',
    'tuf.rollback': 'pass',
    'tuf.consistency': 'pass',
    'tuf.target-integrity': 'error',
    'tuf.orbit-layout': 'fail',
    'tuf.key-hygiene': 'pass',
  };
  const checks = CATALOG_CHECK_IDS.map((id, i) =>
    check(id, statuses[id] ?? 'error', `2030-01-02T03:00:0${i}.500Z`, 250 * (i + 1)),
  );
  return {
    version: '0.1.0',
    latest: {
      id: 42,
      startedAt: '2030-01-02T03:00:00.000Z',
      finishedAt: '2030-01-02T03:00:12.345Z',
      status: 'completed',
      trigger: 'schedule',
      result: 'fail',
      durationMs: 12_345,
      checks,
      controls: evaluateControls(TUF_CATALOG, checks),
    },
    running: false,
    runsTotal: { pass: 120, fail: 3, error: 1 },
    scheduleIntervalSeconds: 300,
    storage: { status: 'ok', failures: 2 },
    repositories: [
      { name: 'updates.fleetdm.com', roles: FLEET_ROLES },
      { name: 'staging', roles: {} },
    ],
    checkIds: CATALOG_CHECK_IDS,
    controlIds: CATALOG_CONTROL_IDS,
  };
}

/** Metric family names (from the TYPE lines) of an exposition. */
export function familyNames(exposition: string): Set<string> {
  return new Set([...exposition.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string));
}

/** The sample lines of one family, in output order. */
export function samples(exposition: string, name: string): string[] {
  return exposition
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

/** Every tufwatch metric name a text (PromQL, rules, a dashboard) mentions. */
export function tufwatchMetricNames(text: string): Set<string> {
  return new Set([...text.matchAll(/\btufwatch_[a-z0-9_]+/g)].map((m) => m[0]));
}

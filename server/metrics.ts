import { CHECK_STATUSES, type CheckResult, type CheckStatus } from '../checks/types.js';
import { parseRfc3339 } from '../tuf/time.js';
import { type MetricFamily, MetricsRegistry } from './metrics-registry.js';
import type { MetricsInput, RunDetail } from './types.js';

/** The Content-Type of `/metrics` (text exposition format 0.0.4). */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * The Prometheus exposition of the current state, computed at scrape time from
 * the last completed run, the run counts and the trusted TUF roles. Labels
 * are bounded: check and control ids come from the catalog, roles and
 * repositories from verified metadata and config, statuses and results from
 * closed unions. A value that is not known (no run yet, an unparsable date) is
 * left out rather than exposed as 0: `time() - 0` would read as "stale since 1970".
 */
export function renderMetrics(input: MetricsInput): string {
  const registry = new MetricsRegistry();
  const { latest } = input;

  registry
    .gauge('tufwatch_build_info', 'The tufwatch version running; always 1.', ['version'])
    .set({ version: input.version }, 1);

  // Every id x status from the first scrape on, so that `== 1` alerts and
  // dashboards see a series (at 0) before the first run, not an absence.
  const checkStatus = new Map(latest?.checks.map((c) => [c.id, c.status]));
  statusMatrix(
    registry.gauge(
      'tufwatch_check_status',
      'Status of each check in the last completed run: 1 for the current status, 0 for the others; all 0 before the check has run.',
      ['check', 'status'],
    ),
    'check',
    union(input.checkIds, checkStatus.keys()),
    checkStatus,
  );
  const controlStatus = new Map(latest?.controls.map((c) => [c.id, c.status]));
  statusMatrix(
    registry.gauge(
      'tufwatch_control_status',
      'Status of each control (the worst of its checks) in the last completed run: 1 for the current status, 0 for the others; all 0 before the first run.',
      ['control', 'status'],
    ),
    'control',
    union(input.controlIds, controlStatus.keys()),
    controlStatus,
  );

  const lastRun = registry.gauge(
    'tufwatch_check_last_run_timestamp_seconds',
    'When each check was last evaluated, in Unix seconds.',
    ['check'],
  );
  const checkDuration = registry.gauge(
    'tufwatch_check_duration_seconds',
    'How long each check took in the last completed run.',
    ['check'],
  );
  for (const check of latest?.checks ?? []) {
    setIfKnown(lastRun, { check: check.id }, seconds(check.evaluatedAt));
    checkDuration.set({ check: check.id }, check.durationMs / 1000);
  }

  setIfKnown(
    registry.gauge(
      'tufwatch_run_duration_seconds',
      'How long the last completed run took, from start to finish.',
    ),
    {},
    latest?.durationMs === undefined ? undefined : latest.durationMs / 1000,
  );
  setIfKnown(
    registry.gauge(
      'tufwatch_last_completed_run_timestamp_seconds',
      'When the last completed run finished, in Unix seconds; absent before the first.',
    ),
    {},
    latest?.finishedAt === undefined ? undefined : seconds(latest.finishedAt),
  );

  const runs = registry.counter(
    'tufwatch_runs_total',
    'Runs since the evidence store was created, by result: pass (no check fail or error), fail, or error (the run failed or was abandoned).',
    ['result'],
  );
  runs.set({ result: 'pass' }, input.runsTotal.pass);
  runs.set({ result: 'fail' }, input.runsTotal.fail);
  runs.set({ result: 'error' }, input.runsTotal.error);

  registry
    .gauge('tufwatch_run_in_progress', 'Whether a run is in progress now: 1 or 0.')
    .set({}, input.running ? 1 : 0);
  registry
    .gauge(
      'tufwatch_schedule_interval_seconds',
      'Configured time between scheduled runs; alerts compare run age with it.',
    )
    .set({}, input.scheduleIntervalSeconds);
  if (input.storage !== undefined) {
    registry
      .counter(
        'tufwatch_store_failures_total',
        'Writes the evidence store refused since the process started (a run, its failure, or trusted state not stored).',
      )
      .set({}, input.storage.failures);
    registry
      .gauge(
        'tufwatch_storage_degraded',
        'Whether runs are not being stored now: 1 from a refused write until a run is stored again, else 0.',
      )
      .set({}, input.storage.status === 'degraded' ? 1 : 0);
  }

  roleMetrics(registry, input.repositories);
  targetMetrics(registry, latest);
  certificateMetrics(
    registry,
    latest?.checks.find((c) => c.id === 'https.certificate'),
  );
  agentRootMetrics(
    registry,
    latest?.checks.find((c) => c.id === 'tuf.agent-roots'),
  );
  return registry.render();
}

/**
 * From the evidence of the last run's `tuf.agent-roots`: one series per
 * configured agent root (`agent` names come from config, so labels stay bounded).
 */
function agentRootMetrics(registry: MetricsRegistry, check: CheckResult | undefined): void {
  const reachable = registry.gauge(
    'tufwatch_tuf_agent_root_reachable',
    "Whether an agent embedding each configured root reaches today's root and a verified timestamp, snapshot and targets: 1 or 0.",
    ['repository', 'agent'],
  );
  const breaks = registry.gauge(
    'tufwatch_tuf_agent_root_breaks_timestamp_seconds',
    "When each agent root's update path next breaks (when the final root it reaches expires; online roles are re-signed routinely), in Unix seconds; absent when it cannot update now.",
    ['repository', 'agent'],
  );
  for (const [repository, facts] of Object.entries(check?.evidence ?? {})) {
    const agents = (facts as { agents?: unknown } | null)?.agents;
    if (typeof agents !== 'object' || agents === null) continue;
    for (const [agent, evidence] of Object.entries(agents)) {
      const { reachable: ok, breaksAt } = (evidence ?? {}) as Record<string, unknown>;
      if (typeof ok === 'boolean') reachable.set({ repository, agent }, ok ? 1 : 0);
      setIfKnown(
        breaks,
        { repository, agent },
        typeof breaksAt === 'string' ? seconds(breaksAt) : undefined,
      );
    }
  }
}

/**
 * When each repository's least recently hashed target file was last hashed,
 * from the evidence of tuf.target-integrity in the last completed run. A
 * timestamp rather than an age, like the other `_timestamp_seconds` gauges:
 * `time() - x` keeps growing between scrapes even if runs stop.
 */
function targetMetrics(registry: MetricsRegistry, latest: RunDetail | undefined): void {
  const oldest = registry.gauge(
    'tufwatch_tuf_target_oldest_verification_timestamp_seconds',
    "When the bytes of each repository's least recently verified target file were last hashed against trusted metadata, in Unix seconds; absent when target files are not checked.",
    ['repository'],
  );
  const evidence = latest?.checks.find((c) => c.id === 'tuf.target-integrity')?.evidence ?? {};
  for (const [repository, facts] of Object.entries(evidence)) {
    const at = (facts as { oldestHashedAt?: unknown } | null)?.oldestHashedAt;
    setIfKnown(oldest, { repository }, typeof at === 'string' ? seconds(at) : undefined);
  }
}

/**
 * From the evidence of the last run's `https.certificate`: one series per
 * endpoint whose certificate was seen (`edge` is `origin`, `targets` or an
 * edge's name, all from config, so labels stay bounded).
 */
function certificateMetrics(registry: MetricsRegistry, check: CheckResult | undefined): void {
  const expiry = registry.gauge(
    'tufwatch_tls_certificate_expiry_timestamp_seconds',
    'When the TLS certificate each repository endpoint presents expires (notAfter), in Unix seconds.',
    ['repository', 'edge'],
  );
  const endpoints = check?.evidence.endpoints;
  if (!Array.isArray(endpoints)) return;
  for (const endpoint of endpoints as unknown[]) {
    if (typeof endpoint !== 'object' || endpoint === null) continue;
    const { repository, edge, notAfter } = endpoint as Record<string, unknown>;
    if (typeof repository !== 'string' || typeof edge !== 'string' || typeof notAfter !== 'string')
      continue;
    setIfKnown(expiry, { repository, edge }, seconds(notAfter));
  }
}

function roleMetrics(registry: MetricsRegistry, repositories: MetricsInput['repositories']): void {
  const labels = ['repository', 'role'] as const;
  const expiry = registry.gauge(
    'tufwatch_tuf_role_expiry_timestamp_seconds',
    'When the trusted metadata of each TUF role expires, in Unix seconds.',
    labels,
  );
  const version = registry.gauge(
    'tufwatch_tuf_role_version',
    'Version of the trusted metadata of each TUF role; a decrease is a rollback.',
    labels,
  );
  const signatures = registry.gauge(
    'tufwatch_tuf_role_valid_signatures',
    'Valid signatures, by distinct authorized keys, on the trusted metadata of each TUF role.',
    labels,
  );
  const threshold = registry.gauge(
    'tufwatch_tuf_role_threshold',
    'Signatures each TUF role needs, as its delegator sets.',
    labels,
  );
  for (const { name, roles } of repositories) {
    for (const [role, summary] of Object.entries(roles)) {
      const series = { repository: name, role };
      // TUF expiries may carry offsets (Fleet's root v5: -05:00): RFC 3339, not Date.parse.
      setIfKnown(expiry, series, seconds(summary.expires));
      version.set(series, summary.version);
      signatures.set(series, summary.validSignatures);
      threshold.set(series, summary.threshold);
    }
  }
}

function statusMatrix<L extends 'check' | 'control'>(
  family: MetricFamily<L | 'status'>,
  label: L,
  ids: readonly string[],
  current: ReadonlyMap<string, CheckStatus>,
): void {
  for (const id of ids) {
    for (const status of CHECK_STATUSES) {
      const labels = { [label]: id, status } as Record<L | 'status', string>;
      family.set(labels, current.get(id) === status ? 1 : 0);
    }
  }
}

/** Catalog ids, plus any id the last run reported that the catalog no longer lists. */
function union(ids: readonly string[], more: Iterable<string>): string[] {
  return [...new Set([...ids, ...more])];
}

function seconds(rfc3339: string): number | undefined {
  const date = parseRfc3339(rfc3339);
  return date === undefined ? undefined : date.getTime() / 1000;
}

function setIfKnown<L extends string>(
  family: MetricFamily<L>,
  labels: Readonly<Record<L, string>>,
  value: number | undefined,
): void {
  if (value !== undefined) family.set(labels, value);
}

import type { TrustedRoles } from '../../server/types.js';
import { own, setOwn } from '../../tuf/records.js';
import type { RoleSummary } from '../../tuf/verify.js';
import type { CheckDefinition } from '../types.js';
import { capped, checkedOutRoles, evaluateRepositories, TOP_LEVEL_ROLES } from './common.js';

const TOP_LEVEL: ReadonlySet<string> = new Set(TOP_LEVEL_ROLES);

type PreviousRoles = Readonly<Record<string, RoleSummary & { firstSeenAt?: string }>>;

/**
 * TUF 5.4.3, 5.5.5, 5.6.4 across runs: no role's version goes backwards and no
 * top-level role disappears; and the timestamp keeps moving (a freeze attack, or
 * a re-signing job that stopped, looks the same: agents stop updating when it expires).
 * A version that went back because root rotated the keys that vouched for the
 * old one is a recovery from a fast-forward attack (TUF 5.3.11): a warning. A
 * delegated role no longer delegated is not a rollback: snapshot's listing
 * (compared by the verifier) is what protects its file.
 */
export const rollbackCheck: CheckDefinition = {
  id: 'tuf.rollback',
  title: 'TUF metadata never goes backwards and the timestamp keeps moving',
  component: 'tuf-repository',
  severity: 'critical',
  criteria: ['CC7.1', 'CC8.1'],
  remediation:
    'Rollback or missing role: find who published (CloudTrail PutObject on the bucket) and compare the files with the last good version in the evidence. ' +
    'If it was a mistaken upload, publish the current metadata again, with versions above the ones in the evidence. ' +
    'If nobody on the team did it, treat it as a compromise: restore the last good metadata and rotate the keys of the affected roles (`fleetctl updates rotate <role>`). ' +
    'Frozen timestamp: re-sign it with `fleetctl updates timestamp --path <repo>`, publish timestamp.json, and fix the weekly re-signing job; if it was re-signed but the live file did not change, check the bucket and CDN caches.',
  evaluate: (data) =>
    evaluateRepositories(
      {
        roles: TOP_LEVEL_ROLES,
        evaluate(repo, { now, settings }) {
          const { report, previous } = repo;
          // Versions and the timestamp's movement are read from what checked out: an unsigned
          // timestamp.json posted every run must not make a frozen timestamp look re-signed.
          const { roles: trusted } = checkedOutRoles(repo);
          const findings = report.findings.filter((f) => f.code === 'VERSION_ROLLBACK');
          const recoveries = report.findings.filter((f) => f.code === 'FAST_FORWARD_RECOVERY');
          const versions = Object.fromEntries(
            Object.entries(trusted).map(([role, r]) => [role, r.version]),
          );
          if (previous === undefined || Object.keys(previous).length === 0) {
            return {
              status: findings.length > 0 ? 'fail' : 'pass',
              problems: findings.map((f) => f.message),
              evidence: { baseline: true, roles: versions, findings: capped(findings) },
              summary: 'no previous run: baseline recorded',
            };
          }
          // A role that did not load because a fetch failed is not known to be gone: that is an error, not a fail.
          const fetchFailed = report.findings.some((f) => f.code === 'FETCH_FAILED');
          const rolledBack: { role: string; previous: number; current: number }[] = [];
          const recovered: { role: string; previous: number; current: number }[] = [];
          const reset = new Set(report.recoveredRoles ?? []);
          const disappeared: { role: string; previous: number }[] = [];
          const roles: Record<string, { previous: number; current: number | null }> = {};
          for (const [role, before] of Object.entries(previous)) {
            const current = own(trusted, role);
            setOwn(roles, role, { previous: before.version, current: current?.version ?? null });
            if (current === undefined) {
              if (!fetchFailed && TOP_LEVEL.has(role))
                disappeared.push({ role, previous: before.version });
            } else if (current.version < before.version) {
              const entry = { role, previous: before.version, current: current.version };
              (reset.has(role) ? recovered : rolledBack).push(entry);
            }
          }
          const timestamp = freeze(
            previous,
            own(trusted, 'timestamp'),
            now,
            settings.timestampFreezeSeconds,
          );
          const problems = [
            ...rolledBack.map(
              (r) => `${r.role} went from version ${r.previous} back to ${r.current}`,
            ),
            ...disappeared.map((r) => `${r.role} (version ${r.previous} last run) is gone`),
            ...(timestamp?.frozen === true
              ? [
                  `timestamp unchanged since ${timestamp.firstSeenAt} (more than ${days(settings.timestampFreezeSeconds)} days): nobody re-signs it`,
                ]
              : []),
          ];
          // The verifier's own findings, unless they name a role already listed above.
          const named = new Set([...rolledBack, ...disappeared].map((r) => r.role));
          problems.push(
            ...findings
              .filter((f) => f.role === undefined || !named.has(f.role))
              .map((f) => f.message),
          );
          const recovery = recovered.length > 0 || recoveries.length > 0;
          return {
            status: problems.length > 0 ? 'fail' : recovery ? 'warn' : 'pass',
            problems,
            evidence: {
              baseline: false,
              roles,
              rolledBack,
              disappeared,
              recovered,
              timestamp: timestamp ?? null,
              findings: capped([...findings, ...recoveries]),
            },
            summary: recovery
              ? `recovered from a fast-forward attack: root rotated keys and ${recovered.map((r) => `${r.role} went from version ${r.previous} to ${r.current}`).join(', ') || 'snapshot listings were reset'}`
              : 'no version went backwards and the timestamp moves',
          };
        },
      },
      data,
    ),
};

const days = (seconds: number): string => (seconds / 86_400).toFixed(1);

interface FreezeEvidence {
  sha256: string;
  changed: boolean;
  /** When the current timestamp content was first seen, when it is unchanged. */
  firstSeenAt: string | null;
  unchangedSeconds: number | null;
  freezeSeconds: number;
  frozen: boolean;
}

function freeze(
  previous: PreviousRoles,
  current: RoleSummary | undefined,
  now: Date,
  freezeSeconds: number,
): FreezeEvidence | undefined {
  const before = previous.timestamp;
  if (current === undefined || before === undefined) return undefined;
  const changed = current.sha256 !== before.sha256;
  const since = changed ? undefined : before.firstSeenAt;
  const sinceMs = since === undefined ? NaN : Date.parse(since);
  const unchangedSeconds = Number.isNaN(sinceMs)
    ? null
    : Math.floor((now.getTime() - sinceMs) / 1000);
  return {
    sha256: current.sha256,
    changed,
    firstSeenAt: since ?? null,
    unchangedSeconds,
    freezeSeconds,
    frozen: unchangedSeconds !== null && unchangedSeconds > freezeSeconds,
  };
}

/**
 * The trusted roles to store after a run. `firstSeenAt` stays while a role's
 * bytes (sha256) are unchanged and is `now` otherwise: that is how a frozen
 * timestamp is told from one re-signed on time. Like a TUF client (5.4.3,
 * 5.5.5), the baseline never goes backwards: a role offered at a lower version
 * keeps its trusted entry, and so does a role that did not load (a fetch
 * failure must not erase it), so a rollback keeps failing until it is fixed.
 * A role that did not check out (`untrusted`: bad signatures, or bytes its
 * parent does not list) is never stored: an unsigned file with a huge version
 * would otherwise make every later, genuine version read as a rollback.
 * A role `recovered` from a fast-forward attack (root rotated the keys that
 * vouched for its old version, TUF 5.3.11) starts again from its new version,
 * as a client that dropped the old file does.
 */
export function nextTrustedRoles(
  previous: PreviousRoles | undefined,
  roles: Readonly<Record<string, RoleSummary>>,
  now: Date,
  untrusted: readonly string[] = [],
  recovered: readonly string[] = [],
): TrustedRoles {
  const at = now.toISOString();
  const next: TrustedRoles = {};
  const checkedOut = (role: string): RoleSummary | undefined =>
    untrusted.includes(role) ? undefined : own(roles, role);
  for (const [role, before] of Object.entries(previous ?? {})) {
    const current = checkedOut(role);
    if (current === undefined || (current.version < before.version && !recovered.includes(role))) {
      setOwn(next, role, { ...before, firstSeenAt: before.firstSeenAt ?? at });
    }
  }
  for (const [role, current] of Object.entries(roles)) {
    if (Object.hasOwn(next, role) || untrusted.includes(role)) continue;
    const before = previous === undefined ? undefined : own(previous, role);
    const unchanged = before !== undefined && before.sha256 === current.sha256;
    setOwn(next, role, {
      ...current,
      firstSeenAt: (unchanged ? before.firstSeenAt : undefined) ?? at,
    });
  }
  return next;
}

import { finding, type Finding } from './findings.js';
import { own } from './records.js';
import type { RoleSummary } from './verify.js';

/**
 * What a transition from one trusted state to the next may do (TUF 5.4.3,
 * 5.5.5, 5.3.11): no version goes backwards, a changed role has a new version,
 * snapshot keeps listing every file it listed, at no lower version; except
 * where root rotated the keys that vouched for the old version, which is how a
 * repository recovers from a fast-forward attack.
 */
type States = Readonly<Record<string, RoleSummary>>;

/** Which trusted versions a key rotation in the root chain resets (TUF 5.3.11). */
export interface Resets {
  /** Roles whose own version may go down: timestamp (its keys), snapshot (listed by timestamp), targets roles (listed by snapshot). */
  roles: ReadonlySet<string>;
  /** The files snapshot listed may drop or go down: the snapshot keys were rotated. */
  snapshotListing: boolean;
}

const NO_RESETS: Resets = { roles: new Set(), snapshotListing: false };

/**
 * Whether the keys that signed `before` were rotated away by the time of `after`:
 * fewer than the new threshold of the old keyids are still keys of the role.
 *
 * This is when every client drops the file it kept: python-tuf's ngclient
 * verifies its cached timestamp and snapshot with the new root and drops them
 * when they no longer meet its threshold (even one signed by every old key
 * cannot, here); go-tuf drops them when the keyids or the threshold changed,
 * and python-tuf's legacy updater when the keyids changed (both implied). A
 * rotation that some client does not see as one would leave that client
 * refusing the recovered repository, so nothing weaker is accepted. States
 * recorded before keyids were kept cannot show a rotation: the rollback stays.
 */
export function keysRotated(
  before: RoleSummary | undefined,
  after: RoleSummary | undefined,
): boolean {
  if (before?.keyids === undefined || after?.keyids === undefined) return false;
  const now = new Set(after.keyids);
  const kept = new Set(before.keyids.filter((keyid) => now.has(keyid)));
  return kept.size < after.threshold;
}

/**
 * The resets a transition earns: timestamp keys rotated reset timestamp and the
 * snapshot version it vouches for; snapshot keys rotated reset what snapshot
 * lists (targets and every delegated role). Only a root that continues the old
 * state's root through a chain that checked out (`rootContinues`) can rotate
 * keys: a forged root, or another repository's, must not turn a rollback into
 * a recovery.
 */
export function resetsOf(before: States, after: States, rootContinues: boolean): Resets {
  if (!rootContinues) return NO_RESETS;
  const roles = new Set<string>();
  if (keysRotated(own(before, 'timestamp'), own(after, 'timestamp'))) {
    roles.add('timestamp').add('snapshot');
  }
  const snapshotListing = keysRotated(own(before, 'snapshot'), own(after, 'snapshot'));
  if (snapshotListing) {
    for (const role of Object.keys(before)) {
      if (!['root', 'timestamp', 'snapshot'].includes(role)) roles.add(role);
    }
  }
  return { roles, snapshotListing };
}

/** Which role's keys vouch for a role's version: its parent in the chain of version listings. */
function voucherOf(role: string): string {
  if (role === 'timestamp' || role === 'snapshot') return 'timestamp';
  return 'snapshot';
}

/** Roles whose baseline a key rotation reset: they went back in version, and that was a recovery. */
export function recoveredRoles(findings: readonly Finding[]): string[] {
  return findings
    .filter((f) => f.code === 'FAST_FORWARD_RECOVERY' && f.file === undefined)
    .map((f) => f.role as string);
}

/**
 * Findings of the transition from `before` to `after`. A role that is gone is
 * not a rollback: a missing top-level role is reported where it is read, and
 * removing a delegation is a repository's right; what protects a delegated
 * role's file is snapshot's listing (TUF 5.5.5), compared here.
 */
export function compareStates(before: States, after: States, rootContinues: boolean): Finding[] {
  const resets = resetsOf(before, after, rootContinues);
  const findings: Finding[] = [];
  for (const [role, was] of Object.entries(before)) {
    const now = own(after, role);
    if (now === undefined) continue;
    const details = { role, expected: was.version, actual: now.version };
    if (now.version < was.version) {
      findings.push(
        resets.roles.has(role)
          ? finding(
              'FAST_FORWARD_RECOVERY',
              `${role} went from version ${was.version} back to ${now.version}, accepted because root rotated the ${voucherOf(role)} keys (TUF 5.3.11)`,
              details,
            )
          : finding(
              'VERSION_ROLLBACK',
              `${role} went from version ${was.version} back to ${now.version}`,
              details,
            ),
      );
    } else if (
      now.version === was.version &&
      now.signedSha256 !== was.signedSha256 &&
      !resets.roles.has(role)
    ) {
      findings.push(
        finding(
          'VERSION_MISMATCH',
          `${role} changed but kept version ${now.version}: clients that have it will not update`,
          { ...details, expected: was.version + 1 },
        ),
      );
    }
  }
  findings.push(
    ...compareSnapshotMeta(
      own(before, 'snapshot')?.meta,
      own(after, 'snapshot')?.meta,
      resets.snapshotListing,
    ),
  );
  return findings;
}

/** TUF 5.5.5: every file the trusted snapshot listed is still listed, at no lower version. */
function compareSnapshotMeta(
  before: Readonly<Record<string, number>> | undefined,
  now: Readonly<Record<string, number>> | undefined,
  reset: boolean,
): Finding[] {
  if (before === undefined || now === undefined) return [];
  const findings: Finding[] = [];
  for (const [file, version] of Object.entries(before)) {
    const listed = own(now, file);
    if (listed !== undefined && listed >= version) continue;
    const details = { role: 'snapshot', file, expected: version, actual: listed };
    const what =
      listed === undefined
        ? `snapshot no longer lists ${file} (version ${version} before)`
        : `snapshot lists ${file} at version ${listed}, lower than the ${version} listed before`;
    findings.push(
      reset
        ? finding(
            'FAST_FORWARD_RECOVERY',
            `${what}, accepted because root rotated the snapshot keys (TUF 5.3.11)`,
            details,
          )
        : finding(
            'VERSION_ROLLBACK',
            `${what}: clients that have the old snapshot refuse the new one`,
            details,
          ),
    );
  }
  return findings;
}

import type { ControlDefinition, ControlResult } from '../server/types.js';
import type { CheckResult, CheckStatus } from './types.js';

/**
 * The built-in control catalog, scoped to the audited system: the update
 * service (TUF repository, the bucket that hosts it, the trail that records
 * changes to it). Config may add, rename or drop controls.
 */
export const CONTROL_CATALOG: readonly ControlDefinition[] = [
  {
    id: 'TW-01',
    title: 'Updates are signed by authorized keys',
    description:
      'Every piece of update metadata carries signatures from the threshold of distinct keys its delegator authorizes, and every root rotation is signed by the old and the new root keys.',
    criteria: ['CC6.1', 'CC8.1'],
    checks: ['tuf.signatures', 'tuf.root-chain', 'tuf.delegations'],
  },
  {
    id: 'TW-02',
    title: 'Update metadata is fresh and never rolled back',
    description:
      'Metadata is re-signed before it expires, the timestamp keeps moving, and no version goes backwards between runs.',
    criteria: ['CC7.1', 'A1.2'],
    checks: ['tuf.expiry', 'tuf.rollback'],
  },
  {
    id: 'TW-03',
    title: 'Published updates are intact and consistent',
    description:
      'Metadata files match the versions, lengths and hashes their parents list, target files match their signed hashes, and every expected Orbit channel points at a signed release.',
    criteria: ['CC8.1', 'PI1.4', 'PI1.5'],
    checks: ['tuf.consistency', 'tuf.target-integrity', 'tuf.orbit-layout'],
  },
  {
    id: 'TW-04',
    title: 'Signing keys are managed safely',
    description:
      'Online keys are separate from root keys, root needs more than one key, and every keyid is the hash of its key.',
    criteria: ['CC6.1'],
    checks: ['tuf.key-hygiene'],
  },
  {
    id: 'TW-05',
    title: 'The update bucket is locked down',
    description:
      'Nobody outside the account can write the bucket that hosts the repository or change its policy or ACLs; it is not public except through CloudFront; it refuses plain HTTP; versions are kept and their deletion is guarded; access is logged.',
    criteria: ['CC6.1', 'CC6.6', 'CC6.7', 'CC6.8', 'A1.2'],
    checks: [
      's3.not-public-write',
      's3.no-cross-account-write',
      's3.block-public-access',
      's3.account-block-public-access',
      's3.policy-status',
      's3.acls-disabled',
      's3.tls-only',
      's3.versioning',
      's3.mfa-delete',
      's3.object-lock',
      's3.encryption',
      's3.access-logging',
    ],
  },
  {
    id: 'TW-06',
    title: 'Changes to the update service are recorded',
    description:
      'A trail covering the bucket region is logging management events and every write to the repository objects, delivers its logs encrypted and integrity-validated, and the bucket and trail were changed only by allowed principals.',
    criteria: ['CC7.2', 'CC7.3', 'CC8.1'],
    checks: [
      'cloudtrail.logging',
      'cloudtrail.delivery',
      'cloudtrail.log-validation',
      'cloudtrail.kms',
      'cloudtrail.s3-write-data-events',
      'cloudtrail.config-changes',
    ],
  },
  {
    id: 'TW-07',
    title: 'Agents can always reach a consistent, authentic repository',
    description:
      'Agents holding every shipped root can walk the root chain to the current repository, and will still be able to for the look-ahead period. The HTTPS endpoints agents connect to present a valid certificate for their host, refuse TLS 1.0 and 1.1, and enforce HTTPS with HSTS.',
    criteria: ['A1.2', 'CC6.7', 'PI1.4'],
    checks: ['tuf.agent-roots', 'https.certificate', 'https.protocol', 'https.hsts'],
  },
];

/** fail > error > warn > pass > not_applicable: a control is as bad as its worst check. */
const SEVERITY_ORDER: Record<CheckStatus, number> = {
  not_applicable: 0,
  pass: 1,
  warn: 2,
  error: 3,
  fail: 4,
};

export function worstStatus(statuses: readonly CheckStatus[]): CheckStatus {
  let worst: CheckStatus = 'not_applicable';
  for (const s of statuses) if (SEVERITY_ORDER[s] > SEVERITY_ORDER[worst]) worst = s;
  return worst;
}

/**
 * Rolls check results up into controls. A check listed by a control but with no
 * result (not registered, not run) makes the control `error`: what could not
 * be evaluated is never a pass.
 */
export function evaluateControls(
  catalog: readonly ControlDefinition[],
  results: readonly CheckResult[],
): ControlResult[] {
  const byId = new Map(results.map((r) => [r.id, r]));
  return catalog.map((control) => {
    const checks = control.checks.map((id) => ({ id, status: byId.get(id)?.status ?? 'error' }));
    return {
      id: control.id,
      title: control.title,
      status: worstStatus(checks.map((c) => c.status)),
      checks,
    };
  });
}

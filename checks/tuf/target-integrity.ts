import { parseRfc3339 } from '../../tuf/time.js';
import type { HashReason, VerifiedTarget, VerifyReport } from '../../tuf/verify.js';
import type { CheckDefinition } from '../types.js';
import { capped, evaluateRepositories, type RepositoryOutcome } from './common.js';

const CODES = new Set(['TARGET_MISSING', 'TARGET_HASH_MISMATCH']);
/**
 * Targets named per list in evidence. Evidence is stored at every run (every
 * 5 minutes by default), so it names the oldest hashes and what this run
 * hashed, not every file: the chain of runs tells when each file was hashed.
 */
export const MAX_EVIDENCE_TARGETS = 200;
const HOUR_MS = 3600 * 1000;

/** TUF 5.7.3: every target file a client can resolve matches its signed length and hashes. */
export const targetIntegrityCheck: CheckDefinition = {
  id: 'tuf.target-integrity',
  title: 'Published target files match their signed lengths and hashes',
  component: 'tuf-repository',
  severity: 'critical',
  criteria: ['CC8.1', 'PI1.4'],
  remediation:
    'A target file is missing or its bytes differ from what targets metadata signs: agents refuse it, and replaced bytes can be an attempt to ship a modified binary. ' +
    'Do not re-sign the file as it is. Find who wrote it (CloudTrail PutObject on the bucket), and upload again the exact artifact your release pipeline built and signed (compare its sha512 with the metadata). ' +
    'If nobody on the team replaced it, treat the bucket as compromised: restrict write access and review the other targets. ' +
    'If the delegation walk stopped at a size limit (SIZE_LIMIT_EXCEEDED), the targets below it were not checked: raise `verification.limits` or fix the delegation graph.',
  evaluate: (data) =>
    evaluateRepositories(
      {
        roles: ['targets'],
        // Bytes that match a forged targets.json prove nothing.
        readsContentOf: ['targets'],
        evaluate({ report }, { now, settings }) {
          return evaluateTargets(report, now, settings.targetReverifyHours);
        },
      },
      data,
    ),
};

function evaluateTargets(
  report: VerifyReport,
  now: Date,
  reverifyHours: number,
): RepositoryOutcome {
  const findings = report.findings.filter((f) => CODES.has(f.code));
  const verified = report.verifiedTargets;
  const counts = {
    targetCount: report.targetCount,
    verified: verified === undefined ? null : Object.keys(verified).length,
    failed: findings.length,
  };
  const evidence = {
    ...counts,
    findings: capped(findings),
    ...(verified !== undefined && hashEvidence(verified, report.hashedTargets)),
  };
  if (findings.length > 0)
    return { status: 'fail', problems: findings.map((f) => f.message), evidence };
  // The delegation walk stopped at a limit: targets below the cut were never resolved, so
  // counting the ones that were proves nothing about the rest (issue: "can never pass").
  const cut = report.findings.filter((f) => f.code === 'SIZE_LIMIT_EXCEEDED');
  if (cut.length > 0) {
    return {
      status: 'error',
      problems: cut.map((f) => `not every target was reached: ${f.message}`),
      evidence: { ...evidence, sizeLimitExceeded: capped(cut) },
    };
  }
  // Paths listed only by roles that did not verify through the delegation followed: not
  // trusted, so not checked; the files a client would install there are unknown.
  const untrusted = report.untrustedTargets ?? 0;
  if (untrusted > 0) {
    return {
      status: 'error',
      problems: [
        `${untrusted} listed target paths are reached only through delegated roles that did not verify`,
      ],
      evidence: { ...evidence, untrustedTargets: untrusted },
    };
  }
  const notPresent = report.findings.find((f) => f.code === 'TARGETS_NOT_PRESENT');
  if (notPresent !== undefined || verified === undefined) {
    const reason =
      notPresent === undefined
        ? 'target files were not checked (metadata only)'
        : `target files were not checked: ${notPresent.message}`;
    return {
      status: 'not_applicable',
      problems: [],
      evidence: { ...evidence, targetsChecked: false, reason },
      summary: reason,
    };
  }
  const unverified = report.targetCount - Object.keys(verified).length;
  if (unverified > 0) {
    return {
      status: 'error',
      problems: [`${unverified} of ${report.targetCount} target files were not verified`],
      evidence: { ...evidence, targetsChecked: true },
    };
  }
  // Known good long ago is not known good now: bytes can be replaced without a trace in metadata.
  const stale = staleTargets(verified, now, reverifyHours);
  if (stale.length > 0) {
    return {
      status: 'error',
      problems: [
        `${stale.length} target files were last hashed more than ${reverifyHours} h ago (checks.targetReverifyHours), first ${stale[0]}`,
      ],
      evidence: { ...evidence, targetsChecked: true, stale: stale.slice(0, MAX_EVIDENCE_TARGETS) },
    };
  }
  return {
    status: 'pass',
    problems: [],
    evidence: { ...evidence, targetsChecked: true },
    summary: `${report.targetCount} target files verified`,
  };
}

/**
 * When the least recently hashed targets were last hashed (oldest first,
 * capped) and what this run hashed, with why: the evidence that known good
 * files are not trusted forever.
 */
function hashEvidence(
  verified: Readonly<Record<string, VerifiedTarget>>,
  hashed: Readonly<Record<string, HashReason>> = {},
): Record<string, unknown> {
  const byAge = Object.entries(verified).sort(
    ([a, x], [b, y]) => timeOf(x) - timeOf(y) || (a < b ? -1 : 1),
  );
  const hashedThisRun: Partial<Record<HashReason, number>> = {};
  for (const reason of Object.values(hashed))
    hashedThisRun[reason] = (hashedThisRun[reason] ?? 0) + 1;
  const oldest = byAge[0];
  return {
    ...(oldest !== undefined && { oldestHashedAt: oldest[1].hashedAt, oldestTarget: oldest[0] }),
    hashedThisRun,
    hashed: Object.fromEntries(Object.entries(hashed).slice(0, MAX_EVIDENCE_TARGETS)),
    // Changed validators are the host saying a file changed: worth naming even when the bytes match.
    validatorsChanged: Object.keys(hashed)
      .filter((path) => hashed[path] === 'validators')
      .slice(0, MAX_EVIDENCE_TARGETS),
    lastHashed: Object.fromEntries(
      byAge.slice(0, MAX_EVIDENCE_TARGETS).map(([path, t]) => [path, t.hashedAt]),
    ),
    ...(byAge.length > MAX_EVIDENCE_TARGETS && {
      lastHashedOmitted: byAge.length - MAX_EVIDENCE_TARGETS,
    }),
  };
}

function staleTargets(
  verified: Readonly<Record<string, VerifiedTarget>>,
  now: Date,
  hours: number,
): string[] {
  const limit = now.getTime() - hours * HOUR_MS;
  return Object.entries(verified)
    .filter(([, t]) => timeOf(t) < limit)
    .map(([path]) => path)
    .sort();
}

/** An unknown time sorts first and is stale: it was never shown to be recent. */
function timeOf(target: VerifiedTarget): number {
  return parseRfc3339(target.hashedAt)?.getTime() ?? -Infinity;
}

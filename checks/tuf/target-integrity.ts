import type { CheckDefinition } from '../types.js';
import { capped, evaluateRepositories } from './common.js';

const CODES = new Set(['TARGET_MISSING', 'TARGET_HASH_MISMATCH']);

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
    'If nobody on the team replaced it, treat the bucket as compromised: restrict write access and review the other targets.',
  evaluate: (data) =>
    evaluateRepositories(
      {
        roles: ['targets'],
        evaluate({ report }) {
          const findings = report.findings.filter((f) => CODES.has(f.code));
          const counts = {
            targetCount: report.targetCount,
            verified:
              report.verifiedTargets === undefined
                ? null
                : Object.keys(report.verifiedTargets).length,
            failed: findings.length,
          };
          const evidence = { ...counts, findings: capped(findings) };
          if (findings.length > 0)
            return { status: 'fail', problems: findings.map((f) => f.message), evidence };
          const notPresent = report.findings.find((f) => f.code === 'TARGETS_NOT_PRESENT');
          if (notPresent !== undefined || report.verifiedTargets === undefined) {
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
          const unverified = report.targetCount - Object.keys(report.verifiedTargets).length;
          if (unverified > 0) {
            return {
              status: 'error',
              problems: [`${unverified} of ${report.targetCount} target files were not verified`],
              evidence: { ...evidence, targetsChecked: true },
            };
          }
          return {
            status: 'pass',
            problems: [],
            evidence: { ...evidence, targetsChecked: true },
            summary: `${report.targetCount} target files verified`,
          };
        },
      },
      data,
    ),
};

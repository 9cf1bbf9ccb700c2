import type { CheckDefinition } from '../types.js';
import { findingCheck, roleFacts, TOP_LEVEL_ROLES } from './common.js';

/** TUF 5.5.2-5.5.5, 5.6.2-5.6.4: each metadata file is well-formed and is exactly what its parent lists. */
export const consistencyCheck: CheckDefinition = {
  id: 'tuf.consistency',
  title: 'TUF metadata files are well-formed and match what their parents list',
  component: 'tuf-repository',
  severity: 'high',
  criteria: ['CC8.1', 'PI1.4'],
  remediation:
    'A metadata file is missing, malformed, or differs from the version, length or hashes timestamp or snapshot list for it: agents will refuse to update. ' +
    'Usually a partial or out-of-order upload: publish the complete set from the same signing run again (targets and delegated roles first, then snapshot, then timestamp) and re-run the check. ' +
    'If no upload happened, treat it as tampering: restore the last good metadata and check who wrote to the bucket (CloudTrail).',
  evaluate: findingCheck({
    roles: TOP_LEVEL_ROLES,
    fail: [
      'VERSION_MISMATCH',
      'LENGTH_MISMATCH',
      'HASH_MISMATCH',
      'METADATA_MISSING',
      'MALFORMED_METADATA',
      'WRONG_METADATA_TYPE',
      'UNSUPPORTED_SPEC_VERSION',
      'SIZE_LIMIT_EXCEEDED',
    ],
    facts: (report) => ({ roles: roleFacts(report, ['version', 'length', 'sha256']) }),
  }),
};

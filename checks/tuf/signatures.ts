import type { CheckDefinition } from '../types.js';
import { findingCheck, roleFacts, TOP_LEVEL_ROLES } from './common.js';

/** TUF 5.3-5.6: every role is signed by a threshold of distinct keys its delegator authorizes. */
export const signaturesCheck: CheckDefinition = {
  id: 'tuf.signatures',
  title: 'Every TUF role meets its signature threshold with distinct authorized keys',
  component: 'tuf-repository',
  severity: 'critical',
  criteria: ['CC6.1', 'CC8.1'],
  remediation:
    'Fail: a role is not signed by enough authorized keys, so agents reject it or it was tampered with. ' +
    'Find the role in the evidence and compare the published file with the last one your release pipeline signed. ' +
    'If you published it, re-sign it with the right keys (timestamp: `fleetctl updates timestamp`; targets and snapshot: re-run `fleetctl updates add`) and publish. ' +
    'If nobody on the team did, restore the last good metadata and rotate the keys of that role (`fleetctl updates rotate`). ' +
    'Warn: remove invalid or duplicate signatures and keys at the next signing.',
  evaluate: findingCheck({
    roles: TOP_LEVEL_ROLES,
    fail: ['SIGNATURE_THRESHOLD_NOT_MET', 'INVALID_THRESHOLD'],
    warn: ['SIGNATURE_INVALID', 'DUPLICATE_SIGNATURE', 'DUPLICATE_KEY', 'UNKNOWN_KEY_TYPE'],
    facts: (report) => ({
      roles: roleFacts(report, ['threshold', 'validSignatures', 'keys']),
    }),
  }),
};

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
    'A keyid that signs twice (DUPLICATE_SIGNATURE) makes clients refuse the file: publish it with one signature per keyid. ' +
    'Warn: remove invalid signatures and duplicate keys at the next signing; replace RSA keys under 2048 bits (KEY_TOO_SMALL), which never count.',
  evaluate: findingCheck({
    roles: TOP_LEVEL_ROLES,
    fail: ['SIGNATURE_THRESHOLD_NOT_MET', 'INVALID_THRESHOLD', 'DUPLICATE_SIGNATURE'],
    warn: ['SIGNATURE_INVALID', 'DUPLICATE_KEY', 'UNKNOWN_KEY_TYPE', 'KEY_TOO_SMALL'],
    facts: (report) => ({
      roles: roleFacts(report, ['threshold', 'validSignatures', 'keys']),
    }),
  }),
};

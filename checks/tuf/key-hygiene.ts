import type { CheckDefinition } from '../types.js';
import { findingCheck, roleFacts } from './common.js';

/** Keys are separated by role and trust: online keys never sign root, root needs more than one key. */
export const keyHygieneCheck: CheckDefinition = {
  id: 'tuf.key-hygiene',
  title: 'Signing keys are separated and root needs more than one key',
  component: 'tuf-repository',
  severity: 'medium',
  criteria: ['CC6.1'],
  remediation:
    'ONLINE_KEY_SHARED_WITH_ROOT: give timestamp and snapshot their own keys (`fleetctl updates rotate timestamp` / `snapshot`), so that stealing the online key does not steal root. ' +
    'WEAK_ROOT_THRESHOLD: rotate root to a threshold of at least 2 of keys held by different people, offline. ' +
    'KEYID_MISMATCH: re-list the key under the sha256 of its canonical form at the next root rotation. ' +
    'UNUSED_KEY (evidence only): remove keys no role uses at the next rotation.',
  evaluate: findingCheck({
    roles: ['root'],
    fail: [],
    warn: ['KEYID_MISMATCH', 'ONLINE_KEY_SHARED_WITH_ROOT', 'WEAK_ROOT_THRESHOLD'],
    info: ['UNUSED_KEY'],
    facts: (report) => ({
      root: roleFacts(report, ['version', 'threshold', 'keys']).root,
      unusedKeys: report.findings.filter((f) => f.code === 'UNUSED_KEY').map((f) => f.keyid),
    }),
  }),
};

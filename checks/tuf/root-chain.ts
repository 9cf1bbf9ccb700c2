import type { CheckDefinition } from '../types.js';
import { findingCheck, roleFacts } from './common.js';

/** TUF 5.3.4-5.3.5: each root version is signed by the previous root's threshold and its own. */
export const rootChainCheck: CheckDefinition = {
  id: 'tuf.root-chain',
  title: 'Every root rotation is signed by the old and the new root keys',
  component: 'tuf-repository',
  severity: 'critical',
  criteria: ['CC6.1', 'CC8.1'],
  remediation:
    'Fail: a published root is not signed by the previous root threshold and its own, skips a version, or root.json is ahead of the N.root.json chain: agents cannot rotate to it. ' +
    'If your team rotated root, re-sign the new root with enough keys of the old and new root and publish N.root.json and root.json together. ' +
    'If nobody did, treat it as a compromise: restore the last good root and rotate the root keys offline. ' +
    'Warn: configure `trustedRoot` for the repository, so that trust starts from the root your agents embed.',
  evaluate: findingCheck({
    roles: ['root'],
    fail: ['ROOT_ROTATION_INVALID'],
    warn: ['TRUST_NOT_ANCHORED'],
    facts: (report) => ({
      root: roleFacts(report, ['version', 'expires', 'threshold', 'validSignatures', 'keys']).root,
    }),
  }),
};

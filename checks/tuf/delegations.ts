import type { CheckDefinition } from '../types.js';
import { findingCheck, roleFacts, TOP_LEVEL_ROLES } from './common.js';

const TOP_LEVEL = new Set<string>(TOP_LEVEL_ROLES);

/** TUF 5.6.7: delegations are well-formed, and a delegated role signs only inside its paths. */
export const delegationsCheck: CheckDefinition = {
  id: 'tuf.delegations',
  title: 'Delegations are well-formed and delegated roles stay inside their paths',
  component: 'tuf-repository',
  severity: 'high',
  criteria: ['CC6.1'],
  remediation:
    'A delegation is malformed, or a delegated role lists targets outside the paths it was delegated: agents ignore those targets, and it can be an attempt to ship a binary under a name the role may not sign. ' +
    'Find the role and paths in the evidence, ask its owner whether the change was intended, and fix the delegation (or the role) in targets metadata, then re-sign and publish. ' +
    'If the owner did not make it, revoke the role key in its delegation.',
  evaluate: findingCheck({
    roles: ['targets'],
    fail: ['DELEGATION_INVALID'],
    facts: (report) => ({
      delegatedRoles: roleFacts(
        report,
        ['version', 'expires', 'threshold', 'validSignatures', 'keys'],
        (role) => !TOP_LEVEL.has(role),
      ),
    }),
  }),
};

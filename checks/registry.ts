import { AWS_CHECKS } from './aws/index.js';
import { HTTPS_CHECKS } from './https/index.js';
import { agentRootsCheck } from './tuf/agent-roots.js';
import { consistencyCheck } from './tuf/consistency.js';
import { delegationsCheck } from './tuf/delegations.js';
import { expiryCheck } from './tuf/expiry.js';
import { keyHygieneCheck } from './tuf/key-hygiene.js';
import { orbitLayoutCheck } from './tuf/orbit-layout.js';
import { rollbackCheck } from './tuf/rollback.js';
import { rootChainCheck } from './tuf/root-chain.js';
import { signaturesCheck } from './tuf/signatures.js';
import { targetIntegrityCheck } from './tuf/target-integrity.js';
import type { CheckDefinition } from './types.js';

/** The TUF repository checks, in the order results are shown. */
export const TUF_CHECKS: readonly CheckDefinition[] = Object.freeze([
  signaturesCheck,
  expiryCheck,
  rollbackCheck,
  consistencyCheck,
  targetIntegrityCheck,
  rootChainCheck,
  delegationsCheck,
  keyHygieneCheck,
  orbitLayoutCheck,
  agentRootsCheck,
]);

/** Every check tufwatch runs: the repository, the HTTPS endpoints agents reach, then the AWS configuration behind it. */
export const ALL_CHECKS: readonly CheckDefinition[] = Object.freeze([
  ...TUF_CHECKS,
  ...HTTPS_CHECKS,
  ...AWS_CHECKS,
]);

/** The check with this id, if there is one. */
export function checkById(id: string): CheckDefinition | undefined {
  return ALL_CHECKS.find((check) => check.id === id);
}

import type { CheckDefinition } from '../types.js';
import { certificateCheck } from './certificate.js';
import { hstsCheck } from './hsts.js';
import { protocolCheck } from './protocol.js';

/** The checks of the HTTPS endpoints agents connect to, in the order results are shown. */
export const HTTPS_CHECKS: readonly CheckDefinition[] = Object.freeze([
  certificateCheck,
  protocolCheck,
  hstsCheck,
]);

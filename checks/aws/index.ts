import { configChangesCheck } from '../cloudtrail/config-changes.js';
import { deliveryCheck } from '../cloudtrail/delivery.js';
import { kmsCheck } from '../cloudtrail/kms.js';
import { logValidationCheck } from '../cloudtrail/log-validation.js';
import { loggingCheck } from '../cloudtrail/logging.js';
import { s3WriteDataEventsCheck } from '../cloudtrail/s3-write-data-events.js';
import { accessLoggingCheck } from '../s3/access-logging.js';
import { accountBlockPublicAccessCheck } from '../s3/account-block-public-access.js';
import { aclsDisabledCheck } from '../s3/acls-disabled.js';
import { blockPublicAccessCheck } from '../s3/block-public-access.js';
import { encryptionCheck } from '../s3/encryption.js';
import { mfaDeleteCheck } from '../s3/mfa-delete.js';
import { noCrossAccountWriteCheck } from '../s3/no-cross-account-write.js';
import { notPublicWriteCheck } from '../s3/not-public-write.js';
import { objectLockCheck } from '../s3/object-lock.js';
import { policyStatusCheck } from '../s3/policy-status.js';
import { tlsOnlyCheck } from '../s3/tls-only.js';
import { versioningCheck } from '../s3/versioning.js';
import type { CheckDefinition } from '../types.js';

/** The S3 bucket checks, then the CloudTrail checks, in the order results are shown. */
export const S3_CHECKS: readonly CheckDefinition[] = Object.freeze([
  notPublicWriteCheck,
  noCrossAccountWriteCheck,
  blockPublicAccessCheck,
  accountBlockPublicAccessCheck,
  policyStatusCheck,
  aclsDisabledCheck,
  tlsOnlyCheck,
  versioningCheck,
  mfaDeleteCheck,
  objectLockCheck,
  encryptionCheck,
  accessLoggingCheck,
]);

export const CLOUDTRAIL_CHECKS: readonly CheckDefinition[] = Object.freeze([
  loggingCheck,
  deliveryCheck,
  logValidationCheck,
  kmsCheck,
  s3WriteDataEventsCheck,
  configChangesCheck,
]);

/** Every AWS check: appended to ALL_CHECKS. */
export const AWS_CHECKS: readonly CheckDefinition[] = Object.freeze([
  ...S3_CHECKS,
  ...CLOUDTRAIL_CHECKS,
]);

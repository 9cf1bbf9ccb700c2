import type { AwsCall } from './types.js';

/**
 * What one AWS call needs from IAM. `resource` is what the action can be
 * scoped to: `bucket` (`arn:aws:s3:::BUCKET`), or `*` where AWS has no
 * resource-level permission for the action (DescribeTrails, LookupEvents,
 * the account's public access block) or where the resource is not known in
 * advance (GetTrailStatus and GetEventSelectors run on every trail
 * DescribeTrails returns, organization trails of the management account
 * included).
 */
export interface CallPermission {
  /** The IAM action, which is not always the API name (e.g. `s3:GetEncryptionConfiguration`). */
  action: string;
  resource: 'bucket' | '*';
}

/**
 * The one table of the calls tufwatch makes and the IAM action each needs.
 * `missingPermission` in AccessDenied errors comes from it, and
 * `test/deploy/iam.test.ts` checks `deploy/iam/tufwatch-readonly.json` against
 * it in both directions.
 */
export const CALL_PERMISSIONS: Readonly<Record<AwsCall, CallPermission>> = Object.freeze({
  GetBucketLocation: { action: 's3:GetBucketLocation', resource: 'bucket' },
  GetPublicAccessBlock: { action: 's3:GetBucketPublicAccessBlock', resource: 'bucket' },
  GetBucketPolicy: { action: 's3:GetBucketPolicy', resource: 'bucket' },
  GetBucketPolicyStatus: { action: 's3:GetBucketPolicyStatus', resource: 'bucket' },
  GetBucketAcl: { action: 's3:GetBucketAcl', resource: 'bucket' },
  GetBucketOwnershipControls: { action: 's3:GetBucketOwnershipControls', resource: 'bucket' },
  GetBucketEncryption: { action: 's3:GetEncryptionConfiguration', resource: 'bucket' },
  GetBucketVersioning: { action: 's3:GetBucketVersioning', resource: 'bucket' },
  GetObjectLockConfiguration: {
    action: 's3:GetBucketObjectLockConfiguration',
    resource: 'bucket',
  },
  GetBucketLogging: { action: 's3:GetBucketLogging', resource: 'bucket' },
  GetBucketReplication: { action: 's3:GetReplicationConfiguration', resource: 'bucket' },
  GetAccountPublicAccessBlock: { action: 's3:GetAccountPublicAccessBlock', resource: '*' },
  DescribeTrails: { action: 'cloudtrail:DescribeTrails', resource: '*' },
  GetTrailStatus: { action: 'cloudtrail:GetTrailStatus', resource: '*' },
  GetEventSelectors: { action: 'cloudtrail:GetEventSelectors', resource: '*' },
  LookupEvents: { action: 'cloudtrail:LookupEvents', resource: '*' },
});

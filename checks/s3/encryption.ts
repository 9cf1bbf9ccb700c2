import { bucketCheck } from '../aws/common.js';
import type { CheckDefinition } from '../types.js';

/** Default encryption modes by SSE algorithm. */
const MODES: Readonly<Record<string, string>> = {
  AES256: 'SSE-S3',
  'aws:kms': 'SSE-KMS',
  'aws:kms:dsse': 'DSSE-KMS',
};

/**
 * Default encryption is configured (every bucket has SSE-S3 since January
 * 2023; older buckets may have none). The evidence says SSE-S3 or KMS, and
 * which key: auditors ask. An algorithm tufwatch does not know warns.
 */
export const encryptionCheck: CheckDefinition = {
  id: 's3.encryption',
  title: 'The update bucket encrypts objects at rest',
  component: 's3-bucket',
  severity: 'low',
  criteria: ['CC6.1'],
  remediation:
    'Set default encryption: SSE-S3 with `aws s3api put-bucket-encryption --bucket <bucket> --expected-bucket-owner <account-id> --server-side-encryption-configuration \'{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}\'`, ' +
    'or SSE-KMS with `{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"<key-arn>"},"BucketKeyEnabled":true` (the key policy must let CloudFront\'s OAC decrypt). ' +
    'S3 console > bucket > Properties > Default encryption > Edit.',
  evaluate: (data) =>
    bucketCheck(
      data,
      (s3) => ({ encryption: s3.encryption }),
      ({ encryption }) => {
        const rules = (encryption?.rules ?? []).map((r) => ({
          ...r,
          mode: MODES[r.sseAlgorithm] ?? 'unknown',
        }));
        const evidence = { configured: rules.length > 0, rules };
        if (rules.length === 0)
          return { status: 'fail', message: 'no default encryption', evidence };
        const modes = [...new Set(rules.map((r) => r.mode))].join(', ');
        if (rules.some((r) => r.mode === 'unknown'))
          return {
            status: 'warn',
            message: `unknown default encryption algorithm ${rules.map((r) => r.sseAlgorithm).join(', ')}`,
            evidence,
          };
        return { status: 'pass', message: `default encryption ${modes}`, evidence };
      },
    ),
};

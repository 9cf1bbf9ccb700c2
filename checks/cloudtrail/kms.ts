import type { CheckDefinition } from '../types.js';
import { evaluateTrails, trailFacts, trailVerdict } from './trails.js';

/** Trail logs encrypted with a customer managed KMS key (CIS AWS 3.5): reading them needs kms:Decrypt too. */
export const kmsCheck: CheckDefinition = {
  id: 'cloudtrail.kms',
  title: 'Trail logs are encrypted with a KMS key',
  component: 'cloudtrail',
  severity: 'medium',
  criteria: ['CC6.1', 'CC6.7'],
  remediation:
    'Create a symmetric KMS key whose policy lets `cloudtrail.amazonaws.com` call `kms:GenerateDataKey*` with `aws:SourceArn` = the trail ARN and lets log readers `kms:Decrypt`, then ' +
    '`aws cloudtrail update-trail --name <trail-arn> --kms-key-id <key-arn>` ' +
    '(CloudTrail console > Trails > trail > General details > Edit > Log file SSE-KMS encryption).',
  evaluate: (data) =>
    evaluateTrails(
      data,
      {
        mode: 'every',
        none: 'no trail covers the bucket region',
        passed: 'every trail in scope encrypts its logs with KMS',
      },
      (trail) =>
        trailVerdict(trail.kmsKeyId === null ? ['logs are not encrypted with a KMS key'] : [], {
          ...trailFacts(trail),
          kmsKeyId: trail.kmsKeyId,
        }),
    ),
};

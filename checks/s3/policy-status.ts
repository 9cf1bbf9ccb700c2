import { bucketCheck } from '../aws/common.js';
import {
  grantsPublicRead,
  isCloudFrontOacRead,
  isCloudFrontOaiRead,
  toPolicy,
} from '../aws/policy.js';
import type { CheckDefinition } from '../types.js';
import { bucketRef } from './common.js';

/**
 * AWS's own verdict on the bucket policy (GetBucketPolicyStatus). Agents read
 * the repository through CloudFront: an origin access control (or legacy
 * OAI) read is not public, and a public policy fails. tufwatch's own reading
 * of the policy is a second opinion: if it finds an anonymous read that AWS
 * does not call public, the check warns.
 */
export const policyStatusCheck: CheckDefinition = {
  id: 's3.policy-status',
  title: 'The update bucket policy is not public',
  component: 's3-bucket',
  severity: 'high',
  criteria: ['CC6.1', 'CC6.6'],
  remediation:
    'Serve the repository through CloudFront with an origin access control instead of a public bucket: ' +
    'CloudFront console > distribution > Origins > Edit > Origin access control settings > Create control setting, then copy the generated policy ' +
    '(Principal `{"Service": "cloudfront.amazonaws.com"}`, Action `s3:GetObject`, Condition `StringEquals` `AWS:SourceArn` the distribution ARN) into the bucket policy ' +
    'and remove the `"Principal": "*"` statements named in the evidence (`aws s3api put-bucket-policy --bucket <bucket> --policy file://policy.json`). ' +
    'Then turn on Block Public Access (see `s3.block-public-access`). Confirm with `aws s3api get-bucket-policy-status --bucket <bucket>`.',
  evaluate: (data) =>
    bucketCheck(
      data,
      (s3) => ({ status: s3.policyStatus, policy: s3.policy }),
      ({ status, policy }, { aws }) => {
        const parsed = policy === null ? undefined : toPolicy(policy);
        const statements = parsed?.statements ?? [];
        const evidence = {
          isPublic: status.isPublic,
          hasPolicy: policy !== null,
          cloudFrontOac: statements.filter((s) => isCloudFrontOacRead(s)).map((s) => s.index),
          cloudFrontOai: statements.filter(isCloudFrontOaiRead).map((s) => s.index),
          publicRead: parsed === undefined ? [] : grantsPublicRead(parsed, bucketRef(aws)),
        };
        if (status.isPublic)
          return { status: 'fail', message: 'AWS reports the bucket policy as public', evidence };
        if (evidence.publicRead.length > 0)
          return {
            status: 'warn',
            message: `AWS reports the policy as not public, but statement ${evidence.publicRead.map((g) => g.sid ?? g.statement).join(', ')} lets anyone read`,
            evidence,
          };
        return {
          status: 'pass',
          message:
            evidence.cloudFrontOac.length + evidence.cloudFrontOai.length > 0
              ? 'not public; CloudFront reads through an origin access control or identity'
              : 'not public',
          evidence,
        };
      },
    ),
};

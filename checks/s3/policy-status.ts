import { bucketCheck, type Verdict } from '../aws/common.js';
import {
  type BucketRef,
  grantsPublicRead,
  isCloudFrontOacRead,
  isCloudFrontOaiRead,
  type PublicGrant,
  toPolicy,
} from '../aws/policy.js';
import type { BucketPolicy } from '../aws/types.js';
import type { CheckDefinition } from '../types.js';
import { bucketRef, publicWriteGrants } from './common.js';

/**
 * AWS's own verdict on the bucket policy (GetBucketPolicyStatus). Agents read
 * the repository through CloudFront: an origin access control (or legacy
 * OAI) read is not public, and a public policy fails. tufwatch's own reading
 * of the policy is a second opinion: if it finds an anonymous read that AWS
 * does not call public, the check warns.
 *
 * A repository served straight from the bucket is public on purpose:
 * `aws.allowPublicRead` accepts that, for reads only. A public policy that
 * tufwatch cannot explain by public reads alone still fails (fail closed).
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
    'Then turn on Block Public Access (see `s3.block-public-access`). Confirm with `aws s3api get-bucket-policy-status --bucket <bucket>`. ' +
    'If agents are meant to read the bucket directly, set `aws.allowPublicRead: true` in the config: public reads then pass, public writes still fail.',
  evaluate: (data) =>
    bucketCheck(
      data,
      (s3) => ({ status: s3.policyStatus, policy: s3.policy }),
      ({ status, policy }, { aws }) => {
        const parsed = policy === null ? undefined : toPolicy(policy);
        const statements = parsed?.statements ?? [];
        const bucket = bucketRef(aws);
        const evidence = {
          isPublic: status.isPublic,
          hasPolicy: policy !== null,
          cloudFrontOac: statements.filter((s) => isCloudFrontOacRead(s)).map((s) => s.index),
          cloudFrontOai: statements.filter(isCloudFrontOaiRead).map((s) => s.index),
          publicRead: parsed === undefined ? [] : grantsPublicRead(parsed, bucket),
          publicReadAllowed: aws.allowPublicRead === true,
        };
        const readers = evidence.publicRead.map((g) => g.sid ?? g.statement).join(', ');
        if (evidence.publicReadAllowed) return allowedPublicRead(evidence, readers, policy, bucket);
        if (status.isPublic)
          return { status: 'fail', message: 'AWS reports the bucket policy as public', evidence };
        if (evidence.publicRead.length > 0)
          return {
            status: 'warn',
            message: `AWS reports the policy as not public, but statement ${readers} lets anyone read`,
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

/** `aws.allowPublicRead`: a public policy passes when public reads are all that make it public. */
function allowedPublicRead(
  evidence: { isPublic: boolean; publicRead: readonly PublicGrant[] } & Record<string, unknown>,
  readers: string,
  policy: BucketPolicy | null,
  bucket: BucketRef,
): Verdict {
  const writers = policy === null ? [] : publicWriteGrants(policy, bucket);
  if (writers.length > 0)
    return {
      status: 'fail',
      message: `statement ${writers.map((g) => g.sid ?? g.statement).join(', ')} lets anyone write; aws.allowPublicRead covers reads only`,
      evidence: { ...evidence, publicWrite: writers },
    };
  if (evidence.isPublic && evidence.publicRead.length === 0)
    return {
      status: 'fail',
      message:
        'AWS reports the bucket policy as public and no public read statement explains it; aws.allowPublicRead covers reads only',
      evidence,
    };
  return {
    status: 'pass',
    message:
      evidence.publicRead.length > 0
        ? `public read by statement ${readers}, allowed by aws.allowPublicRead`
        : 'not public',
    evidence,
  };
}

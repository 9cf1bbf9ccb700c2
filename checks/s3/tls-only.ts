import { bucketCheck } from '../aws/common.js';
import { deniesInsecureTransportForWrites, toPolicy, WRITE_ACTIONS } from '../aws/policy.js';
import type { CheckDefinition } from '../types.js';
import { bucketRef } from './common.js';

/** The policy denies plain-HTTP requests (`aws:SecureTransport` false) for every object write. */
export const tlsOnlyCheck: CheckDefinition = {
  id: 's3.tls-only',
  title: 'The update bucket refuses writes over plain HTTP',
  component: 's3-bucket',
  severity: 'medium',
  criteria: ['CC6.7'],
  remediation:
    'Add this statement to the bucket policy (S3 console > bucket > Permissions > Bucket policy, or `aws s3api put-bucket-policy --bucket <bucket> --policy file://policy.json` with the existing statements kept): ' +
    '`{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::<bucket>", "arn:aws:s3:::<bucket>/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}`. ' +
    'A Deny with any further condition does not count: it narrows the denial.',
  evaluate: (data) =>
    bucketCheck(
      data,
      (s3) => ({ policy: s3.policy }),
      ({ policy }, { aws }) => {
        if (policy === null)
          return {
            status: 'fail',
            message: 'no bucket policy, so nothing denies plain HTTP',
            evidence: { hasPolicy: false },
          };
        const denial = deniesInsecureTransportForWrites(toPolicy(policy), bucketRef(aws));
        const evidence = { hasPolicy: true, ...denial };
        return denial.objectWrites
          ? { status: 'pass', message: 'plain-HTTP object writes are denied', evidence }
          : {
              status: 'fail',
              message: `plain HTTP is not denied for ${denial.notDenied.filter((a) => WRITE_ACTIONS[a] === 'object').join(', ')}`,
              evidence,
            };
      },
    ),
};

import { bucketCheckPartial } from '../aws/common.js';
import type { CheckDefinition } from '../types.js';
import {
  aclWriteGrants,
  bucketRef,
  grantProblems,
  publicWriteGrants,
  statementFacts,
} from './common.js';

/**
 * Nobody outside the account (anyone, any AWS account, any account's use of an
 * AWS service) may write objects or change the policy or ACLs: whoever can
 * write the bucket can serve every agent a new binary. Public read through
 * CloudFront is expected and not looked at here.
 */
export const notPublicWriteCheck: CheckDefinition = {
  id: 's3.not-public-write',
  title: 'Nobody outside the account can write to the update bucket',
  component: 's3-bucket',
  severity: 'critical',
  criteria: ['CC6.1', 'CC6.6', 'CC6.8'],
  remediation:
    'Treat it as an incident: the repository may have been altered. Remove the grant now: ' +
    'for an ACL grant, `aws s3api put-bucket-ownership-controls --bucket <bucket> --ownership-controls Rules=[{ObjectOwnership=BucketOwnerEnforced}]` (disables ACLs; or `aws s3api put-bucket-acl --bucket <bucket> --acl private`); ' +
    'for a policy statement, edit it out (S3 console > bucket > Permissions > Bucket policy, or `aws s3api put-bucket-policy --bucket <bucket> --policy file://policy.json`), ' +
    'add a source condition (`aws:SourceAccount`/`aws:SourceArn`) to service principals, ' +
    'then block public access (see `s3.block-public-access`). ' +
    "Then run `tufwatch verify --repo <url>` and review the bucket's CloudTrail data events for writes by the principals in the evidence.",
  evaluate: (data) =>
    bucketCheckPartial(
      data,
      (s3) => ({ policy: s3.policy, acl: s3.acl }),
      ({ policy, acl }, { aws }) => {
        const policyGrants =
          policy == null
            ? []
            : publicWriteGrants(policy, bucketRef(aws, acl)).map((g) => ({
                ...g,
                policyStatement: statementFacts(policy, g.statement),
              }));
        const aclGrants = acl === undefined ? [] : aclWriteGrants(acl).filter((g) => g.public);
        const evidence = { policyGrants, aclGrants };
        const found = grantProblems(policyGrants, aclGrants);
        return found.length > 0
          ? { status: 'fail', message: found.join('; '), evidence }
          : { status: 'pass', message: 'no public write grant in the policy or ACL', evidence };
      },
    ),
};

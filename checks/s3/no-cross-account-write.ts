import { bucketCheck, configuredList } from '../aws/common.js';
import { grantsWriteOutsideAccount, toPolicy } from '../aws/policy.js';
import type { CheckDefinition } from '../types.js';
import { aclWriteGrants, bucketRef, grantProblems, statementFacts } from './common.js';

/**
 * No principal outside the bucket owner's account may write, other than those
 * configured (`crossAccountWriters`: ARNs, account ids, service names,
 * canonical ids, ACL group URIs, organization ids).
 */
export const noCrossAccountWriteCheck: CheckDefinition = {
  id: 's3.no-cross-account-write',
  title: 'Only the account, and configured principals, can write to the update bucket',
  component: 's3-bucket',
  severity: 'high',
  criteria: ['CC6.1', 'CC6.8'],
  remediation:
    'For each grant in the evidence: if the principal must publish updates, add it to the configured cross-account writers; otherwise remove it. ' +
    'Policy statement: edit it out in S3 console > bucket > Permissions > Bucket policy, or `aws s3api put-bucket-policy --bucket <bucket> --policy file://policy.json`; ' +
    'confine service principals with `"Condition": {"StringEquals": {"aws:SourceAccount": "<account-id>"}}`. ' +
    'ACL grant: `aws s3api put-bucket-ownership-controls --bucket <bucket> --ownership-controls Rules=[{ObjectOwnership=BucketOwnerEnforced}]` disables ACLs. ' +
    'Review CloudTrail data events on the bucket for writes by the principals removed.',
  evaluate: (data) =>
    bucketCheck(
      data,
      (s3) => ({ policy: s3.policy, acl: s3.acl }),
      ({ policy, acl }, { aws }) => {
        const allowed = configuredList(aws, 'crossAccountWriters');
        const policyGrants =
          policy === null
            ? []
            : grantsWriteOutsideAccount(toPolicy(policy), bucketRef(aws, acl), allowed).map(
                (g) => ({ ...g, policyStatement: statementFacts(policy, g.statement) }),
              );
        const aclGrants = aclWriteGrants(acl).filter((g) => !allowed.includes(g.grantee));
        const evidence = { accountId: aws.expectedBucketOwner, allowed, policyGrants, aclGrants };
        const found = grantProblems(policyGrants, aclGrants);
        return found.length > 0
          ? { status: 'fail', message: found.join('; '), evidence }
          : {
              status: 'pass',
              message: 'only the account and configured principals can write',
              evidence,
            };
      },
    ),
};

/** What several S3 checks share: the public access block verdict, ACL write grants, the bucket as policies see it. */
import type { Verdict } from '../aws/common.js';
import {
  type BucketRef,
  grantsWriteOutsideAccount,
  partitionOf,
  toPolicy,
  type WriteGrant,
} from '../aws/policy.js';
import type { AwsSnapshot, BucketAcl, BucketPolicy, PublicAccessBlock } from '../aws/types.js';

/** The four flags of S3 Block Public Access, as the CLI names them. */
export const BLOCK_FLAGS = [
  ['blockPublicAcls', 'BlockPublicAcls'],
  ['ignorePublicAcls', 'IgnorePublicAcls'],
  ['blockPublicPolicy', 'BlockPublicPolicy'],
  ['restrictPublicBuckets', 'RestrictPublicBuckets'],
] as const;

/** The public access block configuration that turns every flag on, for remediation commands. */
export const ALL_FLAGS_ON =
  'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true';

/** Pass when all four flags are on; fail naming the flags that are off (all four when there is no block). */
export function blockVerdict(block: PublicAccessBlock | null, where: string): Verdict {
  const off = BLOCK_FLAGS.filter(([key]) => block?.[key] !== true).map(([, name]) => name);
  const evidence = { configured: block !== null, flags: block, off };
  if (block === null)
    return { status: 'fail', message: `${where} has no public access block`, evidence };
  if (off.length > 0)
    return { status: 'fail', message: `${where}: ${off.join(', ')} off`, evidence };
  return { status: 'pass', message: `${where}: all four public access block flags on`, evidence };
}

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
/** ACL permissions that write objects (WRITE) or change the ACL itself (WRITE_ACP). */
const ACL_WRITE_PERMISSIONS = new Set(['WRITE', 'WRITE_ACP', 'FULL_CONTROL']);

/** An ACL grant of a write permission to someone other than the bucket owner. */
export interface AclWriteGrant {
  /** `CanonicalUser`, `Group`, `AmazonCustomerByEmail`. */
  type: string;
  /** The canonical id, group URI or e-mail address. */
  grantee: string;
  permission: string;
  /** To AllUsers (anyone) or AuthenticatedUsers (anyone with an AWS account). */
  public: boolean;
}

/**
 * ACL grants that let someone other than the owner write objects or change
 * the ACL. With an unknown owner id, every canonical user counts: who it is
 * cannot be shown.
 */
export function aclWriteGrants(acl: BucketAcl): AclWriteGrant[] {
  return acl.grants
    .filter((g) => ACL_WRITE_PERMISSIONS.has(g.permission))
    .filter((g) => !(g.grantee.type === 'CanonicalUser' && g.grantee.id === acl.ownerId))
    .map((g) => {
      const grantee = g.grantee.id ?? g.grantee.uri ?? g.grantee.emailAddress ?? '(unnamed)';
      return {
        type: g.grantee.type,
        grantee,
        permission: g.permission,
        public: grantee === ALL_USERS || grantee === AUTHENTICATED_USERS,
      };
    });
}

/** The bucket as policy evaluation sees it: the owner is the account S3 checked (ExpectedBucketOwner). */
export function bucketRef(aws: AwsSnapshot, acl?: BucketAcl): BucketRef {
  return {
    name: aws.bucket,
    accountId: aws.expectedBucketOwner,
    partition: partitionOf(aws.region),
    ...(acl?.ownerId != null && { ownerCanonicalId: acl.ownerId }),
  };
}

/**
 * Policy statements that let the public write: anyone, and any account's use
 * of a service, unless a condition confines the statement to an organization
 * or to named accounts (then it is a cross-account grant, not a public one).
 */
export function publicWriteGrants(policy: BucketPolicy, bucket: BucketRef): WriteGrant[] {
  return grantsWriteOutsideAccount(toPolicy(policy), bucket).filter(
    (g) =>
      (g.principal.kind === 'anyone' || g.principal.kind === 'service') &&
      g.organizations === undefined &&
      g.accounts === undefined,
  );
}

/** A statement for evidence: its position and the statement as the policy has it. */
export function statementFacts(policy: BucketPolicy, index: number): Record<string, unknown> {
  return { index, ...policy.statements[index] };
}

/** One line per write grant, for the check's message. */
export function grantProblems(
  policyGrants: readonly WriteGrant[],
  aclGrants: readonly AclWriteGrant[],
): string[] {
  return [
    ...policyGrants.map(
      (g) =>
        `policy statement ${g.sid ?? g.statement} lets ${g.principal.value} ${g.actions.join(', ')}`,
    ),
    ...aclGrants.map((g) => `ACL grants ${g.permission} to ${g.grantee}`),
  ];
}

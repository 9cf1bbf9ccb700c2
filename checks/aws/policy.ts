/**
 * IAM policy evaluation for one S3 bucket policy, pure: who may write to the
 * update bucket, who may read it anonymously, whether plain-HTTP writes are
 * denied. It follows IAM's documented evaluation logic where a bucket policy
 * is concerned (an explicit Deny wins; Principal / NotPrincipal, Action /
 * NotAction, Resource / NotResource; `*` and `?` wildcards; conditions
 * AND'ed across keys). Where the real answer would need the request context
 * (a condition this module does not model), it answers on the unsafe side for
 * the question asked: a grant counts as a grant, a guard does not count.
 */
import type { BucketPolicy, PolicyPrincipal } from './types.js';

/** What an action acts on: the bucket ARN or the object ARNs (`bucket/key`). */
export type ResourceKind = 'bucket' | 'object';

/**
 * Actions that change what agents download or who can change it: writing or
 * deleting objects, and every bucket setting that protects them. One list,
 * used by `s3.not-public-write`, `s3.no-cross-account-write` and `s3.tls-only`.
 */
export const WRITE_ACTIONS: Readonly<Record<string, ResourceKind>> = Object.freeze({
  // Also what CopyObject and multipart uploads (aws s3 sync of large files) need.
  's3:PutObject': 'object',
  's3:DeleteObject': 'object',
  's3:DeleteObjectVersion': 'object',
  's3:PutObjectAcl': 'object',
  's3:PutObjectVersionAcl': 'object',
  's3:RestoreObject': 'object',
  's3:PutObjectRetention': 'object',
  's3:PutObjectLegalHold': 'object',
  's3:BypassGovernanceRetention': 'object',
  // Replication stores replicas and delete markers in the destination: a grant of these lets the
  // grantee's bucket write ours. Tags can drive lifecycle expiry rules.
  's3:ReplicateObject': 'object',
  's3:ReplicateDelete': 'object',
  's3:ReplicateTags': 'object',
  's3:PutObjectTagging': 'object',
  's3:PutObjectVersionTagging': 'object',
  's3:DeleteObjectTagging': 'object',
  's3:DeleteObjectVersionTagging': 'object',
  's3:PutBucketPolicy': 'bucket',
  's3:DeleteBucketPolicy': 'bucket',
  's3:PutBucketAcl': 'bucket',
  's3:PutBucketPublicAccessBlock': 'bucket',
  's3:PutBucketOwnershipControls': 'bucket',
  's3:PutEncryptionConfiguration': 'bucket',
  's3:PutBucketVersioning': 'bucket',
  's3:PutLifecycleConfiguration': 'bucket',
  's3:PutBucketLogging': 'bucket',
  's3:PutBucketObjectLockConfiguration': 'bucket',
  's3:PutReplicationConfiguration': 'bucket',
  // A website redirect rule sends every agent elsewhere.
  's3:PutBucketWebsite': 'bucket',
  's3:DeleteBucket': 'bucket',
});

/** Actions that read the repository's content. */
export const READ_ACTIONS: Readonly<Record<string, ResourceKind>> = Object.freeze({
  's3:GetObject': 'object',
  's3:GetObjectVersion': 'object',
  's3:ListBucket': 'bucket',
  's3:ListBucketVersions': 'bucket',
});

/** Who a statement names, by principal type. */
export interface Principals {
  /** `"*"` or `{"AWS": "*"}`: anyone, including anonymous requests. */
  anyone: boolean;
  aws: string[];
  service: string[];
  canonicalUser: string[];
  federated: string[];
  /** Principal types IAM may add, as `Type:value`: never the account's own. */
  other: string[];
}

/** One condition clause: operator, key and values, e.g. `StringEquals` `aws:SourceAccount` `["111122223333"]`. */
export interface ConditionClause {
  /** As written, e.g. `ForAnyValue:StringLikeIfExists`. */
  operator: string;
  /** Without set qualifier and IfExists, e.g. `StringLike`. */
  base: string;
  set?: 'ForAnyValue' | 'ForAllValues';
  ifExists: boolean;
  /** Condition keys are case-insensitive: kept lower-case. */
  key: string;
  values: string[];
}

export interface Statement {
  /** Position in the policy's Statement list (0 when Statement is one object). */
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  principal?: Principals;
  notPrincipal?: Principals;
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  conditions: ConditionClause[];
}

export interface Policy {
  statements: Statement[];
}

/** The bucket a policy is attached to, and the account that owns it. */
export interface BucketRef {
  name: string;
  accountId: string;
  /** ARN partition: `aws`, `aws-cn`, `aws-us-gov`. Default `aws`. */
  partition?: string;
  /** The owner's canonical user id (from the bucket ACL), to recognise `CanonicalUser` grants to itself. */
  ownerCanonicalId?: string;
}

/** The ARN partition of a region. */
export function partitionOf(region: string): string {
  for (const [prefix, partition] of PARTITIONS) if (region.startsWith(prefix)) return partition;
  return 'aws';
}

/** Region prefixes of the partitions other than `aws`, as in the SDK's partitions.json. */
const PARTITIONS: readonly (readonly [string, string])[] = [
  ['cn-', 'aws-cn'],
  ['us-gov-', 'aws-us-gov'],
  ['us-iso-', 'aws-iso'],
  ['us-isob-', 'aws-iso-b'],
  ['eu-isoe-', 'aws-iso-e'],
  ['us-isof-', 'aws-iso-f'],
  ['eusc-', 'aws-eusc'],
];

// ---------------------------------------------------------------------------
// From the collector's normalized statements (checks/aws/types.ts) to the view
// evaluated here: principals by type, condition clauses with their operator
// parts taken apart and keys lower-cased (IAM condition keys are case-insensitive).

function toPrincipals(p: PolicyPrincipal): Principals {
  const principals: Principals = {
    anyone: p === '*',
    aws: [],
    service: [],
    canonicalUser: [],
    federated: [],
    other: [],
  };
  if (p === '*') return principals;
  for (const [type, values] of Object.entries(p)) {
    if (type === 'AWS') {
      if (values.includes('*')) principals.anyone = true;
      principals.aws.push(...values.filter((v) => v !== '*'));
    } else if (type === 'Service') principals.service.push(...values);
    else if (type === 'CanonicalUser') principals.canonicalUser.push(...values);
    else if (type === 'Federated') principals.federated.push(...values);
    else principals.other.push(...values.map((v) => `${type}:${v}`));
  }
  return principals;
}

function toClauses(
  condition: Readonly<Record<string, Record<string, string[]>>>,
): ConditionClause[] {
  const clauses: ConditionClause[] = [];
  for (const [operator, keys] of Object.entries(condition)) {
    const colon = operator.indexOf(':');
    const qualifier = colon < 0 ? undefined : operator.slice(0, colon);
    const rest = operator.slice(colon + 1);
    const set = qualifier === 'ForAnyValue' || qualifier === 'ForAllValues' ? qualifier : undefined;
    const ifExists = rest.endsWith('IfExists');
    const base = ifExists ? rest.slice(0, -'IfExists'.length) : rest;
    for (const [key, values] of Object.entries(keys))
      clauses.push({
        operator,
        base,
        ...(set !== undefined && { set }),
        ifExists,
        key: key.toLowerCase(),
        values,
      });
  }
  return clauses;
}

/** The statements of a bucket policy, as this module evaluates them. */
export function toPolicy(policy: Pick<BucketPolicy, 'statements'>): Policy {
  return {
    statements: policy.statements.map((s, index) => ({
      index,
      ...(s.sid !== null && { sid: s.sid }),
      effect: s.effect,
      ...(s.principal !== undefined && { principal: toPrincipals(s.principal) }),
      ...(s.notPrincipal !== undefined && { notPrincipal: toPrincipals(s.notPrincipal) }),
      ...(s.action !== undefined && { action: s.action }),
      ...(s.notAction !== undefined && { notAction: s.notAction }),
      ...(s.resource !== undefined && { resource: s.resource }),
      ...(s.notResource !== undefined && { notResource: s.notResource }),
      conditions: toClauses(s.condition),
    })),
  };
}

// ---------------------------------------------------------------------------
// Wildcards: IAM's `*` (any sequence) and `?` (one character).

/** Pattern positions reachable after reading `input`; a `*` may match nothing. */
function globStates(pattern: string, input: string, fold: boolean): Set<number> {
  const p = fold ? pattern.toLowerCase() : pattern;
  const s = fold ? input.toLowerCase() : input;
  const close = (states: Set<number>): Set<number> => {
    for (const i of states) if (p[i] === '*') states.add(i + 1);
    return states;
  };
  let states = close(new Set([0]));
  for (const ch of s) {
    const next = new Set<number>();
    for (const i of states) {
      if (p[i] === '*') next.add(i);
      else if (p[i] === '?' || p[i] === ch) next.add(i + 1);
    }
    states = close(next);
    if (states.size === 0) break;
  }
  return states;
}

/** The whole of `input` matches `pattern`. */
export function globMatch(pattern: string, input: string, fold = false): boolean {
  return globStates(pattern, input, fold).has(pattern.length);
}

/** Some string `prefix` + (non-empty suffix) matches `pattern`. */
function matchesSomeWithPrefix(pattern: string, prefix: string): boolean {
  for (const i of globStates(pattern, prefix, false)) if (i < pattern.length) return true;
  return false;
}

/** Every string `prefix` + (non-empty suffix) matches `pattern`. */
function matchesEveryWithPrefix(pattern: string, prefix: string): boolean {
  for (const i of globStates(pattern, prefix, false))
    if (i < pattern.length && /^\*+$/.test(pattern.slice(i))) return true;
  return false;
}

// ---------------------------------------------------------------------------
// Statement scope: actions and resources.

/** The statement's Action (or NotAction) includes `action`. Action names are case-insensitive. */
export function statementCoversAction(stmt: Statement, action: string): boolean {
  if (stmt.action !== undefined) return stmt.action.some((p) => globMatch(p, action, true));
  // Neither Action nor NotAction: S3 refuses such a policy; it covers nothing.
  if (stmt.notAction === undefined) return false;
  return !stmt.notAction.some((p) => globMatch(p, action, true));
}

function arns(bucket: BucketRef): { bucketArn: string; objectPrefix: string } {
  const bucketArn = `arn:${bucket.partition ?? 'aws'}:s3:::${bucket.name}`;
  return { bucketArn, objectPrefix: `${bucketArn}/` };
}

/**
 * How much of the bucket (the bucket ARN, or its objects) the statement's
 * Resource / NotResource covers: `all`, `some` or `none`.
 */
export function resourceCoverage(
  stmt: Statement,
  bucket: BucketRef,
  kind: ResourceKind,
): 'all' | 'some' | 'none' {
  const { bucketArn, objectPrefix } = arns(bucket);
  const every = (p: string): boolean =>
    kind === 'bucket' ? globMatch(p, bucketArn) : matchesEveryWithPrefix(p, objectPrefix);
  const some = (p: string): boolean =>
    kind === 'bucket' ? globMatch(p, bucketArn) : matchesSomeWithPrefix(p, objectPrefix);
  if (stmt.resource !== undefined) {
    if (stmt.resource.some(every)) return 'all';
    return stmt.resource.some(some) ? 'some' : 'none';
  }
  const excluded = stmt.notResource;
  if (excluded === undefined || excluded.some(every)) return 'none';
  return excluded.some(some) ? 'some' : 'all';
}

// ---------------------------------------------------------------------------
// Principals and the conditions that confine a statement.

/** Condition keys whose values name the caller's (or the calling service's) account. */
const ACCOUNT_KEYS = new Set([
  'aws:sourceaccount',
  'aws:principalaccount',
  'aws:sourceowner',
  'aws:sourcearn',
  'aws:principalarn',
]);
const ORG_KEYS = new Set(['aws:principalorgid', 'aws:sourceorgid']);
/** Network and identity keys that AWS counts as "fixed values", making a grant non-public. */
const FIXED_KEYS = new Set([
  ...ACCOUNT_KEYS,
  ...ORG_KEYS,
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceip',
  'aws:userid',
  's3:dataaccesspointarn',
  's3:dataaccesspointaccount',
]);
const POSITIVE_OPERATORS = new Set([
  'StringEquals',
  'StringEqualsIgnoreCase',
  'StringLike',
  'ArnEquals',
  'ArnLike',
  'IpAddress',
]);
const NEGATED_OPERATORS = new Set([
  'StringNotEquals',
  'StringNotLike',
  'ArnNotEquals',
  'ArnNotLike',
]);

/** The account id an ARN or a bare account id names, if any (`arn:aws:iam::111122223333:role/x` -> `111122223333`). */
export function accountOf(value: string): string | undefined {
  if (/^\d{12}$/.test(value)) return value;
  const parts = value.split(':');
  const account = parts[0] === 'arn' ? parts[4] : undefined;
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

/**
 * A value of `clause` that names the account (or a resource in it), without
 * wildcards in the account. The Arn operators match each ARN field on its
 * own; the String operators match the whole text, where a `*` before the
 * account field also matches colons (`arn:aws:*:*:<account>:*` matches a log
 * group of another account named after ours), so there it confines nothing.
 */
function inAccount(value: string, accountId: string, clause: ConditionClause): boolean {
  if (accountOf(value) !== accountId) return false;
  if (clause.base.startsWith('Arn') || !value.startsWith('arn:')) return true;
  return !/[*?]/.test(value.split(':').slice(0, 4).join(':'));
}

/**
 * A clause that only lets requests of the account through: a positive
 * operator, without IfExists or ForAllValues (both are true when the key is
 * absent), on an account key whose every value is in the account. For a
 * caller of another account the key is either absent or different, so the
 * statement does not apply to it.
 */
function confinesToAccount(clause: ConditionClause, accountId: string): boolean {
  return (
    POSITIVE_OPERATORS.has(clause.base) &&
    !clause.ifExists &&
    clause.set !== 'ForAllValues' &&
    ACCOUNT_KEYS.has(clause.key) &&
    clause.values.length > 0 &&
    clause.values.every((v) => inAccount(v, accountId, clause))
  );
}

function isFixed(value: string, key: string): boolean {
  if (/[*?]/.test(value)) return false;
  return !(key === 'aws:sourceip' && (value === '0.0.0.0/0' || value === '::/0'));
}

/** Values of the clauses that confine a statement to fixed values of these keys. */
function confiningValues(
  stmt: Statement,
  keys: ReadonlySet<string>,
  accept: (value: string, key: string) => boolean,
): string[] {
  const values = stmt.conditions
    .filter(
      (c) =>
        POSITIVE_OPERATORS.has(c.base) &&
        !c.ifExists &&
        c.set !== 'ForAllValues' &&
        keys.has(c.key) &&
        c.values.every((v) => accept(v, c.key)),
    )
    .flatMap((c) => c.values);
  return [...new Set(values)];
}

/**
 * Who a statement is confined to by its conditions, when not to the account:
 * organizations (`aws:PrincipalOrgID`) and other accounts (`aws:SourceAccount`,
 * `aws:SourceArn` ... naming them). Clauses are AND'ed: either list suffices.
 */
function confinement(stmt: Statement): { organizations: string[]; accounts: string[] } {
  return {
    organizations: confiningValues(stmt, ORG_KEYS, isFixed),
    accounts: [
      ...new Set(
        confiningValues(stmt, ACCOUNT_KEYS, (v) => accountOf(v) !== undefined).map(
          (v) => accountOf(v) as string,
        ),
      ),
    ],
  };
}

/** Any clause of the statement confines it to the account (clauses are AND'ed). */
function statementConfinedToAccount(stmt: Statement, accountId: string): boolean {
  return stmt.conditions.some((c) => confinesToAccount(c, accountId));
}

/** Any clause restricts the statement to fixed principals, networks or sources: AWS's test for "not public". */
function statementHasFixedCondition(stmt: Statement): boolean {
  return stmt.conditions.some(
    (c) =>
      POSITIVE_OPERATORS.has(c.base) &&
      !c.ifExists &&
      c.set !== 'ForAllValues' &&
      FIXED_KEYS.has(c.key) &&
      c.values.length > 0 &&
      c.values.every((v) => isFixed(v, c.key)),
  );
}

export type PrincipalKind =
  'anyone' | 'account' | 'service' | 'canonical-user' | 'federated' | 'other';

/** One principal a statement names, and whether it is the bucket's own account. */
export interface PrincipalRef {
  kind: PrincipalKind;
  /** As written: `*`, an ARN, an account id, a service name, a canonical id. */
  value: string;
  /** For `account`: the account id the ARN or id names, when it names one. */
  account?: string;
}

function principalRefs(p: Principals): PrincipalRef[] {
  const account = (value: string): PrincipalRef => {
    const id = accountOf(value);
    return { kind: 'account', value, ...(id !== undefined && { account: id }) };
  };
  return [
    ...(p.anyone ? [{ kind: 'anyone' as const, value: '*' }] : []),
    ...p.aws.map(account),
    ...p.service.map((value) => ({ kind: 'service' as const, value })),
    ...p.canonicalUser.map((value) => ({ kind: 'canonical-user' as const, value })),
    ...p.federated.map((value) => ({ kind: 'federated' as const, value })),
    ...p.other.map((value) => ({ kind: 'other' as const, value })),
  ];
}

/**
 * The principal is the bucket's own account. A service principal never is by
 * itself: without a source condition any account's use of the service
 * qualifies (the confused deputy).
 */
function isOwnPrincipal(ref: PrincipalRef, bucket: BucketRef): boolean {
  if (ref.kind === 'account') return ref.account === bucket.accountId;
  if (ref.kind === 'canonical-user') return ref.value === bucket.ownerCanonicalId;
  return false;
}

/** The principal is on the configured allow list: by its value or its account. */
function isAllowed(ref: PrincipalRef, allowed: ReadonlySet<string>): boolean {
  return allowed.has(ref.value) || (ref.account !== undefined && allowed.has(ref.account));
}

/** The statement is confined to organizations, or to accounts, that are all allowed. */
function confinedToAllowed(
  { organizations, accounts }: { organizations: string[]; accounts: string[] },
  allowed: ReadonlySet<string>,
): boolean {
  const all = (list: string[]): boolean => list.length > 0 && list.every((x) => allowed.has(x));
  return all(organizations) || all(accounts);
}

/** A Deny statement's principals include every caller outside the account. */
function denyReachesOutsiders(stmt: Statement, bucket: BucketRef): boolean {
  if (stmt.principal !== undefined) return stmt.principal.anyone;
  if (stmt.notPrincipal === undefined) return false;
  // Deny + NotPrincipal: everyone except the listed principals, all of which are the account's own.
  return principalRefs(stmt.notPrincipal).every((ref) => isOwnPrincipal(ref, bucket));
}

/**
 * A clause under which a Deny still reaches every outside caller: a negated
 * operator on an account key whose values are all the account's (for an
 * outsider the key is absent or different, and a negated operator is then true).
 */
function keepsOutsidersDenied(clause: ConditionClause, accountId: string): boolean {
  return (
    NEGATED_OPERATORS.has(clause.base) &&
    clause.set === undefined &&
    ACCOUNT_KEYS.has(clause.key) &&
    clause.values.length > 0 &&
    clause.values.every((v) => inAccount(v, accountId, clause))
  );
}

/** Deny statements that block `action` on the whole of its resource for every caller outside the account. */
function outsiderDenials(
  policy: Policy,
  bucket: BucketRef,
  action: string,
  kind: ResourceKind,
): Statement[] {
  return policy.statements.filter(
    (s) =>
      s.effect === 'Deny' &&
      denyReachesOutsiders(s, bucket) &&
      s.conditions.every((c) => keepsOutsidersDenied(c, bucket.accountId)) &&
      statementCoversAction(s, action) &&
      resourceCoverage(s, bucket, kind) === 'all',
  );
}

/** The write-class actions a statement grants on some part of the bucket. */
export function writeActionsOf(stmt: Statement, bucket: BucketRef): string[] {
  return Object.entries(WRITE_ACTIONS)
    .filter(
      ([action, kind]) =>
        statementCoversAction(stmt, action) && resourceCoverage(stmt, bucket, kind) !== 'none',
    )
    .map(([action]) => action);
}

function readActionsOf(stmt: Statement, bucket: BucketRef): string[] {
  return Object.entries(READ_ACTIONS)
    .filter(
      ([action, kind]) =>
        statementCoversAction(stmt, action) && resourceCoverage(stmt, bucket, kind) !== 'none',
    )
    .map(([action]) => action);
}

/** The principals of an Allow statement that are neither the account's own nor allowed. */
function outsidePrincipals(
  stmt: Statement,
  bucket: BucketRef,
  allowed: ReadonlySet<string>,
): WriteGrant['principal'][] {
  if (confinedToAllowed(confinement(stmt), allowed)) return [];
  if (stmt.principal !== undefined)
    return principalRefs(stmt.principal).filter(
      (ref) => !isOwnPrincipal(ref, bucket) && !isAllowed(ref, allowed),
    );
  // Allow + NotPrincipal: everyone but the listed principals, anonymous callers included.
  if (stmt.notPrincipal === undefined) return [];
  return [{ kind: 'anyone', value: 'NotPrincipal' }];
}

/**
 * CloudFront as a writer. An origin access control forwards viewers' PUT and
 * DELETE when the distribution allows those methods, and tufwatch cannot see
 * the distribution: a write granted to CloudFront is a write by anyone on the
 * Internet, whatever source condition names the account's own distribution.
 */
function cloudFrontWriter(
  stmt: Statement,
  allowed: ReadonlySet<string>,
): (PrincipalRef & { kind: 'service' }) | undefined {
  const service = stmt.principal?.service.find((s) => s.toLowerCase() === CLOUDFRONT_SERVICE);
  if (service === undefined || allowed.has(service)) return undefined;
  return { kind: 'service', value: service };
}

const CLOUDFRONT_SERVICE = 'cloudfront.amazonaws.com';

/** A statement that lets a principal outside the account write. */
export interface WriteGrant {
  statement: number;
  sid?: string;
  /** `NotPrincipal` when the grant is to everyone except the listed principals. */
  principal: PrincipalRef | { kind: 'anyone'; value: 'NotPrincipal' };
  actions: string[];
  /** Organizations the statement is confined to by `aws:PrincipalOrgID`, when it is. */
  organizations?: string[];
  /** Other accounts the statement is confined to by a condition (`aws:SourceAccount` ...), when it is. */
  accounts?: string[];
}

/**
 * Every principal outside the bucket's account that the policy lets perform a
 * write-class action (WRITE_ACTIONS) on the bucket or any of its objects:
 * anyone (`*`, `{"AWS": "*"}`, Allow + NotPrincipal), other accounts, service
 * principals without a source condition naming the account, canonical users
 * other than the owner, federated users. A statement confined to the account
 * by a condition (aws:SourceAccount, aws:SourceArn, aws:PrincipalAccount,
 * aws:PrincipalArn naming it) grants nothing outside it, and a write that a
 * Deny blocks for every outside caller is not granted; a write granted to
 * CloudFront counts whatever its conditions (see cloudFrontWriter). `allowed`
 * lists principals (ARNs, account ids, service names, canonical ids,
 * organization ids) that may write.
 */
export function grantsWriteOutsideAccount(
  policy: Policy,
  bucket: BucketRef,
  allowed: readonly string[] = [],
): WriteGrant[] {
  const allowedSet = new Set(allowed);
  const grants: WriteGrant[] = [];
  for (const stmt of policy.statements) {
    if (stmt.effect !== 'Allow') continue;
    const confined = statementConfinedToAccount(stmt, bucket.accountId);
    const cloudFront = cloudFrontWriter(stmt, allowedSet);
    if (confined && cloudFront === undefined) continue;
    const actions = writeActionsOf(stmt, bucket).filter(
      (action) =>
        outsiderDenials(policy, bucket, action, WRITE_ACTIONS[action] as ResourceKind).length === 0,
    );
    if (actions.length === 0) continue;
    if (cloudFront !== undefined)
      grants.push({
        statement: stmt.index,
        ...(stmt.sid !== undefined && { sid: stmt.sid }),
        principal: cloudFront,
        actions,
      });
    if (confined) continue;
    const { organizations, accounts } = confinement(stmt);
    for (const principal of outsidePrincipals(stmt, bucket, allowedSet))
      if (principal.value !== cloudFront?.value)
        grants.push({
          statement: stmt.index,
          ...(stmt.sid !== undefined && { sid: stmt.sid }),
          principal,
          actions,
          ...(organizations.length > 0 && { organizations }),
          ...(accounts.length > 0 && { accounts }),
        });
  }
  return grants;
}

/** A statement that lets anyone read. */
export interface PublicGrant {
  statement: number;
  sid?: string;
  actions: string[];
}

/**
 * Statements that let anyone (`*`, `{"AWS": "*"}`, Allow + NotPrincipal) read
 * objects or list the bucket without a condition that fixes who or where from
 * (account, organization, source ARN, VPC, VPC endpoint, IP range other than
 * the whole Internet): AWS's own meaning of a public policy. A CloudFront OAC
 * or OAI read is not public: it names a service or a CloudFront identity.
 */
export function grantsPublicRead(policy: Policy, bucket: BucketRef): PublicGrant[] {
  return policy.statements
    .filter(
      (s) =>
        s.effect === 'Allow' &&
        (s.principal?.anyone === true ||
          (s.principal === undefined && s.notPrincipal !== undefined)) &&
        !statementHasFixedCondition(s),
    )
    .map((s) => ({ stmt: s, actions: readActionsOf(s, bucket) }))
    .filter(({ actions }) => actions.length > 0)
    .map(({ stmt, actions }) => ({
      statement: stmt.index,
      ...(stmt.sid !== undefined && { sid: stmt.sid }),
      actions,
    }));
}

/** Only read actions: no write-class action matches, and not NotAction (which grants everything else). */
function readOnlyActions(stmt: Statement): boolean {
  return (
    stmt.action !== undefined &&
    !Object.keys(WRITE_ACTIONS).some((action) => statementCoversAction(stmt, action))
  );
}

const DISTRIBUTION_ARN = /^arn:aws[a-z-]*:cloudfront::(\d{12}):distribution\/[A-Z0-9]+$/;

/**
 * A CloudFront origin access control statement (AWS's recommended policy):
 * Allow, principal only the `cloudfront.amazonaws.com` service, read actions
 * only, and an `AWS:SourceArn` condition naming distributions (of `accountId`,
 * when given) so that no other account's distribution can read through it.
 */
export function isCloudFrontOacRead(stmt: Statement, accountId?: string): boolean {
  const p = stmt.principal;
  if (stmt.effect !== 'Allow' || p === undefined) return false;
  const onlyCloudFront =
    !p.anyone &&
    p.aws.length === 0 &&
    p.canonicalUser.length === 0 &&
    p.federated.length === 0 &&
    p.service.length > 0 &&
    p.service.every((s) => s === 'cloudfront.amazonaws.com');
  if (!onlyCloudFront || !readOnlyActions(stmt)) return false;
  return stmt.conditions.some(
    (c) =>
      c.key === 'aws:sourcearn' &&
      POSITIVE_OPERATORS.has(c.base) &&
      !c.ifExists &&
      c.set !== 'ForAllValues' &&
      c.values.length > 0 &&
      c.values.every((v) => {
        const account = DISTRIBUTION_ARN.exec(v)?.[1];
        return account !== undefined && (accountId === undefined || account === accountId);
      }),
  );
}

const OAI_ARN =
  /^arn:aws[a-z-]*:iam::cloudfront:user\/CloudFront Origin Access Identity [A-Z0-9]+$/;

/** A legacy CloudFront origin access identity (OAI) statement: Allow, only OAI principals, read actions only. */
export function isCloudFrontOaiRead(stmt: Statement): boolean {
  const p = stmt.principal;
  if (stmt.effect !== 'Allow' || p === undefined) return false;
  const onlyOai =
    !p.anyone &&
    p.service.length === 0 &&
    p.canonicalUser.length === 0 &&
    p.federated.length === 0 &&
    p.aws.length > 0 &&
    p.aws.every((a) => OAI_ARN.test(a));
  return onlyOai && readOnlyActions(stmt);
}

/** Whether plain-HTTP writes are denied, and by which statements. */
export interface TransportDenial {
  /** Every object-level write action is denied over plain HTTP on every object. */
  objectWrites: boolean;
  /** Every bucket-level write action is denied over plain HTTP. */
  bucketWrites: boolean;
  /** Statements that deny on `aws:SecureTransport = false`. */
  statements: { statement: number; sid?: string }[];
  /** Write actions that plain HTTP can still reach. */
  notDenied: string[];
}

/** `Bool` / `BoolIfExists` `aws:SecureTransport` `false`: matches every plain-HTTP request. */
function isInsecureTransportClause(c: ConditionClause): boolean {
  return (
    c.base === 'Bool' &&
    c.set === undefined &&
    c.key === 'aws:securetransport' &&
    c.values.length > 0 &&
    c.values.every((v) => v.toLowerCase() === 'false')
  );
}

/**
 * A Deny for every principal on `aws:SecureTransport = false` (the AWS
 * Foundational Security Best Practices control S3.5) covering the write-class
 * actions, on all objects (object actions) and on the bucket (bucket actions).
 * Only statements whose every condition is that clause count: another clause
 * would narrow the denial.
 */
export function deniesInsecureTransportForWrites(
  policy: Policy,
  bucket: BucketRef,
): TransportDenial {
  const denials = policy.statements.filter(
    (s) =>
      s.effect === 'Deny' &&
      s.principal?.anyone === true &&
      s.conditions.length > 0 &&
      s.conditions.every(isInsecureTransportClause),
  );
  const notDenied = Object.entries(WRITE_ACTIONS)
    .filter(
      ([action, kind]) =>
        !denials.some(
          (s) => statementCoversAction(s, action) && resourceCoverage(s, bucket, kind) === 'all',
        ),
    )
    .map(([action]) => action);
  const missed = (kind: ResourceKind): boolean =>
    notDenied.some((action) => WRITE_ACTIONS[action] === kind);
  return {
    objectWrites: !missed('object'),
    bucketWrites: !missed('bucket'),
    statements: denials.map((s) => ({
      statement: s.index,
      ...(s.sid !== undefined && { sid: s.sid }),
    })),
    notDenied,
  };
}

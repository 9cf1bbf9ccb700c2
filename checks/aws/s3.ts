import {
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand } from '@aws-sdk/client-s3-control';
import type { S3ControlClient } from '@aws-sdk/client-s3-control';
import { collect, InvalidResponseError } from './clients.js';
import type {
  AccountS3Snapshot,
  AclGrant,
  BucketPolicy,
  PolicyPrincipal,
  PolicyStatement,
  PublicAccessBlock,
  S3Snapshot,
} from './types.js';

/**
 * Reads the bucket's configuration, one call per field, all in parallel.
 * Every call carries `ExpectedBucketOwner`: S3 refuses (403) a bucket of
 * another account instead of describing it, so a re-created bucket of the
 * same name in someone else's account is never audited as ours.
 */
export async function collectS3(
  s3: S3Client,
  bucket: string,
  expectedBucketOwner: string,
): Promise<S3Snapshot> {
  const b = { Bucket: bucket, ExpectedBucketOwner: expectedBucketOwner };
  const [
    region,
    publicAccessBlock,
    policy,
    policyStatus,
    acl,
    ownershipControls,
    encryption,
    versioning,
    objectLock,
    logging,
    replication,
  ] = await Promise.all([
    collect('GetBucketLocation', async () =>
      regionOf((await s3.send(new GetBucketLocationCommand(b))).LocationConstraint),
    ),
    collect(
      'GetPublicAccessBlock',
      async () =>
        flags((await s3.send(new GetPublicAccessBlockCommand(b))).PublicAccessBlockConfiguration),
      ['NoSuchPublicAccessBlockConfiguration'],
      null,
    ),
    collect(
      'GetBucketPolicy',
      async () => parsePolicy((await s3.send(new GetBucketPolicyCommand(b))).Policy),
      ['NoSuchBucketPolicy'],
      null,
    ),
    // AWS answers NoSuchBucketPolicy when there is no policy: a bucket without one is not public by policy.
    collect(
      'GetBucketPolicyStatus',
      async () => ({
        isPublic:
          (await s3.send(new GetBucketPolicyStatusCommand(b))).PolicyStatus?.IsPublic === true,
      }),
      ['NoSuchBucketPolicy'],
      { isPublic: false },
    ),
    collect('GetBucketAcl', async () => {
      const out = await s3.send(new GetBucketAclCommand(b));
      return {
        ownerId: out.Owner?.ID ?? null,
        grants: (out.Grants ?? []).map((g): AclGrant => ({
          grantee: {
            type: g.Grantee?.Type ?? 'Unknown',
            id: g.Grantee?.ID ?? null,
            uri: g.Grantee?.URI ?? null,
            emailAddress: g.Grantee?.EmailAddress ?? null,
            displayName: g.Grantee?.DisplayName ?? null,
          },
          permission: g.Permission ?? 'Unknown',
        })),
      };
    }),
    collect(
      'GetBucketOwnershipControls',
      async () => {
        const out = await s3.send(new GetBucketOwnershipControlsCommand(b));
        const rule = out.OwnershipControls?.Rules?.[0]?.ObjectOwnership;
        return rule === undefined ? null : { objectOwnership: rule };
      },
      ['OwnershipControlsNotFoundError'],
      null,
    ),
    collect(
      'GetBucketEncryption',
      async () => {
        const out = await s3.send(new GetBucketEncryptionCommand(b));
        const rules = out.ServerSideEncryptionConfiguration?.Rules ?? [];
        return {
          rules: rules.flatMap((rule) => {
            const d = rule.ApplyServerSideEncryptionByDefault;
            // A rule without a default (only BucketKeyEnabled) encrypts nothing by default.
            if (d?.SSEAlgorithm === undefined) return [];
            return [
              {
                sseAlgorithm: d.SSEAlgorithm,
                kmsMasterKeyId: d.KMSMasterKeyID ?? null,
                bucketKeyEnabled: rule.BucketKeyEnabled === true,
              },
            ];
          }),
        };
      },
      ['ServerSideEncryptionConfigurationNotFoundError'],
      null,
    ),
    collect('GetBucketVersioning', async () => {
      const out = await s3.send(new GetBucketVersioningCommand(b));
      return {
        status: out.Status === 'Enabled' || out.Status === 'Suspended' ? out.Status : null,
        mfaDelete:
          out.MFADelete === 'Enabled' || out.MFADelete === 'Disabled' ? out.MFADelete : null,
      };
    }),
    collect(
      'GetObjectLockConfiguration',
      async () => {
        const out = await s3.send(new GetObjectLockConfigurationCommand(b));
        const c = out.ObjectLockConfiguration;
        if (c === undefined) return null;
        const r = c.Rule?.DefaultRetention;
        return {
          enabled: c.ObjectLockEnabled === 'Enabled',
          defaultRetention:
            r === undefined
              ? null
              : { mode: r.Mode ?? 'Unknown', days: r.Days ?? null, years: r.Years ?? null },
        };
      },
      ['ObjectLockConfigurationNotFoundError'],
      null,
    ),
    // Logging off is an empty BucketLoggingStatus, not an error.
    collect('GetBucketLogging', async () => {
      const l = (await s3.send(new GetBucketLoggingCommand(b))).LoggingEnabled;
      return l?.TargetBucket === undefined
        ? null
        : { targetBucket: l.TargetBucket, targetPrefix: l.TargetPrefix ?? '' };
    }),
    collect(
      'GetBucketReplication',
      async () => {
        const c = (await s3.send(new GetBucketReplicationCommand(b))).ReplicationConfiguration;
        if (c === undefined) return null;
        return {
          role: c.Role ?? '',
          rules: (c.Rules ?? []).map((r) => ({
            id: r.ID ?? null,
            status: r.Status ?? 'Unknown',
            priority: r.Priority ?? null,
            destinationBucket: r.Destination?.Bucket ?? '',
            destinationAccount: r.Destination?.Account ?? null,
          })),
        };
      },
      ['ReplicationConfigurationNotFoundError'],
      null,
    ),
  ]);
  return {
    bucket,
    region,
    publicAccessBlock,
    policy,
    policyStatus,
    acl,
    ownershipControls,
    encryption,
    versioning,
    objectLock,
    logging,
    replication,
  };
}

/** The account's S3 Block Public Access (S3 Control). */
export async function collectAccountS3(
  s3control: S3ControlClient,
  accountId: string,
): Promise<AccountS3Snapshot> {
  return {
    accountId,
    publicAccessBlock: await collect(
      'GetAccountPublicAccessBlock',
      async () =>
        flags(
          (await s3control.send(new GetAccountPublicAccessBlockCommand({ AccountId: accountId })))
            .PublicAccessBlockConfiguration,
        ),
      ['NoSuchPublicAccessBlockConfiguration'],
      null,
    ),
  };
}

/** An absent flag is false (AWS's default). */
function flags(c: PublicAccessBlockConfiguration | undefined): PublicAccessBlock {
  return {
    blockPublicAcls: c?.BlockPublicAcls === true,
    ignorePublicAcls: c?.IgnorePublicAcls === true,
    blockPublicPolicy: c?.BlockPublicPolicy === true,
    restrictPublicBuckets: c?.RestrictPublicBuckets === true,
  };
}

/** GetBucketLocation: an empty constraint is us-east-1; `EU` is the legacy name of eu-west-1. */
function regionOf(constraint: string | undefined): string {
  if (constraint === undefined || constraint === '') return 'us-east-1';
  return constraint === 'EU' ? 'eu-west-1' : constraint;
}

// ---------------------------------------------------------------------------
// Bucket policy: parsed to unknown, then narrowed; every bad path is reported.

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses and normalizes a bucket policy; throws InvalidResponseError naming every bad field. */
export function parsePolicy(text: string | undefined): BucketPolicy {
  if (text === undefined || text === '') throw new InvalidResponseError('empty bucket policy');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new InvalidResponseError('the bucket policy is not JSON');
  }
  const problems: string[] = [];
  if (!isObject(doc)) throw new InvalidResponseError('the bucket policy is not a JSON object');
  const raw = doc.Statement;
  const list: unknown[] = Array.isArray(raw) ? (raw as unknown[]) : raw === undefined ? [] : [raw];
  if (raw === undefined) problems.push('Statement: is required');
  const statements = list.flatMap((s, i) => {
    const st = readStatement(s, `Statement[${i}]`, problems);
    return st === undefined ? [] : [st];
  });
  if (problems.length > 0)
    throw new InvalidResponseError(`invalid bucket policy: ${problems.join('; ')}`);
  return {
    text,
    version: typeof doc.Version === 'string' ? doc.Version : null,
    id: typeof doc.Id === 'string' ? doc.Id : null,
    statements,
  };
}

function readStatement(
  value: unknown,
  path: string,
  problems: string[],
): PolicyStatement | undefined {
  if (!isObject(value)) {
    problems.push(`${path}: must be an object`);
    return undefined;
  }
  const effect = value.Effect;
  if (effect !== 'Allow' && effect !== 'Deny')
    problems.push(`${path}.Effect: must be Allow or Deny`);
  const st: PolicyStatement = {
    sid: typeof value.Sid === 'string' ? value.Sid : null,
    effect: effect === 'Deny' ? 'Deny' : 'Allow',
    condition: readCondition(value.Condition, `${path}.Condition`, problems),
  };
  const principal = readPrincipal(value.Principal, `${path}.Principal`, problems);
  if (principal !== undefined) st.principal = principal;
  const notPrincipal = readPrincipal(value.NotPrincipal, `${path}.NotPrincipal`, problems);
  if (notPrincipal !== undefined) st.notPrincipal = notPrincipal;
  for (const [field, key] of [
    ['Action', 'action'],
    ['NotAction', 'notAction'],
    ['Resource', 'resource'],
    ['NotResource', 'notResource'],
  ] as const) {
    const strings = readStrings(value[field], `${path}.${field}`, problems);
    if (strings !== undefined) st[key] = strings;
  }
  return st;
}

function readStrings(value: unknown, path: string, problems: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  problems.push(`${path}: must be a string or an array of strings`);
  return undefined;
}

function readPrincipal(
  value: unknown,
  path: string,
  problems: string[],
): PolicyPrincipal | undefined {
  if (value === undefined) return undefined;
  if (value === '*') return '*';
  if (!isObject(value)) {
    problems.push(`${path}: must be "*" or an object`);
    return undefined;
  }
  const out: [string, string[]][] = [];
  for (const [type, v] of Object.entries(value)) {
    const strings = readStrings(v, `${path}.${type}`, problems);
    if (strings !== undefined) out.push([type, strings]);
  }
  // fromEntries defines own properties: a `__proto__` key in the policy stays data.
  return Object.fromEntries(out);
}

/** Condition values may be strings, numbers or booleans, alone or in arrays: all become strings. */
function readCondition(
  value: unknown,
  path: string,
  problems: string[],
): Record<string, Record<string, string[]>> {
  if (value === undefined) return {};
  if (!isObject(value)) {
    problems.push(`${path}: must be an object`);
    return {};
  }
  const out: [string, Record<string, string[]>][] = [];
  for (const [operator, keys] of Object.entries(value)) {
    if (!isObject(keys)) {
      problems.push(`${path}.${operator}: must be an object`);
      continue;
    }
    const entries: [string, string[]][] = [];
    for (const [key, v] of Object.entries(keys)) {
      const list: unknown[] = Array.isArray(v) ? (v as unknown[]) : [v];
      if (list.every((x) => ['string', 'number', 'boolean'].includes(typeof x)))
        entries.push([key, list.map((x) => String(x))]);
      else problems.push(`${path}.${operator}.${key}: must be strings, numbers or booleans`);
    }
    out.push([operator, Object.fromEntries(entries)]);
  }
  return Object.fromEntries(out);
}

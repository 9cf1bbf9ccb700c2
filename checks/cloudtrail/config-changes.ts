import { cloudTrailOf, configuredList, errorOutcome } from '../aws/common.js';
import { globMatch } from '../aws/policy.js';
import type { ConfigChangeEvent, ConfigChangeEventName, TrailSnapshot } from '../aws/types.js';
import type { CheckDefinition } from '../types.js';
import { coversRegion, isTrail } from './trails.js';

/** Events kept in evidence: a broken automation can make thousands. */
export const MAX_EVIDENCE_EVENTS = 50;

const TRAIL_EVENTS: ReadonlySet<ConfigChangeEventName> = new Set([
  'StopLogging',
  'DeleteTrail',
  'UpdateTrail',
  'PutEventSelectors',
]);
/** The account's public access block guards every bucket of the account, this one included. */
const ACCOUNT_EVENTS: ReadonlySet<ConfigChangeEventName> = new Set([
  'PutAccountPublicAccessBlock',
  'DeleteAccountPublicAccessBlock',
]);

const stringParam = (event: ConfigChangeEvent, name: string): string | undefined => {
  const value = event.requestParameters?.[name];
  return typeof value === 'string' ? value : undefined;
};

/** The trail an event changed (its `name` request parameter, a name or an ARN), if it names one. */
function trailOf(event: ConfigChangeEvent): string | undefined {
  return (
    stringParam(event, 'name') ??
    event.resources.find((r) => r.type === 'AWS::CloudTrail::Trail')?.name ??
    undefined
  );
}

/**
 * The subject of a change when it concerns the update service: the bucket,
 * the account's public access block, or a trail. A trail change counts unless
 * it names a trail that exists and is out of scope: a deleted trail is no
 * longer listed, and its DeleteTrail is the event that matters most.
 */
function subjectOf(
  event: ConfigChangeEvent,
  bucket: string,
  listed: readonly TrailSnapshot[] | undefined,
  inScope: (trail: TrailSnapshot) => boolean,
): string | undefined {
  if (ACCOUNT_EVENTS.has(event.eventName)) return 'account';
  if (TRAIL_EVENTS.has(event.eventName)) {
    const name = trailOf(event) ?? 'unknown trail';
    const known = listed?.find((t) => isTrail(t, name));
    return known !== undefined && !inScope(known) ? undefined : `trail ${name}`;
  }
  const onBucket =
    stringParam(event, 'bucketName') === bucket || event.resources.some((r) => r.name === bucket);
  return onBucket ? `bucket ${bucket}` : undefined;
}

/**
 * The caller is on the allow list: an entry matches the caller's ARN, user
 * name or invoking service (IAM wildcards allowed), and a role ARN matches
 * the sessions of that role (`arn:aws:sts::<account>:assumed-role/<role>/<session>`).
 */
export function isAllowedCaller(event: ConfigChangeEvent, allowed: readonly string[]): boolean {
  const callers = [event.principalArn, event.username, event.invokedBy].filter(
    (c): c is string => c !== null,
  );
  return allowed.some((entry) => {
    if (callers.some((c) => globMatch(entry, c))) return true;
    const role = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(entry);
    if (role === null || event.principalArn === null) return false;
    const [, partition, account, name] = role;
    return event.principalArn.startsWith(`arn:${partition}:sts::${account}:assumed-role/${name}/`);
  });
}

const eventFacts = (event: ConfigChangeEvent, subject: string): Record<string, unknown> => ({
  eventId: event.eventId,
  eventName: event.eventName,
  eventTime: event.eventTime,
  subject,
  principalArn: event.principalArn,
  principalType: event.principalType,
  principalAccountId: event.principalAccountId,
  username: event.username,
  invokedBy: event.invokedBy,
  sourceIPAddress: event.sourceIPAddress,
  userAgent: event.userAgent,
  errorCode: event.errorCode,
});

/**
 * LookupEvents over the look-back window finds no change to the bucket's
 * policy, public access block, ACL, ownership, versioning, encryption,
 * logging or object lock, nor StopLogging, DeleteTrail, UpdateTrail or
 * PutEventSelectors on a trail in scope, by a caller outside the configured
 * allow list (`allowedPrincipals`; none when not configured: every change
 * then needs a look). A change that failed (errorCode, e.g. AccessDenied)
 * changed nothing but shows someone tried: it warns.
 */
export const configChangesCheck: CheckDefinition = {
  id: 'cloudtrail.config-changes',
  title: 'The bucket and its trail were changed only by allowed principals',
  component: 'cloudtrail',
  severity: 'high',
  criteria: ['CC7.2', 'CC7.3', 'CC8.1'],
  remediation:
    'For each event in the evidence, confirm with its author that it was an approved change (CloudTrail console > Event history > Event ID). ' +
    'If it was not: revert it (the failing `s3.*` or `cloudtrail.*` check says how), restart logging with `aws cloudtrail start-logging --name <trail-arn>` if it was stopped, ' +
    "revoke the caller's credentials (`aws iam update-access-key --status Inactive` or revoke role sessions in IAM console > Roles > role > Revoke sessions), and run `tufwatch verify --repo <url>`. " +
    'If it was approved and the caller routinely makes such changes (the release or infrastructure role), add its role ARN to the allowed principals.',
  evaluate: (data) => {
    const found = cloudTrailOf(data);
    if ('status' in found) return found;
    const { aws, cloudtrail } = found;
    const window = { region: cloudtrail.region };
    if (!cloudtrail.events.ok) return errorOutcome([cloudtrail.events.error], window);
    const history = cloudtrail.events.value;
    const allowed = configuredList(aws, 'allowedPrincipals');
    const located = aws.s3?.region;
    const bucketRegion = located?.ok === true ? located.value : aws.region;
    const listed = cloudtrail.trails.ok ? cloudtrail.trails.value : undefined;
    const inScope = (t: TrailSnapshot): boolean =>
      cloudtrail.configuredTrails !== null || coversRegion(t, bucketRegion);
    const relevant = history.events.flatMap((event) => {
      const subject = subjectOf(event, aws.bucket, listed, inScope);
      return subject === undefined ? [] : [{ event, subject }];
    });
    const byOthers = relevant.filter(({ event }) => !isAllowedCaller(event, allowed));
    const changes = byOthers.filter(({ event }) => event.errorCode === null);
    const attempts = byOthers.filter(({ event }) => event.errorCode !== null);
    const facts = (list: typeof relevant): Record<string, unknown>[] =>
      list.slice(0, MAX_EVIDENCE_EVENTS).map(({ event, subject }) => eventFacts(event, subject));
    const evidence = {
      from: history.from,
      to: history.to,
      lookbackDays: history.lookbackDays,
      truncated: history.truncated,
      trailsKnown: listed !== undefined,
      allowedPrincipals: allowed,
      changeCount: changes.length,
      attemptCount: attempts.length,
      changes: facts(changes),
      attempts: facts(attempts),
      allowedChanges: facts(relevant.filter(({ event }) => isAllowedCaller(event, allowed))),
    };
    const describe = (list: typeof relevant): string =>
      list
        .slice(0, 3)
        .map(
          ({ event, subject }) =>
            `${event.eventName} on ${subject} by ${event.principalArn ?? event.username ?? 'unknown'} at ${event.eventTime}`,
        )
        .join('; ') + (list.length > 3 ? `; and ${list.length - 3} more` : '');
    if (changes.length > 0)
      return {
        status: 'fail',
        message: `changed by a principal not allowed: ${describe(changes)}`,
        evidence,
      };
    if (history.truncated)
      return {
        status: 'error',
        message: `the event history of the last ${history.lookbackDays} days was truncated: older changes may be missing`,
        evidence,
      };
    if (attempts.length > 0)
      return {
        status: 'warn',
        message: `attempted (and refused): ${describe(attempts)}`,
        evidence,
      };
    return {
      status: 'pass',
      message: `no change by a principal outside the allow list in the last ${history.lookbackDays} days`,
      evidence,
    };
  },
};

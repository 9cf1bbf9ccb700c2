/**
 * Which trails the CloudTrail checks look at, and how per-trail verdicts roll
 * up. In scope: the trails named in config (`aws.trails`), or else every
 * trail that covers the bucket's region (multi-region trails, organization
 * trails seen as shadow trails from a member account, trails whose home is
 * that region). Name the trails you rely on in config to leave others out.
 */
import { cloudTrailOf, describeError, errorFacts, errorOutcome } from '../aws/common.js';
import type {
  AwsCollectError,
  AwsSnapshot,
  CloudTrailSnapshot,
  Collected,
  TrailSnapshot,
} from '../aws/types.js';
import type { CheckOutcome, CollectedData } from '../types.js';

export interface TrailScope {
  aws: AwsSnapshot;
  cloudtrail: CloudTrailSnapshot;
  /** Where the bucket is: GetBucketLocation, or config when that could not be read. */
  bucketRegion: string;
  bucketRegionFrom: 'GetBucketLocation' | 'config';
  /** Every trail DescribeTrails returned (only the configured ones when config names trails). */
  all: TrailSnapshot[];
  /** The trails in scope. */
  trails: TrailSnapshot[];
  /** Trails named in config that DescribeTrails did not return. */
  missing: string[];
}

/** The trail records events of this region: it is multi-region, or its home is the region. */
export function coversRegion(trail: TrailSnapshot, region: string): boolean {
  return trail.isMultiRegion || trail.homeRegion === region;
}

/** The trail is the one a name or ARN (as in config or in an event's request) designates. */
export function isTrail(trail: TrailSnapshot, nameOrArn: string): boolean {
  return trail.name === nameOrArn || trail.arn === nameOrArn;
}

/** The trails in scope, or why the check cannot look at any (not configured, DescribeTrails failed). */
export function trailScope(data: CollectedData): TrailScope | CheckOutcome {
  const found = cloudTrailOf(data);
  if ('status' in found) return found;
  const { aws, cloudtrail } = found;
  const located = aws.s3?.region;
  const bucketRegion = located?.ok === true ? located.value : aws.region;
  const bucketRegionFrom = located?.ok === true ? 'GetBucketLocation' : 'config';
  if (!cloudtrail.trails.ok)
    return errorOutcome([cloudtrail.trails.error], { bucketRegion, region: cloudtrail.region });
  const all = cloudtrail.trails.value;
  const configured = cloudtrail.configuredTrails;
  return {
    aws,
    cloudtrail,
    bucketRegion,
    bucketRegionFrom,
    all,
    trails: configured === null ? all.filter((t) => coversRegion(t, bucketRegion)) : all,
    missing: (configured ?? []).filter((name) => !all.some((t) => isTrail(t, name))),
  };
}

/** The facts every trail's evidence starts with. */
export function trailFacts(trail: TrailSnapshot): Record<string, unknown> {
  return {
    arn: trail.arn,
    name: trail.name,
    ownerAccountId: trail.ownerAccountId,
    homeRegion: trail.homeRegion,
    isMultiRegion: trail.isMultiRegion,
    isOrganizationTrail: trail.isOrganizationTrail,
    isShadow: trail.isShadow,
  };
}

/** What a check concluded about one trail. `not_applicable`: not one the check looks at (e.g. not logging). */
export interface TrailVerdict {
  status: 'pass' | 'fail' | 'error' | 'not_applicable';
  /** What is wrong, without the trail's name. */
  problems: string[];
  facts: Record<string, unknown>;
  errors?: AwsCollectError[];
}

/**
 * A verdict over items of a trail: the problems found stand (a proven failure
 * is never hidden by an unreadable item); without problems, an unreadable
 * item makes it `error`.
 */
export function trailVerdict(
  problems: string[],
  facts: Record<string, unknown>,
  items: readonly Collected<unknown>[] = [],
): TrailVerdict {
  const errors = items.flatMap((item) => (item.ok ? [] : [item.error]));
  const status = problems.length > 0 ? 'fail' : errors.length > 0 ? 'error' : 'pass';
  return { status, problems, facts, ...(errors.length > 0 && { errors }) };
}

export interface TrailRollUp {
  /**
   * `any`: one trail that passes is enough (someone records it).
   * `every`: every trail looked at must pass (each is relied on).
   */
  mode: 'any' | 'every';
  /** The message when no trail is in scope (or none the check looks at). */
  none: string;
  /** The message when the check passes. */
  passed: string;
}

/**
 * Rolls per-trail verdicts up into the check's outcome, with the trails'
 * evidence by ARN. A configured trail that does not exist fails.
 */
export function evaluateTrails(
  data: CollectedData,
  rollUp: TrailRollUp,
  evaluate: (trail: TrailSnapshot, scope: TrailScope) => TrailVerdict,
): CheckOutcome {
  const scope = trailScope(data);
  if ('status' in scope) return scope;
  const verdicts: (TrailVerdict & { id: string })[] = [
    ...scope.trails.map((trail) => ({ id: trail.arn, ...evaluate(trail, scope) })),
    ...scope.missing.map((name) => ({
      id: name,
      status: 'fail' as const,
      problems: ['configured, but DescribeTrails did not return it'],
      facts: {},
    })),
  ];
  const evidence = {
    bucketRegion: scope.bucketRegion,
    bucketRegionFrom: scope.bucketRegionFrom,
    configuredTrails: scope.cloudtrail.configuredTrails,
    trails: Object.fromEntries(
      verdicts.map((v) => [
        v.id,
        {
          status: v.status,
          ...v.facts,
          ...(v.problems.length > 0 && { problems: v.problems }),
          ...(v.errors !== undefined && { errors: v.errors.map(errorFacts) }),
        },
      ]),
    ),
  };
  const looked = verdicts.filter((v) => v.status !== 'not_applicable');
  const has = (status: TrailVerdict['status']): boolean => looked.some((v) => v.status === status);
  const status =
    looked.length === 0
      ? 'fail'
      : rollUp.mode === 'any'
        ? has('pass')
          ? 'pass'
          : has('error')
            ? 'error'
            : 'fail'
        : has('fail')
          ? 'fail'
          : has('error')
            ? 'error'
            : 'pass';
  if (status === 'pass') return { status, message: rollUp.passed, evidence };
  if (looked.length === 0) return { status, message: rollUp.none, evidence };
  const message = looked
    .filter((v) => v.status !== 'pass')
    .map((v) => `${v.id}: ${[...v.problems, ...(v.errors ?? []).map(describeError)].join('; ')}`)
    .join('; ');
  return { status, message, evidence };
}

import {
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  LookupEventsCommand,
  type CloudTrailClient,
  type Event,
  type GetEventSelectorsCommandOutput,
  type GetTrailStatusCommandOutput,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import { collect } from './clients.js';
import {
  CONFIG_CHANGE_EVENT_NAMES,
  type Collected,
  type ConfigChangeEvent,
  type ConfigChangeEventName,
  type ConfigChangeEvents,
  type FieldSelector,
  type TrailEventSelectors,
  type TrailSnapshot,
  type TrailStatus,
  type CloudTrailSnapshot,
} from './types.js';

/** How LookupEvents is paced and bounded. */
export interface LookupLimits {
  /** The window: the last N days before the run's reference time. */
  lookbackDays: number;
  /**
   * LookupEvents allows 2 requests per second per account and region: a call
   * starts at least this long after the previous one was answered.
   */
  spacingMs: number;
  /** Pages per event name (50 events a page); past it the result is marked `truncated`. */
  maxPagesPerEventName: number;
}

export const DEFAULT_LOOKUP_LIMITS: Readonly<LookupLimits> = Object.freeze({
  lookbackDays: 7,
  spacingMs: 500,
  maxPagesPerEventName: 5,
});

export interface CloudTrailOptions extends LookupLimits {
  region: string;
  accountId: string;
  /** `aws.trails`: only these trails (names or ARNs) are kept; all when undefined. */
  trails?: readonly string[];
  now: Date;
  /** Waits; injectable so that tests of the pacing stay fast. */
  sleep: (ms: number) => Promise<void>;
  /** A monotonic clock in milliseconds. */
  clock: () => number;
}

export async function collectCloudTrail(
  client: CloudTrailClient,
  options: CloudTrailOptions,
): Promise<CloudTrailSnapshot> {
  const [trails, events] = await Promise.all([
    collectTrails(client, options),
    collectEvents(client, options),
  ]);
  return {
    region: options.region,
    configuredTrails: options.trails === undefined ? null : [...options.trails],
    trails,
    events,
  };
}

async function collectTrails(
  client: CloudTrailClient,
  options: CloudTrailOptions,
): Promise<Collected<TrailSnapshot[]>> {
  // Shadow trails: multi-region trails of other home regions, and the
  // organization's trail seen from a member account.
  const listed = await collect('DescribeTrails', async () => {
    const out = await client.send(new DescribeTrailsCommand({ includeShadowTrails: true }));
    return out.trailList ?? [];
  });
  if (!listed.ok) return listed;
  const wanted = options.trails;
  const trails = listed.value.filter(
    (t) =>
      wanted === undefined ||
      wanted.some((w) => w === t.Name || (t.TrailARN !== undefined && w === t.TrailARN)),
  );
  return {
    ok: true,
    value: await Promise.all(trails.map((t) => collectTrail(client, t, options))),
  };
}

async function collectTrail(
  client: CloudTrailClient,
  t: Trail,
  options: CloudTrailOptions,
): Promise<TrailSnapshot> {
  // A shadow trail can only be named by its ARN outside its home region and account.
  const arn = t.TrailARN ?? t.Name ?? '';
  const ownerAccountId = arn.split(':')[4] ?? '';
  const homeRegion = t.HomeRegion ?? options.region;
  const [status, eventSelectors] = await Promise.all([
    collect('GetTrailStatus', async () =>
      trailStatus(await client.send(new GetTrailStatusCommand({ Name: arn }))),
    ),
    collect('GetEventSelectors', async () =>
      selectors(await client.send(new GetEventSelectorsCommand({ TrailName: arn }))),
    ),
  ]);
  return {
    name: t.Name ?? arn,
    arn,
    ownerAccountId,
    homeRegion,
    isShadow: homeRegion !== options.region || ownerAccountId !== options.accountId,
    isMultiRegion: t.IsMultiRegionTrail === true,
    isOrganizationTrail: t.IsOrganizationTrail === true,
    logFileValidationEnabled: t.LogFileValidationEnabled === true,
    kmsKeyId: t.KmsKeyId ?? null,
    s3BucketName: t.S3BucketName ?? null,
    s3KeyPrefix: t.S3KeyPrefix ?? null,
    includeGlobalServiceEvents: t.IncludeGlobalServiceEvents === true,
    cloudWatchLogsLogGroupArn: t.CloudWatchLogsLogGroupArn ?? null,
    status,
    eventSelectors,
  };
}

function iso(date: Date | undefined): string | null {
  return date === undefined ? null : date.toISOString();
}

function trailStatus(out: GetTrailStatusCommandOutput): TrailStatus {
  return {
    isLogging: out.IsLogging === true,
    latestDeliveryTime: iso(out.LatestDeliveryTime),
    latestDeliveryError: out.LatestDeliveryError || null,
    latestDigestDeliveryTime: iso(out.LatestDigestDeliveryTime),
    latestDigestDeliveryError: out.LatestDigestDeliveryError || null,
    startLoggingTime: iso(out.StartLoggingTime),
    stopLoggingTime: iso(out.StopLoggingTime),
  };
}

const OPERATORS = [
  ['Equals', 'equals'],
  ['StartsWith', 'startsWith'],
  ['EndsWith', 'endsWith'],
  ['NotEquals', 'notEquals'],
  ['NotStartsWith', 'notStartsWith'],
  ['NotEndsWith', 'notEndsWith'],
] as const;

function selectors(out: GetEventSelectorsCommandOutput): TrailEventSelectors {
  const advanced = out.AdvancedEventSelectors ?? [];
  if (advanced.length > 0) {
    return {
      kind: 'advanced',
      selectors: advanced.map((s) => ({
        name: s.Name ?? null,
        fieldSelectors: (s.FieldSelectors ?? []).map((f) => {
          const fs: FieldSelector = { field: f.Field ?? '' };
          // An absent (or empty) operator does not constrain.
          for (const [from, to] of OPERATORS) {
            const values = f[from];
            if (values !== undefined && values.length > 0) fs[to] = values;
          }
          return fs;
        }),
      })),
    };
  }
  const basic = out.EventSelectors ?? [];
  if (basic.length === 0) return { kind: 'none' };
  return {
    kind: 'basic',
    // AWS's defaults: ReadWriteType All, IncludeManagementEvents true.
    selectors: basic.map((s) => ({
      readWriteType: s.ReadWriteType ?? 'All',
      includeManagementEvents: s.IncludeManagementEvents !== false,
      dataResources: (s.DataResources ?? []).map((d) => ({
        type: d.Type ?? '',
        values: d.Values ?? [],
      })),
      excludeManagementEventSources: s.ExcludeManagementEventSources ?? [],
    })),
  };
}

// ---------------------------------------------------------------------------
// LookupEvents

/**
 * One query per event name (LookupEvents takes a single lookup attribute),
 * calls paced `spacingMs` apart, pages capped. Any failed call makes the whole
 * result an error: a partial history would read as "no change".
 */
async function collectEvents(
  client: CloudTrailClient,
  options: CloudTrailOptions,
): Promise<Collected<ConfigChangeEvents>> {
  const to = options.now;
  const from = new Date(to.getTime() - options.lookbackDays * 86_400_000);
  // The next call starts `spacingMs` after the previous ANSWER arrived: the
  // SDK's own latency (signing, endpoint resolution) varies, so spacing the
  // starts of calls would not keep their arrivals at AWS apart.
  let readyAt = Number.NEGATIVE_INFINITY;
  const events: ConfigChangeEvent[] = [];
  let truncated = false;
  for (const eventName of CONFIG_CHANGE_EVENT_NAMES) {
    let nextToken: string | undefined;
    let pages = 0;
    do {
      if (pages === options.maxPagesPerEventName) {
        truncated = true;
        break;
      }
      const wait = readyAt - options.clock();
      if (wait > 0) await options.sleep(wait);
      const page = await collect('LookupEvents', () =>
        client.send(
          new LookupEventsCommand({
            LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: eventName }],
            StartTime: from,
            EndTime: to,
            MaxResults: 50,
            NextToken: nextToken,
          }),
        ),
      );
      readyAt = options.clock() + options.spacingMs;
      if (!page.ok) return page;
      pages++;
      events.push(...(page.value.Events ?? []).map((e) => toEvent(e, eventName)));
      nextToken = page.value.NextToken || undefined;
    } while (nextToken !== undefined);
  }
  events.sort((a, b) => (a.eventTime < b.eventTime ? 1 : a.eventTime > b.eventTime ? -1 : 0));
  return {
    ok: true,
    value: {
      from: from.toISOString(),
      to: to.toISOString(),
      lookbackDays: options.lookbackDays,
      eventNames: [...CONFIG_CHANGE_EVENT_NAMES],
      events,
      truncated,
    },
  };
}

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The CloudTrailEvent JSON, narrowed; an unreadable one leaves the principal unknown. */
function parseRecord(json: string | undefined): Obj {
  try {
    const record: unknown = JSON.parse(json ?? '');
    return isObject(record) ? record : {};
  } catch {
    return {};
  }
}

/** Normalizes one LookupEvents result (exported for tests of odd records). */
export function toEvent(e: Event, eventName: ConfigChangeEventName): ConfigChangeEvent {
  const record = parseRecord(e.CloudTrailEvent);
  const identity = isObject(record.userIdentity) ? record.userIdentity : {};
  return {
    eventId: e.EventId ?? text(record.eventID) ?? '',
    eventName,
    eventTime: iso(e.EventTime) ?? text(record.eventTime) ?? '',
    eventSource: e.EventSource ?? text(record.eventSource),
    username: e.Username ?? null,
    principalArn: text(identity.arn),
    principalType: text(identity.type),
    principalAccountId: text(identity.accountId),
    invokedBy: text(identity.invokedBy),
    sourceIPAddress: text(record.sourceIPAddress),
    userAgent: text(record.userAgent),
    errorCode: text(record.errorCode),
    resources: (e.Resources ?? []).map((r) => ({
      type: r.ResourceType ?? null,
      name: r.ResourceName ?? null,
    })),
    requestParameters: isObject(record.requestParameters) ? record.requestParameters : null,
  };
}

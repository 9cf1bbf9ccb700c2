/**
 * What a trail's event selectors record, pure. Follows the CloudTrail API
 * reference (EventSelector, DataResource, AdvancedEventSelector,
 * AdvancedFieldSelector) and the user guide's "Filtering data events by using
 * advanced event selectors":
 *
 * - a trail logs an event when it matches ANY of its selectors (OR);
 * - basic selectors: `ReadWriteType` (default `All`), `IncludeManagementEvents`
 *   (default true), `DataResources` of type `AWS::S3::Object` whose values are
 *   ARN prefixes (`arn:aws:s3` or `arn:aws:s3:::` for every bucket,
 *   `arn:aws:s3:::bucket/` for a whole bucket, `arn:aws:s3:::bucket/prefix`
 *   for only the keys under it);
 * - advanced selectors: every field selector must match (AND); within one
 *   field selector, the values of the including operators (Equals,
 *   StartsWith, EndsWith) are OR'ed and any value of an excluding operator
 *   (NotEquals, NotStartsWith, NotEndsWith) excludes the event.
 *
 * Coverage of "every object of the bucket" is computed per condition as all,
 * some or none; AND takes the least and OR the most. Where two partial
 * conditions might together cover everything (StartsWith `bucket/a` OR
 * `bucket/b` ...), the answer stays partial: the check never claims coverage
 * it cannot show.
 */
import type {
  AdvancedEventSelector,
  BasicEventSelector,
  FieldSelector,
  TrailEventSelectors,
} from '../aws/types.js';

/** How much of what was asked a trail records. */
export type Coverage = 'all' | 'partial' | 'none';

/**
 * The object-level write events a data selector must keep, if it filters on
 * `eventName`: uploads (`aws s3 sync` uses multipart uploads for large
 * files, and CopyObject for copies), and deletions.
 */
export const REQUIRED_WRITE_EVENTS: readonly string[] = Object.freeze([
  'PutObject',
  'CopyObject',
  'CompleteMultipartUpload',
  'DeleteObject',
  'DeleteObjects',
]);

/** What one selector records of the asked events. */
export interface SelectorCoverage {
  /** `EventSelectors[0]` or `AdvancedEventSelectors[1]`. */
  selector: string;
  /** The advanced selector's name, if it has one. */
  name?: string;
  covered: Coverage;
  /** The conditions that narrowed it, e.g. `readOnly Equals true`. Empty when it covers all. */
  limits: string[];
}

export interface DataEventCoverage {
  /** The trail as a whole: the best of its selectors. */
  covered: Coverage;
  /** The selectors that cover all writes to the bucket's objects. */
  matched: string[];
  /** Every selector that records data events, with what it covers. */
  selectors: SelectorCoverage[];
}

export interface ManagementCoverage {
  /** Read management events (e.g. GetBucketPolicy) are recorded. */
  read: boolean;
  /** Write management events (PutBucketPolicy, StopLogging ...) are recorded. */
  write: boolean;
  /** The selectors that record management events. */
  matched: string[];
  /** Why selectors that look at management events do not count, per selector. */
  limits: Record<string, string[]>;
  /** `ExcludeManagementEventSources` of basic selectors (kms, rdsdata: not S3 or CloudTrail). */
  excludedSources: string[];
}

/** Internal: `some` is reported as `partial`. */
type Extent = 'all' | 'some' | 'none';
const RANK: Record<Extent, number> = { none: 0, some: 1, all: 2 };
const least = (a: Extent, b: Extent): Extent => (RANK[a] <= RANK[b] ? a : b);
const most = (a: Extent, b: Extent): Extent => (RANK[a] >= RANK[b] ? a : b);
const toCoverage = (e: Extent): Coverage => (e === 'some' ? 'partial' : e);

const INCLUDING = ['equals', 'startsWith', 'endsWith'] as const;
const EXCLUDING = ['notEquals', 'notStartsWith', 'notEndsWith'] as const;
type Operator = (typeof INCLUDING)[number] | (typeof EXCLUDING)[number];
const OPERATOR_NAMES: Record<Operator, string> = {
  equals: 'Equals',
  startsWith: 'StartsWith',
  endsWith: 'EndsWith',
  notEquals: 'NotEquals',
  notStartsWith: 'NotStartsWith',
  notEndsWith: 'NotEndsWith',
};

function test(op: Operator, pattern: string, value: string): boolean {
  switch (op) {
    case 'equals':
    case 'notEquals':
      return value === pattern;
    case 'startsWith':
    case 'notStartsWith':
      return value.startsWith(pattern);
    case 'endsWith':
    case 'notEndsWith':
      return value.endsWith(pattern);
  }
}

const valuesOf = (fs: FieldSelector, op: Operator): readonly string[] => fs[op] ?? [];
const hasIncluding = (fs: FieldSelector): boolean =>
  INCLUDING.some((op) => valuesOf(fs, op).length > 0);

/** The field selector lets an event whose field has this value through. */
export function fieldMatches(fs: FieldSelector, value: string): boolean {
  const included =
    !hasIncluding(fs) || INCLUDING.some((op) => valuesOf(fs, op).some((v) => test(op, v, value)));
  const excluded = EXCLUDING.some((op) => valuesOf(fs, op).some((v) => test(op, v, value)));
  return included && !excluded;
}

/** A field selector's conditions as AWS spells them, for evidence: `resources.ARN StartsWith arn:aws:s3:::b/`. */
function describe(fs: FieldSelector): string {
  return [...INCLUDING, ...EXCLUDING]
    .filter((op) => valuesOf(fs, op).length > 0)
    .map((op) => `${fs.field} ${OPERATOR_NAMES[op]} ${valuesOf(fs, op).join(', ')}`)
    .join('; ');
}

/**
 * How much of the set { prefix + key : key non-empty } (every object ARN of
 * the bucket) one condition value lets through.
 */
function arnExtent(op: Operator, value: string, prefix: string): Extent {
  const narrower = value.startsWith(prefix) && value.length > prefix.length;
  switch (op) {
    case 'startsWith':
      return prefix.startsWith(value) ? 'all' : narrower ? 'some' : 'none';
    case 'equals':
      return narrower ? 'some' : 'none';
    case 'endsWith':
      // Some key ends with any value (the key may be the value itself).
      return 'some';
    case 'notStartsWith':
      return prefix.startsWith(value) ? 'none' : narrower ? 'some' : 'all';
    case 'notEquals':
      return narrower ? 'some' : 'all';
    case 'notEndsWith':
      return 'some';
  }
}

/** How much of the bucket's object ARNs a `resources.ARN` field selector lets through. */
function arnFieldExtent(fs: FieldSelector, prefix: string): Extent {
  let extent: Extent = hasIncluding(fs) ? 'none' : 'all';
  for (const op of INCLUDING)
    for (const v of valuesOf(fs, op)) extent = most(extent, arnExtent(op, v, prefix));
  for (const op of EXCLUDING)
    for (const v of valuesOf(fs, op)) extent = least(extent, arnExtent(op, v, prefix));
  return extent;
}

/** What one advanced selector records of write data events on the bucket's objects. */
function advancedDataExtent(
  selector: AdvancedEventSelector,
  prefix: string,
): { extent: Extent; limits: string[]; data: boolean } {
  const fields = selector.fieldSelectors;
  const byField = (name: string): FieldSelector[] => fields.filter((f) => f.field === name);
  const category = byField('eventCategory');
  const data = category.length > 0 && category.every((f) => fieldMatches(f, 'Data'));
  let extent: Extent = data ? 'all' : 'none';
  const limits: string[] = [];
  const narrow = (to: Extent, fs: FieldSelector): void => {
    if (RANK[to] < RANK.all) limits.push(describe(fs));
    extent = least(extent, to);
  };
  const types = byField('resources.type');
  if (types.length === 0) {
    limits.push('no resources.type');
    extent = 'none';
  }
  for (const fs of fields) {
    switch (fs.field) {
      case 'eventCategory':
        break;
      case 'resources.type':
        narrow(fieldMatches(fs, 'AWS::S3::Object') ? 'all' : 'none', fs);
        break;
      case 'readOnly':
        // Write events carry readOnly=false.
        narrow(fieldMatches(fs, 'false') ? 'all' : 'none', fs);
        break;
      case 'resources.ARN':
        narrow(arnFieldExtent(fs, prefix), fs);
        break;
      case 'eventName': {
        const kept = REQUIRED_WRITE_EVENTS.filter((name) => fieldMatches(fs, name));
        narrow(
          kept.length === REQUIRED_WRITE_EVENTS.length ? 'all' : kept.length > 0 ? 'some' : 'none',
          fs,
        );
        break;
      }
      case 'eventSource':
        narrow(fieldMatches(fs, 's3.amazonaws.com') ? 'all' : 'none', fs);
        break;
      default:
        // userIdentity.arn, errorCode, sessionCredentialFromConsole ...: a filter on who or
        // how leaves some writes unrecorded (AWS requires a value in every operator).
        narrow('some', fs);
    }
  }
  return { extent, limits, data };
}

/** What one basic selector records of write data events on the bucket's objects. */
function basicDataExtent(
  selector: BasicEventSelector,
  prefix: string,
): { extent: Extent; limits: string[]; data: boolean } {
  const resources = selector.dataResources.filter((r) => r.type === 'AWS::S3::Object');
  const data = resources.length > 0;
  const limits: string[] = [];
  let extent: Extent = 'none';
  for (const r of resources)
    for (const value of r.values) {
      const e = arnExtent('startsWith', value, prefix);
      if (e === 'some') limits.push(`DataResources AWS::S3::Object ${value}`);
      extent = most(extent, e);
    }
  const rw = selector.readWriteType;
  if (rw !== 'All' && rw !== 'WriteOnly') {
    limits.push(`ReadWriteType ${rw}`);
    extent = 'none';
  }
  return { extent, limits, data };
}

/** The ARN prefix of every object of the bucket: `arn:aws:s3:::bucket/`. */
export function objectArnPrefix(bucket: string, partition = 'aws'): string {
  return `arn:${partition}:s3:::${bucket}/`;
}

/**
 * Whether the trail records WRITE data events (PutObject, DeleteObject ...)
 * for every object in the bucket, and which selectors do.
 */
export function s3WriteDataEvents(
  selectors: TrailEventSelectors,
  bucket: string,
  partition = 'aws',
): DataEventCoverage {
  const prefix = objectArnPrefix(bucket, partition);
  const evaluated =
    selectors.kind === 'basic'
      ? selectors.selectors.map((s, i) => ({
          selector: `EventSelectors[${i}]`,
          name: undefined,
          ...basicDataExtent(s, prefix),
        }))
      : selectors.kind === 'advanced'
        ? selectors.selectors.map((s, i) => ({
            selector: `AdvancedEventSelectors[${i}]`,
            name: s.name ?? undefined,
            ...advancedDataExtent(s, prefix),
          }))
        : [];
  const results: SelectorCoverage[] = evaluated
    .filter((r) => r.data)
    .map((r) => ({
      selector: r.selector,
      ...(r.name !== undefined && { name: r.name }),
      covered: toCoverage(r.extent),
      limits: r.extent === 'all' ? [] : r.limits,
    }));
  const extent = evaluated.reduce<Extent>((acc, r) => most(acc, r.extent), 'none');
  return {
    covered: toCoverage(extent),
    matched: results.filter((r) => r.covered === 'all').map((r) => r.selector),
    selectors: results,
  };
}

/** Management event sources whose events the bucket's and the trail's changes are. */
const MANAGEMENT_SOURCES = ['s3.amazonaws.com', 'cloudtrail.amazonaws.com'];

/** Read and write management events one basic selector records, or why it does not count. */
function basicManagement(s: BasicEventSelector): {
  read: boolean;
  write: boolean;
  limits: string[];
} {
  if (!s.includeManagementEvents) return { read: false, write: false, limits: [] };
  const excluded = s.excludeManagementEventSources.filter((x) => MANAGEMENT_SOURCES.includes(x));
  if (excluded.length > 0)
    return {
      read: false,
      write: false,
      limits: [`ExcludeManagementEventSources ${excluded.join(', ')}`],
    };
  const rw = s.readWriteType;
  return {
    read: rw === 'All' || rw === 'ReadOnly',
    write: rw === 'All' || rw === 'WriteOnly',
    limits: rw === 'All' ? [] : [`ReadWriteType ${rw}`],
  };
}

/** Read and write management events one advanced selector records, or why it does not count. */
function advancedManagement(s: AdvancedEventSelector): {
  read: boolean;
  write: boolean;
  limits: string[];
} {
  const category = s.fieldSelectors.filter((f) => f.field === 'eventCategory');
  if (category.length === 0 || !category.every((f) => fieldMatches(f, 'Management')))
    return { read: false, write: false, limits: [] };
  const limits: string[] = [];
  let read = true;
  let write = true;
  for (const fs of s.fieldSelectors) {
    if (fs.field === 'eventCategory') continue;
    if (fs.field === 'readOnly') {
      // Read events carry readOnly=true, write events readOnly=false.
      read &&= fieldMatches(fs, 'true');
      write &&= fieldMatches(fs, 'false');
    } else if (fs.field === 'eventSource') {
      if (MANAGEMENT_SOURCES.every((source) => fieldMatches(fs, source))) continue;
      read = write = false;
    } else {
      // Any other filter leaves some of these events out.
      read = write = false;
    }
    limits.push(describe(fs));
  }
  return { read, write, limits };
}

/**
 * Whether the trail records management events, read and write, from S3 and
 * CloudTrail (bucket configuration changes, StopLogging ...).
 */
export function managementEvents(selectors: TrailEventSelectors): ManagementCoverage {
  const out: ManagementCoverage = {
    read: false,
    write: false,
    matched: [],
    limits: {},
    excludedSources: [],
  };
  const evaluated =
    selectors.kind === 'basic'
      ? selectors.selectors.map((s, i) => {
          out.excludedSources.push(...s.excludeManagementEventSources);
          return { selector: `EventSelectors[${i}]`, ...basicManagement(s) };
        })
      : selectors.kind === 'advanced'
        ? selectors.selectors.map((s, i) => ({
            selector: `AdvancedEventSelectors[${i}]`,
            ...advancedManagement(s),
          }))
        : [];
  for (const r of evaluated) {
    if (r.limits.length > 0) out.limits[r.selector] = r.limits;
    if (!r.read && !r.write) continue;
    out.read ||= r.read;
    out.write ||= r.write;
    out.matched.push(r.selector);
  }
  return out;
}

import type { FileValidators } from './source.js';
import { parseRfc3339 } from './time.js';

/** A target file whose bytes an earlier run hashed and found matching its metadata. */
export interface VerifiedTarget {
  /** `targetKey` of the metadata entry the bytes matched: new hashes in metadata mean a new check. */
  key: string;
  /** When the bytes were last hashed: the reference time of that run (RFC 3339). */
  hashedAt: string;
  /** What the host said about the file in that run; a change means the bytes may have changed. */
  validators?: FileValidators;
}

/**
 * How a monitor re-hashes target files it verified before. Validators are only
 * a hint (a host may keep an ETag across a replacement, or send none), so the
 * bytes themselves are hashed again on a schedule as well.
 */
export interface ReverifyPolicy {
  /** A file last hashed this long ago (ms) or longer is hashed in this run, whatever the budget. */
  maxAgeMs: number;
  /**
   * The share (0..1) of all target bytes that may be hashed again in one run
   * beyond what must be: the oldest files first, so that the re-hash is spread
   * over the runs and no run downloads everything.
   */
  budgetFraction: number;
}

/** Why a target file is hashed in this run. */
export type HashReason =
  /** Not verified before, or its metadata now lists other hashes or another length. */
  | 'new'
  /** The host's validators changed since the file was last hashed. */
  | 'validators'
  /** Hashed before any validator was recorded: nothing to compare a change with. */
  | 'unvalidated'
  /** The host could not say (missing, refused, timed out): the download will tell. */
  | 'probe-failed'
  /** Last hashed `maxAgeMs` ago or longer (or when is not known). */
  | 'due'
  /** Within the run's byte budget, oldest first. */
  | 'rolling';

export interface PlannedTarget {
  path: string;
  length: number;
  key: string;
}

/** A probe's outcome: the validators, or that the host could not give them. */
export type ProbeResult = FileValidators | 'failed';

export interface TargetPlan {
  /** Files to download and hash, with why. */
  hash: Map<string, HashReason>;
  /** Files not hashed in this run that stay verified, as recorded before. */
  keep: Map<string, VerifiedTarget>;
}

/**
 * Which target files to hash in this run. Pure: the reference time and every
 * probe result are given. Without a policy a file known good is kept until its
 * metadata or its validators change (the `verify` command has nothing known).
 */
export function planTargetHashes(
  targets: readonly PlannedTarget[],
  known: ReadonlyMap<string, VerifiedTarget> | undefined,
  probes: ReadonlyMap<string, ProbeResult>,
  now: Date,
  policy: ReverifyPolicy | undefined,
): TargetPlan {
  const hash = new Map<string, HashReason>();
  const candidates: { target: PlannedTarget; hashedAt: number; before: VerifiedTarget }[] = [];
  for (const target of targets) {
    const before = known?.get(target.path);
    const reason = mustHash(target, before, probes.get(target.path), now, policy);
    if (reason !== undefined) {
      hash.set(target.path, reason);
      continue;
    }
    // mustHash gives a reason whenever nothing is known or its time does not parse.
    const verified = before as VerifiedTarget;
    candidates.push({ target, hashedAt: hashedAtMs(verified) as number, before: verified });
  }
  const keep = new Map<string, VerifiedTarget>();
  const total = targets.reduce((sum, t) => sum + t.length, 0);
  let budget = policy === undefined ? 0 : Math.ceil(total * policy.budgetFraction);
  for (const t of targets) if (hash.has(t.path)) budget -= t.length;
  // Oldest first; the path breaks ties so that the plan does not depend on the listing order.
  candidates.sort((a, b) => a.hashedAt - b.hashedAt || (a.target.path < b.target.path ? -1 : 1));
  for (const { target, before } of candidates) {
    if (target.length <= budget) {
      hash.set(target.path, 'rolling');
      budget -= target.length;
    } else {
      keep.set(target.path, before);
    }
  }
  return { hash, keep };
}

function mustHash(
  target: PlannedTarget,
  before: VerifiedTarget | undefined,
  probe: ProbeResult | undefined,
  now: Date,
  policy: ReverifyPolicy | undefined,
): HashReason | undefined {
  if (before?.key !== target.key) return 'new';
  if (probe === 'failed') return 'probe-failed';
  if (probe !== undefined) {
    if (before.validators === undefined) return 'unvalidated';
    if (!sameValidators(before.validators, probe)) return 'validators';
  }
  const hashedAt = hashedAtMs(before);
  if (hashedAt === undefined) return 'due';
  if (policy !== undefined && now.getTime() - hashedAt >= policy.maxAgeMs) return 'due';
  return undefined;
}

function hashedAtMs(target: VerifiedTarget): number | undefined {
  return parseRfc3339(target.hashedAt)?.getTime();
}

/** Every validator must read the same, absent ones included: a validator that disappears is a change. */
export function sameValidators(a: FileValidators, b: FileValidators): boolean {
  return a.etag === b.etag && a.lastModified === b.lastModified && a.length === b.length;
}

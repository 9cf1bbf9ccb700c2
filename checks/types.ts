import type { Finding } from '../tuf/findings.js';
import type { RoleSummary, VerifyReport } from '../tuf/verify.js';
import type { TargetFile } from '../tuf/metadata.js';
import type { HttpsRepositorySnapshot } from './https/types.js';

/**
 * `fail`: evaluated and non-compliant. `error`: could not be evaluated
 * (a fetch failed, AccessDenied, a timeout). Never turn an error into a pass.
 */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'error' | 'not_applicable';
export const CHECK_STATUSES: readonly CheckStatus[] = [
  'pass',
  'warn',
  'fail',
  'error',
  'not_applicable',
];

export type CheckSeverity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** The parts of the audited system a check inspects. */
export type Component = 'tuf-repository' | 's3-bucket' | 'cloudtrail';

/** SOC 2 trust services criteria (2017, revised points of focus 2022) that tufwatch's checks support. */
export type Criterion =
  | 'CC6.1'
  | 'CC6.6'
  | 'CC6.7'
  | 'CC6.8'
  | 'CC7.1'
  | 'CC7.2'
  | 'CC7.3'
  | 'CC8.1'
  | 'A1.2'
  | 'PI1.4'
  | 'PI1.5';

/** What one evaluation produced: the status and the evidence that led to it. */
export interface CheckOutcome {
  status: CheckStatus;
  message: string;
  /** JSON-serialisable facts the status rests on, per subject (repository, bucket, trail). */
  evidence: Record<string, unknown>;
}

export interface CheckResult extends CheckOutcome {
  id: string;
  /** When the evaluation finished (ISO 8601). */
  evaluatedAt: string;
  durationMs: number;
}

/** One repository as the TUF collector saw it in this run. */
export interface TufRepositorySnapshot {
  name: string;
  url: string;
  /** Undefined when verification could not run at all (see `error`). */
  report?: VerifyReport;
  /** Trusted targets as a client resolves them (path -> file info). */
  targets?: Readonly<Record<string, TargetFile>>;
  /** Why verification could not run (worker crash, timeout). */
  error?: string;
  /** Roles as the last completed run saw them, with when each was first seen at that content. */
  previous?: Readonly<Record<string, RoleSummary & { firstSeenAt?: string }>>;
  /** Names of the agent roots configured for this repository (`agentRoots`); their walks are in `report.agentRoots`. */
  agentRoots?: readonly string[];
  /** Orbit layout expected in this repository, from config. */
  orbit?: OrbitLayout;
}

export interface OrbitLayout {
  components: Readonly<Record<string, Readonly<Record<string, string>>>>;
  channels: readonly string[];
}

/** Everything collected for one run; checks are pure functions of it. */
export interface CollectedData {
  /** The run's one reference time. */
  now: Date;
  tuf: readonly TufRepositorySnapshot[];
  /** AWS snapshots, keyed by collector; undefined when AWS is not configured. */
  aws?: Readonly<Record<string, unknown>>;
  /** The HTTPS endpoints of each repository (`checks/https/collect.ts`); undefined when not collected. */
  https?: readonly HttpsRepositorySnapshot[];
  settings: CheckSettings;
}

/** Tunables of checks, from config; safe defaults. */
export interface CheckSettings {
  /** A timestamp whose content has not changed for longer than this is frozen (Fleet re-signs weekly). */
  timestampFreezeSeconds: number;
  /**
   * Every target file's bytes are hashed again at least this often (hours), even when
   * nothing about it seems to have changed; 0 hashes every file at every run.
   */
  targetReverifyHours: number;
  /** How far ahead (days) the agent-roots check walks each agent root again (warns when that walk breaks). */
  agentLookaheadDays: number;
}

export const DEFAULT_CHECK_SETTINGS: Readonly<CheckSettings> = Object.freeze({
  timestampFreezeSeconds: 8 * 24 * 3600,
  targetReverifyHours: 24,
  agentLookaheadDays: 30,
});

/** A check, declared once in its own file. */
export interface CheckDefinition {
  /** Stable, dotted: a public contract (metrics labels, API ids, evidence). */
  id: string;
  title: string;
  component: Component;
  severity: CheckSeverity;
  criteria: readonly Criterion[];
  /** What an on-call engineer does when it is not passing. */
  remediation: string;
  evaluate(data: CollectedData): CheckOutcome;
}

export type { Finding };

import type {
  CheckDefinition,
  CheckResult,
  CheckSettings,
  CheckStatus,
  Component,
  Criterion,
  OrbitLayout,
} from '../checks/types.js';
import type { Horizons, Limits } from '../tuf/limits.js';
import type { RoleSummary, VerifiedTarget, VerifyReport } from '../tuf/verify.js';
import type {
  ChainAnchor,
  Checkpoint,
  KeyReason,
  SealedRecord,
  SigningKey,
  SigningKeyInfo,
} from './evidence.js';
import type { CheckStatusRecord } from './evidence-summary.js';

/** A control of the catalog, scoped to the audited system. */
export interface ControlDefinition {
  /** Stable id, e.g. `TW-01`: metrics labels, API ids, evidence. */
  id: string;
  title: string;
  description: string;
  criteria: readonly Criterion[];
  checks: readonly string[];
}

export interface ControlResult {
  id: string;
  title: string;
  /** The worst status of its checks (fail > error > warn > pass > not_applicable). */
  status: CheckStatus;
  checks: { id: string; status: CheckStatus }[];
}

export type RunStatus = 'running' | 'completed' | 'failed' | 'abandoned';
export type RunTrigger = 'schedule' | 'api' | 'cli' | 'startup';

export interface RunRecord {
  id: number;
  startedAt: string;
  finishedAt?: string;
  status: RunStatus;
  trigger: RunTrigger;
  /** `pass` when no check is fail or error. */
  result?: 'pass' | 'fail';
  durationMs?: number;
}

export interface RunDetail extends RunRecord {
  checks: CheckResult[];
  controls: ControlResult[];
}

export interface StatusTransition {
  kind: 'check' | 'control';
  id: string;
  from: CheckStatus | null;
  to: CheckStatus;
  at: string;
  runId: number;
}

/** TUF roles as last seen, per repository: rollback and freeze across runs. */
export type TrustedRoles = Record<string, RoleSummary & { firstSeenAt: string }>;

/** The audited system, as an auditor expects a system description. */
export interface SystemDescription {
  name: string;
  description: string;
  components: { kind: Component; name: string; location: string }[];
}

/**
 * The evidence store: every run, every check result with its evidence, every
 * status transition, TUF trusted state. Committed records survive a crash.
 */
export interface EvidenceStore {
  startRun(trigger: RunTrigger, startedAt: Date): RunRecord;
  /** Stores results and controls, records transitions, and marks the run completed, in one transaction. */
  completeRun(
    runId: number,
    finishedAt: Date,
    checks: CheckResult[],
    controls: ControlResult[],
  ): RunDetail;
  failRun(runId: number, finishedAt: Date, reason: string): void;
  /** Marks runs left `running` by a crash as `abandoned`; returns how many. */
  abandonUnfinishedRuns(at: Date): number;
  latestRun(): RunDetail | undefined;
  /** The last completed run. */
  latestCompletedRun(): RunDetail | undefined;
  run(id: number): RunDetail | undefined;
  runs(limit: number, before?: number): RunRecord[];
  checkHistory(
    checkId: string,
    from: Date,
    to: Date,
  ): { runId: number; at: string; status: CheckStatus; message: string }[];
  controlHistory(
    controlId: string,
    from: Date,
    to: Date,
  ): { runId: number; at: string; status: CheckStatus }[];
  transitions(kind: 'check' | 'control', id: string, from: Date, to: Date): StatusTransition[];
  /** When the control last had status `pass`, if ever. */
  lastPassed(controlId: string): string | undefined;
  trustedRoles(repository: string): TrustedRoles | undefined;
  saveTrustedRoles(repository: string, roles: TrustedRoles): void;
  /** Completed runs by result, and runs that failed or were abandoned (`error`). */
  runCounts(): { pass: number; fail: number; error: number };
  /** Targets whose hashes were verified, per repository, with when: target-integrity runs incrementally. */
  verifiedTargets(repository: string): Map<string, VerifiedTarget>;
  saveVerifiedTargets(repository: string, targets: Map<string, VerifiedTarget>): void;
  /**
   * Retention: deletes the evidence records (with their runs' control results
   * and transitions) of the longest prefix of the chain older than `before`,
   * whole runs only, after storing a signed checkpoint of that prefix. Returns
   * the checkpoint, or undefined when nothing is that old. Runs themselves are
   * kept (counters never go down).
   */
  prune(before: Date): Checkpoint | undefined;
  close(): void;
}

/** A period's records as a contiguous range of the chain: whole runs, from `first` to `last`. */
export interface EvidenceRange {
  /** What record `first` chains from. */
  anchor: ChainAnchor;
  /** Seq of the first record; `last + 1` when the period has none. */
  first: number;
  last: number;
}

/**
 * The hash chain of the evidence store (server/evidence.ts defines the
 * records): what exports read, and the signing keys the chain records.
 */
export interface EvidenceChain {
  /**
   * The records of [from, to): from the first record at or after `from` to the
   * last record before `to`, widened to whole runs, and everything between
   * (by seq). Without one, an empty range after the chain's head.
   */
  evidenceRange(from: Date, to: Date): EvidenceRange;
  /** Records with first <= seq <= last, in seq order, at most `limit` of them. */
  evidenceRecords(first: number, last: number, limit: number): SealedRecord[];
  /** The check records' statuses only (no evidence): for the per-day CSV. */
  checkStatuses(
    first: number,
    last: number,
    limit: number,
  ): (CheckStatusRecord & { seq: number })[];
  /** Every key that became active, oldest first; never pruned. */
  signingKeys(): SigningKeyInfo[];
  /**
   * Makes `key` the active signing key, with a `signing-key` record in the
   * chain. Nothing happens (false) when it already is the active key.
   */
  registerSigningKey(
    key: Pick<SigningKey, 'fingerprint' | 'publicKey'>,
    at: Date,
    reason: KeyReason,
  ): boolean;
  /** Checkpoints written by pruning, oldest first. */
  checkpoints(): Checkpoint[];
}

/** The active key and the keys before it, as `GET /api/v1/evidence/public-key` answers. */
export interface PublicKeyInfo {
  algorithm: 'ed25519';
  fingerprint: string;
  publicKey: string;
  keys: SigningKeyInfo[];
}

/** Signed exports of the evidence (server/evidence-export.ts). */
export interface EvidenceService {
  /** The active signing key, registered in the chain if it was not yet. */
  publicKey(): PublicKeyInfo;
  /**
   * The signed bundle of [from, to), as chunks of its text. The range and the
   * key are resolved before this returns (errors are thrown here); the records
   * are read from the store while the chunks are consumed.
   */
  exportBundle(from: Date, to: Date): Iterable<string>;
  /** Control status per UTC day over [from, to), as CSV. */
  exportCsv(from: Date, to: Date): string;
}

/** One monitored TUF repository. */
export interface RepositoryConfig {
  name: string;
  /** Metadata base URL or directory (where timestamp.json lives). */
  url: string;
  /** Target files base; default `<url>/targets`. */
  targetsUrl: string;
  /** Path of the trusted root file, as configured. */
  trustedRoot: string;
  /** Its bytes, read when the config is loaded. */
  trustedRootBytes: Uint8Array;
  /** Download and hash target files (incrementally). Default true. */
  checkTargets: boolean;
  /** Expected Orbit layout; the orbit-layout check is not_applicable without it. */
  orbit?: OrbitLayout;
  /** `caFile` as resolved against the config file's directory: the only roots trusted for this repository's HTTPS. */
  caFile?: string;
  /** Its PEM text, read and parsed when the config is loaded. */
  ca?: string;
  /** Roots agent releases embed (`agentRoots`), read and parsed when the config is loaded; the agent-roots check is not_applicable without them. */
  agentRoots?: AgentRootConfig[];
}

export interface AgentRootConfig {
  name: string;
  /** The path as configured. */
  root: string;
  rootBytes: Uint8Array;
}

/** The AWS account behind the repository (the AWS issue extends it). */
export interface AwsConfig {
  region: string;
  accountId: string;
  bucket: string;
  expectedBucketOwner: string;
  endpoint?: string;
  trails?: string[];
  /** Principals allowed to change the bucket and its trail. */
  allowedPrincipals?: string[];
  /** Principals outside the account allowed to write the bucket. */
  crossAccountWriters?: string[];
  /** The bucket is meant to be publicly readable (no CloudFront in front): s3.policy-status accepts public reads. */
  allowPublicRead?: boolean;
}

export interface TufwatchConfig {
  system: { name: string; description: string };
  repositories: RepositoryConfig[];
  aws?: AwsConfig;
  storage: { path: string };
  server: { host: string; port: number };
  schedule: { intervalSeconds: number; checkTimeoutSeconds: number };
  /** Bearer tokens (TUFWATCH_API_TOKENS or config); `/metrics` needs one only when metricsAuth is true. */
  auth: { tokens: string[]; metricsAuth: boolean };
  verification: { horizons: Horizons; limits: Limits };
  checks: CheckSettings;
  /** The control catalog after config's additions, renames and removals. */
  controls: ControlDefinition[];
  /** Largest accepted POST /api/v1/verify body, in bytes. */
  maxUploadBytes: number;
  /** Evidence records older than `retentionDays` are pruned (behind a signed checkpoint). Default 400. */
  evidence: { retentionDays: number };
}

/** Whether runs are being stored; `degraded` from a failed write until the next stored run. */
export type StorageHealth =
  | { status: 'ok'; failures: number }
  | {
      status: 'degraded';
      /** Store writes that failed since the process started. */
      failures: number;
      since: string;
      /** The StoreError or KeyError code, when the failure has one. */
      code?: string;
      reason: string;
      /** Evaluated runs held in memory until the store takes them. */
      unsaved: number;
      /** Runs dropped because more than the monitor's cap waited. */
      dropped: number;
    };

/** Runs the checks; never two runs at once. */
export interface Monitor {
  /** Starts a run now, or returns undefined when one is already running. */
  start(trigger: RunTrigger): { run: RunRecord; done: Promise<RunDetail | undefined> } | undefined;
  /** The run in progress, if any. */
  current(): RunRecord | undefined;
  /** Whether runs are being stored (readiness, the dashboard); absent in fakes: ok. */
  storage?(): StorageHealth;
}

/** What `buildApp` needs; everything is injected so tests use fakes. */
export interface AppDeps {
  config: TufwatchConfig;
  /** The registered checks (title, severity, remediation for the API and pages). */
  checks: readonly CheckDefinition[];
  store: EvidenceStore;
  monitor: Monitor;
  /** Signed exports of the evidence and the key that signs them. */
  evidence: EvidenceService;
  /** Verifies uploaded staged metadata (file name -> bytes), off the event loop. */
  verifyStaged(files: Map<string, Uint8Array>, options: { at?: Date }): Promise<VerifyReport>;
  /** Prometheus text exposition of the current state. */
  metrics(): string;
  now(): Date;
  version: string;
  /** Fastify logger option: false in tests, pino options in the service. */
  logger?: boolean | Record<string, unknown>;
}

/** What `/metrics` is computed from, at scrape time. */
export interface MetricsInput {
  version: string;
  /** The last completed run, if any. */
  latest?: RunDetail;
  /** Whether a run is in progress now. */
  running: boolean;
  runsTotal: { pass: number; fail: number; error: number };
  scheduleIntervalSeconds: number;
  /** Whether runs are being stored (absent: not reported). */
  storage?: StorageHealth;
  /** TUF roles as last verified, per configured repository. */
  repositories: { name: string; roles: TrustedRoles }[];
  /** Every check and control id, so that series exist before the first run. */
  checkIds: readonly string[];
  controlIds: readonly string[];
}

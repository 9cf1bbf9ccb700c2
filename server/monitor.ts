import { messageOf } from '../tuf/errors.js';
import { collectAws } from '../checks/aws/collect.js';
import type { AwsSnapshot } from '../checks/aws/types.js';
import { collectHttps } from '../checks/https/collect.js';
import type { HttpsRepositorySnapshot } from '../checks/https/types.js';
import { evaluateControls } from '../checks/controls.js';
import { runChecks } from '../checks/run.js';
import { nextTrustedRoles } from '../checks/tuf/rollback.js';
import type {
  CheckDefinition,
  CheckResult,
  CollectedData,
  TufRepositorySnapshot,
} from '../checks/types.js';
import type {
  ControlResult,
  EvidenceStore,
  Monitor,
  RepositoryConfig,
  RunDetail,
  RunRecord,
  RunTrigger,
  StorageHealth,
  TufwatchConfig,
} from './types.js';
import type { Checkpoint } from './evidence.js';
import type { Verifier } from './verifier.js';
import type { ReverifyPolicy } from '../tuf/verify.js';

export interface MonitorDeps {
  config: TufwatchConfig;
  store: EvidenceStore;
  checks: readonly CheckDefinition[];
  verifier: Pick<Verifier, 'verify'>;
  /** Reads the AWS account (injectable for tests; the real SDK collector by default). */
  collectAws?: typeof collectAws;
  /** Probes the repositories' HTTPS endpoints (injectable for tests; real sockets by default). */
  collectHttps?: typeof collectHttps;
  now: () => Date;
  /** Told how each run ended (the service logs it); `error` is set when the run failed. */
  onFinished?: (run: RunRecord, detail: RunDetail | undefined, error?: unknown) => void;
  /** Told what retention pruned (a checkpoint), or why it could not (`error`). */
  onPruned?: (checkpoint: Checkpoint | undefined, error?: unknown) => void;
  /** Told each time the store refuses a write (the service logs it at error): `unsaved` runs wait for a retry. */
  onStoreFailure?: (error: unknown, state: StorageHealth) => void;
}

/** A run evaluated but not stored: kept to be stored at the next run. */
interface UnsavedRun {
  runId: number;
  trigger: RunTrigger;
  startedAt: Date;
  finishedAt: Date;
  results: CheckResult[];
  controls: ControlResult[];
}

/** Unsaved runs kept in memory at most (each holds every result's evidence). */
export const MAX_UNSAVED_RUNS = 10;

const DAY_MS = 24 * 3600 * 1000;

/**
 * The rolling re-hash of target files (`checks.targetReverifyHours`): a file that
 * would pass the window before the next run is hashed in this one, and each run
 * may hash twice its fair share of bytes (interval / window) beyond that, oldest
 * first, so that files come due spread over the runs rather than all at once.
 */
export function reverifyPolicy(hours: number, intervalSeconds: number): ReverifyPolicy {
  const windowMs = hours * 3600 * 1000;
  const intervalMs = intervalSeconds * 1000;
  return {
    maxAgeMs: Math.max(0, windowMs - intervalMs),
    budgetFraction: windowMs === 0 ? 1 : Math.min(1, (2 * intervalMs) / windowMs),
  };
}

/**
 * Collects, evaluates and stores one run at a time. A collector that fails or
 * times out makes its checks `error`; it never stops the others or the run.
 */
export class CheckMonitor implements Monitor {
  readonly #deps: MonitorDeps;
  #current: RunRecord | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<RunDetail | undefined> | undefined;
  /** When retention last ran (ms): at most once a day. */
  #prunedAt: number | undefined;
  #unsaved: UnsavedRun[] = [];
  #failures = 0;
  #dropped = 0;
  #degraded: { since: string; code?: string; reason: string } | undefined;

  constructor(deps: MonitorDeps) {
    this.#deps = deps;
  }

  current(): RunRecord | undefined {
    return this.#current;
  }

  /** Whether runs are being stored (readiness, the dashboard, metrics). */
  storage(): StorageHealth {
    const failures = this.#failures;
    const degraded = this.#degraded;
    if (degraded === undefined) return { status: 'ok', failures };
    return {
      status: 'degraded',
      failures,
      ...degraded,
      unsaved: this.#unsaved.length,
      dropped: this.#dropped,
    };
  }

  /**
   * Starts a run now, or returns undefined when one is already running. Runs
   * that could not be stored earlier are stored first, so run ids follow time.
   * Throws the StoreError when the run cannot even be started (recorded as a
   * storage failure first).
   */
  start(trigger: RunTrigger): { run: RunRecord; done: Promise<RunDetail | undefined> } | undefined {
    if (this.#current !== undefined) return undefined;
    this.#storeUnsaved();
    let run: RunRecord;
    try {
      run = this.#deps.store.startRun(trigger, this.#deps.now());
    } catch (err) {
      this.#storeFailed(err);
      throw err;
    }
    this.#current = run;
    const done = this.#execute(run).finally(() => {
      this.#current = undefined;
      this.#running = undefined;
    });
    this.#running = done;
    return { run, done };
  }

  /** Runs now, then every interval after each run starts; a tick that finds a run in progress is skipped. */
  schedule(intervalMs: number): void {
    const tick = (trigger: RunTrigger): void => {
      try {
        this.start(trigger);
      } catch {
        // start recorded why (degraded, counted, told); the next tick tries again.
      }
      this.#timer = setTimeout(() => tick('schedule'), intervalMs);
      this.#timer.unref();
    };
    tick('startup');
  }

  /** Resolves when no run is in progress (a run never rejects: failures are recorded). */
  async settled(): Promise<void> {
    await this.#running;
  }

  /** Stops scheduling and waits for the run in progress, at most `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    clearTimeout(this.#timer);
    const running = this.#running;
    if (running === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([running, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  async #execute(run: RunRecord): Promise<RunDetail | undefined> {
    const { config, store, checks, now } = this.#deps;
    let tuf: TufRepositorySnapshot[];
    let at: Date;
    let results: CheckResult[];
    let controls: ControlResult[];
    try {
      at = now();
      const awsCollected = this.#collectAws(at);
      const httpsCollected = this.#collectHttps();
      tuf = await Promise.all(config.repositories.map((repo) => this.#collectTuf(repo, at)));
      const aws = await awsCollected;
      const https = await httpsCollected;
      const data: CollectedData = {
        now: at,
        tuf,
        settings: config.checks,
        ...(aws !== undefined && { aws }),
        ...(https !== undefined && { https }),
      };
      results = runChecks(checks, data, now);
      controls = evaluateControls(config.controls, results);
    } catch (err) {
      this.#failRun(run.id, messageOf(err));
      this.#deps.onFinished?.(run, undefined, err);
      return undefined;
    }
    const finishedAt = now();
    let detail: RunDetail;
    try {
      detail = store.completeRun(run.id, finishedAt, results, controls);
    } catch (err) {
      // Evaluated but not stored: the results wait in memory for the next run, which stores them first.
      this.#keepUnsaved({
        runId: run.id,
        trigger: run.trigger,
        startedAt: new Date(run.startedAt),
        finishedAt,
        results,
        controls,
      });
      this.#storeFailed(err);
      this.#failRun(run.id, `its results could not be stored: ${messageOf(err)}`);
      this.#deps.onFinished?.(run, undefined, err);
      return undefined;
    }
    this.#stored();
    // The run is committed: what follows cannot un-complete it.
    try {
      for (const snapshot of tuf) this.#saveState(snapshot, at);
    } catch (err) {
      // The run is stored; the trusted state is saved again after the next run.
      this.#storeFailed(err);
    }
    this.#prune(at);
    this.#deps.onFinished?.(run, detail);
    return detail;
  }

  /** Marks a run failed; a store that refuses even that is already recorded as degraded. */
  #failRun(runId: number, reason: string): void {
    try {
      this.#deps.store.failRun(runId, this.#deps.now(), reason);
    } catch (err) {
      // Left `running`: the next start of the process marks it abandoned.
      this.#storeFailed(err);
    }
  }

  #keepUnsaved(unsaved: UnsavedRun): void {
    this.#unsaved.push(unsaved);
    while (this.#unsaved.length > MAX_UNSAVED_RUNS) {
      this.#unsaved.shift();
      this.#dropped++;
    }
  }

  /**
   * Stores the runs that could not be stored, oldest first, each as a new run
   * with its own start and finish times; the row of the first attempt is
   * marked failed, naming the run that holds its results. Stops at the first
   * refusal: the store is still failing.
   */
  #storeUnsaved(): void {
    const { store } = this.#deps;
    while (this.#unsaved.length > 0) {
      const unsaved = this.#unsaved[0] as UnsavedRun;
      let retryId: number | undefined;
      try {
        retryId = store.startRun(unsaved.trigger, unsaved.startedAt).id;
        store.completeRun(retryId, unsaved.finishedAt, unsaved.results, unsaved.controls);
      } catch (err) {
        this.#storeFailed(err);
        if (retryId !== undefined) this.#failRun(retryId, `not stored: ${messageOf(err)}`);
        return;
      }
      this.#unsaved.shift();
      // The first attempt's row, if the store could not even mark it failed then.
      if (store.run(unsaved.runId)?.status === 'running') {
        this.#failRun(
          unsaved.runId,
          `its results could not be stored then; run ${retryId} holds them`,
        );
      }
    }
    this.#stored();
  }

  #storeFailed(err: unknown): void {
    this.#failures++;
    const code = (err as { code?: unknown }).code;
    this.#degraded = {
      since: this.#degraded?.since ?? this.#deps.now().toISOString(),
      ...(typeof code === 'string' && { code }),
      reason: messageOf(err),
    };
    this.#deps.onStoreFailure?.(err, this.storage());
  }

  #stored(): void {
    if (this.#unsaved.length === 0) this.#degraded = undefined;
  }

  /** Retention (`evidence.retentionDays`), after a completed run, at most once a day. */
  #prune(at: Date): void {
    if (this.#prunedAt !== undefined && at.getTime() - this.#prunedAt < DAY_MS) return;
    this.#prunedAt = at.getTime();
    const { store, config, onPruned } = this.#deps;
    try {
      const checkpoint = store.prune(
        new Date(at.getTime() - config.evidence.retentionDays * DAY_MS),
      );
      onPruned?.(checkpoint);
    } catch (err) {
      // The run is committed; a failed prune is retried tomorrow and reported now.
      onPruned?.(undefined, err);
    }
  }

  /**
   * The AWS snapshot, or undefined when AWS is not configured. A collection that
   * throws or outlives the check timeout becomes a snapshot with `failure`:
   * every AWS check is then `error`, never `not_applicable` or `pass`.
   */
  async #collectAws(at: Date): Promise<AwsSnapshot | undefined> {
    const { config } = this.#deps;
    const aws = config.aws;
    if (aws === undefined) return undefined;
    const collect = this.#deps.collectAws ?? collectAws;
    const timeoutMs = config.schedule.checkTimeoutSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const snapshot = await Promise.race([collect(aws, { now: at }), timeout]).then(
      (collected) => collected,
      (err: unknown): AwsSnapshot => ({
        collectedAt: at.toISOString(),
        accountId: aws.accountId,
        region: aws.region,
        bucket: aws.bucket,
        expectedBucketOwner: aws.expectedBucketOwner,
        failure: { code: 'CollectionFailed', message: messageOf(err) },
      }),
    );
    clearTimeout(timer);
    return snapshot;
  }

  /**
   * The HTTPS snapshot. The collector bounds each probe by the check timeout
   * and never throws; one that does anyway leaves the snapshot out, which
   * makes every HTTPS check `error`.
   */
  async #collectHttps(): Promise<HttpsRepositorySnapshot[] | undefined> {
    const { config } = this.#deps;
    const collect = this.#deps.collectHttps ?? collectHttps;
    return collect(config.repositories, {
      timeoutMs: Math.min(10_000, config.schedule.checkTimeoutSeconds * 1000),
    }).catch(() => undefined);
  }

  async #collectTuf(repo: RepositoryConfig, at: Date): Promise<TufRepositorySnapshot> {
    const { config, store, verifier } = this.#deps;
    const previous = store.trustedRoles(repo.name);
    const base: TufRepositorySnapshot = {
      name: repo.name,
      url: repo.url,
      ...(previous !== undefined && { previous }),
      ...(repo.orbit !== undefined && { orbit: repo.orbit }),
      ...(repo.agentRoots !== undefined && { agentRoots: repo.agentRoots.map((a) => a.name) }),
    };
    try {
      const report = await verifier.verify(
        {
          kind: 'repository',
          url: repo.url,
          targetsUrl: repo.targetsUrl,
          checkTargets: repo.checkTargets,
          trustedRoot: repo.trustedRootBytes,
          now: at.toISOString(),
          limits: config.verification.limits,
          horizons: config.verification.horizons,
          ...(previous !== undefined && { previous }),
          verifiedTargets: [...store.verifiedTargets(repo.name)],
          targetReverify: reverifyPolicy(
            config.checks.targetReverifyHours,
            config.schedule.intervalSeconds,
          ),
          ...(repo.agentRoots !== undefined && {
            agents: {
              roots: repo.agentRoots.map((a) => ({ name: a.name, root: a.rootBytes })),
              lookaheadDays: config.checks.agentLookaheadDays,
            },
          }),
        },
        config.schedule.checkTimeoutSeconds * 1000,
      );
      return { ...base, report, ...(report.targets !== undefined && { targets: report.targets }) };
    } catch (err) {
      return { ...base, error: messageOf(err) };
    }
  }

  /**
   * Keeps the trusted state a client would keep. nextTrustedRoles keeps the old
   * entry of a role served at a lower version, so a rollback stays visible.
   */
  #saveState(snapshot: TufRepositorySnapshot, at: Date): void {
    const { store } = this.#deps;
    const report = snapshot.report;
    if (report === undefined) return;
    // Nothing verified (the repository was unreachable) is no new trusted state either.
    if (Object.keys(report.roles).length > 0) {
      store.saveTrustedRoles(
        snapshot.name,
        nextTrustedRoles(
          snapshot.previous,
          report.roles,
          at,
          report.untrustedRoles,
          report.recoveredRoles,
        ),
      );
    }
    if (report.verifiedTargets !== undefined) {
      store.saveVerifiedTargets(snapshot.name, new Map(Object.entries(report.verifiedTargets)));
    }
  }
}

import { messageOf } from '../tuf/errors.js';
import { collectAws } from '../checks/aws/collect.js';
import type { AwsSnapshot } from '../checks/aws/types.js';
import { collectHttps } from '../checks/https/collect.js';
import type { HttpsRepositorySnapshot } from '../checks/https/types.js';
import { evaluateControls } from '../checks/controls.js';
import { runChecks } from '../checks/run.js';
import { nextTrustedRoles } from '../checks/tuf/rollback.js';
import type { CheckDefinition, CollectedData, TufRepositorySnapshot } from '../checks/types.js';
import type {
  EvidenceStore,
  Monitor,
  RepositoryConfig,
  RunDetail,
  RunRecord,
  RunTrigger,
  TufwatchConfig,
} from './types.js';
import type { Checkpoint } from './evidence.js';
import type { Verifier } from './verifier.js';

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
}

const DAY_MS = 24 * 3600 * 1000;

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

  constructor(deps: MonitorDeps) {
    this.#deps = deps;
  }

  current(): RunRecord | undefined {
    return this.#current;
  }

  start(trigger: RunTrigger): { run: RunRecord; done: Promise<RunDetail | undefined> } | undefined {
    if (this.#current !== undefined) return undefined;
    const run = this.#deps.store.startRun(trigger, this.#deps.now());
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
      this.start(trigger);
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
    let detail: RunDetail;
    let tuf: TufRepositorySnapshot[];
    let at: Date;
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
      const results = runChecks(checks, data, now);
      const controls = evaluateControls(config.controls, results);
      detail = store.completeRun(run.id, now(), results, controls);
    } catch (err) {
      store.failRun(run.id, now(), messageOf(err));
      this.#deps.onFinished?.(run, undefined, err);
      return undefined;
    }
    // The run is committed: what follows cannot un-complete it.
    for (const snapshot of tuf) this.#saveState(snapshot, at);
    this.#prune(at);
    this.#deps.onFinished?.(run, detail);
    return detail;
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

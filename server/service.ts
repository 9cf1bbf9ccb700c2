import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ALL_CHECKS } from '../checks/registry.js';
import type { VerifyReport } from '../tuf/verify.js';
import { packageRoot } from './config.js';
import {
  acquireWriterLock,
  checkCreation,
  makeDirectory,
  writeMarker,
  type CreationPolicy,
  type WriterLock,
} from './data-dir.js';
import { createEvidenceService } from './evidence-export.js';
import { SigningKeyFile, signingKeyPath } from './evidence-keys.js';
import { renderMetrics } from './metrics.js';
import { CheckMonitor, type MonitorDeps } from './monitor.js';
import { describeSystem } from './routes/system.js';
import { openStore } from './store.js';
import type { AppDeps, EvidenceChain, EvidenceStore, TufwatchConfig } from './types.js';
import { UPLOAD_TIMEOUT_MS, Verifier } from './verifier.js';

/** The parts of a running tufwatch, wired once for `serve` and `run`. */
export interface Service {
  config: TufwatchConfig;
  store: EvidenceStore & EvidenceChain;
  /** The evidence signing key, next to the database (in memory for an in-memory store). */
  keys: SigningKeyFile;
  verifier: Verifier;
  monitor: CheckMonitor;
  deps: Omit<AppDeps, 'logger'>;
  /** Problems of the start that did not stop it (a creation marker that could not be written). */
  warnings: string[];
  /** Waits for the run in progress (at most graceMs), then stops the worker and closes the database. */
  close(graceMs: number): Promise<void>;
}

export const VERSION: string = (
  JSON.parse(readFileSync(join(packageRoot(import.meta.url), 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

export function createService(
  config: TufwatchConfig,
  options: {
    now?: () => Date;
    onFinished?: MonitorDeps['onFinished'];
    onPruned?: MonitorDeps['onPruned'];
    onStoreFailure?: MonitorDeps['onStoreFailure'];
    /** When a missing database may be created (default: it may, no markers kept). */
    storage?: Partial<CreationPolicy>;
  } = {},
): Service {
  const now = options.now ?? (() => new Date());
  const path = config.storage.path;
  const keys = new SigningKeyFile(signingKeyPath(path));
  const warnings: string[] = [];
  let lock: WriterLock | undefined;
  const policy: CreationPolicy = { init: options.storage?.init ?? false };
  if (options.storage?.markerDir !== undefined) policy.markerDir = options.storage.markerDir;
  if (keys.path !== undefined) {
    // Before anything is created: a missing database with evidence before it is refused.
    checkCreation(path, keys.path, policy);
    makeDirectory(dirname(path));
    // One writer per database: a second `serve`, or a `run` beside a live `serve`, stops here.
    lock = acquireWriterLock(path);
  }
  let store;
  try {
    store = openStore(path, { now, signer: () => keys.current().key });
    try {
      // First start: the key is created in the data directory, and its activation is evidence.
      const { key, created } = keys.current();
      store.registerSigningKey(key, now(), created ? 'created' : 'adopted');
      // From here a vanished key is an error, never a new key.
      keys.settle();
      // We hold the lock: a run left `running` is one a killed process never finished; say so.
      store.abandonUnfinishedRuns(now());
    } catch (err) {
      store.close();
      throw err;
    }
  } catch (err) {
    lock?.release();
    throw err;
  }
  if (keys.path !== undefined && policy.markerDir !== undefined) {
    const warning = writeMarker(policy.markerDir, path, now());
    if (warning !== undefined) warnings.push(warning);
  }
  const verifier = new Verifier();
  const monitor = new CheckMonitor({
    config,
    store,
    checks: ALL_CHECKS,
    verifier,
    now,
    ...(options.onFinished !== undefined && { onFinished: options.onFinished }),
    ...(options.onPruned !== undefined && { onPruned: options.onPruned }),
    ...(options.onStoreFailure !== undefined && { onStoreFailure: options.onStoreFailure }),
  });
  const timeoutMs = config.schedule.checkTimeoutSeconds * 1000;
  // Staged uploads are verified as `tufwatch verify --published` would: from the configured
  // trusted root, against what the first repository publishes now.
  const anchor = config.repositories[0];
  const verifyStaged = (
    files: Map<string, Uint8Array>,
    opts: { at?: Date },
  ): Promise<VerifyReport> =>
    verifier.verify(
      {
        kind: 'staged',
        files: [...files],
        trustedRoot: anchor?.trustedRootBytes,
        ...(anchor !== undefined && { published: anchor.url }),
        now: (opts.at ?? now()).toISOString(),
        limits: config.verification.limits,
        horizons: config.verification.horizons,
      },
      // Uploads run in their own worker (see Verifier), with a shorter timeout than a run's.
      Math.min(timeoutMs, UPLOAD_TIMEOUT_MS),
    );
  const deps: Omit<AppDeps, 'logger'> = {
    config,
    checks: ALL_CHECKS,
    store,
    monitor,
    evidence: createEvidenceService({
      store,
      keys,
      system: describeSystem(config),
      controls: config.controls,
      checks: ALL_CHECKS,
      version: VERSION,
      now,
    }),
    verifyStaged,
    now,
    version: VERSION,
    metrics: () =>
      renderMetrics({
        version: VERSION,
        latest: store.latestCompletedRun(),
        running: monitor.current() !== undefined,
        runsTotal: store.runCounts(),
        scheduleIntervalSeconds: config.schedule.intervalSeconds,
        storage: monitor.storage(),
        repositories: config.repositories.map((r) => ({
          name: r.name,
          roles: store.trustedRoles(r.name) ?? {},
        })),
        checkIds: ALL_CHECKS.map((c) => c.id),
        controlIds: config.controls.map((c) => c.id),
      }),
  };
  return {
    config,
    store,
    keys,
    verifier,
    monitor,
    deps,
    warnings,
    async close(graceMs) {
      await monitor.stop(graceMs);
      // A run still going is abandoned: stopping the worker fails it, and it is recorded as failed.
      await verifier.close();
      await monitor.settled();
      store.close();
      lock?.release();
    },
  };
}

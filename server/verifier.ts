import { Worker } from 'node:worker_threads';
import type { AgentRoot } from '../tuf/agent-walk.js';
import type { Horizons, Limits } from '../tuf/limits.js';
import type { ReverifyPolicy, RoleSummary, VerifiedTarget, VerifyReport } from '../tuf/verify.js';

interface JobCommon {
  trustedRoot?: Uint8Array | undefined;
  /** ISO time: Dates do not survive structured cloning as the same realm's objects. */
  now: string;
  limits: Limits;
  horizons: Horizons;
  /**
   * The live repository (URL or directory): no version may go backwards from it,
   * and for a staged job, every file not uploaded is read from it, the root chain included.
   */
  published?: string;
}

/** One verification, as sent to the worker. Sources are built there: they cannot cross threads. */
export type VerifyJob =
  | (JobCommon & {
      kind: 'repository';
      url: string;
      targetsUrl: string;
      checkTargets: boolean;
      previous?: Record<string, RoleSummary>;
      verifiedTargets: [string, VerifiedTarget][];
      targetReverify?: ReverifyPolicy;
      /** Roots agent releases embed, each walked as a client (tuf/agent-walk.ts), and how far ahead (days) to walk again. */
      agents?: { roots: AgentRoot[]; lookaheadDays: number };
    })
  | (JobCommon & { kind: 'staged'; files: [string, Uint8Array][] });

export type VerifyReply = { id: number; report: VerifyReport } | { id: number; error: string };

export class VerifyTimeoutError extends Error {
  override readonly name = 'VerifyTimeoutError';
}

/**
 * Uploads (POST /api/v1/verify) have their own, shorter timeout than a
 * scheduled run's repository: a release engineer's staged metadata is small,
 * and a hostile upload must not hold even its own lane for long.
 */
export const UPLOAD_TIMEOUT_MS = 30_000;

/** Which lane a job runs in: scheduled runs and uploads never share a worker. */
export type VerifyLane = 'monitor' | 'upload';

export const laneOf = (job: VerifyJob): VerifyLane =>
  job.kind === 'staged' ? 'upload' : 'monitor';

/**
 * Runs verifications in two worker threads, one per lane: repositories of the
 * scheduled runs in one, uploaded staged metadata in the other. Each lane runs
 * its jobs one at a time, in order. An upload (staged metadata anyone with a
 * token may send) can hold its worker until its timeout; with its own lane it
 * never delays a run (issue 9: three quadratic uploads kept every run from
 * completing for 6 minutes when they shared one worker).
 */
export class Verifier {
  readonly #lanes: Record<VerifyLane, WorkerLane>;

  constructor(entry: URL = defaultEntry()) {
    this.#lanes = { monitor: new WorkerLane(entry), upload: new WorkerLane(entry) };
  }

  verify(job: VerifyJob, timeoutMs: number): Promise<VerifyReport> {
    return this.#lanes[laneOf(job)].verify(job, timeoutMs);
  }

  async close(): Promise<void> {
    await Promise.all([this.#lanes.monitor.close(), this.#lanes.upload.close()]);
  }
}

/**
 * One worker thread running jobs one at a time in order. A job that outlives
 * its timeout terminates the worker (the only way to stop CPU-bound work); the
 * next job starts a fresh one.
 */
class WorkerLane {
  readonly #entry: URL;
  #worker: Worker | undefined;
  #nextId = 1;
  readonly #pending = new Map<
    number,
    { resolve: (r: VerifyReport) => void; reject: (e: Error) => void }
  >();
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(entry: URL) {
    this.#entry = entry;
  }

  verify(job: VerifyJob, timeoutMs: number): Promise<VerifyReport> {
    const result = this.#queue.then(() => this.#run(job, timeoutMs));
    // The queue carries on after a failure; the caller still sees it.
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#terminate(new Error('the verifier was closed'));
  }

  #run(job: VerifyJob, timeoutMs: number): Promise<VerifyReport> {
    if (this.#closed) return Promise.reject(new Error('the verifier was closed'));
    const worker = this.#spawn();
    const id = this.#nextId++;
    return new Promise<VerifyReport>((resolve, reject) => {
      const timer = setTimeout(() => {
        void this.#terminate(
          new VerifyTimeoutError(`verification did not finish within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (report) => {
          clearTimeout(timer);
          resolve(report);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      // Referenced only while a job is in flight: an idle worker must not keep the process alive.
      worker.ref();
      worker.postMessage({ id, job });
    });
  }

  #spawn(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(this.#entry);
    worker.on('message', (reply: VerifyReply) => {
      const pending = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) worker.unref();
      if ('report' in reply) pending?.resolve(reply.report);
      else pending?.reject(new Error(reply.error));
    });
    worker.on('error', (err) => void this.#terminate(err));
    // An exit we did not ask for (out of memory) fails what was in flight.
    worker.on('exit', () => {
      if (this.#worker === worker)
        void this.#terminate(new Error('the verification worker exited'));
    });
    this.#worker = worker;
    return worker;
  }

  async #terminate(reason: Error): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    for (const pending of this.#pending.values()) pending.reject(reason);
    this.#pending.clear();
    if (worker !== undefined) await worker.terminate();
  }
}

/** Beside this module: verify-worker.js when compiled, verify-worker.ts under tap's loader. */
function defaultEntry(): URL {
  return new URL(import.meta.url.replace(/verifier\.(\w+)$/, 'verify-worker.$1'));
}

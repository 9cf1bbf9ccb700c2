/**
 * Fakes for HTTP tests (`buildApp(fakeDeps()).inject()`): an in-memory
 * evidence store with the real store's semantics (ids, transitions, history
 * windows, copies out), a monitor whose runs the test finishes, and deps built
 * from a small config. Nothing reads the wall clock: `NOW` is far from today.
 */
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import { CONTROL_CATALOG, evaluateControls } from '../../checks/controls.js';
import {
  DEFAULT_CHECK_SETTINGS,
  type CheckDefinition,
  type CheckResult,
  type CheckStatus,
} from '../../checks/types.js';
import { buildApp, type AppOptions } from '../../server/app.js';
import { generateSigningKey } from '../../server/evidence-keys.js';
import type {
  AppDeps,
  ControlResult,
  EvidenceService,
  EvidenceStore,
  Monitor,
  RunDetail,
  RunRecord,
  RunTrigger,
  StatusTransition,
  PublicKeyInfo,
  TrustedRoles,
  TufwatchConfig,
} from '../../server/types.js';
import { DEFAULT_HORIZONS, DEFAULT_LIMITS } from '../../tuf/limits.js';
import type { VerifiedTarget, VerifyReport } from '../../tuf/verify.js';

export const NOW = new Date('2031-03-01T12:00:00Z');
export const DAY_MS = 24 * 3600 * 1000;
export const at = (offsetMs: number): Date => new Date(NOW.getTime() + offsetMs);

const inRange = (iso: string | undefined, from: Date, to: Date): boolean => {
  if (iso === undefined) return false;
  const t = Date.parse(iso);
  return t >= from.getTime() && t <= to.getTime();
};

export class MemoryEvidenceStore implements EvidenceStore {
  readonly #runs = new Map<number, RunDetail>();
  readonly #transitions: StatusTransition[] = [];
  readonly #trusted = new Map<string, TrustedRoles>();
  readonly #verified = new Map<string, Map<string, VerifiedTarget>>();
  closed = false;

  startRun(trigger: RunTrigger, startedAt: Date): RunRecord {
    const id = this.#runs.size + 1;
    const run: RunDetail = {
      id,
      startedAt: startedAt.toISOString(),
      status: 'running',
      trigger,
      checks: [],
      controls: [],
    };
    this.#runs.set(id, run);
    return record(run);
  }

  completeRun(
    runId: number,
    finishedAt: Date,
    checks: CheckResult[],
    controls: ControlResult[],
  ): RunDetail {
    const run = this.#get(runId);
    const previous = this.latestCompletedRun();
    const at = finishedAt.toISOString();
    const transition = (kind: 'check' | 'control', id: string, to: CheckStatus): void => {
      const list: { id: string; status: CheckStatus }[] =
        kind === 'check' ? (previous?.checks ?? []) : (previous?.controls ?? []);
      const from = list.find((x) => x.id === id)?.status ?? null;
      if (from !== to) this.#transitions.push({ kind, id, from, to, at, runId });
    };
    for (const c of checks) transition('check', c.id, c.status);
    for (const c of controls) transition('control', c.id, c.status);
    Object.assign(run, {
      status: 'completed',
      finishedAt: at,
      durationMs: finishedAt.getTime() - Date.parse(run.startedAt),
      result: checks.some((c) => c.status === 'fail' || c.status === 'error') ? 'fail' : 'pass',
      checks: structuredClone(checks),
      controls: structuredClone(controls),
    });
    return structuredClone(run);
  }

  failRun(runId: number, finishedAt: Date, _reason: string): void {
    Object.assign(this.#get(runId), { status: 'failed', finishedAt: finishedAt.toISOString() });
  }

  abandonUnfinishedRuns(at: Date): number {
    let n = 0;
    for (const run of this.#runs.values()) {
      if (run.status !== 'running') continue;
      Object.assign(run, { status: 'abandoned', finishedAt: at.toISOString() });
      n++;
    }
    return n;
  }

  latestRun(): RunDetail | undefined {
    const runs = [...this.#runs.values()];
    return runs.length === 0 ? undefined : structuredClone(runs[runs.length - 1]);
  }

  latestCompletedRun(): RunDetail | undefined {
    const completed = [...this.#runs.values()].filter((r) => r.status === 'completed');
    const last = completed[completed.length - 1];
    return last === undefined ? undefined : structuredClone(last);
  }

  run(id: number): RunDetail | undefined {
    const run = this.#runs.get(id);
    return run === undefined ? undefined : structuredClone(run);
  }

  runs(limit: number, before?: number): RunRecord[] {
    return [...this.#runs.values()]
      .filter((r) => before === undefined || r.id < before)
      .reverse()
      .slice(0, limit)
      .map(record);
  }

  checkHistory(
    checkId: string,
    from: Date,
    to: Date,
  ): { runId: number; at: string; status: CheckStatus; message: string }[] {
    return this.#completedIn(from, to).flatMap((run) =>
      run.checks
        .filter((c) => c.id === checkId)
        .map((c) => ({
          runId: run.id,
          at: run.finishedAt as string,
          status: c.status,
          message: c.message,
        })),
    );
  }

  controlHistory(
    controlId: string,
    from: Date,
    to: Date,
  ): { runId: number; at: string; status: CheckStatus }[] {
    return this.#completedIn(from, to).flatMap((run) =>
      run.controls
        .filter((c) => c.id === controlId)
        .map((c) => ({ runId: run.id, at: run.finishedAt as string, status: c.status })),
    );
  }

  transitions(kind: 'check' | 'control', id: string, from: Date, to: Date): StatusTransition[] {
    return structuredClone(
      this.#transitions.filter((t) => t.kind === kind && t.id === id && inRange(t.at, from, to)),
    );
  }

  lastPassed(controlId: string): string | undefined {
    const passed = [...this.#runs.values()].filter(
      (r) =>
        r.status === 'completed' &&
        r.controls.some((c) => c.id === controlId && c.status === 'pass'),
    );
    return passed[passed.length - 1]?.finishedAt;
  }

  trustedRoles(repository: string): TrustedRoles | undefined {
    const roles = this.#trusted.get(repository);
    return roles === undefined ? undefined : structuredClone(roles);
  }

  saveTrustedRoles(repository: string, roles: TrustedRoles): void {
    this.#trusted.set(repository, structuredClone(roles));
  }

  runCounts(): { pass: number; fail: number; error: number } {
    const counts = { pass: 0, fail: 0, error: 0 };
    for (const run of this.#runs.values()) {
      if (run.status === 'completed') counts[run.result as 'pass' | 'fail']++;
      else if (run.status !== 'running') counts.error++;
    }
    return counts;
  }

  verifiedTargets(repository: string): Map<string, VerifiedTarget> {
    return new Map(this.#verified.get(repository));
  }

  saveVerifiedTargets(repository: string, targets: Map<string, VerifiedTarget>): void {
    this.#verified.set(repository, new Map(targets));
  }

  /** The fake keeps everything: retention is the real store's (test/server/store.test.ts). */
  prune(_before: Date): undefined {
    return undefined;
  }

  close(): void {
    this.closed = true;
  }

  #completedIn(from: Date, to: Date): RunDetail[] {
    return [...this.#runs.values()].filter(
      (r) => r.status === 'completed' && inRange(r.finishedAt, from, to),
    );
  }

  #get(id: number): RunDetail {
    const run = this.#runs.get(id);
    if (run === undefined) throw new Error(`no run ${id}`);
    return run;
  }
}

function record(run: RunDetail): RunRecord {
  const { checks: _checks, controls: _controls, ...rest } = run;
  return structuredClone(rest);
}

/** Results for every catalog check; statuses not given are `pass`. */
export function checkResults(
  statuses: Readonly<Record<string, CheckStatus>> = {},
  evaluatedAt: Date = NOW,
): CheckResult[] {
  const ids = [...new Set(CONTROL_CATALOG.flatMap((c) => c.checks))];
  return ids.map((id) => {
    const status = statuses[id] ?? 'pass';
    return {
      id,
      status,
      message: `${id} is ${status}`,
      evidence: { repository: 'fleet', detail: { status } },
      evaluatedAt: evaluatedAt.toISOString(),
      durationMs: 1.5,
    };
  });
}

/** Stores one completed run, as the monitor would. */
export function completeRun(
  store: EvidenceStore,
  finishedAt: Date,
  statuses: Readonly<Record<string, CheckStatus>> = {},
  trigger: RunTrigger = 'schedule',
): RunDetail {
  const run = store.startRun(trigger, new Date(finishedAt.getTime() - 2000));
  const checks = checkResults(statuses, finishedAt);
  return store.completeRun(run.id, finishedAt, checks, evaluateControls(CONTROL_CATALOG, checks));
}

/**
 * A monitor whose runs end when the test says: `finish()` completes the run in
 * progress in the store, `fail()` rejects its `done`.
 */
export class FakeMonitor implements Monitor {
  readonly #store: EvidenceStore;
  #current:
    { run: RunRecord; resolve: (d: RunDetail) => void; reject: (e: Error) => void } | undefined;
  /** What `current()` answers while a run is in progress (undefined: a run that just ended). */
  hideCurrent = false;
  readonly triggers: RunTrigger[] = [];

  constructor(store: EvidenceStore) {
    this.#store = store;
  }

  start(trigger: RunTrigger): { run: RunRecord; done: Promise<RunDetail | undefined> } | undefined {
    if (this.#current !== undefined) return undefined;
    this.triggers.push(trigger);
    const run = this.#store.startRun(trigger, NOW);
    const done = new Promise<RunDetail | undefined>((resolve, reject) => {
      this.#current = { run, resolve, reject };
    });
    return { run, done };
  }

  current(): RunRecord | undefined {
    return this.hideCurrent ? undefined : this.#current?.run;
  }

  finish(statuses: Readonly<Record<string, CheckStatus>> = {}): RunDetail {
    const current = this.#take();
    const checks = checkResults(statuses);
    const detail = this.#store.completeRun(
      current.run.id,
      NOW,
      checks,
      evaluateControls(CONTROL_CATALOG, checks),
    );
    current.resolve(detail);
    return detail;
  }

  fail(error: Error): void {
    const current = this.#take();
    this.#store.failRun(current.run.id, NOW, error.message);
    current.reject(error);
  }

  #take() {
    const current = this.#current;
    if (current === undefined) throw new Error('no run in progress');
    this.#current = undefined;
    return current;
  }
}

/** Registered checks: the catalog's, except `tuf.orbit-layout` (a control may list a check that is not registered). */
export const FAKE_CHECKS: readonly CheckDefinition[] = [
  ...new Set(CONTROL_CATALOG.flatMap((c) => c.checks)),
]
  .filter((id) => id !== 'tuf.orbit-layout')
  .map((id) => ({
    id,
    title: `Title of ${id}`,
    component: 'tuf-repository' as const,
    severity: 'high' as const,
    criteria: ['CC8.1' as const],
    remediation: `Fix ${id}`,
    evaluate: () => ({ status: 'pass' as const, message: 'ok', evidence: {} }),
  }));

/**
 * Evidence exports as the routes see them: a real signing key, and exports
 * that record what was asked. The real service over the real store is tested
 * in test/server/evidence-export.test.ts and test/server/routes/evidence.test.ts.
 */
export class FakeEvidence implements EvidenceService {
  static readonly KEY = generateSigningKey().key;
  readonly exports: { kind: 'bundle' | 'csv'; from: string; to: string }[] = [];

  publicKey(): PublicKeyInfo {
    const { fingerprint, publicKey } = FakeEvidence.KEY;
    return {
      algorithm: 'ed25519',
      fingerprint,
      publicKey,
      keys: [
        {
          fingerprint,
          publicKey,
          activatedAt: at(-30 * DAY_MS).toISOString(),
          retiredAt: null,
          reason: 'created',
          seq: 1,
        },
      ],
    };
  }

  exportBundle(from: Date, to: Date): Iterable<string> {
    this.exports.push({ kind: 'bundle', from: from.toISOString(), to: to.toISOString() });
    return ['{"format":"fake",', '"records":[]}\n'];
  }

  exportCsv(from: Date, to: Date): string {
    this.exports.push({ kind: 'csv', from: from.toISOString(), to: to.toISOString() });
    return 'date,control\r\n';
  }
}

export const TOKEN = 'tw_test_0123456789abcdef0123456789abcdef';
export const OTHER_TOKEN = 'tw_test_fedcba9876543210fedcba9876543210';

export interface FakeConfigOptions {
  tokens?: string[];
  metricsAuth?: boolean;
  maxUploadBytes?: number;
  aws?: TufwatchConfig['aws'];
  trustedRootBytes?: Uint8Array;
}

export function fakeConfig(options: FakeConfigOptions = {}): TufwatchConfig {
  return {
    system: {
      name: 'Fleet update service',
      description: "Orbit's TUF repository and the bucket behind it",
    },
    repositories: [
      {
        name: 'fleet',
        url: 'https://updates.example.test',
        targetsUrl: 'https://updates.example.test/targets',
        trustedRoot: '/etc/tufwatch/root.json',
        trustedRootBytes: options.trustedRootBytes ?? new Uint8Array(),
        checkTargets: true,
      },
      {
        name: 'staging',
        url: '/srv/tuf/staging',
        targetsUrl: '/srv/tuf/staging/targets',
        trustedRoot: '/etc/tufwatch/staging-root.json',
        trustedRootBytes: new Uint8Array(),
        checkTargets: false,
      },
    ],
    ...(options.aws !== undefined && { aws: options.aws }),
    storage: { path: ':memory:' },
    server: { host: '127.0.0.1', port: 0 },
    schedule: { intervalSeconds: 3600, checkTimeoutSeconds: 300 },
    auth: {
      tokens: options.tokens ?? [TOKEN, OTHER_TOKEN],
      metricsAuth: options.metricsAuth ?? false,
    },
    verification: { horizons: { ...DEFAULT_HORIZONS }, limits: { ...DEFAULT_LIMITS } },
    checks: { ...DEFAULT_CHECK_SETTINGS },
    controls: [...CONTROL_CATALOG],
    maxUploadBytes: options.maxUploadBytes ?? 64 * 1024,
    evidence: { retentionDays: 400 },
  };
}

export const EMPTY_REPORT: VerifyReport = {
  ok: true,
  referenceTime: NOW.toISOString(),
  roles: {},
  findings: [],
  targetCount: 0,
};

export interface FakeDeps extends AppDeps {
  store: MemoryEvidenceStore;
  monitor: FakeMonitor;
  evidence: FakeEvidence;
  /** Every call of verifyStaged. */
  verifyCalls: { files: Map<string, Uint8Array>; at: Date | undefined }[];
}

export function fakeDeps(
  options: FakeConfigOptions & {
    verifyStaged?: AppDeps['verifyStaged'];
    metrics?: () => string;
    logger?: AppDeps['logger'];
  } = {},
): FakeDeps {
  const store = new MemoryEvidenceStore();
  const verifyCalls: FakeDeps['verifyCalls'] = [];
  const verifyStaged = options.verifyStaged ?? (() => Promise.resolve(EMPTY_REPORT));
  return {
    config: fakeConfig(options),
    checks: FAKE_CHECKS,
    store,
    monitor: new FakeMonitor(store),
    evidence: new FakeEvidence(),
    verifyCalls,
    verifyStaged: (files, opts) => {
      verifyCalls.push({ files, at: opts.at });
      return verifyStaged(files, opts);
    },
    metrics: options.metrics ?? (() => '# HELP tufwatch_up 1\ntufwatch_up 1\n'),
    now: () => NOW,
    version: '0.1.0-test',
    logger: options.logger ?? false,
  };
}

/** Headers of an authenticated request. */
export const AUTH = { authorization: `Bearer ${TOKEN}` } as const;

/** An app over fake deps, closed when the test ends. */
export async function testApp(
  t: Test,
  deps: FakeDeps = fakeDeps(),
  options?: AppOptions,
): Promise<{ app: FastifyInstance; deps: FakeDeps }> {
  const app = await buildApp(deps, options);
  t.teardown(() => app.close());
  return { app, deps };
}

/** The JSON body of a response. */
export function json<T = Record<string, unknown>>(response: { body: string }): T {
  return JSON.parse(response.body) as T;
}

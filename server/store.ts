import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { CheckResult, CheckStatus } from '../checks/types.js';
import type {
  ControlResult,
  EvidenceStore,
  RunDetail,
  RunRecord,
  RunStatus,
  RunTrigger,
  StatusTransition,
  TrustedRoles,
} from './types.js';

export type StoreErrorCode =
  /** No run has this id. */
  | 'RUN_NOT_FOUND'
  /** The run already completed, failed or was abandoned: a finished run is final. */
  | 'RUN_NOT_RUNNING'
  /** A newer tufwatch wrote this file; it is never downgraded. */
  | 'SCHEMA_TOO_NEW'
  /** The file cannot be put in WAL mode, so commits would not be crash-safe as designed. */
  | 'UNSUPPORTED_JOURNAL'
  /** An invalid date, limit or id was passed in. */
  | 'INVALID_ARGUMENT'
  /** A stored JSON column does not have the shape tufwatch writes. */
  | 'CORRUPT_RECORD';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * How hard a commit is pushed to disk. With WAL, NORMAL survives a killed
 * process but may lose the last commits on power loss; FULL also survives power
 * loss (fsync of the WAL at every commit). Evidence is what an auditor relies
 * on, so FULL is the default.
 */
export type Durability = 'FULL' | 'NORMAL';

export interface StoreOptions {
  /** Default FULL. */
  synchronous?: Durability;
  /** Waits this long for another connection's lock before SQLITE_BUSY. Default 5000. */
  busyTimeoutMs?: number;
  /** Clock for `updated_at` of saved state (trusted roles). */
  now?: () => Date;
}

/**
 * Forward migrations; migration i takes the schema from user_version i to i + 1.
 * Never edit one that has shipped: append a new one.
 *
 * Evidence (runs, check_results, control_results, transitions) is append-only
 * and ordered by an INTEGER PRIMARY KEY, which VACUUM keeps, so that a later
 * schema can hash-chain the rows in that order. Triggers refuse deletes and
 * updates, except the one update that finishes a running run.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'abandoned')),
    "trigger" TEXT NOT NULL,
    result TEXT CHECK (result IN ('pass', 'fail')),
    duration_ms REAL,
    error TEXT,
    CHECK ((status = 'completed') = (result IS NOT NULL)),
    CHECK ((status = 'running') = (finished_at IS NULL))
  ) STRICT;
  CREATE INDEX runs_by_status ON runs (status);
  CREATE INDEX runs_by_outcome ON runs (status, result);

  CREATE TABLE check_results (
    seq INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs (id),
    check_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pass', 'warn', 'fail', 'error', 'not_applicable')),
    message TEXT NOT NULL,
    evidence TEXT NOT NULL CHECK (json_valid(evidence)),
    evaluated_at TEXT NOT NULL,
    duration_ms REAL NOT NULL,
    UNIQUE (run_id, check_id)
  ) STRICT;
  CREATE INDEX check_results_history ON check_results (check_id, evaluated_at);

  CREATE TABLE control_results (
    seq INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs (id),
    control_id TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pass', 'warn', 'fail', 'error', 'not_applicable')),
    checks TEXT NOT NULL CHECK (json_valid(checks)),
    at TEXT NOT NULL,
    UNIQUE (run_id, control_id)
  ) STRICT;
  CREATE INDEX control_results_history ON control_results (control_id, at);
  CREATE INDEX control_results_by_status ON control_results (control_id, status, at);

  CREATE TABLE transitions (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('check', 'control')),
    id TEXT NOT NULL,
    from_status TEXT CHECK (from_status IN ('pass', 'warn', 'fail', 'error', 'not_applicable')),
    to_status TEXT NOT NULL CHECK (to_status IN ('pass', 'warn', 'fail', 'error', 'not_applicable')),
    at TEXT NOT NULL,
    run_id INTEGER NOT NULL REFERENCES runs (id)
  ) STRICT;
  CREATE INDEX transitions_history ON transitions (kind, id, at);

  CREATE TABLE trusted_roles (
    repository TEXT PRIMARY KEY,
    roles TEXT NOT NULL CHECK (json_valid(roles)),
    updated_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE verified_targets (
    repository TEXT NOT NULL,
    path TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (repository, path)
  ) STRICT, WITHOUT ROWID;

  CREATE TRIGGER runs_no_delete BEFORE DELETE ON runs
  BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;
  CREATE TRIGGER runs_finished_is_final BEFORE UPDATE ON runs WHEN OLD.status <> 'running'
  BEGIN SELECT RAISE(ABORT, 'a finished run is final'); END;
  CREATE TRIGGER runs_start_is_fixed BEFORE UPDATE OF id, started_at, "trigger" ON runs
  BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;
  ${['check_results', 'control_results', 'transitions']
    .map(
      (table) => `
  CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
  BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;
  CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
  BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;`,
    )
    .join('')}
  CREATE TRIGGER check_results_of_running_run BEFORE INSERT ON check_results
  WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IS NOT 'running'
  BEGIN SELECT RAISE(ABORT, 'results are stored only while their run completes'); END;
  CREATE TRIGGER control_results_of_running_run BEFORE INSERT ON control_results
  WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IS NOT 'running'
  BEGIN SELECT RAISE(ABORT, 'results are stored only while their run completes'); END;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the schema forward from its `user_version`, one migration per
 * transaction, so that a failed migration leaves the file at the last good
 * version. The version is read under the write lock: two processes opening a
 * new file at once do not both run a migration.
 */
export function migrate(db: Database.Database, migrations: readonly string[] = MIGRATIONS): void {
  const step = db.transaction((): boolean => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > migrations.length) {
      throw new StoreError(
        'SCHEMA_TOO_NEW',
        `the evidence store has schema version ${current}; this tufwatch knows up to ${migrations.length}`,
      );
    }
    const sql = migrations[current];
    if (sql === undefined) return false;
    db.exec(sql);
    // PRAGMA takes no bound parameters; the value is our own integer.
    db.pragma(`user_version = ${current + 1}`);
    return true;
  });
  while (step.immediate()) {
    // one migration per transaction
  }
}

interface RunRow {
  id: number;
  started_at: string;
  finished_at: string | null;
  status: RunStatus;
  trigger: RunTrigger;
  result: 'pass' | 'fail' | null;
  duration_ms: number | null;
  error: string | null;
}

interface CheckRow {
  check_id: string;
  status: CheckStatus;
  message: string;
  evidence: string;
  evaluated_at: string;
  duration_ms: number;
}

interface ControlRow {
  control_id: string;
  title: string;
  status: CheckStatus;
  checks: string;
}

interface TransitionRow {
  kind: 'check' | 'control';
  id: string;
  from_status: CheckStatus | null;
  to_status: CheckStatus;
  at: string;
  run_id: number;
}

/** A run as stored; `error` is the reason given to `failRun` or `abandonUnfinishedRuns`. */
export type StoredRunRecord = RunRecord & { error?: string };

const ABANDONED = 'the process ended before the run finished';

/** ISO 8601 UTC with milliseconds: fixed width, so text order is time order. */
function iso(date: Date, what: string): string {
  if (Number.isNaN(date.getTime()))
    throw new StoreError('INVALID_ARGUMENT', `${what} is not a valid date`);
  return date.toISOString();
}

function parseJson<K extends 'object' | 'array'>(
  text: string,
  kind: K,
  what: string,
): K extends 'array' ? unknown[] : Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StoreError('CORRUPT_RECORD', `${what} is not JSON`, { cause: err });
  }
  const ok =
    kind === 'array'
      ? Array.isArray(value)
      : typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!ok) throw new StoreError('CORRUPT_RECORD', `${what} is not a JSON ${kind}`);
  return value as K extends 'array' ? unknown[] : Record<string, unknown>;
}

function toRecord(row: RunRow): StoredRunRecord {
  return {
    id: row.id,
    startedAt: row.started_at,
    ...(row.finished_at !== null && { finishedAt: row.finished_at }),
    status: row.status,
    trigger: row.trigger,
    ...(row.result !== null && { result: row.result }),
    ...(row.duration_ms !== null && { durationMs: row.duration_ms }),
    ...(row.error !== null && { error: row.error }),
  };
}

/**
 * Opens (creating when missing) the SQLite evidence store at `path`; `':memory:'`
 * for tests. The caller runs `abandonUnfinishedRuns` once it owns the store.
 */
export function openStore(path: string, options: StoreOptions = {}): EvidenceStore {
  const memory = path === ':memory:';
  if (!memory) {
    // Evidence and trusted state are the operator's alone.
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // SQLite gives the -wal and -shm files the mode of the database file.
    closeSync(openSync(path, 'a', 0o600));
  }
  const db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true }) as string;
    if (!memory && mode !== 'wal') {
      throw new StoreError('UNSUPPORTED_JOURNAL', `journal_mode is ${mode}, not wal, for ${path}`);
    }
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    db.pragma('foreign_keys = ON');
    migrate(db);
    return new SqliteEvidenceStore(db, options.now ?? (() => new Date()));
  } catch (err) {
    db.close();
    throw err;
  }
}

class SqliteEvidenceStore implements EvidenceStore {
  readonly #db: Database.Database;
  readonly #now: () => Date;
  readonly #sql;

  constructor(db: Database.Database, now: () => Date) {
    this.#db = db;
    this.#now = now;
    // Prepared once: every call below only binds and steps.
    this.#sql = {
      insertRun: db.prepare<[string, RunTrigger], RunRow>(
        `INSERT INTO runs (started_at, status, "trigger") VALUES (?, 'running', ?) RETURNING *`,
      ),
      run: db.prepare<[number], RunRow>('SELECT * FROM runs WHERE id = ?'),
      latestRun: db.prepare<[], RunRow>('SELECT * FROM runs ORDER BY id DESC LIMIT 1'),
      latestCompleted: db.prepare<[], RunRow>(
        `SELECT * FROM runs WHERE status = 'completed' ORDER BY id DESC LIMIT 1`,
      ),
      previousCompleted: db.prepare<[number], { id: number }>(
        `SELECT id FROM runs WHERE status = 'completed' AND id < ? ORDER BY id DESC LIMIT 1`,
      ),
      runsBefore: db.prepare<[number, number], RunRow>(
        'SELECT * FROM runs WHERE id < ? ORDER BY id DESC LIMIT ?',
      ),
      finishRun: db.prepare<
        [string, 'completed' | 'failed', 'pass' | 'fail' | null, number, string | null, number]
      >(
        `UPDATE runs SET finished_at = ?, status = ?, result = ?, duration_ms = ?, error = ?
         WHERE id = ? AND status = 'running'`,
      ),
      abandon: db.prepare<[string, string]>(
        `UPDATE runs SET status = 'abandoned', finished_at = ?, error = ? WHERE status = 'running'`,
      ),
      runCounts: db.prepare<[], { status: RunStatus; result: 'pass' | 'fail' | null; n: number }>(
        'SELECT status, result, count(*) AS n FROM runs GROUP BY status, result',
      ),
      insertCheck: db.prepare<[number, string, CheckStatus, string, string, string, number]>(
        `INSERT INTO check_results
           (run_id, check_id, status, message, evidence, evaluated_at, duration_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      checksOfRun: db.prepare<[number], CheckRow>(
        'SELECT * FROM check_results WHERE run_id = ? ORDER BY seq',
      ),
      insertControl: db.prepare<[number, string, string, CheckStatus, string, string]>(
        `INSERT INTO control_results (run_id, control_id, title, status, checks, at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      controlsOfRun: db.prepare<[number], ControlRow>(
        'SELECT * FROM control_results WHERE run_id = ? ORDER BY seq',
      ),
      checkStatuses: db.prepare<[number], { id: string; status: CheckStatus }>(
        'SELECT check_id AS id, status FROM check_results WHERE run_id = ?',
      ),
      controlStatuses: db.prepare<[number], { id: string; status: CheckStatus }>(
        'SELECT control_id AS id, status FROM control_results WHERE run_id = ?',
      ),
      insertTransition: db.prepare<
        ['check' | 'control', string, CheckStatus | null, CheckStatus, string, number]
      >(
        `INSERT INTO transitions (kind, id, from_status, to_status, at, run_id)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      checkHistory: db.prepare<
        [string, string, string],
        { runId: number; at: string; status: CheckStatus; message: string }
      >(
        `SELECT run_id AS runId, evaluated_at AS at, status, message FROM check_results
         WHERE check_id = ? AND evaluated_at >= ? AND evaluated_at < ?
         ORDER BY evaluated_at, seq`,
      ),
      controlHistory: db.prepare<
        [string, string, string],
        { runId: number; at: string; status: CheckStatus }
      >(
        `SELECT run_id AS runId, at, status FROM control_results
         WHERE control_id = ? AND at >= ? AND at < ?
         ORDER BY at, seq`,
      ),
      transitions: db.prepare<['check' | 'control', string, string, string], TransitionRow>(
        `SELECT kind, id, from_status, to_status, at, run_id FROM transitions
         WHERE kind = ? AND id = ? AND at >= ? AND at < ?
         ORDER BY at, seq`,
      ),
      lastPassed: db.prepare<[string], { at: string | null }>(
        `SELECT max(at) AS at FROM control_results WHERE control_id = ? AND status = 'pass'`,
      ),
      trustedRoles: db.prepare<[string], { roles: string }>(
        'SELECT roles FROM trusted_roles WHERE repository = ?',
      ),
      saveTrustedRoles: db.prepare<[string, string, string]>(
        `INSERT INTO trusted_roles (repository, roles, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (repository) DO UPDATE SET roles = excluded.roles, updated_at = excluded.updated_at`,
      ),
      verifiedTargets: db.prepare<[string], { path: string; key: string }>(
        'SELECT path, key FROM verified_targets WHERE repository = ? ORDER BY path',
      ),
      upsertVerifiedTarget: db.prepare<[string, string, string]>(
        `INSERT INTO verified_targets (repository, path, key) VALUES (?, ?, ?)
         ON CONFLICT (repository, path) DO UPDATE SET key = excluded.key`,
      ),
      deleteVerifiedTarget: db.prepare<[string, string]>(
        'DELETE FROM verified_targets WHERE repository = ? AND path = ?',
      ),
    };
  }

  startRun(trigger: RunTrigger, startedAt: Date): RunRecord {
    return toRecord(this.#sql.insertRun.get(iso(startedAt, 'startedAt'), trigger)!);
  }

  completeRun(
    runId: number,
    finishedAt: Date,
    checks: CheckResult[],
    controls: ControlResult[],
  ): RunDetail {
    const at = iso(finishedAt, 'finishedAt');
    const sql = this.#sql;
    // IMMEDIATE: the write lock is taken before the previous statuses are read,
    // so no other connection can complete a run in between.
    return this.#db
      .transaction(() => {
        const started = this.#running(runId);
        const previous = sql.previousCompleted.get(runId)?.id;
        const before = (kind: 'check' | 'control'): Map<string, CheckStatus> => {
          if (previous === undefined) return new Map();
          const rows = (kind === 'check' ? sql.checkStatuses : sql.controlStatuses).all(previous);
          return new Map(rows.map((r) => [r.id, r.status]));
        };
        const transition = (
          kind: 'check' | 'control',
          prior: Map<string, CheckStatus>,
          id: string,
          status: CheckStatus,
          when: string,
        ): void => {
          const from = prior.get(id) ?? null;
          if (from !== status) sql.insertTransition.run(kind, id, from, status, when, runId);
        };

        const checksBefore = before('check');
        for (const c of checks) {
          const evaluatedAt = iso(new Date(c.evaluatedAt), `evaluatedAt of ${c.id}`);
          sql.insertCheck.run(
            runId,
            c.id,
            c.status,
            c.message,
            JSON.stringify(c.evidence),
            evaluatedAt,
            c.durationMs,
          );
          transition('check', checksBefore, c.id, c.status, evaluatedAt);
        }
        const controlsBefore = before('control');
        for (const c of controls) {
          sql.insertControl.run(runId, c.id, c.title, c.status, JSON.stringify(c.checks), at);
          transition('control', controlsBefore, c.id, c.status, at);
        }
        const failed = checks.some((c) => c.status === 'fail' || c.status === 'error');
        const duration = finishedAt.getTime() - Date.parse(started.started_at);
        sql.finishRun.run(at, 'completed', failed ? 'fail' : 'pass', duration, null, runId);
        return this.#detail(sql.run.get(runId)!);
      })
      .immediate();
  }

  failRun(runId: number, finishedAt: Date, reason: string): void {
    const at = iso(finishedAt, 'finishedAt');
    this.#db
      .transaction(() => {
        const started = this.#running(runId);
        const duration = finishedAt.getTime() - Date.parse(started.started_at);
        this.#sql.finishRun.run(at, 'failed', null, duration, reason, runId);
      })
      .immediate();
  }

  abandonUnfinishedRuns(at: Date): number {
    return this.#sql.abandon.run(iso(at, 'at'), ABANDONED).changes;
  }

  latestRun(): RunDetail | undefined {
    const row = this.#sql.latestRun.get();
    return row && this.#detail(row);
  }

  latestCompletedRun(): RunDetail | undefined {
    const row = this.#sql.latestCompleted.get();
    return row && this.#detail(row);
  }

  run(id: number): RunDetail | undefined {
    const row = this.#sql.run.get(id);
    return row && this.#detail(row);
  }

  runs(limit: number, before?: number): RunRecord[] {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new StoreError('INVALID_ARGUMENT', `limit must be a positive integer, not ${limit}`);
    }
    if (before !== undefined && !Number.isSafeInteger(before)) {
      throw new StoreError('INVALID_ARGUMENT', `before must be an integer run id, not ${before}`);
    }
    return this.#sql.runsBefore.all(before ?? Number.MAX_SAFE_INTEGER, limit).map(toRecord);
  }

  checkHistory(
    checkId: string,
    from: Date,
    to: Date,
  ): { runId: number; at: string; status: CheckStatus; message: string }[] {
    return this.#sql.checkHistory.all(checkId, iso(from, 'from'), iso(to, 'to'));
  }

  controlHistory(
    controlId: string,
    from: Date,
    to: Date,
  ): { runId: number; at: string; status: CheckStatus }[] {
    return this.#sql.controlHistory.all(controlId, iso(from, 'from'), iso(to, 'to'));
  }

  transitions(kind: 'check' | 'control', id: string, from: Date, to: Date): StatusTransition[] {
    return this.#sql.transitions.all(kind, id, iso(from, 'from'), iso(to, 'to')).map((r) => ({
      kind: r.kind,
      id: r.id,
      from: r.from_status,
      to: r.to_status,
      at: r.at,
      runId: r.run_id,
    }));
  }

  lastPassed(controlId: string): string | undefined {
    return this.#sql.lastPassed.get(controlId)!.at ?? undefined;
  }

  trustedRoles(repository: string): TrustedRoles | undefined {
    const row = this.#sql.trustedRoles.get(repository);
    if (row === undefined) return undefined;
    return parseJson(row.roles, 'object', `trusted roles of ${repository}`) as TrustedRoles;
  }

  saveTrustedRoles(repository: string, roles: TrustedRoles): void {
    this.#sql.saveTrustedRoles.run(
      repository,
      JSON.stringify(roles),
      iso(this.#now(), 'the clock'),
    );
  }

  runCounts(): { pass: number; fail: number; error: number } {
    const counts = { pass: 0, fail: 0, error: 0 };
    for (const row of this.#sql.runCounts.all()) {
      if (row.status === 'completed') counts[row.result!] += row.n;
      else if (row.status !== 'running') counts.error += row.n;
    }
    return counts;
  }

  verifiedTargets(repository: string): Map<string, string> {
    return new Map(this.#sql.verifiedTargets.all(repository).map((r) => [r.path, r.key]));
  }

  saveVerifiedTargets(repository: string, targets: Map<string, string>): void {
    // Replaces the set: a target no longer listed, or listed with new hashes, must be read again.
    // Only the difference is written: with 100k targets, rewriting all of them would put
    // ~10 MB through the WAL at every run.
    const sql = this.#sql;
    this.#db
      .transaction(() => {
        const stored = this.verifiedTargets(repository);
        for (const [path, key] of targets) {
          if (stored.get(path) !== key) sql.upsertVerifiedTarget.run(repository, path, key);
        }
        for (const path of stored.keys()) {
          if (!targets.has(path)) sql.deleteVerifiedTarget.run(repository, path);
        }
      })
      .immediate();
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  /** The run's row; it must exist and still be running. */
  #running(runId: number): RunRow {
    const row = this.#sql.run.get(runId);
    if (row === undefined) throw new StoreError('RUN_NOT_FOUND', `no run ${runId}`);
    if (row.status !== 'running') {
      throw new StoreError('RUN_NOT_RUNNING', `run ${runId} is ${row.status}, not running`);
    }
    return row;
  }

  #detail(row: RunRow): RunDetail {
    return {
      ...toRecord(row),
      checks: this.#sql.checksOfRun.all(row.id).map((r) => ({
        id: r.check_id,
        status: r.status,
        message: r.message,
        evidence: parseJson(r.evidence, 'object', `evidence of ${r.check_id} in run ${row.id}`),
        evaluatedAt: r.evaluated_at,
        durationMs: r.duration_ms,
      })),
      controls: this.#sql.controlsOfRun.all(row.id).map((r) => ({
        id: r.control_id,
        title: r.title,
        status: r.status,
        checks: parseJson(r.checks, 'array', `checks of ${r.control_id} in run ${row.id}`) as {
          id: string;
          status: CheckStatus;
        }[],
      })),
    };
  }
}

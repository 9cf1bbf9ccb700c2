import { closeSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { fileIdentity, makeDirectory, type FileIdentity } from './data-dir.js';
import type { CheckResult, CheckStatus } from '../checks/types.js';
import {
  EVIDENCE_FORMAT_VERSION,
  GENESIS_ANCHOR,
  GENESIS_HASH,
  canonicalJson,
  checkpointDigest,
  parseEvidenceJson,
  recordHash,
  signCheckpoint,
  wellFormed,
  type ChainAnchor,
  type CheckRecord,
  type Checkpoint,
  type KeyReason,
  type SealedRecord,
  type SigningKey,
  type SigningKeyInfo,
  type SigningKeyRecord,
} from './evidence.js';
import type { FileValidators } from '../tuf/source.js';
import type { VerifiedTarget } from '../tuf/verify.js';
import type { CheckStatusRecord } from './evidence-summary.js';
import type {
  ControlResult,
  EvidenceChain,
  EvidenceRange,
  EvidenceStore,
  RunDetail,
  RunRecord,
  RunStatus,
  RunTrigger,
  StatusTransition,
  TrustedRoles,
} from './types.js';

import { StoreError } from './store-error.js';

export { StoreError, type StoreErrorCode } from './store-error.js';

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
  /** Clock for `updated_at` of saved state (trusted roles) and of checkpoints. */
  now?: () => Date;
  /** The instance key that signs pruning checkpoints (read at each prune: it may rotate). */
  signer?: () => SigningKey;
}

/** SQL, or a function for a step SQL alone cannot do (hashing existing rows); it runs in the migration's transaction. */
export type Migration = string | ((db: Database.Database) => void);

/**
 * Forward migrations; migration i takes the schema from user_version i to i + 1.
 * Never edit one that has shipped: append a new one.
 *
 * Evidence (runs, check_results, control_results, transitions) is append-only
 * and ordered by an INTEGER PRIMARY KEY, which VACUUM keeps, so that a later
 * schema can hash-chain the rows in that order. Triggers refuse deletes and
 * updates, except the one update that finishes a running run.
 */
export const MIGRATIONS: readonly Migration[] = [
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
  migrateToHashChain,
  // Migration 3: when each target file was last hashed, and the host's validators then
  // (the monitor re-hashes on a change and on a rolling schedule). Rows from before have
  // no time: they are due at the next run.
  `
  ALTER TABLE verified_targets ADD COLUMN hashed_at TEXT;
  ALTER TABLE verified_targets ADD COLUMN validators TEXT
    CHECK (validators IS NULL OR json_valid(validators));
  `,
];
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Migration 2: the hash chain (server/evidence.ts defines the records).
 *
 * - check_results gain `prev_hash` and `hash`; rows already there are hashed
 *   in seq order from the genesis hash, in this migration's transaction.
 * - signing_keys: each activation of a signing key, a record of the chain too.
 *   Never pruned: it is the key history that old exports and checkpoints need.
 * - evidence_checkpoints: what pruning leaves of the records it deletes.
 * - evidence_chain: every record of both kinds, by seq.
 *
 * Pruning and append-only: a record may be deleted only when a checkpoint
 * covering it exists, and a checkpoint can only be inserted if it matches the
 * chain (its last hash is the hash of the record it names, and it continues
 * the previous checkpoint). So the checkpoint itself is the authorization: no
 * flag that could be left on, and no trigger dropped and re-created at run
 * time (which a crash in between would leave dropped). Deleting anything not
 * behind a checkpoint, and any update of a record, still fails.
 */
function migrateToHashChain(db: Database.Database): void {
  db.exec(`
  ALTER TABLE check_results ADD COLUMN prev_hash TEXT;
  ALTER TABLE check_results ADD COLUMN hash TEXT;
  CREATE INDEX check_results_by_time ON check_results (evaluated_at);

  CREATE TABLE signing_keys (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    public_key TEXT NOT NULL,
    previous_fingerprint TEXT,
    reason TEXT NOT NULL CHECK (reason IN ('created', 'rotated', 'adopted')),
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  ) STRICT;
  CREATE INDEX signing_keys_by_time ON signing_keys (at);

  CREATE TABLE evidence_checkpoints (
    id INTEGER PRIMARY KEY,
    first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL UNIQUE,
    last_hash TEXT NOT NULL,
    body TEXT NOT NULL CHECK (json_valid(body)),
    CHECK (first_seq <= last_seq)
  ) STRICT;

  CREATE VIEW evidence_chain AS
    SELECT seq, evaluated_at AS at, hash FROM check_results
    UNION ALL SELECT seq, at, hash FROM signing_keys;

  DROP TRIGGER check_results_no_update;
  DROP TRIGGER check_results_no_delete;
  DROP TRIGGER control_results_no_delete;
  DROP TRIGGER transitions_no_delete;
  `);
  const rows = db.prepare<[], CheckRow & { seq: number; run_id: number }>(
    'SELECT * FROM check_results ORDER BY seq',
  );
  const seal = db.prepare<[string, string, number]>(
    'UPDATE check_results SET prev_hash = ?, hash = ? WHERE seq = ?',
  );
  let prevHash = GENESIS_HASH;
  // All rows first: better-sqlite3 cannot update while a statement iterates.
  for (const row of rows.all()) {
    const hash = recordHash(checkRecordOf({ ...row, prev_hash: prevHash }));
    seal.run(prevHash, hash, row.seq);
    prevHash = hash;
  }
  const covered = (seq: string) =>
    `EXISTS (SELECT 1 FROM evidence_checkpoints WHERE last_seq >= ${seq})`;
  const lastPruned = `(SELECT max(last_seq) FROM evidence_checkpoints)`;
  const head = (table: string) => `coalesce((SELECT max(seq) FROM ${table}), 0)`;
  db.exec(`
  CREATE TRIGGER check_results_no_update BEFORE UPDATE ON check_results
  BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;
  CREATE TRIGGER check_results_sealed BEFORE INSERT ON check_results
  WHEN length(NEW.hash) IS NOT 64 OR length(NEW.prev_hash) IS NOT 64
    OR NEW.seq <= ${head('check_results')} OR NEW.seq <= ${head('signing_keys')}
    OR NEW.seq <= coalesce(${lastPruned}, 0)
  BEGIN SELECT RAISE(ABORT, 'a check result is appended to the hash chain, sealed'); END;
  CREATE TRIGGER check_results_pruned_only BEFORE DELETE ON check_results
  WHEN NOT ${covered('OLD.seq')}
  BEGIN SELECT RAISE(ABORT, 'evidence is append-only; only records behind a checkpoint are pruned'); END;
  ${['control_results', 'transitions']
    .map(
      (table) => `
  CREATE TRIGGER ${table}_pruned_only BEFORE DELETE ON ${table}
  WHEN ${lastPruned} IS NULL OR EXISTS (
    SELECT 1 FROM check_results WHERE run_id = OLD.run_id AND seq > ${lastPruned})
  BEGIN SELECT RAISE(ABORT, 'evidence is append-only; only runs behind a checkpoint are pruned'); END;`,
    )
    .join('')}
  CREATE TRIGGER signing_keys_no_update BEFORE UPDATE ON signing_keys
  BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;
  CREATE TRIGGER signing_keys_no_delete BEFORE DELETE ON signing_keys
  BEGIN SELECT RAISE(ABORT, 'the key history is kept'); END;
  CREATE TRIGGER signing_keys_sealed BEFORE INSERT ON signing_keys
  WHEN length(NEW.hash) IS NOT 64 OR length(NEW.prev_hash) IS NOT 64
    OR NEW.seq <= ${head('check_results')} OR NEW.seq <= ${head('signing_keys')}
    OR NEW.seq <= coalesce(${lastPruned}, 0)
  BEGIN SELECT RAISE(ABORT, 'a key record is appended to the hash chain, sealed'); END;
  CREATE TRIGGER evidence_checkpoints_no_update BEFORE UPDATE ON evidence_checkpoints
  BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;
  CREATE TRIGGER evidence_checkpoints_no_delete BEFORE DELETE ON evidence_checkpoints
  BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;
  CREATE TRIGGER evidence_checkpoints_match_chain BEFORE INSERT ON evidence_checkpoints
  WHEN NEW.last_hash IS NOT (SELECT hash FROM evidence_chain WHERE seq = NEW.last_seq)
    OR NEW.first_seq IS NOT coalesce(${lastPruned}, NEW.first_seq - 1) + 1
  BEGIN SELECT RAISE(ABORT, 'a checkpoint must match the chain it prunes'); END;
  `);
}

/**
 * Brings the schema forward from its `user_version`, one migration per
 * transaction, so that a failed migration leaves the file at the last good
 * version. The version is read under the write lock: two processes opening a
 * new file at once do not both run a migration.
 */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
): void {
  const step = db.transaction((): boolean => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > migrations.length) {
      throw new StoreError(
        'SCHEMA_TOO_NEW',
        `the evidence store has schema version ${current}; this tufwatch knows up to ${migrations.length}`,
      );
    }
    const migration = migrations[current];
    if (migration === undefined) return false;
    if (typeof migration === 'function') migration(db);
    else db.exec(migration);
    // PRAGMA takes no bound parameters; the value is our own integer.
    db.pragma(`user_version = ${current + 1}`);
    return true;
  });
  while (step.immediate()) {
    // one migration per transaction
  }
}

interface VerifiedTargetRow {
  path: string;
  key: string;
  hashed_at: string | null;
  validators: string | null;
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

/** A check result as the chain hashes it. */
interface ChainCheckRow {
  seq: number;
  run_id: number;
  check_id: string;
  status: CheckStatus;
  message: string;
  evidence: string;
  evaluated_at: string;
  prev_hash: string;
}

interface SigningKeyRow {
  seq: number;
  at: string;
  fingerprint: string;
  public_key: string;
  previous_fingerprint: string | null;
  reason: KeyReason;
  prev_hash: string;
  hash: string;
}

/** A row of either kind, as the records query selects them. */
type ChainRow = { kind: 'check' | 'signing-key'; hash: string } & ChainCheckRow &
  Omit<SigningKeyRow, 'seq' | 'prev_hash' | 'hash'>;

/**
 * The record that a check result row is in the chain. Evidence is hashed as
 * it reads back from the row, so that every later reader hashes the same value.
 */
function checkRecordOf(row: ChainCheckRow): CheckRecord {
  let evidence: unknown;
  try {
    evidence = parseEvidenceJson(row.evidence);
  } catch (err) {
    throw new StoreError('CORRUPT_RECORD', `evidence of record ${row.seq} is not JSON`, {
      cause: err,
    });
  }
  if (typeof evidence !== 'object' || evidence === null || Array.isArray(evidence)) {
    throw new StoreError('CORRUPT_RECORD', `evidence of record ${row.seq} is not a JSON object`);
  }
  return {
    v: EVIDENCE_FORMAT_VERSION,
    kind: 'check',
    seq: row.seq,
    runId: row.run_id,
    checkId: row.check_id,
    status: row.status,
    message: row.message,
    evidence: evidence as Record<string, unknown>,
    evaluatedAt: row.evaluated_at,
    prevHash: row.prev_hash,
  };
}

function signingKeyRecordOf(row: Omit<SigningKeyRow, 'hash'>): SigningKeyRecord {
  return {
    v: EVIDENCE_FORMAT_VERSION,
    kind: 'signing-key',
    seq: row.seq,
    at: row.at,
    fingerprint: row.fingerprint,
    publicKey: row.public_key,
    previousFingerprint: row.previous_fingerprint,
    reason: row.reason,
    prevHash: row.prev_hash,
  };
}

/** Pages of the records query: big enough to be fast, small enough to never hold the whole chain. */
const RECORDS_QUERY = `
  SELECT * FROM (
    SELECT 'check' AS kind, seq, run_id, check_id, status, message, evidence, evaluated_at,
           NULL AS at, NULL AS fingerprint, NULL AS public_key, NULL AS previous_fingerprint,
           NULL AS reason, prev_hash, hash
    FROM check_results WHERE seq BETWEEN @first AND @last ORDER BY seq LIMIT @limit)
  UNION ALL
  SELECT * FROM (
    SELECT 'signing-key', seq, NULL, NULL, NULL, NULL, NULL, NULL,
           at, fingerprint, public_key, previous_fingerprint, reason, prev_hash, hash
    FROM signing_keys WHERE seq BETWEEN @first AND @last ORDER BY seq LIMIT @limit)
  ORDER BY seq LIMIT @limit`;

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

/** Checkpoints are stored as their canonical JSON, signature included. */
function parseCheckpoint(text: string): Checkpoint {
  return parseJson(text, 'object', 'a checkpoint') as unknown as Checkpoint;
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
export function openStore(path: string, options: StoreOptions = {}): EvidenceStore & EvidenceChain {
  const memory = path === ':memory:';
  if (!memory) {
    // Evidence and trusted state are the operator's alone.
    makeDirectory(dirname(path));
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
    // What was opened: every write first checks that the path still names this file.
    const identity = memory ? undefined : { path, opened: fileIdentity(path) as FileIdentity };
    return new SqliteEvidenceStore(db, options.now ?? (() => new Date()), options.signer, identity);
  } catch (err) {
    db.close();
    throw err;
  }
}

class SqliteEvidenceStore implements EvidenceStore, EvidenceChain {
  readonly #db: Database.Database;
  readonly #now: () => Date;
  readonly #signer: (() => SigningKey) | undefined;
  readonly #sql;
  readonly #file: { path: string; opened: FileIdentity } | undefined;

  constructor(
    db: Database.Database,
    now: () => Date,
    signer: (() => SigningKey) | undefined,
    file: { path: string; opened: FileIdentity } | undefined,
  ) {
    this.#db = db;
    this.#now = now;
    this.#signer = signer;
    this.#file = file;
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
      insertCheck: db.prepare<
        [number, number, string, CheckStatus, string, string, string, number, string, string]
      >(
        `INSERT INTO check_results (seq, run_id, check_id, status, message, evidence,
           evaluated_at, duration_ms, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      verifiedTargets: db.prepare<[string], VerifiedTargetRow>(
        `SELECT path, key, hashed_at, validators FROM verified_targets
         WHERE repository = ? ORDER BY path`,
      ),
      upsertVerifiedTarget: db.prepare<[string, string, string, string, string | null]>(
        `INSERT INTO verified_targets (repository, path, key, hashed_at, validators)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (repository, path) DO UPDATE SET key = excluded.key,
           hashed_at = excluded.hashed_at, validators = excluded.validators`,
      ),
      deleteVerifiedTarget: db.prepare<[string, string]>(
        'DELETE FROM verified_targets WHERE repository = ? AND path = ?',
      ),
      // The hash chain.
      lastCheck: db.prepare<[], { seq: number; hash: string }>(
        'SELECT seq, hash FROM check_results ORDER BY seq DESC LIMIT 1',
      ),
      lastKey: db.prepare<[], SigningKeyRow>(
        'SELECT * FROM signing_keys ORDER BY seq DESC LIMIT 1',
      ),
      lastCheckpoint: db.prepare<[], { body: string }>(
        'SELECT body FROM evidence_checkpoints ORDER BY last_seq DESC LIMIT 1',
      ),
      checkpointEndingAt: db.prepare<[number], { body: string }>(
        'SELECT body FROM evidence_checkpoints WHERE last_seq = ?',
      ),
      checkpoints: db.prepare<[], { body: string }>(
        'SELECT body FROM evidence_checkpoints ORDER BY last_seq',
      ),
      chainAt: db.prepare<[number], { hash: string }>(
        'SELECT hash FROM evidence_chain WHERE seq = ?',
      ),
      firstAtOrAfter: db.prepare<[{ at: string; floor: number }], { seq: number | null }>(
        `SELECT min(seq) AS seq FROM (
           SELECT min(seq) AS seq FROM check_results WHERE evaluated_at >= @at AND seq > @floor
           UNION ALL SELECT min(seq) FROM signing_keys WHERE at >= @at AND seq > @floor)`,
      ),
      lastBefore: db.prepare<[{ at: string; floor: number }], { seq: number | null }>(
        `SELECT max(seq) AS seq FROM (
           SELECT max(seq) AS seq FROM check_results WHERE evaluated_at < @at AND seq > @floor
           UNION ALL SELECT max(seq) FROM signing_keys WHERE at < @at AND seq > @floor)`,
      ),
      runOf: db.prepare<[number], { run_id: number }>(
        'SELECT run_id FROM check_results WHERE seq = ?',
      ),
      runSpan: db.prepare<[number], { first: number; last: number }>(
        'SELECT min(seq) AS first, max(seq) AS last FROM check_results WHERE run_id = ?',
      ),
      records: db.prepare<[{ first: number; last: number; limit: number }], ChainRow>(
        RECORDS_QUERY,
      ),
      chainStatuses: db.prepare<[number, number, number], CheckStatusRecord & { seq: number }>(
        `SELECT seq, run_id AS runId, check_id AS checkId, status, evaluated_at AS evaluatedAt
         FROM check_results WHERE seq BETWEEN ? AND ? ORDER BY seq LIMIT ?`,
      ),
      signingKeys: db.prepare<[], SigningKeyRow>('SELECT * FROM signing_keys ORDER BY seq'),
      insertKey: db.prepare<
        [number, string, string, string, string | null, KeyReason, string, string]
      >(
        `INSERT INTO signing_keys
           (seq, at, fingerprint, public_key, previous_fingerprint, reason, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      spanTimes: db.prepare<[number, number], { from: string; to: string }>(
        'SELECT min(at) AS "from", max(at) AS "to" FROM evidence_chain WHERE seq BETWEEN ? AND ?',
      ),
      insertCheckpoint: db.prepare<[number, number, string, string]>(
        `INSERT INTO evidence_checkpoints (first_seq, last_seq, last_hash, body)
         VALUES (?, ?, ?, ?)`,
      ),
      pruneControls: db.prepare<[number]>(
        `DELETE FROM control_results WHERE run_id IN
           (SELECT DISTINCT run_id FROM check_results WHERE seq <= ?)`,
      ),
      pruneTransitions: db.prepare<[number]>(
        `DELETE FROM transitions WHERE run_id IN
           (SELECT DISTINCT run_id FROM check_results WHERE seq <= ?)`,
      ),
      pruneChecks: db.prepare<[number]>('DELETE FROM check_results WHERE seq <= ?'),
    };
  }

  startRun(trigger: RunTrigger, startedAt: Date): RunRecord {
    this.#assertSameFile();
    return toRecord(this.#sql.insertRun.get(iso(startedAt, 'startedAt'), trigger)!);
  }

  completeRun(
    runId: number,
    finishedAt: Date,
    checks: CheckResult[],
    controls: ControlResult[],
  ): RunDetail {
    this.#assertSameFile();
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
        // Each result is sealed into the hash chain as it is stored, in this transaction.
        let head = this.#head();
        for (const c of checks) {
          const row: ChainCheckRow = {
            seq: head.seq + 1,
            run_id: runId,
            check_id: wellFormed(c.id),
            status: c.status,
            message: wellFormed(c.message),
            evidence: JSON.stringify(c.evidence),
            evaluated_at: iso(new Date(c.evaluatedAt), `evaluatedAt of ${c.id}`),
            prev_hash: head.hash,
          };
          const hash = recordHash(checkRecordOf(row));
          sql.insertCheck.run(
            row.seq,
            runId,
            row.check_id,
            row.status,
            row.message,
            row.evidence,
            row.evaluated_at,
            c.durationMs,
            row.prev_hash,
            hash,
          );
          head = { seq: row.seq, hash };
          transition('check', checksBefore, row.check_id, c.status, row.evaluated_at);
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
    this.#assertSameFile();
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
    this.#assertSameFile();
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
    this.#assertSameFile();
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

  verifiedTargets(repository: string): Map<string, VerifiedTarget> {
    return new Map(
      this.#sql.verifiedTargets.all(repository).map((r) => [
        r.path,
        {
          key: r.key,
          // No time (a row from before migration 3): an empty one, which is due at once.
          hashedAt: r.hashed_at ?? '',
          ...(r.validators !== null && { validators: JSON.parse(r.validators) as FileValidators }),
        },
      ]),
    );
  }

  saveVerifiedTargets(repository: string, targets: Map<string, VerifiedTarget>): void {
    this.#assertSameFile();
    // Replaces the set: a target no longer listed, or listed with new hashes, must be read again.
    // Only the difference is written (the rolling re-hash touches a few rows per run): with
    // 100k targets, rewriting all of them would put ~10 MB through the WAL at every run.
    const sql = this.#sql;
    const columns = (t: VerifiedTarget) =>
      [
        t.key,
        t.hashedAt,
        t.validators === undefined ? null : JSON.stringify(t.validators),
      ] as const;
    this.#db
      .transaction(() => {
        const stored = this.verifiedTargets(repository);
        for (const [path, target] of targets) {
          const row = columns(target);
          const before = stored.get(path);
          if (before === undefined || columns(before).some((value, i) => value !== row[i])) {
            sql.upsertVerifiedTarget.run(repository, path, ...row);
          }
        }
        for (const path of stored.keys()) {
          if (!targets.has(path)) sql.deleteVerifiedTarget.run(repository, path);
        }
      })
      .immediate();
  }

  prune(before: Date): Checkpoint | undefined {
    this.#assertSameFile();
    const cutoff = iso(before, 'before');
    const sql = this.#sql;
    return this.#db
      .transaction((): Checkpoint | undefined => {
        const previous = this.#lastCheckpoint();
        const floor = previous?.lastSeq ?? 0;
        const head = this.#head();
        // The longest prefix older than the cutoff, cut back to a run boundary.
        const keep = sql.firstAtOrAfter.get({ at: cutoff, floor })!.seq;
        const last = keep === null ? head.seq : this.#runStart(keep) - 1;
        if (last <= floor) return undefined;
        const signer = this.#signer;
        if (signer === undefined) {
          throw new StoreError('SIGNER_REQUIRED', 'pruning signs a checkpoint: no signing key');
        }
        const key = signer();
        const now = iso(this.#now(), 'the clock');
        // The checkpoint is signed by a key of the history: register it first.
        this.registerSigningKey(key, this.#now(), 'adopted');
        const first = previous === undefined ? this.#firstSeq() : floor + 1;
        const span = sql.spanTimes.get(first, last)!;
        const checkpoint = signCheckpoint(
          {
            v: EVIDENCE_FORMAT_VERSION,
            kind: 'checkpoint',
            firstSeq: first,
            lastSeq: last,
            lastHash: sql.chainAt.get(last)!.hash,
            count: last - first + 1,
            from: span.from,
            to: span.to,
            before: cutoff,
            createdAt: now,
            previous: previous === undefined ? null : checkpointDigest(previous),
            keyFingerprint: key.fingerprint,
          },
          key,
        );
        sql.insertCheckpoint.run(first, last, checkpoint.lastHash, canonicalJson(checkpoint));
        sql.pruneControls.run(last);
        sql.pruneTransitions.run(last);
        sql.pruneChecks.run(last);
        return checkpoint;
      })
      .immediate();
  }

  evidenceRange(from: Date, to: Date): EvidenceRange {
    const start = iso(from, 'from');
    const end = iso(to, 'to');
    const sql = this.#sql;
    return this.#db
      .transaction((): EvidenceRange => {
        const floor = this.#lastCheckpoint()?.lastSeq ?? 0;
        const lo = sql.firstAtOrAfter.get({ at: start, floor })!.seq;
        const hi = sql.lastBefore.get({ at: end, floor })!.seq;
        if (lo === null || hi === null || lo > hi) {
          const head = this.#head();
          return { anchor: this.#anchorBefore(head.seq + 1), first: head.seq + 1, last: head.seq };
        }
        const first = this.#runStart(lo);
        return { anchor: this.#anchorBefore(first), first, last: this.#runEnd(hi) };
      })
      .deferred();
  }

  evidenceRecords(first: number, last: number, limit: number): SealedRecord[] {
    return this.#sql.records.all({ first, last, limit }).map((row) => {
      const body = row.kind === 'check' ? checkRecordOf(row) : signingKeyRecordOf(row);
      return { ...body, hash: row.hash };
    });
  }

  checkStatuses(
    first: number,
    last: number,
    limit: number,
  ): (CheckStatusRecord & { seq: number })[] {
    return this.#sql.chainStatuses.all(first, last, limit);
  }

  signingKeys(): SigningKeyInfo[] {
    const rows = this.#sql.signingKeys.all();
    return rows.map((row, i) => ({
      fingerprint: row.fingerprint,
      publicKey: row.public_key,
      activatedAt: row.at,
      retiredAt: rows[i + 1]?.at ?? null,
      reason: row.reason,
      seq: row.seq,
    }));
  }

  registerSigningKey(
    key: Pick<SigningKey, 'fingerprint' | 'publicKey'>,
    at: Date,
    reason: KeyReason,
  ): boolean {
    this.#assertSameFile();
    const when = iso(at, 'at');
    return this.#db
      .transaction((): boolean => {
        const active = this.#sql.lastKey.get();
        if (active?.fingerprint === key.fingerprint) return false;
        const head = this.#head();
        const row = {
          seq: head.seq + 1,
          at: when,
          fingerprint: key.fingerprint,
          public_key: key.publicKey,
          previous_fingerprint: active?.fingerprint ?? null,
          reason,
          prev_hash: head.hash,
        };
        const hash = recordHash(signingKeyRecordOf(row));
        this.#sql.insertKey.run(
          row.seq,
          row.at,
          row.fingerprint,
          row.public_key,
          row.previous_fingerprint,
          row.reason,
          row.prev_hash,
          hash,
        );
        return true;
      })
      .immediate();
  }

  checkpoints(): Checkpoint[] {
    return this.#sql.checkpoints.all().map((row) => parseCheckpoint(row.body));
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  /**
   * Throws STORE_REPLACED when the path no longer names the file that was
   * opened: the data directory was deleted, replaced, or unmounted under a
   * running process. Writing on would put evidence into an unlinked file that
   * no later start or export reads.
   */
  #assertSameFile(): void {
    const file = this.#file;
    if (file === undefined) return;
    const now = fileIdentity(file.path);
    if (now?.dev !== file.opened.dev || now.ino !== file.opened.ino) {
      throw new StoreError(
        'STORE_REPLACED',
        now === undefined
          ? `the evidence store ${file.path} was deleted (or its volume unmounted) while open: nothing more is written to it`
          : `the evidence store ${file.path} was replaced by another file while open: nothing more is written to it`,
      );
    }
  }

  /** The last record of the chain (or the checkpoint that replaced it, or genesis): what the next record chains from. */
  #head(): { seq: number; hash: string } {
    let head = { seq: 0, hash: GENESIS_HASH };
    const candidates = [this.#sql.lastCheck.get(), this.#sql.lastKey.get(), this.#lastCheckpoint()];
    for (const c of candidates) {
      if (c === undefined) continue;
      const at = 'lastSeq' in c ? { seq: c.lastSeq, hash: c.lastHash } : c;
      if (at.seq > head.seq) head = { seq: at.seq, hash: at.hash };
    }
    return head;
  }

  #lastCheckpoint(): Checkpoint | undefined {
    const row = this.#sql.lastCheckpoint.get();
    return row === undefined ? undefined : parseCheckpoint(row.body);
  }

  /** The first seq still in the chain (only asked when something is to be pruned). */
  #firstSeq(): number {
    return this.#sql.records.get({ first: 1, last: Number.MAX_SAFE_INTEGER, limit: 1 })!.seq;
  }

  /** `seq`, or the first record of the run it belongs to. */
  #runStart(seq: number): number {
    const run = this.#sql.runOf.get(seq);
    return run === undefined ? seq : this.#sql.runSpan.get(run.run_id)!.first;
  }

  #runEnd(seq: number): number {
    const run = this.#sql.runOf.get(seq);
    return run === undefined ? seq : this.#sql.runSpan.get(run.run_id)!.last;
  }

  /** What record `seq` chains from: genesis, a checkpoint ending just before it, or the record before it. */
  #anchorBefore(seq: number): ChainAnchor {
    const before = seq - 1;
    if (before === 0) return GENESIS_ANCHOR;
    const checkpoint = this.#sql.checkpointEndingAt.get(before);
    if (checkpoint !== undefined) {
      const parsed = parseCheckpoint(checkpoint.body);
      return { kind: 'checkpoint', seq: before, hash: parsed.lastHash, checkpoint: parsed };
    }
    const record = this.#sql.chainAt.get(before);
    if (record === undefined) {
      throw new StoreError('CORRUPT_RECORD', `the chain has no record ${before}`);
    }
    return { kind: 'record', seq: before, hash: record.hash };
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

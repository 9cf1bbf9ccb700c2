import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from './store-error.js';

/*
 * What the evidence store needs from the file system around it: a data
 * directory that can be created, one writer at a time, the identity of the
 * file that was opened, and a record, outside the data directory, that a chain
 * was created for a path (so that an unmounted volume is not mistaken for a
 * first start).
 */

/**
 * `mkdir -p` that always ends. Node's `{ recursive: true }` retries a parent
 * on ENOENT; under /proc (or below a dangling symlink) mkdir of a child says
 * ENOENT while its parent exists, so Node spins forever at 100% CPU (seen on
 * Node 20). Here an ENOENT once the parent exists is final.
 */
export function makeDirectory(dir: string, mode = 0o700): void {
  const missing: string[] = [];
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(at)) break;
    missing.unshift(at);
    // The root always exists; a relative path ends at '.', which exists.
    /* c8 ignore next */
    if (dirname(at) === at) break;
  }
  for (const at of missing) {
    try {
      mkdirSync(at, { mode });
    } catch (err) {
      // Created in between by another process, or a dangling symlink: the stat below tells.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new StoreError('PATH_UNUSABLE', `cannot create ${at}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  let stat;
  try {
    stat = statSync(dir);
  } catch (err) {
    throw new StoreError('PATH_UNUSABLE', `cannot use ${dir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (!stat.isDirectory()) throw new StoreError('PATH_UNUSABLE', `${dir} is not a directory`);
}

/** Which file a path names: a file deleted and created again, or a directory swapped, has another. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/** The identity of the file at `path` now; undefined when there is none. */
export function fileIdentity(path: string): FileIdentity | undefined {
  try {
    const { dev, ino } = statSync(path);
    return { dev, ino };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENOTDIR: the data directory was replaced by a file.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** The lock file of a database: beside it, named after it. */
export function lockPath(dbPath: string): string {
  return `${dbPath}.lock`;
}

/** Held for the life of the writer; `release` frees it for the next one. */
export interface WriterLock {
  readonly path: string;
  release(): void;
}

/**
 * One writer per database (`serve` or `run`), by an OS lock that dies with
 * its process: SQLite's own POSIX (fcntl) lock on a small lock database,
 * opened in EXCLUSIVE locking mode and written once, so the lock is kept
 * until the connection closes or the process ends (even by `kill -9`). No
 * pid file: a pid can be reused, and a stale file would block the next start.
 * Readers (`evidence export`, `public-key`, `rotate-key`) do not take it.
 * Throws StoreError STORE_LOCKED at once when another process holds it.
 */
export function acquireWriterLock(dbPath: string): WriterLock {
  const path = lockPath(dbPath);
  const db = new Database(path, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new StoreError(
        'STORE_LOCKED',
        `the evidence store at ${dbPath} is in use by another tufwatch process (serve or run): one writer per database`,
        { cause: err },
      );
    }
    /* c8 ignore next 2 */
    throw err;
  }
  return { path, release: () => db.close() };
}

/**
 * Where a start records that it created a chain for a database path. It lives
 * outside the data directory, so that it survives an unmounted volume: the
 * next start that finds the database missing knows one existed.
 */
export function markerPath(markerDir: string, dbPath: string): string {
  return join(markerDir, `${createHash('sha256').update(dbPath).digest('hex').slice(0, 32)}.json`);
}

/** When to create a missing database. */
export interface CreationPolicy {
  /** The operator asked for a new chain (`--init`). */
  init: boolean;
  /** Where creation markers live; undefined: none are kept (tests, the demo). */
  markerDir?: string;
}

/**
 * Throws StoreError STORE_MISSING when the database at `dbPath` is missing
 * and a chain existed before: a marker says so, or the data directory still
 * holds its signing key or write-ahead log. Returns whether the database will
 * be created. Only an explicit `init` overrides.
 */
export function checkCreation(dbPath: string, keyPath: string, policy: CreationPolicy): boolean {
  if (existsSync(dbPath)) return false;
  if (policy.init) return true;
  const hint = `restore it (is its volume mounted?), or start with --init to begin a new evidence chain`;
  if (policy.markerDir !== undefined) {
    const marker = markerPath(policy.markerDir, dbPath);
    if (existsSync(marker)) {
      throw new StoreError(
        'STORE_MISSING',
        `the evidence store ${dbPath} is missing, but one was created there before (${readMarker(marker)}; marker ${marker}): ${hint}`,
      );
    }
  }
  for (const trace of [keyPath, `${dbPath}-wal`]) {
    if (existsSync(trace)) {
      throw new StoreError(
        'STORE_MISSING',
        `the evidence store ${dbPath} is missing, but ${trace} of an earlier one is there: ${hint}`,
      );
    }
  }
  return true;
}

function readMarker(path: string): string {
  try {
    const { createdAt } = JSON.parse(readFileSync(path, 'utf8')) as { createdAt?: unknown };
    return `created at ${String(createdAt)}`;
  } catch {
    // A marker that cannot be read still says a store existed: its being there is the fact.
    return 'marker unreadable';
  }
}

/** Records that a chain exists at `dbPath`. Returns why it could not, if so (the start goes on). */
export function writeMarker(markerDir: string, dbPath: string, at: Date): string | undefined {
  const marker = markerPath(markerDir, dbPath);
  if (existsSync(marker)) return undefined;
  try {
    makeDirectory(markerDir);
    writeFileSync(marker, `${JSON.stringify({ path: dbPath, createdAt: at.toISOString() })}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
    return undefined;
  } catch (err) {
    return `cannot record the evidence store in ${marker}: ${(err as Error).message}; a missing database will not be told from a first start`;
  }
}

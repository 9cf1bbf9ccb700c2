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
  /** A stored JSON column does not have the shape tufwatch writes, or the chain has a hole. */
  | 'CORRUPT_RECORD'
  /** Pruning writes a signed checkpoint: the store was opened without a signing key. */
  | 'SIGNER_REQUIRED'
  /** Another tufwatch process (`serve` or `run`) holds this database: one writer per database. */
  | 'STORE_LOCKED'
  /** The database is not there, and one existed before (an unmounted volume?): it is not created anew unasked. */
  | 'STORE_MISSING'
  /** The file at the path is no longer the one opened (deleted or replaced): nothing is written into an unlinked file. */
  | 'STORE_REPLACED'
  /** The data directory cannot be created or used (a path under /proc, a file in the way). */
  | 'PATH_UNUSABLE';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

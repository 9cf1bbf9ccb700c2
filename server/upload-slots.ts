import { ApiError } from './errors.js';

/** How many uploads (POST /api/v1/verify) may be in progress at once. */
export interface UploadLimits {
  /** In total, whoever sends them. */
  maxInFlight: number;
  /** Per API token. */
  maxPerToken: number;
}

export const DEFAULT_UPLOAD_LIMITS: Readonly<UploadLimits> = Object.freeze({
  maxInFlight: 4,
  maxPerToken: 2,
});

/** Seconds a refused client is asked to wait: an upload lasts at most a body deadline and a verification. */
const RETRY_AFTER_SECONDS = '10';

/**
 * Counts uploads in progress, from the moment the request is authenticated
 * until its response is closed (sent, timed out or dropped), so that the
 * buffers of uploads being received and the queue of the upload worker stay
 * bounded: slow or hostile uploads cannot pile up (issue 9: 60 dripping
 * uploads took the server from 173 MB to 723 MB).
 */
export class UploadSlots {
  readonly #limits: UploadLimits;
  readonly #perToken = new Map<string, number>();
  #inFlight = 0;

  constructor(limits: UploadLimits) {
    this.#limits = limits;
  }

  /**
   * Takes a slot for `token`, returning the function that gives it back (once);
   * throws ApiError TOO_MANY_UPLOADS (this token) or UPLOADS_BUSY (everyone).
   */
  acquire(token: string): () => void {
    const held = this.#perToken.get(token) ?? 0;
    // The body is read and discarded, not buffered: closing the connection with the body
    // unread would reset it, and the client would lose this answer. A client that keeps
    // sending is cut off at the request deadline.
    const headers = { 'retry-after': RETRY_AFTER_SECONDS };
    if (held >= this.#limits.maxPerToken) {
      throw new ApiError(
        'TOO_MANY_UPLOADS',
        `this token already has ${held} uploads in progress (at most ${this.#limits.maxPerToken})`,
        { headers },
      );
    }
    if (this.#inFlight >= this.#limits.maxInFlight) {
      throw new ApiError(
        'UPLOADS_BUSY',
        `${this.#inFlight} uploads are in progress (at most ${this.#limits.maxInFlight}); retry later`,
        { headers },
      );
    }
    this.#perToken.set(token, held + 1);
    this.#inFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight -= 1;
      const left = (this.#perToken.get(token) as number) - 1;
      if (left === 0) this.#perToken.delete(token);
      else this.#perToken.set(token, left);
    };
  }

  /** Uploads in progress, in total and for one token. */
  inFlight(token?: string): number {
    return token === undefined ? this.#inFlight : (this.#perToken.get(token) ?? 0);
  }
}

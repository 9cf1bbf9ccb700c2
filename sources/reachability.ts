import { messageOf, TufError } from '../tuf/errors.js';
import type { MetadataSource } from '../tuf/source.js';

/**
 * Watches the reads of a source to tell "the repository is wrong" from "the
 * repository could not be reached": reached once any read got an answer (a
 * file, a 404, a file too large); unreached while every read failed to
 * connect, time out or got a server error (FETCH_FAILED).
 */
export class ReachabilityProbe implements MetadataSource {
  readonly #inner: MetadataSource;
  #answered = false;
  #failure: unknown;

  constructor(inner: MetadataSource) {
    this.#inner = inner;
  }

  get location(): string {
    return this.#inner.location;
  }

  /** Why it could not be reached (the first failure) when no read was answered at all. */
  get unreachable(): string | undefined {
    if (this.#answered || this.#failure === undefined) return undefined;
    return messageOf(this.#failure);
  }

  async read(name: string, maxBytes: number): Promise<Uint8Array> {
    try {
      const bytes = await this.#inner.read(name, maxBytes);
      this.#answered = true;
      return bytes;
    } catch (err) {
      this.#note(err);
      throw err;
    }
  }

  async *stream(name: string, maxBytes: number): AsyncIterable<Uint8Array> {
    try {
      for await (const chunk of this.#inner.stream(name, maxBytes)) {
        this.#answered = true;
        yield chunk;
      }
    } catch (err) {
      this.#note(err);
      throw err;
    }
  }

  #note(err: unknown): void {
    const answered = err instanceof TufError && err.code !== 'FETCH_FAILED';
    if (answered) this.#answered = true;
    else this.#failure ??= err;
  }
}

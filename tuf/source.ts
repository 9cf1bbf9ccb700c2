/**
 * The port through which the TUF core reads a repository. Adapters (a
 * directory, HTTP) live in `sources/`; the core never touches fs or the network.
 *
 * Failures are TufErrors with codes the verifier reports as they are:
 * - `METADATA_MISSING`: the file does not exist (HTTP 403/404, ENOENT). Root
 *   rotation ends on it; any other failure is not an end but an error.
 * - `FETCH_FAILED`: anything else (timeouts, 5xx, resets, refused names).
 * - `SIZE_LIMIT_EXCEEDED`: more than `maxBytes` bytes, enforced while reading.
 */
export interface MetadataSource {
  /** Where this source reads from, for messages. */
  readonly location: string;
  /** Reads a whole file of at most `maxBytes` bytes. `name` is relative, '/'-separated. */
  read(name: string, maxBytes: number): Promise<Uint8Array>;
  /** Streams a file of at most `maxBytes` bytes (target files can be large). */
  stream(name: string, maxBytes: number): AsyncIterable<Uint8Array>;
}

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
  /**
   * What the host says about a file without sending it (HTTP HEAD, a stat):
   * cheap to ask every run, and a change means the bytes may have changed.
   * Optional: a source without it gives no such signal. Same failure codes as `read`.
   */
  probe?(name: string): Promise<FileValidators>;
}

/**
 * Validators of a file as its host reports them (RFC 9110 section 8.8). Each is
 * absent when the host does not send it; none of them is proof of the bytes,
 * only a hint that they changed.
 */
export interface FileValidators {
  etag?: string;
  lastModified?: string;
  length?: number;
}

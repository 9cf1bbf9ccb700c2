import type { ReadableStreamDefaultReader, ReadableStreamReadResult } from 'node:stream/web';
import { TufError } from '../tuf/errors.js';
import type { FileValidators, MetadataSource } from '../tuf/source.js';
import { nameSegments } from './directory.js';

export interface HttpSourceOptions {
  /** Limit for a whole request, headers and body, in milliseconds. Default 30000. */
  timeoutMs?: number;
  /** Limit for waiting on the headers or on the next body chunk, in milliseconds. Default 10000. */
  idleTimeoutMs?: number;
  /** Default `tufwatch`, unless `headers` sets one. */
  userAgent?: string;
  /** Sent with every request, e.g. `authorization`. */
  headers?: Record<string, string>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
const DEFAULT_USER_AGENT = 'tufwatch';
// S3 answers 403, not 404, for a missing key when the reader may not list the bucket.
const MISSING_STATUSES = new Set([403, 404, 410]);
/**
 * Redirects followed per request. A CDN or a bucket's website endpoint may send
 * one or two; a longer chain is more likely a loop or someone steering the
 * monitor elsewhere.
 */
export const MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const HTTP_PROTOCOLS = new Set(['http:', 'https:']);

function parseBaseUrl(baseUrl: string): URL {
  const url = URL.canParse(baseUrl) ? new URL(baseUrl) : undefined;
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new TufError('FETCH_FAILED', 'the base URL must be an http: or https: URL');
  }
  // fetch refuses them anyway, and they would leak into every message.
  if (url.username !== '' || url.password !== '') {
    throw new TufError('FETCH_FAILED', 'credentials in the base URL are refused: use headers');
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/**
 * `reader.read()`, rejected with the signal's reason once it aborts. With
 * undici 6.24 (Node 20.20) a read stays pending forever when the abort comes
 * after the whole body has arrived (cf. nodejs/undici#4089), so the abort must
 * not be left to undici. One listener per read, removed after it:
 * `Promise.race` against one shared promise would keep every chunk reachable
 * until the stream ends.
 */
function readUnlessAborted<T>(
  reader: ReadableStreamDefaultReader<T>,
  signal: AbortSignal,
): Promise<ReadableStreamReadResult<T>> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void reader
      .read()
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** An abort signal that fires when `restart` is not called again within `ms`. */
class IdleTimer {
  readonly #controller = new AbortController();
  readonly #ms: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(ms: number) {
    this.#ms = ms;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  restart(): void {
    this.stop();
    this.#timer = setTimeout(() => {
      this.#controller.abort(new DOMException(`no data for ${this.#ms} ms`, 'TimeoutError'));
    }, this.#ms);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}

/**
 * One name segment as one URL path segment. Names are URL paths already
 * (python-tuf puts target paths after the base as they are, and quotes role
 * names into file names, `..%2Fx.json`): a valid %XX escape is kept, so a
 * quoted name is not quoted twice; everything else outside the unreserved
 * set is encoded, so '?', '#', a lone '%' and non-ASCII stay in their segment.
 */
function urlSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%25([0-9A-Fa-f]{2})/g, '%$1');
}

/** Reads a repository over HTTP(S) with Node's fetch. */
export class HttpSource implements MetadataSource {
  readonly location: string;
  readonly #base: URL;
  readonly #timeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #headers: Headers;
  /** Sent to another origin after a redirect: the configured headers may carry credentials. */
  readonly #foreignHeaders: Headers;
  readonly #redirects = new Map<string, string>();

  constructor(baseUrl: string, options: HttpSourceOptions = {}) {
    this.#base = parseBaseUrl(baseUrl);
    this.location = this.#base.href;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#headers = new Headers(options.headers);
    if (options.userAgent !== undefined || !this.#headers.has('user-agent')) {
      this.#headers.set('user-agent', options.userAgent ?? DEFAULT_USER_AGENT);
    }
    this.#foreignHeaders = new Headers({ 'user-agent': this.#headers.get('user-agent') as string });
  }

  /**
   * Requests answered from another URL than the one asked for (requested ->
   * final), so that evidence can say where the bytes came from.
   */
  get redirects(): ReadonlyMap<string, string> {
    return this.#redirects;
  }

  /** A HEAD request: the file's validators, without its bytes. */
  async probe(name: string): Promise<FileValidators> {
    const url = this.#url(name);
    const signal = AbortSignal.timeout(this.#idleTimeoutMs);
    let answer: { response: Response; url: URL };
    try {
      answer = await this.#fetch(url, name, 'HEAD', signal);
    } catch (err) {
      if (err instanceof TufError) throw err;
      const why = signal.aborted
        ? `timed out after ${this.#idleTimeoutMs} ms`
        : `request failed (${networkReason(err)})`;
      throw new TufError('FETCH_FAILED', `${url.href}: ${why}`, { file: name }, { cause: err });
    }
    const refusal = this.#refusal(name, answer.url, answer.response, Infinity);
    if (refusal !== undefined) throw refusal;
    return validatorsOf(answer.response.headers);
  }

  async read(name: string, maxBytes: number): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.stream(name, maxBytes)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  async *stream(name: string, maxBytes: number): AsyncIterable<Uint8Array> {
    const url = this.#url(name);
    const deadline = AbortSignal.timeout(this.#timeoutMs);
    const idle = new IdleTimer(this.#idleTimeoutMs);
    const signal = AbortSignal.any([deadline, idle.signal]);
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    try {
      idle.restart();
      const { response, url: final } = await this.#fetch(url, name, 'GET', signal);
      reader = response.body?.getReader();
      const refusal = this.#refusal(name, final, response, maxBytes);
      if (refusal !== undefined) throw refusal;
      if (reader === undefined) return; // a 204 and the like have no body
      let total = 0;
      for (;;) {
        const { done, value } = await readUnlessAborted(reader, signal);
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) throw this.#tooLarge(name, final, maxBytes);
        // The consumer's time between chunks is not the server's idleness.
        idle.stop();
        yield value;
        idle.restart();
      }
    } catch (err) {
      if (err instanceof TufError) throw err;
      const why = deadline.aborted
        ? `timed out after ${this.#timeoutMs} ms`
        : idle.signal.aborted
          ? `timed out: no data for ${this.#idleTimeoutMs} ms`
          : `request failed (${networkReason(err)})`;
      throw new TufError('FETCH_FAILED', `${url.href}: ${why}`, { file: name }, { cause: err });
    } finally {
      idle.stop();
      // Frees the connection when we stop early (refusal, size cap, timeout,
      // consumer stops); a no-op after the end. Its outcome changes nothing.
      reader?.cancel().catch(() => {});
    }
  }

  #url(name: string): URL {
    return new URL(nameSegments(name).map(urlSegment).join('/'), this.#base);
  }

  /**
   * fetch, following at most MAX_REDIRECTS redirects by hand: only to http(s),
   * never from https down to http (an on-path attacker could then answer), and
   * without the configured headers once the origin changes. The final URL of a
   * redirected request is kept in `redirects`.
   */
  async #fetch(
    url: URL,
    name: string,
    method: 'GET' | 'HEAD',
    signal: AbortSignal,
  ): Promise<{ response: Response; url: URL }> {
    let current = url;
    for (let hops = 0; ; hops++) {
      const headers = current.origin === this.#base.origin ? this.#headers : this.#foreignHeaders;
      const response = await fetch(current, { method, headers, signal, redirect: 'manual' });
      if (!REDIRECT_STATUSES.has(response.status)) {
        if (current.href !== url.href) this.#redirects.set(url.href, current.href);
        return { response, url: current };
      }
      await response.body?.cancel();
      const location = response.headers.get('location');
      const refuse = (why: string) =>
        new TufError('FETCH_FAILED', `${url.href}: ${why}`, { file: name, actual: current.href });
      if (hops === MAX_REDIRECTS) throw refuse(`more than ${MAX_REDIRECTS} redirects`);
      // URL.parse is Node >= 20.18; engines allow 20.17.
      if (location === null || !URL.canParse(location, current.href)) {
        throw refuse('a redirect without a valid Location');
      }
      const next = new URL(location, current);
      if (!HTTP_PROTOCOLS.has(next.protocol)) {
        throw refuse(`a redirect to ${next.protocol} is refused: only http(s) is followed`);
      }
      if (current.protocol === 'https:' && next.protocol === 'http:') {
        throw refuse(`a redirect from https down to ${next.href} is refused`);
      }
      if (next.username !== '' || next.password !== '') {
        throw refuse('a redirect to a URL with credentials is refused');
      }
      current = next;
    }
  }

  #refusal(name: string, url: URL, response: Response, maxBytes: number): TufError | undefined {
    const status = response.status;
    if (MISSING_STATUSES.has(status)) {
      return new TufError('METADATA_MISSING', `${url.href}: HTTP ${status}`, {
        file: name,
        actual: status,
      });
    }
    if (!response.ok) {
      return new TufError('FETCH_FAILED', `${url.href}: HTTP ${status}`, {
        file: name,
        actual: status,
      });
    }
    // Content-Length counts encoded bytes and may be absent (Number(null) is 0):
    // the decoded bytes are counted again while reading.
    if (Number(response.headers.get('content-length')) > maxBytes) {
      return this.#tooLarge(name, url, maxBytes);
    }
    return undefined;
  }

  #tooLarge(name: string, url: URL, maxBytes: number): TufError {
    return new TufError('SIZE_LIMIT_EXCEEDED', `${url.href} is larger than ${maxBytes} bytes`, {
      file: name,
      expected: maxBytes,
    });
  }
}

/** The validators of a response (RFC 9110 section 8.8), those the host sent. */
function validatorsOf(headers: Headers): FileValidators {
  const etag = headers.get('etag');
  const lastModified = headers.get('last-modified');
  const length = headers.get('content-length');
  return {
    ...(etag !== null && { etag }),
    ...(lastModified !== null && { lastModified }),
    ...(length !== null && /^\d+$/.test(length) && { length: Number(length) }),
  };
}

/**
 * What went wrong under fetch's generic "fetch failed": the system or undici
 * error it wraps (`getaddrinfo ENOTFOUND host`, `connect ECONNREFUSED ...`,
 * `UND_ERR_SOCKET: other side closed`), which tells DNS from a refused port
 * from a reset mid-body.
 */
export function networkReason(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause as Error & { code?: unknown }).code;
  return typeof code === 'string' && !cause.message.includes(code)
    ? `${code}: ${cause.message}`
    : cause.message;
}

import { TufError } from '../tuf/errors.js';
import type { MetadataSource } from '../tuf/source.js';

/**
 * Serves files held in memory: metadata uploaded to `POST /api/v1/verify` (or
 * handed to the verify worker) is verified by the same core as a directory or
 * a URL. Same failure codes as the other adapters: an absent name is
 * `METADATA_MISSING` (it ends root rotation), a file over `maxBytes` is
 * `SIZE_LIMIT_EXCEEDED`.
 */
export class MemorySource implements MetadataSource {
  readonly location: string;
  readonly #files: ReadonlyMap<string, Uint8Array>;

  constructor(files: ReadonlyMap<string, Uint8Array>, location = 'memory:') {
    this.#files = files;
    this.location = location;
  }

  read(name: string, maxBytes: number): Promise<Uint8Array> {
    // A throw inside the executor rejects the promise: failures are rejections, as from the other sources.
    return new Promise((resolve) => resolve(this.#get(name, maxBytes)));
  }

  async *stream(name: string, maxBytes: number): AsyncIterable<Uint8Array> {
    yield await this.read(name, maxBytes);
  }

  #get(name: string, maxBytes: number): Uint8Array {
    // A Map, not an object: names such as `__proto__` are plain keys.
    const bytes = this.#files.get(name);
    if (bytes === undefined) {
      throw new TufError('METADATA_MISSING', `${name} was not uploaded`, { file: name });
    }
    if (bytes.byteLength > maxBytes) {
      throw new TufError('SIZE_LIMIT_EXCEEDED', `${name} is larger than ${maxBytes} bytes`, {
        file: name,
        expected: maxBytes,
      });
    }
    return bytes;
  }
}

import { TufError } from '../tuf/errors.js';
import type { MetadataSource } from '../tuf/source.js';
import { MemorySource } from './memory.js';

const isMissing = (err: unknown): boolean =>
  err instanceof TufError && err.code === 'METADATA_MISSING';

/**
 * Staged files laid over the published repository, as the repository will be
 * once they are published: a name the staged side does not have is read from
 * the published side, the root chain included. A release uploads or stages
 * only what changed (timestamp, snapshot, targets); the rest is what clients
 * already have. Only a missing file falls through: any other failure of the
 * staged side is its own.
 */
export class OverlaySource implements MetadataSource {
  readonly location: string;
  readonly #staged: MetadataSource;
  readonly #published: MetadataSource;

  constructor(staged: MetadataSource, published: MetadataSource) {
    this.#staged = staged;
    this.#published = published;
    this.location = `${staged.location} over ${published.location}`;
  }

  async read(name: string, maxBytes: number): Promise<Uint8Array> {
    try {
      return await this.#staged.read(name, maxBytes);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    return this.#published.read(name, maxBytes);
  }

  async *stream(name: string, maxBytes: number): AsyncIterable<Uint8Array> {
    // Which side has the file is known at the first chunk: after it, a failure is the staged side's.
    let started = false;
    try {
      for await (const chunk of this.#staged.stream(name, maxBytes)) {
        started = true;
        yield chunk;
      }
      return;
    } catch (err) {
      if (started || !isMissing(err)) throw err;
    }
    yield* this.#published.stream(name, maxBytes);
  }
}

/**
 * Uploaded files as a release lays them out: `root.json` is the newest
 * `N.root.json`. An upload with a new root version and no `root.json` would
 * otherwise be read with the published, older `root.json`.
 */
export function withRootAlias(files: ReadonlyMap<string, Uint8Array>): Map<string, Uint8Array> {
  const staged = new Map(files);
  if (staged.has('root.json')) return staged;
  let newest: number | undefined;
  for (const name of staged.keys()) {
    const match = /^([1-9]\d{0,15})\.root\.json$/.exec(name);
    const version = match === null ? undefined : Number(match[1]);
    if (version !== undefined && (newest === undefined || version > newest)) newest = version;
  }
  if (newest !== undefined)
    staged.set('root.json', staged.get(`${newest}.root.json`) as Uint8Array);
  return staged;
}

/**
 * Uploaded staged files as a repository: over the published one when there is
 * one, so that what was not uploaded is what clients already have.
 */
export function stagedSource(
  files: ReadonlyMap<string, Uint8Array>,
  published: MetadataSource | undefined,
): MetadataSource {
  const upload = new MemorySource(withRootAlias(files));
  return published === undefined ? upload : new OverlaySource(upload, published);
}

import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { TufError } from '../tuf/errors.js';
import type { FileValidators, MetadataSource } from '../tuf/source.js';

const CHUNK_BYTES = 64 * 1024;
// O_NONBLOCK: opening a FIFO planted in the repository must not hang; it is
// then refused as not a regular file. Regular files ignore the flag.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;
const MISSING_ERRNOS = new Set(['ENOENT', 'ENOTDIR']);

function unsafeReason(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name.startsWith('/')) return 'it is absolute';
  if (name.includes('\\')) return 'it contains a backslash';
  if (name.includes('\0')) return 'it contains NUL';
  // '1...json' (version 1 of a role named '..') is one segment and stays allowed.
  if (name.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    return 'it has an empty, "." or ".." segment';
  }
  return undefined;
}

/**
 * Splits a relative '/'-separated name into its segments, refusing any name
 * that could leave the base it is joined onto. Shared with the HTTP source so
 * that both accept the same names (a URL parser resolves '..' too).
 */
export function nameSegments(name: string): string[] {
  const reason = unsafeReason(name);
  if (reason !== undefined) {
    throw new TufError('FETCH_FAILED', `refused file name ${JSON.stringify(name)}: ${reason}`, {
      file: name,
    });
  }
  return name.split('/');
}

function asTufError(name: string, file: string, err: unknown): TufError {
  if (err instanceof TufError) return err;
  const errno = (err as NodeJS.ErrnoException).code;
  if (errno !== undefined && MISSING_ERRNOS.has(errno)) {
    return new TufError(
      'METADATA_MISSING',
      `${file} does not exist`,
      { file: name },
      { cause: err },
    );
  }
  return new TufError('FETCH_FAILED', `cannot read ${file}`, { file: name }, { cause: err });
}

function tooLarge(name: string, file: string, maxBytes: number): TufError {
  return new TufError('SIZE_LIMIT_EXCEEDED', `${file} is larger than ${maxBytes} bytes`, {
    file: name,
    expected: maxBytes,
  });
}

/**
 * Reads a repository from a local directory. Names never leave the base
 * directory by their segments; a symlink inside it is followed, since placing
 * one there is the operator's choice (mirrors often link `root.json`).
 */
export class DirectorySource implements MetadataSource {
  readonly location: string;

  constructor(baseDir: string) {
    this.location = path.resolve(baseDir);
  }

  async read(name: string, maxBytes: number): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.#chunks(name, maxBytes, true)) chunks.push(chunk);
    return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
  }

  stream(name: string, maxBytes: number): AsyncIterable<Uint8Array> {
    return this.#chunks(name, maxBytes, false);
  }

  async probe(name: string): Promise<FileValidators> {
    const file = path.join(this.location, ...nameSegments(name));
    try {
      const stats = await stat(file, { bigint: true });
      if (!stats.isFile()) {
        throw new TufError('FETCH_FAILED', `${file} is not a regular file`, { file: name });
      }
      return {
        // The local counterpart of an ETag: any write or rename onto the path changes the
        // inode's ctime, which, unlike mtime, cannot be set back.
        etag: `${stats.ino}-${stats.ctimeNs}`,
        lastModified: new Date(Number(stats.mtimeMs)).toISOString(),
        length: Number(stats.size),
      };
    } catch (err) {
      throw asTufError(name, file, err);
    }
  }

  async *#chunks(name: string, maxBytes: number, whole: boolean): AsyncIterable<Uint8Array> {
    const file = path.join(this.location, ...nameSegments(name));
    let handle: FileHandle | undefined;
    try {
      handle = await open(file, OPEN_FLAGS);
      const stats = await handle.stat();
      if (!stats.isFile()) {
        throw new TufError('FETCH_FAILED', `${file} is not a regular file`, { file: name });
      }
      if (stats.size > maxBytes) throw tooLarge(name, file, maxBytes);
      // The size can change after fstat: count again, reading at most maxBytes + 1 bytes.
      let total = 0;
      for (;;) {
        // read() takes the whole file in one read (and one byte more, to see it end): nothing to copy.
        // stream() keeps chunks small: target files can be large.
        const wanted = whole ? Math.max(CHUNK_BYTES, stats.size + 1 - total) : CHUNK_BYTES;
        const buffer = new Uint8Array(Math.min(wanted, maxBytes + 1 - total));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        total += bytesRead;
        if (total > maxBytes) throw tooLarge(name, file, maxBytes);
        yield buffer.subarray(0, bytesRead);
      }
    } catch (err) {
      throw asTufError(name, file, err);
    } finally {
      await handle?.close();
    }
  }
}

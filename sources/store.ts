import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { LocalStore } from '../tuf/client.js';

/** A problem with `name` as one file name inside the store's directory, or undefined. */
function unsafeReason(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return 'it is not a file name';
  if (name.includes('/')) return "it contains '/'";
  if (name.includes('\\')) return "it contains '\\'";
  if (name.includes('\0')) return 'it contains NUL';
  return undefined;
}

/**
 * Trusted metadata kept in one local directory, one file per name. Names are
 * single file names (the client percent-encodes role names): anything that
 * could reach another directory is refused. Writes are atomic: a temporary
 * file in the same directory, flushed, then renamed over the old one, so a
 * crash never leaves a half-written trusted file.
 */
export class DirectoryStore implements LocalStore {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = path.resolve(directory);
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.#file(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    const file = this.#file(name);
    // A dot-name no reader asks for; unique so that concurrent writers do not collide.
    const temp = path.join(this.directory, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await open(temp, 'wx', 0o644);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  #file(name: string): string {
    const reason = unsafeReason(name);
    if (reason !== undefined) {
      throw new Error(`refused store name ${JSON.stringify(name)}: ${reason}`);
    }
    return path.join(this.directory, name);
  }
}

import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
} from 'node:crypto';
import {
  closeSync,
  fstatSync,
  fsyncSync,
  linkSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { makeDirectory } from './data-dir.js';
import { publicKeyFingerprint, type SigningKey } from './evidence.js';

/*
 * The instance's evidence signing key: Ed25519 (node:crypto), one PKCS#8 PEM
 * file next to the evidence database, readable by its owner only. It is
 * created on first start and replaced by `tufwatch evidence rotate-key`; the
 * chain records every key that became active (store.registerSigningKey), so
 * exports signed by an earlier key still name a key of the history.
 */

/** The key's file name in the data directory (the database's directory). */
export const SIGNING_KEY_FILE = 'evidence-signing-key.pem';
/** An Ed25519 PKCS#8 PEM is 119 bytes; anything this large is not one. */
const MAX_KEY_FILE_BYTES = 16 * 1024;

export type KeyErrorCode =
  /** The file exists but cannot be read (permissions, I/O). */
  | 'KEY_UNREADABLE'
  /** The file is not an Ed25519 private key in PKCS#8 PEM. */
  | 'KEY_INVALID'
  /** Group or others may read or write the file: the key may be known to others. */
  | 'KEY_INSECURE_PERMISSIONS'
  /** The key could not be written. */
  | 'KEY_UNWRITABLE'
  /** The key file is gone after the service started with one: its data directory was deleted or replaced. */
  | 'KEY_MISSING';

export class KeyError extends Error {
  override readonly name = 'KeyError';
  readonly code: KeyErrorCode;

  constructor(code: KeyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Where the signing key of a store lives; undefined for the in-memory store (tests, demo). */
export function signingKeyPath(storagePath: string): string | undefined {
  return storagePath === ':memory:' ? undefined : join(dirname(storagePath), SIGNING_KEY_FILE);
}

/** A signing key from its PKCS#8 PEM private key. Throws KeyError KEY_INVALID. */
export function signingKeyFromPem(pem: string, source = 'the key'): SigningKey {
  let privateKey;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new KeyError('KEY_INVALID', `${source} is not a PEM private key`, { cause: err });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new KeyError(
      'KEY_INVALID',
      `${source} is an ${String(privateKey.asymmetricKeyType)} key, not Ed25519`,
    );
  }
  const publicKey = createPublicKey(privateKey);
  return {
    fingerprint: publicKeyFingerprint(publicKey),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    sign: (message) => sign(null, Buffer.from(message, 'utf8'), privateKey).toString('base64'),
  };
}

/** A new Ed25519 key and its PKCS#8 PEM. */
export function generateSigningKey(): { key: SigningKey; pem: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return { key: signingKeyFromPem(pem), pem };
}

/**
 * The key file of a data directory, read again at each use: a rotation by
 * another process (`tufwatch evidence rotate-key` while `serve` runs) is seen
 * at the next export. Without a path (the in-memory store) the key lives and
 * dies with this object.
 */
export class SigningKeyFile {
  readonly path: string | undefined;
  #memory: SigningKey | undefined;
  #settled = false;

  constructor(path: string | undefined) {
    this.path = path;
  }

  /** The key, or undefined when none was created yet. Throws KeyError. */
  read(): SigningKey | undefined {
    return this.path === undefined ? this.#memory : readKeyFile(this.path);
  }

  /**
   * From now on a missing key file is an error (KEY_MISSING), not a first
   * start: a running service whose data directory vanished must not make a
   * new key (and a new directory) and sign with it.
   */
  settle(): void {
    this.#settled = true;
  }

  /** The key, created now if there is none yet (`created`). Throws KeyError. */
  current(): { key: SigningKey; created: boolean } {
    const path = this.path;
    if (path === undefined) {
      const created = this.#memory === undefined;
      this.#memory ??= generateSigningKey().key;
      return { key: this.#memory, created };
    }
    const existing = readKeyFile(path);
    if (existing !== undefined) return { key: existing, created: false };
    if (this.#settled) {
      throw new KeyError('KEY_MISSING', `the signing key ${path} is gone while the service runs`);
    }
    const { key, pem } = generateSigningKey();
    // Exclusive: when two processes start at once, one key wins and both use it.
    if (writeKeyFile(path, pem, 'create')) return { key, created: true };
    return { key: readKeyFile(path) as SigningKey, created: false };
  }

  /**
   * Replaces the key with a new one; the file is swapped atomically. A key
   * that cannot be read (too open, broken) is replaced too: that is when a
   * rotation is needed most; `unreadable` says why. Throws KeyError when the
   * new key cannot be written.
   */
  rotate(): { previous: SigningKey | undefined; key: SigningKey; unreadable?: KeyError } {
    const path = this.path;
    let previous: SigningKey | undefined;
    let unreadable: KeyError | undefined;
    try {
      previous = this.read();
    } catch (err) {
      // read() throws KeyError only.
      unreadable = err as KeyError;
    }
    const { key, pem } = generateSigningKey();
    if (path === undefined) this.#memory = key;
    else writeKeyFile(path, pem, 'replace');
    return { previous, key, ...(unreadable !== undefined && { unreadable }) };
  }
}

/** The key in the file; undefined when there is no file. Throws KeyError. */
function readKeyFile(path: string): SigningKey | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KeyError('KEY_UNREADABLE', `cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new KeyError('KEY_UNREADABLE', `${path} is not a file`);
    // As ssh does with private keys: a key others can read is not this instance's alone.
    if ((stat.mode & 0o077) !== 0) {
      throw new KeyError(
        'KEY_INSECURE_PERMISSIONS',
        `${path} has mode ${(stat.mode & 0o777).toString(8)}; it must be readable by its owner only (chmod 600)`,
      );
    }
    if (stat.size > MAX_KEY_FILE_BYTES) {
      throw new KeyError('KEY_INVALID', `${path} is larger than ${MAX_KEY_FILE_BYTES} bytes`);
    }
    const buffer = Buffer.alloc(stat.size);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    return signingKeyFromPem(buffer.subarray(0, read).toString('utf8'), path);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the key to a temporary file (owner-only), syncs it, then puts it in
 * place: `create` links it only if no key exists (false when one does),
 * `replace` renames it over the old one. Either way no reader ever sees a
 * half-written key.
 */
function writeKeyFile(path: string, pem: string, mode: 'create' | 'replace'): boolean {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    makeDirectory(dir);
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, pem);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    let placed = true;
    if (mode === 'replace') {
      renameSync(tmp, path);
    } else {
      try {
        linkSync(tmp, path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        placed = false;
      }
      unlinkSync(tmp);
    }
    syncDirectory(dir);
    return placed;
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // Already renamed, unlinked, or never created: nothing left behind.
    }
    throw new KeyError('KEY_UNWRITABLE', `cannot write ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Makes a rename or link in `dir` durable. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

import { generateKeyPairSync } from 'node:crypto';
import fs, {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parsePublicKey, verifySignature } from '../../server/evidence.js';
import {
  generateSigningKey,
  KeyError,
  SIGNING_KEY_FILE,
  SigningKeyFile,
  signingKeyFromPem,
  signingKeyPath,
  syncDirectory,
  type KeyErrorCode,
} from '../../server/evidence-keys.js';

const keyError = (code: KeyErrorCode) => ({ name: 'KeyError', code, constructor: KeyError });

t.test('the key lives next to the database; the in-memory store has no file', (t) => {
  t.equal(signingKeyPath('/var/lib/tufwatch/tufwatch.db'), `/var/lib/tufwatch/${SIGNING_KEY_FILE}`);
  t.equal(signingKeyPath(':memory:'), undefined);
  t.end();
});

t.test('created on first use: PKCS#8 PEM, owner-only, then read back as the same key', (t) => {
  const dir = join(t.testdir(), 'data');
  const path = join(dir, SIGNING_KEY_FILE);
  const file = new SigningKeyFile(path);
  t.equal(file.read(), undefined, 'nothing yet');
  const first = file.current();
  t.equal(first.created, true);
  t.equal(statSync(path).mode & 0o777, 0o600, 'owner-only');
  t.equal(statSync(dir).mode & 0o777, 0o700, 'a created directory is owner-only');
  const pem = readFileSync(path, 'utf8');
  t.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
  t.strictSame(readdirSync(dir), [SIGNING_KEY_FILE], 'no temporary file left');

  const again = new SigningKeyFile(path).current();
  t.equal(again.created, false);
  t.equal(again.key.fingerprint, first.key.fingerprint);
  t.equal(again.key.publicKey, first.key.publicKey);
  t.match(first.key.fingerprint, /^[0-9a-f]{64}$/);
  const signature = again.key.sign('text');
  t.ok(verifySignature(parsePublicKey(first.key.publicKey)!, 'text', signature));
  t.end();
});

t.test('two processes creating the key at once end up with one key', async (t) => {
  const path = join(t.testdir(), SIGNING_KEY_FILE);
  const theirs = generateSigningKey();
  // The other process puts its key in place between our read (none yet) and our link.
  const { SigningKeyFile: Racing } = await t.mockImport<
    typeof import('../../server/evidence-keys.js')
  >('../../server/evidence-keys.js', {
    'node:fs': {
      ...fs,
      linkSync: (from: string, to: string) => {
        fs.writeFileSync(to, theirs.pem, { mode: 0o600 });
        fs.linkSync(from, to);
      },
    },
  });
  const result = new Racing(path).current();
  t.equal(result.key.fingerprint, theirs.key.fingerprint, 'their key is used');
  t.equal(result.created, false);
  t.strictSame(fs.readdirSync(t.testdirName), [SIGNING_KEY_FILE], 'our temporary file is gone');

  const { SigningKeyFile: Denied } = await t.mockImport<
    typeof import('../../server/evidence-keys.js')
  >('../../server/evidence-keys.js', {
    'node:fs': {
      ...fs,
      linkSync: () => {
        throw Object.assign(new Error('EPERM: operation not permitted'), { code: 'EPERM' });
      },
    },
  });
  const denied = join(t.testdir(), SIGNING_KEY_FILE);
  t.throws(() => new Denied(denied).current(), keyError('KEY_UNWRITABLE'));
  t.end();
});

t.test('a key file others can read, a broken file, another kind of key are refused', (t) => {
  const dir = t.testdir();
  const path = join(dir, SIGNING_KEY_FILE);
  writeFileSync(path, generateSigningKey().pem, { mode: 0o644 });
  chmodSync(path, 0o644);
  t.throws(() => new SigningKeyFile(path).current(), keyError('KEY_INSECURE_PERMISSIONS'));

  writeFileSync(path, 'not a key', { mode: 0o600 });
  chmodSync(path, 0o600);
  t.throws(() => new SigningKeyFile(path).current(), keyError('KEY_INVALID'));

  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  writeFileSync(path, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  t.throws(() => new SigningKeyFile(path).current(), keyError('KEY_INVALID'));

  writeFileSync(path, `${generateSigningKey().pem}${' '.repeat(20_000)}`);
  t.throws(() => new SigningKeyFile(path).current(), keyError('KEY_INVALID'), 'size cap');

  t.throws(() => signingKeyFromPem('x', 'the pem'), keyError('KEY_INVALID'));
  t.end();
});

t.test('a key file that cannot be read or written', (t) => {
  const dir = t.testdir({ file: 'x', [SIGNING_KEY_FILE]: {} });
  // A directory where the key should be: it opens, but it is no file.
  const asDir = join(dir, SIGNING_KEY_FILE);
  chmodSync(asDir, 0o700);
  t.throws(() => new SigningKeyFile(asDir).current(), keyError('KEY_UNREADABLE'));
  // Below a regular file: neither readable (ENOTDIR) nor writable.
  const below = join(dir, 'file', SIGNING_KEY_FILE);
  t.throws(() => new SigningKeyFile(below).current(), keyError('KEY_UNREADABLE'));
  t.throws(() => new SigningKeyFile(below).rotate(), keyError('KEY_UNWRITABLE'));
  t.end();
});

t.test('rotation replaces the file atomically with a new key', (t) => {
  const dir = t.testdir();
  const path = join(dir, SIGNING_KEY_FILE);
  const file = new SigningKeyFile(path);
  const first = file.current().key;
  const rotated = file.rotate();
  t.equal(rotated.previous?.fingerprint, first.fingerprint);
  t.not(rotated.key.fingerprint, first.fingerprint);
  t.equal(rotated.unreadable, undefined);
  t.equal(file.current().key.fingerprint, rotated.key.fingerprint, 'read from the file again');
  t.equal(statSync(path).mode & 0o777, 0o600);
  t.strictSame(readdirSync(dir), [SIGNING_KEY_FILE]);

  // A key others could read is replaced too: that is when rotating matters most.
  chmodSync(path, 0o644);
  const fixed = file.rotate();
  t.equal(fixed.previous, undefined);
  t.match(fixed.unreadable, keyError('KEY_INSECURE_PERMISSIONS'));
  t.equal(statSync(path).mode & 0o777, 0o600);
  t.equal(file.current().key.fingerprint, fixed.key.fingerprint);

  // Rotating where there was no key creates one.
  const fresh = new SigningKeyFile(join(dir, 'other', SIGNING_KEY_FILE)).rotate();
  t.equal(fresh.previous, undefined);
  t.end();
});

t.test('without a path the key lives in memory, for the life of the object', (t) => {
  const file = new SigningKeyFile(undefined);
  t.equal(file.read(), undefined);
  const first = file.current();
  t.equal(first.created, true);
  t.equal(file.current().created, false);
  t.equal(file.current().key, first.key);
  const { previous, key } = file.rotate();
  t.equal(previous, first.key);
  t.equal(file.read(), key);
  t.end();
});

t.test('syncDirectory syncs a directory and fails on a missing one', (t) => {
  const dir = t.testdir();
  t.doesNotThrow(() => syncDirectory(dir));
  t.throws(() => syncDirectory(join(dir, 'missing')), { code: 'ENOENT' });
  t.end();
});

t.test('once settled, a missing key file is an error, never a new key', (t) => {
  const dir = t.testdir();
  const file = new SigningKeyFile(join(dir, 'data', SIGNING_KEY_FILE));
  const { created } = file.current();
  t.equal(created, true, 'the first start creates it, and its directory');
  file.settle();
  rmSync(join(dir, 'data'), { recursive: true });
  t.throws(() => file.current(), { code: 'KEY_MISSING' });
  t.notOk(existsSync(join(dir, 'data')), 'no new data directory either');
  t.end();
});

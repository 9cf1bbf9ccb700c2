import { createHash, createPublicKey, verify, constants, type KeyObject } from 'node:crypto';
import { canonicalText } from './canonical.js';
import { TufError } from './errors.js';

/** A TUF key object as metadata carries it; unknown fields are kept (signatures cover them). */
export interface TufKey {
  keytype: string;
  scheme: string;
  keyval: { public?: unknown; [field: string]: unknown };
  [field: string]: unknown;
}

/** A key ready to verify: imported once, with the identity thresholds count by. */
export interface ImportedKey {
  /** Hex of the SPKI DER encoding: the same key in hex or PEM, under any keyid, has one identity. */
  identity: string;
  verify(data: Buffer, signatureHex: string): boolean;
}

type Scheme = {
  curve?: 'ed25519' | 'P-256' | 'P-384';
  family: 'ed25519' | 'ecdsa' | 'rsa-pss' | 'rsa-pkcs1';
  digest: 'sha256' | 'sha384' | null;
};

// Key types and schemes accepted by go-tuf, python-tuf (securesystemslib) and tuf-js.
const SCHEMES: Record<string, Scheme> = {
  ed25519: { family: 'ed25519', curve: 'ed25519', digest: null },
  'ecdsa-sha2-nistp256': { family: 'ecdsa', curve: 'P-256', digest: 'sha256' },
  'ecdsa-sha2-nistp384': { family: 'ecdsa', curve: 'P-384', digest: 'sha384' },
  'rsassa-pss-sha256': { family: 'rsa-pss', digest: 'sha256' },
  'rsa-pkcs1v15-sha256': { family: 'rsa-pkcs1', digest: 'sha256' },
};

const KEYTYPES_FOR_FAMILY: Record<Scheme['family'], readonly string[]> = {
  ed25519: ['ed25519'],
  ecdsa: ['ecdsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384'],
  'rsa-pss': ['rsa'],
  'rsa-pkcs1': ['rsa'],
};

const HEX = /^(?:[0-9a-fA-F]{2})*$/;
/** TUF 4.2 (key objects): an RSA public key MUST be at least 2048 bits; a smaller one can be factored. */
export const MIN_RSA_BITS = 2048;
// RFC 8410 SubjectPublicKeyInfo prefix for a raw 32-byte Ed25519 key.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * The keyid a key should have: sha256 of its canonical form (TUF 4.2). go-tuf v0
 * and old securesystemslib include `keyid_hash_algorithms` in that form; newer
 * tools leave it out. Both are accepted as correct.
 */
export function expectedKeyIds(key: TufKey): string[] {
  const ids = [sha256Hex(canonicalText(key))];
  if ('keyid_hash_algorithms' in key) {
    const { keyid_hash_algorithms: _legacy, ...rest } = key;
    ids.push(sha256Hex(canonicalText(rest)));
  }
  return ids;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Imports a key for verification. Throws TufError UNKNOWN_KEY_TYPE for a type,
 * scheme or encoding that cannot be verified, KEY_TOO_SMALL for an RSA key
 * under MIN_RSA_BITS: such a key never counts toward a threshold (for every
 * user: verification, the client, key hygiene), and never crashes verification.
 */
export function importKey(key: TufKey, keyid: string): ImportedKey {
  // Own properties only: a scheme named `toString` is unsupported, not Object.prototype's.
  const scheme = Object.hasOwn(SCHEMES, key.scheme) ? SCHEMES[key.scheme] : undefined;
  const unsupported = (why: string): TufError =>
    new TufError(
      'UNKNOWN_KEY_TYPE',
      `key ${keyid} (${key.keytype}/${key.scheme}) cannot be used: ${why}`,
      {
        keyid,
        actual: { keytype: key.keytype, scheme: key.scheme },
      },
    );
  if (scheme === undefined) throw unsupported('unsupported scheme');
  if (!KEYTYPES_FOR_FAMILY[scheme.family].includes(key.keytype))
    throw unsupported('keytype does not match scheme');
  const material = key.keyval.public;
  if (typeof material !== 'string') throw unsupported('keyval.public is not a string');

  let keyObject: KeyObject;
  try {
    keyObject = decodePublicKey(scheme, material);
  } catch (cause) {
    throw new TufError(
      'UNKNOWN_KEY_TYPE',
      `key ${keyid}: public key cannot be decoded`,
      { keyid },
      { cause },
    );
  }
  const details = keyObject.asymmetricKeyDetails;
  const curveOk =
    scheme.curve === undefined ||
    scheme.curve === 'ed25519' ||
    details?.namedCurve === (scheme.curve === 'P-256' ? 'prime256v1' : 'secp384r1');
  const typeOk =
    keyObject.asymmetricKeyType ===
    (scheme.family === 'ed25519' ? 'ed25519' : scheme.family === 'ecdsa' ? 'ec' : 'rsa');
  if (!curveOk || !typeOk) throw unsupported('key material does not match scheme');
  const bits = details?.modulusLength;
  if (bits !== undefined && bits < MIN_RSA_BITS) {
    throw new TufError(
      'KEY_TOO_SMALL',
      `key ${keyid} is a ${bits}-bit RSA key; TUF requires at least ${MIN_RSA_BITS} bits: it never counts`,
      { keyid, expected: MIN_RSA_BITS, actual: bits },
    );
  }

  return {
    identity: identityOf(keyObject),
    verify: (data, signatureHex) => verifyWith(scheme, keyObject, data, signatureHex),
  };
}

/**
 * SPKI DER keeps the EC point in the form it was given (compressed or not), so
 * the same ECDSA key could count twice toward a threshold. A JWK round trip
 * fixes one form (uncompressed).
 */
function identityOf(keyObject: KeyObject): string {
  const normalized =
    keyObject.asymmetricKeyType === 'ec'
      ? createPublicKey({ key: keyObject.export({ format: 'jwk' }), format: 'jwk' })
      : keyObject;
  return normalized.export({ type: 'spki', format: 'der' }).toString('hex');
}

function decodePublicKey(scheme: Scheme, material: string): KeyObject {
  if (material.startsWith('-----BEGIN')) {
    // createPublicKey would derive the public half of a private key. A private key
    // published in metadata lets anyone sign: it must never count toward a threshold.
    if (material.includes('PRIVATE KEY-----')) throw new Error('a private key, not a public key');
    return createPublicKey({ key: material, format: 'pem' });
  }
  if (!HEX.test(material)) throw new Error('neither PEM nor hex');
  const raw = Buffer.from(material, 'hex');
  if (scheme.family === 'ed25519') {
    if (raw.length !== 32) throw new Error(`ed25519 key is ${raw.length} bytes, not 32`);
    return createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, raw]),
      format: 'der',
      type: 'spki',
    });
  }
  if (scheme.family === 'ecdsa') {
    // Hex ECDSA keys are SEC1 points (go-tuf v0): build a JWK from the coordinates.
    return createPublicKey({
      key: ecPointToJwk(raw, scheme.curve === 'P-384' ? 'P-384' : 'P-256'),
      format: 'jwk',
    });
  }
  // Hex RSA keys are DER SubjectPublicKeyInfo.
  return createPublicKey({ key: raw, format: 'der', type: 'spki' });
}

function ecPointToJwk(
  point: Buffer,
  crv: 'P-256' | 'P-384',
): { kty: 'EC'; crv: string; x: string; y: string } {
  const size = crv === 'P-256' ? 32 : 48;
  if (point.length !== 1 + 2 * size || point[0] !== 0x04)
    throw new Error('not an uncompressed EC point');
  return {
    kty: 'EC',
    crv,
    x: point.subarray(1, 1 + size).toString('base64url'),
    y: point.subarray(1 + size).toString('base64url'),
  };
}

function verifyWith(scheme: Scheme, key: KeyObject, data: Buffer, signatureHex: string): boolean {
  if (!HEX.test(signatureHex)) return false;
  const sig = Buffer.from(signatureHex, 'hex');
  try {
    switch (scheme.family) {
      case 'ed25519':
        return verify(null, data, key, sig);
      case 'ecdsa':
        // DER is the norm; 64/96-byte raw r||s (IEEE P1363) is the same signature, also seen in the wild.
        // A raw r may begin with 0x30 as DER does (1 in 256), so a failed DER try falls back to P1363.
        return (
          (sig[0] === 0x30 && verify(scheme.digest, data, { key, dsaEncoding: 'der' }, sig)) ||
          (sig.length === (scheme.curve === 'P-384' ? 96 : 64) &&
            verify(scheme.digest, data, { key, dsaEncoding: 'ieee-p1363' }, sig))
        );
      case 'rsa-pss':
        // securesystemslib verifies with PSS.AUTO: the salt length is read from the signature.
        return verify(
          scheme.digest,
          data,
          {
            key,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_AUTO,
          },
          sig,
        );
      case 'rsa-pkcs1':
        return verify(scheme.digest, data, { key, padding: constants.RSA_PKCS1_PADDING }, sig);
    }
  } catch {
    // OpenSSL throws on signatures it cannot parse; that is an invalid signature, not a crash.
    return false;
  }
}

/**
 * Imports each key once per verification run: a repository lists the same
 * keys in many roles, and a hostile file may repeat one key thousands of times.
 */
export class KeyCache {
  readonly #imported = new Map<string, ImportedKey | TufError>();

  get(key: TufKey, keyid: string): ImportedKey | TufError {
    const cacheKey = `${keyid}\u0000${canonicalText(key)}`;
    let entry = this.#imported.get(cacheKey);
    if (entry === undefined) {
      try {
        entry = importKey(key, keyid);
      } catch (err) {
        entry = err as TufError;
      }
      this.#imported.set(cacheKey, entry);
    }
    return entry;
  }
}

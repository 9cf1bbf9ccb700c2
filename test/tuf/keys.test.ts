import { canonicalize } from '@tufjs/canonical-json';
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import t from 'tap';

import { canonicalBytes } from '../../tuf/canonical.js';
import { TufError } from '../../tuf/errors.js';
import { expectedKeyIds, importKey, KeyCache, type TufKey } from '../../tuf/keys.js';
import { generateKey } from '../support/builder.js';
import { fixture } from '../support/fixtures.js';

const DATA = Buffer.from('{"_type":"root","version":1}', 'utf8');

const pem = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }).toString();
const spkiHex = (key: KeyObject): string =>
  key.export({ type: 'spki', format: 'der' }).toString('hex');
/** Uncompressed SEC1 point (04 || x || y): go-tuf v0's hex ECDSA keys. */
function ecPointHex(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x ?? '', 'base64url'),
    Buffer.from(jwk.y ?? '', 'base64url'),
  ]).toString('hex');
}
/** The same P-256 key as SPKI PEM with a compressed point (02/03 || x). */
function compressedP256Pem(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  const y = Buffer.from(jwk.y ?? '', 'base64url');
  const point = Buffer.concat([
    Buffer.from([2 + ((y.at(-1) ?? 0) & 1)]),
    Buffer.from(jwk.x ?? '', 'base64url'),
  ]);
  const der = Buffer.concat([
    Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
    point,
  ]);
  return pem(createPublicKey({ key: der, format: 'der', type: 'spki' }));
}

const tufKey = (keytype: string, scheme: string, pub: unknown): TufKey => ({
  keytype,
  scheme,
  keyval: { public: pub },
});
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

// python-tuf's test root: an RSA-PSS root key in PEM (securesystemslib), private key in keystore/.
const PY = 'python-tuf/repository_data';
const pyRoot = JSON.parse(readFileSync(fixture(PY, 'repository/metadata/root.json'), 'utf8')) as {
  signed: { keys: Record<string, TufKey>; roles: Record<string, { keyids: string[] }> };
  signatures: { keyid: string; sig: string }[];
};
const PY_ROOT_KEYID = '4e777de0d275f9d28588dd9a1606cc748e548f9e22b6795b7cb3f63f98035fcb';
const pyRootKey = pyRoot.signed.keys[PY_ROOT_KEYID] as TufKey;
const pyRootPrivate = createPrivateKey(readFileSync(fixture(PY, 'keystore/root_key'), 'utf8'));

const ecP256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecP384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const ed = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

interface SchemeCase {
  name: string;
  key: TufKey;
  signature: () => Buffer;
  /** A signature by another key, or of another scheme: must not verify. */
  wrong: () => Buffer;
}

const pss = (key: KeyObject, saltLength: number) => (): Buffer =>
  sign('sha256', DATA, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
const pkcs1 = (key: KeyObject) => (): Buffer =>
  sign('sha256', DATA, { key, padding: constants.RSA_PKCS1_PADDING });

const schemeCases: SchemeCase[] = [
  {
    name: 'ed25519 hex',
    key: tufKey('ed25519', 'ed25519', spkiHex(ed.publicKey).slice(-64)),
    signature: () => sign(null, DATA, ed.privateKey),
    wrong: () => sign(null, DATA, generateKeyPairSync('ed25519').privateKey),
  },
  {
    name: 'ed25519 PEM',
    key: tufKey('ed25519', 'ed25519', pem(ed.publicKey)),
    signature: () => sign(null, DATA, ed.privateKey),
    wrong: () => sign(null, Buffer.from('other'), ed.privateKey),
  },
  {
    name: 'ECDSA P-256 PEM (securesystemslib)',
    key: tufKey('ecdsa', 'ecdsa-sha2-nistp256', pem(ecP256.publicKey)),
    signature: () => sign('sha256', DATA, ecP256.privateKey),
    wrong: () => sign('sha384', DATA, ecP256.privateKey),
  },
  {
    name: 'ECDSA P-256 hex point (go-tuf v0)',
    key: tufKey('ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256', ecPointHex(ecP256.publicKey)),
    signature: () => sign('sha256', DATA, ecP256.privateKey),
    wrong: () =>
      sign('sha256', DATA, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
  },
  {
    name: 'ECDSA P-384 PEM',
    key: tufKey('ecdsa', 'ecdsa-sha2-nistp384', pem(ecP384.publicKey)),
    signature: () => sign('sha384', DATA, ecP384.privateKey),
    wrong: () => sign('sha256', DATA, ecP384.privateKey),
  },
  {
    name: 'ECDSA P-384 hex point',
    key: tufKey('ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp384', ecPointHex(ecP384.publicKey)),
    signature: () => sign('sha384', DATA, { key: ecP384.privateKey, dsaEncoding: 'ieee-p1363' }),
    wrong: () => Buffer.alloc(96),
  },
  {
    name: 'RSA-PSS PEM (python-tuf root key, salt = digest length)',
    key: pyRootKey,
    signature: pss(pyRootPrivate, 32),
    wrong: pkcs1(pyRootPrivate),
  },
  {
    name: 'RSA-PSS PEM, maximum salt length (read from the signature)',
    key: pyRootKey,
    signature: pss(pyRootPrivate, constants.RSA_PSS_SALTLEN_MAX_SIGN),
    wrong: pss(rsa.privateKey, 32),
  },
  {
    name: 'RSA-PSS hex DER',
    key: tufKey('rsa', 'rsassa-pss-sha256', spkiHex(rsa.publicKey)),
    signature: pss(rsa.privateKey, 32),
    wrong: pkcs1(rsa.privateKey),
  },
  {
    name: 'rsa-pkcs1v15-sha256 PEM',
    key: tufKey('rsa', 'rsa-pkcs1v15-sha256', pem(rsa.publicKey)),
    signature: pkcs1(rsa.privateKey),
    wrong: pss(rsa.privateKey, 32),
  },
];

t.test('each supported scheme verifies its signatures and only those', (t) => {
  for (const c of schemeCases) {
    t.test(c.name, (t) => {
      const key = importKey(c.key, 'k');
      t.match(key.identity, /^30[0-9a-f]+$/, 'identity is SPKI DER hex');
      const sig = c.signature().toString('hex');
      t.equal(key.verify(DATA, sig), true, 'verifies');
      t.equal(key.verify(DATA, sig.toUpperCase()), true, 'hex case does not matter');
      t.equal(key.verify(Buffer.from('tampered'), sig), false, 'other data');
      t.equal(key.verify(DATA, c.wrong().toString('hex')), false, 'wrong signature');
      // Never throws on a signature it cannot parse.
      for (const bad of ['', 'zz', 'abc', '00', '30', '3000', '30'.repeat(64), 'ff'.repeat(600)]) {
        t.equal(key.verify(DATA, bad), false, `garbage signature ${bad.slice(0, 8)}`);
      }
      t.end();
    });
  }
  t.end();
});

t.test('verify returns false, never throws, even where node:crypto throws', (t) => {
  // No key and signature found make OpenSSL throw (the garbage signatures above
  // all return false): only data that is not bytes reaches the catch.
  const notBytes = { length: 3 } as unknown as Buffer;
  for (const c of schemeCases) {
    const key = importKey(c.key, 'k');
    t.equal(key.verify(notBytes, c.signature().toString('hex')), false, c.name);
  }
  t.end();
});

t.test("python-tuf's own RSA-PSS signature on its root verifies", (t) => {
  const key = importKey(pyRootKey, PY_ROOT_KEYID);
  const signature = pyRoot.signatures.find((s) => s.keyid === PY_ROOT_KEYID);
  t.ok(signature);
  t.equal(key.verify(canonicalBytes(pyRoot.signed), signature?.sig ?? ''), true);
  t.equal(key.verify(DATA, signature?.sig ?? ''), false);
  t.end();
});

t.test('ECDSA signatures verify in DER and in IEEE P1363', (t) => {
  const cases = [
    { curve: 'P-256', digest: 'sha256', scheme: 'ecdsa-sha2-nistp256', pair: ecP256, raw: 64 },
    { curve: 'P-384', digest: 'sha384', scheme: 'ecdsa-sha2-nistp384', pair: ecP384, raw: 96 },
  ];
  for (const c of cases) {
    t.test(c.curve, (t) => {
      const key = importKey(tufKey('ecdsa', c.scheme, pem(c.pair.publicKey)), 'k');
      const der = sign(c.digest, DATA, { key: c.pair.privateKey, dsaEncoding: 'der' });
      const raw = sign(c.digest, DATA, { key: c.pair.privateKey, dsaEncoding: 'ieee-p1363' });
      t.equal(der[0], 0x30);
      t.equal(raw.length, c.raw);
      t.equal(key.verify(DATA, der.toString('hex')), true, 'DER');
      t.equal(key.verify(DATA, raw.toString('hex')), true, 'P1363');
      t.equal(key.verify(DATA, raw.subarray(1).toString('hex')), false, 'P1363 one byte short');
      t.equal(key.verify(DATA, Buffer.concat([der, Buffer.from([0])]).toString('hex')), false);
      t.end();
    });
  }

  t.test('a P1363 signature whose r begins with 0x30 (as DER does)', (t) => {
    const key = importKey(tufKey('ecdsa', 'ecdsa-sha2-nistp256', pem(ecP256.publicKey)), 'k');
    // About 1 in 256 signatures; 20,000 tries miss with probability e^-78.
    let raw: Buffer | undefined;
    for (let i = 0; i < 20_000 && raw === undefined; i++) {
      const s = sign('sha256', DATA, { key: ecP256.privateKey, dsaEncoding: 'ieee-p1363' });
      if (s[0] === 0x30) raw = s;
    }
    t.ok(raw);
    t.equal(key.verify(DATA, raw?.toString('hex') ?? ''), true);
    t.end();
  });
  t.end();
});

t.test('the same key in any encoding has one identity', (t) => {
  const cases: { name: string; a: TufKey; b: TufKey }[] = [
    {
      name: 'ed25519 hex and PEM',
      a: tufKey('ed25519', 'ed25519', spkiHex(ed.publicKey).slice(-64)),
      b: tufKey('ed25519', 'ed25519', pem(ed.publicKey)),
    },
    {
      name: 'ECDSA P-256 hex point and PEM',
      a: tufKey('ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256', ecPointHex(ecP256.publicKey)),
      b: tufKey('ecdsa', 'ecdsa-sha2-nistp256', pem(ecP256.publicKey)),
    },
    {
      name: 'ECDSA P-256 compressed-point PEM and uncompressed hex point',
      a: tufKey('ecdsa', 'ecdsa-sha2-nistp256', compressedP256Pem(ecP256.publicKey)),
      b: tufKey('ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256', ecPointHex(ecP256.publicKey)),
    },
    {
      name: 'ECDSA P-384 hex point and PEM',
      a: tufKey('ecdsa', 'ecdsa-sha2-nistp384', ecPointHex(ecP384.publicKey)),
      b: tufKey('ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp384', pem(ecP384.publicKey)),
    },
    {
      name: 'RSA hex DER and PEM',
      a: tufKey('rsa', 'rsassa-pss-sha256', spkiHex(createPublicKey(pyRootPrivate))),
      b: pyRootKey,
    },
    {
      name: 'RSA PKCS#1 PEM and SPKI PEM',
      a: tufKey(
        'rsa',
        'rsassa-pss-sha256',
        rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      ),
      b: tufKey('rsa', 'rsassa-pss-sha256', pem(rsa.publicKey)),
    },
    {
      name: 'one RSA key under two schemes',
      a: tufKey('rsa', 'rsassa-pss-sha256', pem(rsa.publicKey)),
      b: tufKey('rsa', 'rsa-pkcs1v15-sha256', pem(rsa.publicKey)),
    },
    {
      name: 'legacy keyid_hash_algorithms and other extra fields do not matter',
      a: { ...tufKey('ed25519', 'ed25519', pem(ed.publicKey)), keyid_hash_algorithms: ['sha256'] },
      b: tufKey('ed25519', 'ed25519', spkiHex(ed.publicKey).slice(-64)),
    },
  ];
  for (const c of cases) {
    t.test(c.name, (t) => {
      const a = importKey(c.a, 'a');
      const b = importKey(c.b, 'b');
      t.equal(a.identity, b.identity);
      t.end();
    });
  }

  t.test('the compressed-point key also verifies', (t) => {
    const key = importKey(
      tufKey('ecdsa', 'ecdsa-sha2-nistp256', compressedP256Pem(ecP256.publicKey)),
      'k',
    );
    t.equal(key.verify(DATA, sign('sha256', DATA, ecP256.privateKey).toString('hex')), true);
    t.end();
  });

  t.test('different keys have different identities', (t) => {
    const ids = new Set(
      [
        tufKey('ed25519', 'ed25519', pem(ed.publicKey)),
        tufKey('ed25519', 'ed25519', pem(generateKeyPairSync('ed25519').publicKey)),
        tufKey('ecdsa', 'ecdsa-sha2-nistp256', pem(ecP256.publicKey)),
        tufKey('ecdsa', 'ecdsa-sha2-nistp384', pem(ecP384.publicKey)),
        tufKey('rsa', 'rsassa-pss-sha256', pem(rsa.publicKey)),
        pyRootKey,
      ].map((k) => importKey(k, 'k').identity),
    );
    t.equal(ids.size, 6);
    t.end();
  });
  t.end();
});

t.test('builder keys import and verify', (t) => {
  for (const type of ['ed25519', 'ecdsa', 'ecdsa-hex', 'rsa'] as const) {
    const key = generateKey(type);
    const imported = importKey(key.publicKey as TufKey, key.keyid);
    t.equal(imported.verify(DATA, key.sign(DATA)), true, type);
  }
  t.end();
});

t.test('keys that cannot be used throw TufError UNKNOWN_KEY_TYPE', (t) => {
  const edHex = spkiHex(ed.publicKey).slice(-64);
  const p256Hex = ecPointHex(ecP256.publicKey);
  // A point with valid length and prefix that is not on the curve.
  const offCurve = `04${'00'.repeat(31)}01${'00'.repeat(31)}01`;
  const cases: { name: string; key: TufKey; decode?: true }[] = [
    { name: 'unsupported scheme', key: tufKey('ed25519', 'ed448', edHex) },
    { name: 'scheme not an own property', key: tufKey('ed25519', 'toString', edHex) },
    {
      name: 'RSA scheme without hash',
      key: tufKey('rsa', 'rsassa-pss-sha512', pem(rsa.publicKey)),
    },
    {
      name: 'keytype ed25519 with an ECDSA scheme',
      key: tufKey('ed25519', 'ecdsa-sha2-nistp256', p256Hex),
    },
    { name: 'keytype rsa with the ed25519 scheme', key: tufKey('rsa', 'ed25519', edHex) },
    {
      name: 'keytype ecdsa with an RSA scheme',
      key: tufKey('ecdsa', 'rsassa-pss-sha256', pem(rsa.publicKey)),
    },
    { name: 'public is a number', key: tufKey('ed25519', 'ed25519', 42) },
    { name: 'public is missing', key: { keytype: 'ed25519', scheme: 'ed25519', keyval: {} } },
    { name: 'public is an object', key: tufKey('ed25519', 'ed25519', { hex: edHex }) },
    { name: 'not hex', key: tufKey('ed25519', 'ed25519', 'zz'.repeat(32)), decode: true },
    { name: 'odd-length hex', key: tufKey('ed25519', 'ed25519', `${edHex}0`), decode: true },
    { name: 'ed25519 31 bytes', key: tufKey('ed25519', 'ed25519', edHex.slice(2)), decode: true },
    { name: 'ed25519 33 bytes', key: tufKey('ed25519', 'ed25519', `${edHex}00`), decode: true },
    { name: 'ed25519 empty', key: tufKey('ed25519', 'ed25519', ''), decode: true },
    {
      name: 'ECDSA hex point too short',
      key: tufKey('ecdsa', 'ecdsa-sha2-nistp256', p256Hex.slice(0, -2)),
      decode: true,
    },
    {
      name: 'ECDSA compressed hex point',
      key: tufKey('ecdsa', 'ecdsa-sha2-nistp256', `02${p256Hex.slice(2, 66)}`),
      decode: true,
    },
    {
      name: 'ECDSA hex point without the 04 prefix',
      key: tufKey('ecdsa', 'ecdsa-sha2-nistp256', `05${p256Hex.slice(2)}`),
      decode: true,
    },
    {
      name: 'ECDSA P-256 point under the P-384 scheme',
      key: tufKey('ecdsa', 'ecdsa-sha2-nistp384', p256Hex),
      decode: true,
    },
    {
      name: 'ECDSA hex point off the curve',
      key: tufKey('ecdsa', 'ecdsa-sha2-nistp256', offCurve),
      decode: true,
    },
    {
      name: 'RSA hex that is not DER',
      key: tufKey('rsa', 'rsassa-pss-sha256', 'deadbeef'),
      decode: true,
    },
    {
      name: 'PEM that does not parse',
      key: tufKey('rsa', 'rsassa-pss-sha256', '-----BEGIN PUBLIC KEY-----\nnot base64\n'),
      decode: true,
    },
    {
      name: 'an ed25519 private key PEM',
      key: tufKey(
        'ed25519',
        'ed25519',
        '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIB5Zzk1MbB0e30cDCjV7H3c712RsaRJgLn5GgUvbSRzH\n-----END PRIVATE KEY-----\n',
      ),
      decode: true,
    },
    {
      name: 'python-tuf RSA root private key PEM',
      key: tufKey(
        'rsa',
        'rsassa-pss-sha256',
        readFileSync(fixture(PY, 'keystore/root_key'), 'utf8'),
      ),
      decode: true,
    },
    {
      name: 'PKCS#1 RSA private key PEM',
      key: tufKey(
        'rsa',
        'rsassa-pss-sha256',
        rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      ),
      decode: true,
    },
    {
      name: 'RSA PEM under the ed25519 scheme',
      key: tufKey('ed25519', 'ed25519', pem(rsa.publicKey)),
    },
    {
      name: 'ed25519 PEM under an ECDSA scheme',
      key: tufKey('ecdsa', 'ecdsa-sha2-nistp256', pem(ed.publicKey)),
    },
    {
      name: 'ECDSA PEM under an RSA scheme',
      key: tufKey('rsa', 'rsassa-pss-sha256', pem(ecP256.publicKey)),
    },
    {
      name: 'RSA hex DER under the pkcs1 scheme, but it is an EC key',
      key: tufKey('rsa', 'rsa-pkcs1v15-sha256', spkiHex(ecP256.publicKey)),
    },
    {
      name: 'P-384 PEM under the P-256 scheme',
      key: tufKey('ecdsa', 'ecdsa-sha2-nistp256', pem(ecP384.publicKey)),
    },
    {
      name: 'P-256 PEM under the P-384 scheme',
      key: tufKey('ecdsa', 'ecdsa-sha2-nistp384', pem(ecP256.publicKey)),
    },
    {
      name: 'secp256k1 PEM under the P-256 scheme',
      key: tufKey(
        'ecdsa',
        'ecdsa-sha2-nistp256',
        pem(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey),
      ),
    },
  ];
  for (const c of cases) {
    t.test(c.name, (t) => {
      let thrown: unknown;
      try {
        importKey(c.key, 'the-keyid');
      } catch (err) {
        thrown = err;
      }
      t.ok(thrown instanceof TufError, 'TufError');
      if (!(thrown instanceof TufError)) {
        t.end();
        return;
      }
      t.equal(thrown.code, 'UNKNOWN_KEY_TYPE');
      t.equal(thrown.details.keyid, 'the-keyid');
      if (c.decode === true) {
        t.ok(thrown.cause instanceof Error, 'decoding error kept as cause');
      } else {
        t.strictSame(thrown.details.actual, { keytype: c.key.keytype, scheme: c.key.scheme });
      }
      t.end();
    });
  }
  t.end();
});

t.test(
  'RSA keys under 2048 bits throw TufError KEY_TOO_SMALL, whatever the encoding or scheme',
  (t) => {
    // TUF 4.2: RSA keys MUST be at least 2048 bits. The signatures are valid: only the size refuses the key.
    const cases: { bits: number; scheme: string; sign: (key: KeyObject) => Buffer }[] = [
      { bits: 1024, scheme: 'rsassa-pss-sha256', sign: (key) => pss(key, 32)() },
      { bits: 1024, scheme: 'rsa-pkcs1v15-sha256', sign: (key) => pkcs1(key)() },
      { bits: 2047, scheme: 'rsassa-pss-sha256', sign: (key) => pss(key, 32)() },
      { bits: 512, scheme: 'rsa-pkcs1v15-sha256', sign: (key) => pkcs1(key)() },
    ];
    for (const c of cases) {
      const pair = generateKeyPairSync('rsa', { modulusLength: c.bits });
      for (const [encoding, material] of [
        ['PEM', pem(pair.publicKey)],
        ['hex DER', spkiHex(pair.publicKey)],
      ] as const) {
        t.test(`${c.bits} bits, ${c.scheme}, ${encoding}`, (t) => {
          const signature = c.sign(pair.privateKey);
          t.ok(verify(c.scheme, pair.publicKey, signature), 'the signature itself is valid');
          t.throws(() => importKey(tufKey('rsa', c.scheme, material), 'kid'), {
            name: 'TufError',
            code: 'KEY_TOO_SMALL',
            details: { keyid: 'kid', expected: 2048, actual: c.bits },
          });
          const cached = new KeyCache().get(tufKey('rsa', c.scheme, material), 'kid');
          t.ok(cached instanceof TufError && cached.code === 'KEY_TOO_SMALL', 'cached as refused');
          t.end();
        });
      }
    }
    t.test('2048 bits and more are used', (t) => {
      for (const bits of [2048, 3072]) {
        const pair = bits === 2048 ? rsa : generateKeyPairSync('rsa', { modulusLength: bits });
        const imported = importKey(tufKey('rsa', 'rsassa-pss-sha256', pem(pair.publicKey)), 'k');
        t.ok(imported.verify(DATA, pss(pair.privateKey, 32)().toString('hex')), `${bits} bits`);
      }
      t.end();
    });
    t.end();
  },
);

/** Whether node:crypto verifies `signature` over DATA as `scheme` does. */
function verify(scheme: string, key: KeyObject, signature: Buffer): boolean {
  const padding =
    scheme === 'rsassa-pss-sha256' ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
  return cryptoVerify('sha256', DATA, { key, padding }, signature);
}

t.test('expectedKeyIds', (t) => {
  t.test('without keyid_hash_algorithms: one id', (t) => {
    const key = tufKey('ed25519', 'ed25519', 'ab'.repeat(32));
    t.strictSame(expectedKeyIds(key), [sha256(canonicalize(key))]);
    t.end();
  });

  t.test('with keyid_hash_algorithms: with and without the field', (t) => {
    const bare = tufKey('ed25519', 'ed25519', 'ab'.repeat(32));
    const legacy = { ...bare, keyid_hash_algorithms: ['sha256', 'sha512'] };
    const ids = expectedKeyIds(legacy);
    t.equal(ids.length, 2);
    t.equal(ids[0], sha256(canonicalize(legacy)));
    t.equal(ids[1], expectedKeyIds(bare)[0]);
    t.not(ids[0], ids[1]);
    t.strictSame(legacy.keyid_hash_algorithms, ['sha256', 'sha512'], 'input left as it was');
    t.end();
  });

  t.test('builder keys', (t) => {
    const bare = generateKey('ed25519');
    t.strictSame(expectedKeyIds(bare.publicKey as TufKey), [bare.keyid]);
    const legacy = generateKey('ecdsa', { legacyKeyidHashAlgorithms: true });
    t.equal(expectedKeyIds(legacy.publicKey as TufKey)[0], legacy.keyid);
    t.end();
  });

  // go-tuf v0 (Fleet's library) and python-tuf's repository_data list keys with the
  // legacy field, and compute their keyids over it.
  const roots = [
    'fleet/root_v5_tuf.fleetctl.com.json',
    'fleet/root_v6_updates.fleetdm.com.json',
    'go-tuf-v0.7.0/Published1Time/server/metadata/root.json',
    'go-tuf-v0.7.0/go-tuf/consistent-snapshot-true/3/repository/4.root.json',
    `${PY}/repository/metadata/root.json`,
  ];
  for (const file of roots) {
    t.test(file, (t) => {
      const root = JSON.parse(readFileSync(fixture(file), 'utf8')) as {
        signed: { keys: Record<string, TufKey> };
      };
      const entries = Object.entries(root.signed.keys);
      t.ok(entries.length > 0);
      for (const [keyid, key] of entries) {
        t.ok('keyid_hash_algorithms' in key, 'legacy field present');
        const ids = expectedKeyIds(key);
        t.equal(ids.length, 2);
        t.equal(ids[0], keyid, keyid);
      }
      t.end();
    });
  }

  t.test('python-tuf fishy_rolenames lists a key without the field under its legacy keyid', (t) => {
    const root = JSON.parse(
      readFileSync(fixture(PY, 'fishy_rolenames/metadata/1.targets.json'), 'utf8'),
    ) as { signed: { delegations: { keys: Record<string, TufKey> } } };
    const [keyid, key] = Object.entries(root.signed.delegations.keys)[0] ?? [];
    t.ok(key);
    if (key === undefined || keyid === undefined) {
      t.end();
      return;
    }
    t.notOk('keyid_hash_algorithms' in key);
    t.notOk(expectedKeyIds(key).includes(keyid), 'a KEYID_MISMATCH for verification to report');
    const withLegacy = { ...key, keyid_hash_algorithms: ['sha256', 'sha512'] };
    t.equal(expectedKeyIds(withLegacy)[0], keyid);
    t.end();
  });
  t.end();
});

t.test('KeyCache', (t) => {
  t.test('imports a key once', (t) => {
    const cache = new KeyCache();
    const key = tufKey('ed25519', 'ed25519', pem(ed.publicKey));
    const first = cache.get(key, 'a');
    t.notOk(first instanceof Error);
    t.equal(cache.get(key, 'a'), first, 'same object');
    t.equal(cache.get(structuredClone(key), 'a'), first, 'equal key object, same entry');
    const other = cache.get(key, 'b');
    t.not(other, first, 'another keyid is another entry');
    if (!(first instanceof Error) && !(other instanceof Error)) {
      t.equal(other.identity, first.identity);
    }
    const changed = cache.get({ ...key, scheme: 'ed25519', extra: 1 }, 'a');
    t.not(changed, first, 'another key object under the same keyid is another entry');
    t.end();
  });

  t.test('caches failures', (t) => {
    const cache = new KeyCache();
    const key = tufKey('ed25519', 'ed25519', 'not a key');
    const first = cache.get(key, 'a');
    t.ok(first instanceof TufError);
    t.match(first, { code: 'UNKNOWN_KEY_TYPE', details: { keyid: 'a' } });
    t.equal(cache.get(key, 'a'), first, 'the same error, not a second import');
    t.end();
  });
  t.end();
});

import { generateKeyPairSync } from 'node:crypto';
import t from 'tap';

import type { Finding } from '../../tuf/findings.js';
import { KeyCache, type TufKey } from '../../tuf/keys.js';
import type { Signature } from '../../tuf/metadata.js';
import { verifyThreshold, type ThresholdResult } from '../../tuf/signatures.js';
import { generateKey, importKey as wrapKey, type TestKey } from '../support/builder.js';

const BYTES = Buffer.from('{"_type":"targets","version":3}', 'utf8');

const a = generateKey('ed25519');
const b = generateKey('ecdsa');
const c = generateKey('ecdsa-hex');
const d = generateKey('ed25519');
// `a`'s private key listed under a second keyid (go-tuf's legacy keyid form).
const aTwin = wrapKey(a.privateKey, 'ed25519', { legacyKeyidHashAlgorithms: true });
const outsider = generateKey('ed25519');
// TUF 4.2: RSA keys MUST be at least 2048 bits. Its signatures are valid; only its size keeps it from counting.
const rsa1024 = wrapKey(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 'rsa');
const rsa2048 = generateKey('rsa');
const unknownType: TufKey = { keytype: 'bls', scheme: 'bls12-381', keyval: { public: 'ab' } };

const keysOf = (...list: TestKey[]): Record<string, TufKey> =>
  Object.fromEntries(list.map((k) => [k.keyid, k.publicKey as TufKey]));
const sig = (key: TestKey, bytes: Buffer = BYTES): Signature => ({
  keyid: key.keyid,
  sig: key.sign(bytes),
});
const codes = (r: ThresholdResult): string[] => r.findings.map((f) => f.code);
const only = (r: ThresholdResult, code: string): Finding[] =>
  r.findings.filter((f) => f.code === code);

interface Case {
  name: string;
  keys: Record<string, TufKey>;
  keyids: string[];
  threshold: number;
  signatures: Signature[];
  met: boolean;
  validKeys: string[];
  codes: string[];
}

const cases: Case[] = [
  {
    name: 'threshold 2 of 3 met',
    keys: keysOf(a, b, c),
    keyids: [a.keyid, b.keyid, c.keyid],
    threshold: 2,
    signatures: [sig(a), sig(c)],
    met: true,
    validKeys: [a.keyid, c.keyid],
    codes: [],
  },
  {
    name: 'every key signs, RSA-free mix of schemes',
    keys: keysOf(a, b, c),
    keyids: [a.keyid, b.keyid, c.keyid],
    threshold: 3,
    signatures: [sig(c), sig(b), sig(a)],
    met: true,
    validKeys: [c.keyid, b.keyid, a.keyid],
    codes: [],
  },
  {
    name: 'threshold 2 of 3 not met',
    keys: keysOf(a, b, c),
    keyids: [a.keyid, b.keyid, c.keyid],
    threshold: 2,
    signatures: [sig(b)],
    met: false,
    validKeys: [b.keyid],
    codes: ['SIGNATURE_THRESHOLD_NOT_MET'],
  },
  {
    name: 'no signatures',
    keys: keysOf(a),
    keyids: [a.keyid],
    threshold: 1,
    signatures: [],
    met: false,
    validKeys: [],
    codes: ['SIGNATURE_THRESHOLD_NOT_MET'],
  },
  {
    name: 'one key under two keyids counts once',
    keys: keysOf(a, aTwin, b),
    keyids: [a.keyid, aTwin.keyid, b.keyid],
    threshold: 2,
    signatures: [sig(a), sig(aTwin)],
    met: false,
    validKeys: [a.keyid],
    codes: ['DUPLICATE_KEY', 'SIGNATURE_THRESHOLD_NOT_MET'],
  },
  {
    name: 'one key under two keyids as the only keys: threshold 2 is above the usable keys',
    keys: keysOf(a, aTwin),
    keyids: [a.keyid, aTwin.keyid],
    threshold: 2,
    signatures: [sig(aTwin), sig(a)],
    met: false,
    validKeys: [aTwin.keyid],
    codes: ['DUPLICATE_KEY', 'INVALID_THRESHOLD', 'SIGNATURE_THRESHOLD_NOT_MET'],
  },
  {
    name: 'a keyid listed twice in the role',
    keys: keysOf(a, b),
    keyids: [a.keyid, a.keyid, b.keyid],
    threshold: 2,
    signatures: [sig(a), sig(b)],
    met: true,
    validKeys: [a.keyid, b.keyid],
    codes: ['DUPLICATE_KEY'],
  },
  {
    name: 'one keyid signing twice counts once',
    keys: keysOf(a, b),
    keyids: [a.keyid, b.keyid],
    threshold: 2,
    signatures: [sig(a), sig(a)],
    met: false,
    validKeys: [a.keyid],
    codes: ['DUPLICATE_SIGNATURE', 'SIGNATURE_THRESHOLD_NOT_MET'],
  },
  {
    // tuf-conformance test_duplicate_sig_keyids: python-tuf and tuf-js refuse such metadata.
    name: 'a keyid signing twice refuses the signatures even with the threshold met',
    keys: keysOf(a, b),
    keyids: [a.keyid, b.keyid],
    threshold: 1,
    signatures: [sig(a), sig(b), sig(a)],
    met: false,
    validKeys: [a.keyid, b.keyid],
    codes: ['DUPLICATE_SIGNATURE'],
  },
  {
    name: 'an RSA key under 2048 bits never counts, though its signature is valid',
    keys: keysOf(rsa1024),
    keyids: [rsa1024.keyid],
    threshold: 1,
    signatures: [sig(rsa1024)],
    met: false,
    validKeys: [],
    codes: ['KEY_TOO_SMALL', 'INVALID_THRESHOLD', 'SIGNATURE_THRESHOLD_NOT_MET'],
  },
  {
    name: 'an RSA key under 2048 bits beside usable keys: the threshold counts the others',
    keys: keysOf(rsa1024, rsa2048, a),
    keyids: [rsa1024.keyid, rsa2048.keyid, a.keyid],
    threshold: 2,
    signatures: [sig(rsa1024), sig(rsa2048)],
    met: false,
    validKeys: [rsa2048.keyid],
    codes: ['KEY_TOO_SMALL', 'SIGNATURE_THRESHOLD_NOT_MET'],
  },
  {
    name: 'threshold 0 is invalid and never met, even when signed',
    keys: keysOf(a),
    keyids: [a.keyid],
    threshold: 0,
    signatures: [sig(a)],
    met: false,
    validKeys: [a.keyid],
    codes: ['INVALID_THRESHOLD', 'SIGNATURE_THRESHOLD_NOT_MET'],
  },
  {
    name: 'negative threshold is invalid and never met',
    keys: keysOf(a, b),
    keyids: [a.keyid, b.keyid],
    threshold: -1,
    signatures: [sig(a), sig(b)],
    met: false,
    validKeys: [a.keyid, b.keyid],
    codes: ['INVALID_THRESHOLD', 'SIGNATURE_THRESHOLD_NOT_MET'],
  },
  {
    name: 'threshold 0 with no keys at all',
    keys: {},
    keyids: [],
    threshold: 0,
    signatures: [],
    met: false,
    validKeys: [],
    codes: ['INVALID_THRESHOLD', 'SIGNATURE_THRESHOLD_NOT_MET'],
  },
  {
    name: 'threshold above the listed keys',
    keys: keysOf(a, b),
    keyids: [a.keyid, b.keyid],
    threshold: 3,
    signatures: [sig(a), sig(b)],
    met: false,
    validKeys: [a.keyid, b.keyid],
    codes: ['INVALID_THRESHOLD', 'SIGNATURE_THRESHOLD_NOT_MET'],
  },
  {
    name: 'a keyid that is not among the keys',
    keys: keysOf(a),
    keyids: [a.keyid, b.keyid],
    threshold: 1,
    signatures: [sig(a), sig(b)],
    met: true,
    validKeys: [a.keyid],
    codes: ['DELEGATION_INVALID'],
  },
  {
    name: 'a key of unknown type is skipped',
    keys: { ...keysOf(a), bls: unknownType },
    keyids: [a.keyid, 'bls'],
    threshold: 1,
    signatures: [{ keyid: 'bls', sig: 'abcd' }, sig(a)],
    met: true,
    validKeys: [a.keyid],
    codes: ['UNKNOWN_KEY_TYPE'],
  },
  {
    name: 'a key of unknown type does not count toward the threshold',
    keys: { ...keysOf(a), bls: unknownType },
    keyids: [a.keyid, 'bls'],
    threshold: 2,
    signatures: [sig(a), { keyid: 'bls', sig: 'abcd' }],
    met: false,
    validKeys: [a.keyid],
    codes: ['UNKNOWN_KEY_TYPE', 'INVALID_THRESHOLD', 'SIGNATURE_THRESHOLD_NOT_MET'],
  },
  {
    name: 'an invalid signature',
    keys: keysOf(a, b),
    keyids: [a.keyid, b.keyid],
    threshold: 1,
    signatures: [sig(a, Buffer.from('other bytes')), sig(b)],
    met: true,
    validKeys: [b.keyid],
    codes: ['SIGNATURE_INVALID'],
  },
  {
    name: 'a garbage signature',
    keys: keysOf(a),
    keyids: [a.keyid],
    threshold: 1,
    signatures: [{ keyid: a.keyid, sig: 'not hex at all' }],
    met: false,
    validKeys: [],
    codes: ['SIGNATURE_INVALID', 'SIGNATURE_THRESHOLD_NOT_MET'],
  },
  {
    name: 'signatures by keys outside the role are ignored',
    keys: keysOf(a, outsider),
    keyids: [a.keyid],
    threshold: 2,
    signatures: [sig(outsider), { keyid: 'unlisted', sig: 'ab' }, sig(a)],
    met: false,
    validKeys: [a.keyid],
    codes: ['INVALID_THRESHOLD', 'SIGNATURE_THRESHOLD_NOT_MET'],
  },
  {
    name: 'an authorized keyid without a key does not verify anything',
    keys: keysOf(a),
    keyids: [a.keyid, b.keyid],
    threshold: 2,
    signatures: [sig(b), sig(a)],
    met: false,
    validKeys: [a.keyid],
    codes: ['DELEGATION_INVALID', 'INVALID_THRESHOLD', 'SIGNATURE_THRESHOLD_NOT_MET'],
  },
  {
    name: 'keyids that name Object.prototype members are just unknown keyids',
    keys: keysOf(a),
    keyids: [a.keyid, 'toString', '__proto__', 'constructor'],
    threshold: 1,
    signatures: [{ keyid: 'toString', sig: 'ab' }, { keyid: 'constructor', sig: 'ab' }, sig(a)],
    met: true,
    validKeys: [a.keyid],
    codes: ['DELEGATION_INVALID', 'DELEGATION_INVALID', 'DELEGATION_INVALID'],
  },
  {
    name: 'a key with a scheme named like an Object.prototype member',
    keys: {
      ...keysOf(a),
      odd: { keytype: 'ed25519', scheme: 'toString', keyval: { public: 'ab' } },
    },
    keyids: [a.keyid, 'odd'],
    threshold: 1,
    signatures: [{ keyid: 'odd', sig: 'ab' }, sig(a)],
    met: true,
    validKeys: [a.keyid],
    codes: ['UNKNOWN_KEY_TYPE'],
  },
];

for (const tc of cases) {
  t.test(tc.name, (t) => {
    const result = verifyThreshold({
      role: 'targets',
      signedBytes: BYTES,
      signatures: tc.signatures,
      keys: tc.keys,
      roleKeys: { keyids: tc.keyids, threshold: tc.threshold },
      cache: new KeyCache(),
    });
    t.equal(result.met, tc.met, 'met');
    t.equal(result.threshold, tc.threshold);
    t.strictSame(result.validKeys, tc.validKeys, 'validKeys');
    t.strictSame(codes(result), tc.codes, 'codes');
    for (const f of result.findings) t.equal(f.role, 'targets');
    t.end();
  });
}

const run = (tc: Omit<Case, 'name' | 'met' | 'validKeys' | 'codes'>): ThresholdResult =>
  verifyThreshold({
    role: 'root',
    signedBytes: BYTES,
    signatures: tc.signatures,
    keys: tc.keys,
    roleKeys: { keyids: tc.keyids, threshold: tc.threshold },
    cache: new KeyCache(),
  });

t.test('structured fields of each finding', (t) => {
  const notMet = run({
    keys: keysOf(a, b),
    keyids: [a.keyid, b.keyid],
    threshold: 2,
    signatures: [sig(a)],
  });
  t.match(only(notMet, 'SIGNATURE_THRESHOLD_NOT_MET'), [
    { role: 'root', threshold: 2, validKeys: [a.keyid], expected: 2, actual: 1 },
  ]);

  const twin = run({
    keys: keysOf(a, aTwin),
    keyids: [a.keyid, aTwin.keyid],
    threshold: 1,
    signatures: [sig(a)],
  });
  t.match(only(twin, 'DUPLICATE_KEY'), [{ keyids: [a.keyid, aTwin.keyid] }]);

  const listedTwice = run({
    keys: keysOf(a),
    keyids: [a.keyid, a.keyid],
    threshold: 1,
    signatures: [sig(a)],
  });
  t.match(only(listedTwice, 'DUPLICATE_KEY'), [{ keyids: [a.keyid, a.keyid] }]);

  const below = run({ keys: keysOf(a), keyids: [a.keyid], threshold: 0, signatures: [] });
  t.match(only(below, 'INVALID_THRESHOLD'), [{ threshold: 0, actual: 0 }]);

  const above = run({ keys: keysOf(a), keyids: [a.keyid], threshold: 4, signatures: [] });
  t.match(only(above, 'INVALID_THRESHOLD'), [{ threshold: 4, actual: 1 }]);

  const missing = run({ keys: {}, keyids: ['k1'], threshold: 1, signatures: [] });
  t.match(only(missing, 'DELEGATION_INVALID'), [{ keyid: 'k1' }]);

  const unknown = run({ keys: { k1: unknownType }, keyids: ['k1'], threshold: 1, signatures: [] });
  t.match(only(unknown, 'UNKNOWN_KEY_TYPE'), [
    { role: 'root', keyid: 'k1', actual: { keytype: 'bls', scheme: 'bls12-381' } },
  ]);

  const invalid = run({
    keys: keysOf(d),
    keyids: [d.keyid],
    threshold: 1,
    signatures: [sig(a)].map((s) => ({ ...s, keyid: d.keyid })),
  });
  t.match(only(invalid, 'SIGNATURE_INVALID'), [{ keyid: d.keyid }]);

  const twice = run({
    keys: keysOf(a),
    keyids: [a.keyid],
    threshold: 1,
    signatures: [sig(a), sig(a)],
  });
  t.match(only(twice, 'DUPLICATE_SIGNATURE'), [
    { role: 'root', keyid: a.keyid, severity: 'error' },
  ]);
  t.equal(twice.met, false, 'refused, though one signature meets threshold 1');
  t.strictSame(twice.validKeys, [a.keyid]);

  const small = run({
    keys: keysOf(rsa1024),
    keyids: [rsa1024.keyid],
    threshold: 1,
    signatures: [],
  });
  t.match(only(small, 'KEY_TOO_SMALL'), [
    { role: 'root', keyid: rsa1024.keyid, severity: 'warning', expected: 2048, actual: 1024 },
  ]);
  t.end();
});

t.test('validKeys lists one keyid per distinct key, in signature order', (t) => {
  const result = run({
    keys: keysOf(a, aTwin, b, c),
    keyids: [a.keyid, aTwin.keyid, b.keyid, c.keyid],
    threshold: 3,
    signatures: [sig(c), sig(aTwin), sig(b), sig(a)],
  });
  t.equal(result.met, true);
  t.strictSame(result.validKeys, [c.keyid, aTwin.keyid, b.keyid]);
  t.end();
});

t.test('a shared cache imports each key once across roles', (t) => {
  const cache = new KeyCache();
  const keys = keysOf(a, b);
  for (const role of ['snapshot', 'timestamp']) {
    const result = verifyThreshold({
      role,
      signedBytes: BYTES,
      signatures: [sig(a), sig(b)],
      keys,
      roleKeys: { keyids: [a.keyid, b.keyid], threshold: 2 },
      cache,
    });
    t.equal(result.met, true, role);
  }
  t.equal(cache.get(keys[a.keyid] as TufKey, a.keyid), cache.get(keys[a.keyid] as TufKey, a.keyid));
  t.end();
});

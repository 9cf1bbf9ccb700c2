import { createHash, generateKeyPairSync } from 'node:crypto';
import t from 'tap';
import {
  canonicalForms,
  canonicalJson,
  checkpointDigest,
  GENESIS_ANCHOR,
  GENESIS_HASH,
  isHash,
  parseEvidenceJson,
  parsePublicKey,
  publicKeyFingerprint,
  recordHash,
  recordTime,
  sanitizeJson,
  sealRecord,
  signCheckpoint,
  verifySignature,
  wellFormed,
  type CheckpointBody,
  type CheckRecord,
  type SigningKeyRecord,
} from '../../server/evidence.js';
import { generateSigningKey } from '../../server/evidence-keys.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const check: CheckRecord = {
  v: 1,
  kind: 'check',
  seq: 1,
  runId: 7,
  checkId: 'tuf.expiry',
  status: 'fail',
  message: 'timestamp.json expired\n"2 h" ago \u20ac',
  evidence: { z: 1e21, a: [1.5, -0, 'x'], '\u00e9': null, '\u0001': true },
  evaluatedAt: '2031-01-01T00:00:00.000Z',
  prevHash: GENESIS_HASH,
};

const keyRecord: SigningKeyRecord = {
  v: 1,
  kind: 'signing-key',
  seq: 2,
  at: '2031-01-01T00:00:01.000Z',
  fingerprint: 'a'.repeat(64),
  publicKey: '-----BEGIN PUBLIC KEY-----\nMCow\n-----END PUBLIC KEY-----\n',
  previousFingerprint: null,
  reason: 'created',
  prevHash: 'b'.repeat(64),
};

t.test('a record is hashed over its RFC 8785 form: sorted keys, JCS escapes and numbers', (t) => {
  // RFC 8785: keys in UTF-16 order, \n and control characters escaped, other text raw,
  // numbers as ECMAScript prints them (1e+21, -0 as 0).
  const expected =
    '{"checkId":"tuf.expiry","evaluatedAt":"2031-01-01T00:00:00.000Z",' +
    '"evidence":{"\\u0001":true,"a":[1.5,0,"x"],"z":1e+21,"\u00e9":null},' +
    '"kind":"check","message":"timestamp.json expired\\n\\"2 h\\" ago \u20ac",' +
    `"prevHash":"${GENESIS_HASH}","runId":7,"seq":1,"status":"fail","v":1}`;
  t.equal(canonicalJson(check), expected);
  t.equal(recordHash(check), sha256(expected));
  t.end();
});

t.test('sealRecord recomputes the hash; every field is covered', (t) => {
  const sealed = sealRecord({ ...check, hash: 'f'.repeat(64) } as CheckRecord);
  t.equal(sealed.hash, recordHash(check), 'a given hash is ignored');
  const fields = Object.keys(check) as (keyof CheckRecord)[];
  for (const field of fields) {
    const changed = { ...check, [field]: field === 'evidence' ? { z: 2 } : 3 } as CheckRecord;
    t.not(recordHash(changed), sealed.hash, `${field} is covered`);
  }
  t.end();
});

t.test('canonicalForms is the canonical body and sealed record, for both kinds', (t) => {
  const tricky: CheckRecord = {
    ...check,
    message: 'says "kind":"check" and \\"kind\\": too',
    evidence: { kind: 'nested', deeper: [{ kind: { kind: 1 } }], '"kind":': '"kind":' },
  };
  for (const body of [check, keyRecord, tricky]) {
    const sealed = sealRecord(body);
    const forms = canonicalForms(sealed);
    t.equal(forms.body, canonicalJson(body));
    t.equal(forms.sealed, canonicalJson(sealed), `${body.kind}: the hash goes where JCS puts it`);
    t.equal((JSON.parse(forms.sealed) as { hash: string }).hash, sealed.hash);
  }
  t.end();
});

t.test('recordTime is when the fact was established', (t) => {
  t.equal(recordTime(check), check.evaluatedAt);
  t.equal(recordTime(keyRecord), keyRecord.at);
  t.end();
});

t.test('canonicalJson refuses what RFC 8785 cannot carry', (t) => {
  t.throws(() => canonicalJson(undefined), TypeError);
  t.throws(() => canonicalJson({ x: NaN }));
  t.throws(() => canonicalJson({ x: '\ud800' }));
  t.end();
});

t.test(
  'lone surrogates become U+FFFD, in strings and keys, so a record can always be hashed',
  (t) => {
    t.equal(wellFormed('a\ud800b\udc00c\ud83d\ude00'), 'a\ufffdb\ufffdc\ud83d\ude00');
    const text = '{"path":"\\ud800x","\\udc01":["\\ud83d\\ude00",1,null,true]}';
    const parsed = parseEvidenceJson(text);
    t.strictSame(parsed, { path: '\ufffdx', '\ufffd': ['\ud83d\ude00', 1, null, true] });
    t.doesNotThrow(() => canonicalJson(parsed));
    const plain = '{"a":"\\u00e9"}';
    t.strictSame(parseEvidenceJson(plain), { a: '\u00e9' }, 'no surrogate: parsed as is');
    t.strictSame(sanitizeJson([{ k: '\udfff' }]), [{ k: '\ufffd' }]);
    t.throws(() => parseEvidenceJson('{'), SyntaxError);
    t.end();
  },
);

t.test('isHash: 64 lowercase hex digits', (t) => {
  t.ok(isHash(GENESIS_HASH));
  t.notOk(isHash('A'.repeat(64)));
  t.notOk(isHash('a'.repeat(63)));
  t.notOk(isHash(1));
  t.strictSame(GENESIS_ANCHOR, { kind: 'genesis', seq: 0, hash: GENESIS_HASH });
  t.end();
});

t.test('public keys: Ed25519 SPKI PEM only; fingerprint is sha256 of the SPKI DER', (t) => {
  const { key } = generateSigningKey();
  const parsed = parsePublicKey(key.publicKey);
  t.ok(parsed);
  const der = parsed!.export({ type: 'spki', format: 'der' });
  t.equal(publicKeyFingerprint(parsed!), createHash('sha256').update(der).digest('hex'));
  t.equal(key.fingerprint, publicKeyFingerprint(parsed!));

  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const cases: [string, string][] = [
    ['not PEM', 'hello'],
    ['a private key', generateSigningKey().pem],
    ['an RSA key', rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string],
    ['broken PEM', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'],
  ];
  for (const [name, pem] of cases) t.equal(parsePublicKey(pem), undefined, name);
  t.end();
});

t.test('signatures: Ed25519 over the UTF-8 text, one base64 encoding', (t) => {
  const { key } = generateSigningKey();
  const publicKey = parsePublicKey(key.publicKey)!;
  const signature = key.sign('manifest \u20ac');
  t.ok(verifySignature(publicKey, 'manifest \u20ac', signature));
  t.notOk(verifySignature(publicKey, 'manifest', signature), 'another text');
  t.notOk(
    verifySignature(
      parsePublicKey(generateSigningKey().key.publicKey)!,
      'manifest \u20ac',
      signature,
    ),
    'another key',
  );
  t.notOk(
    verifySignature(publicKey, 'manifest \u20ac', signature.replace(/==$/, '')),
    'no padding',
  );
  t.notOk(verifySignature(publicKey, 'manifest \u20ac', ` ${signature}`), 'whitespace');
  t.notOk(verifySignature(publicKey, 'manifest \u20ac', 'A'.repeat(86) + '=='), 'wrong signature');
  // The last character holds 2 bits of the signature and 4 unused bits: a twin that sets the
  // unused bits decodes to the same bytes, and would give the same bundle another file hash.
  const last = signature.at(-3) as string;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const twin = `${signature.slice(0, -3)}${alphabet[alphabet.indexOf(last) + 1]}==`;
  t.strictSame(Buffer.from(twin, 'base64'), Buffer.from(signature, 'base64'), 'same bytes');
  t.notOk(verifySignature(publicKey, 'manifest \u20ac', twin), 'unused bits set');
  t.end();
});

t.test('checkpoints are signed over their canonical body', (t) => {
  const { key } = generateSigningKey();
  const body: CheckpointBody = {
    v: 1,
    kind: 'checkpoint',
    firstSeq: 1,
    lastSeq: 10,
    lastHash: 'c'.repeat(64),
    count: 10,
    from: '2030-01-01T00:00:00.000Z',
    to: '2030-01-02T00:00:00.000Z',
    before: '2030-01-03T00:00:00.000Z',
    createdAt: '2031-02-03T00:00:00.000Z',
    previous: null,
    keyFingerprint: key.fingerprint,
  };
  const checkpoint = signCheckpoint(body, key);
  t.ok(verifySignature(parsePublicKey(key.publicKey)!, canonicalJson(body), checkpoint.signature));
  t.equal(checkpointDigest(checkpoint), sha256(canonicalJson(checkpoint)));
  t.end();
});

import { canonicalize } from '@tufjs/canonical-json';
import crypto from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';

import { canonicalBytes, canonicalText, compareCodePoints } from '../../tuf/canonical.js';
import { TufError } from '../../tuf/errors.js';
import { parseJson } from '../../tuf/json.js';
import { importKey, type TufKey } from '../../tuf/keys.js';
import { FIXTURES } from '../support/fixtures.js';

interface SignedFile {
  path: string;
  signed: Record<string, unknown>;
  signatures: { keyid: string; sig: string }[];
}

interface RootSigned {
  _type: 'root';
  keys: Record<string, TufKey>;
  roles: { root: { keyids: string[]; threshold: number } };
}

// go-tuf's testdata symlinks, stored as files holding the link's relative target.
const LINK = /^(?:\.\.\/)+[\w.\-/]+$/;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const tally = { files: 0, links: 0, notJson: 0, notSigned: 0, signed: 0 };
const signedFiles: SignedFile[] = [];
for (const path of walk(FIXTURES)) {
  tally.files++;
  const text = readFileSync(path, 'utf8');
  if (LINK.test(text)) {
    tally.links++;
    continue;
  }
  let json: unknown;
  try {
    // The reader parseMetadata uses (json.test.ts: it reads every fixture as JSON.parse does).
    json = parseJson(text);
  } catch {
    tally.notJson++; // keys, target files, README, the padded roottoolarge root
    continue;
  }
  if (!isObject(json) || !isObject(json.signed) || !Array.isArray(json.signatures)) {
    tally.notSigned++;
    continue;
  }
  tally.signed++;
  signedFiles.push({
    path: relative(FIXTURES, path),
    signed: json.signed,
    signatures: json.signatures as SignedFile['signatures'],
  });
}

const isRoot = (f: SignedFile): boolean => f.signed._type === 'root';

t.test('the fixture walk finds every kind of signed file', (t) => {
  t.ok(tally.signed > 1000, `${tally.signed} signed files`);
  t.ok(tally.links > 100, `${tally.links} go-tuf links skipped`);
  t.ok(tally.notJson > 0);
  t.ok(tally.notSigned > 0);
  const types = new Set(signedFiles.map((f) => f.signed._type));
  t.strictSame([...types].sort(), ['root', 'snapshot', 'targets', 'timestamp']);
  for (const set of ['fleet/', 'go-tuf-v0.7.0/', 'python-tuf/']) {
    t.ok(
      signedFiles.some((f) => f.path.startsWith(set) && isRoot(f)),
      `roots from ${set}`,
    );
  }
  t.ok(
    signedFiles.some((f) => f.path.endsWith('root_v5_tuf.fleetctl.com.json')),
    'Fleet root v5',
  );
  t.ok(
    signedFiles.some((f) => f.path.includes('fishy_rolenames') && f.path.endsWith('1.ö.json')),
    'python-tuf fishy role names',
  );
  t.end();
});

t.test('canonicalBytes equals @tufjs/canonical-json on every signed fixture', (t) => {
  let differ = 0;
  for (const f of signedFiles) {
    const ours = canonicalBytes(f.signed);
    const oracle = Buffer.from(canonicalize(f.signed), 'utf8');
    if (!ours.equals(oracle)) {
      differ++;
      t.fail(f.path);
    }
  }
  t.equal(differ, 0);
  t.end();
});

// Every key any fixture lists (roots and delegations), by keyid. A keyid may be
// listed with different key objects across scenarios, so keep them all.
const keysById = new Map<string, TufKey[]>();
for (const f of signedFiles) {
  const delegations = f.signed.delegations;
  const listed = isRoot(f) ? f.signed.keys : isObject(delegations) ? delegations.keys : undefined;
  for (const [keyid, key] of Object.entries((listed ?? {}) as Record<string, TufKey>)) {
    const known = keysById.get(keyid) ?? [];
    if (!known.some((k) => canonicalize(k) === canonicalize(key))) known.push(key);
    keysById.set(keyid, known);
  }
}

function verifies(keyid: string, key: TufKey, bytes: Buffer, sig: string): boolean {
  try {
    return importKey(key, keyid).verify(bytes, sig);
  } catch {
    return false;
  }
}

t.test('every signed fixture carries a signature that verifies over canonicalBytes', (t) => {
  // Signed by go-tuf (Go), python-tuf (securesystemslib) and Fleet's fleetctl:
  // their canonical forms are independent of ours, so a match proves byte equality.
  let unverified = 0;
  for (const f of signedFiles) {
    const bytes = canonicalBytes(f.signed);
    const ok = f.signatures.some(({ keyid, sig }) =>
      (keysById.get(keyid) ?? []).some((key) => verifies(keyid, key, bytes, sig)),
    );
    if (!ok) {
      unverified++;
      t.fail(f.path);
    }
  }
  t.equal(unverified, 0);
  t.end();
});

/** Distinct valid signers of a root by its own root role. */
function ownRootSigners(f: SignedFile): { valid: string[]; invalid: string[] } {
  const signed = f.signed as unknown as RootSigned;
  const bytes = canonicalBytes(f.signed);
  const valid: string[] = [];
  const invalid: string[] = [];
  for (const { keyid, sig } of f.signatures) {
    const key = signed.keys[keyid];
    if (key === undefined || !signed.roles.root.keyids.includes(keyid)) continue;
    if (importKey(key, keyid).verify(bytes, sig)) {
      if (!valid.includes(keyid)) valid.push(keyid);
    } else invalid.push(keyid);
  }
  return { valid, invalid };
}

t.test('every root fixture meets its own root threshold over canonicalBytes', (t) => {
  const roots = signedFiles.filter(isRoot);
  t.ok(roots.length > 300, `${roots.length} roots`);
  for (const f of roots) {
    const { valid } = ownRootSigners(f);
    const threshold = (f.signed as unknown as RootSigned).roles.root.threshold;
    if (valid.length < threshold) t.fail(`${f.path}: ${valid.length} of ${threshold}`);
  }
  t.end();
});

t.test('the deliberately broken signatures do not verify', (t) => {
  // go-tuf: v2 lists the old and the new root key (threshold 1); one of the two
  // signatures is zeroed, the other is good, so the threshold is still met.
  for (const scenario of [
    'Published2Times_keyrotated_invalidNewRootSignature',
    'Published2Times_keyrotated_invalidOldRootSignature',
  ]) {
    const f = signedFiles.find(
      (s) => s.path === `go-tuf-v0.7.0/${scenario}/server/metadata/2.root.json`,
    );
    t.ok(f, scenario);
    if (f === undefined) continue;
    const { valid, invalid } = ownRootSigners(f);
    t.equal(valid.length, 1, `${scenario}: one good signature`);
    t.equal(invalid.length, 1, `${scenario}: one broken signature`);
  }
  // Fleet's root v4: 7 signatures, only 1 by a key this root lists for its root role.
  const v4 = signedFiles.find((s) => s.path === 'fleet/root_v4_tuf.fleetctl.com.json');
  t.ok(v4);
  if (v4 !== undefined) {
    t.equal(v4.signatures.length, 7);
    t.equal(ownRootSigners(v4).valid.length, 1);
  }
  t.end();
});

t.test('python-tuf RSA-PSS root: PEM newlines inside the signed bytes stay raw', (t) => {
  const f = signedFiles.find(
    (s) => s.path === 'python-tuf/repository_data/repository/metadata/root.json',
  );
  t.ok(f);
  if (f === undefined) {
    t.end();
    return;
  }
  const bytes = canonicalBytes(f.signed);
  t.ok(bytes.includes('-----BEGIN PUBLIC KEY-----\nMII'), 'raw newline after the PEM header');
  t.notOk(bytes.includes('\\n'), 'no escaped newline');
  t.ok(ownRootSigners(f).valid.length >= 1);
  t.end();
});

t.test('OLPC string encoding', (t) => {
  const cases: { name: string; value: unknown; expected: string }[] = [
    { name: 'only " and \\ are escaped', value: 'a"b\\c', expected: '"a\\"b\\\\c"' },
    {
      name: 'control characters stay raw',
      value: '\n\t\r\b\f\u0000\u001f\u007f',
      expected: '"\n\t\r\b\f\u0000\u001f\u007f"',
    },
    { name: 'non-ASCII stays raw', value: 'é ö 日本 😀', expected: '"é ö 日本 😀"' },
    { name: 'no HTML escaping', value: '<>&\u2028', expected: '"<>&\u2028"' },
    { name: '/ is not escaped', value: '../a/b', expected: '"../a/b"' },
    {
      name: 'PEM newlines stay raw',
      value: { public: '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n' },
      expected: '{"public":"-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n"}',
    },
    {
      name: 'keys sorted, no whitespace',
      value: { b: [1, { d: null, c: true }], a: false, '': -3 },
      expected: '{"":-3,"a":false,"b":[1,{"c":true,"d":null}]}',
    },
    { name: 'integers', value: [0, -0, 9007199254740991], expected: '[0,0,9007199254740991]' },
    { name: 'empty containers', value: { a: [], b: {} }, expected: '{"a":[],"b":{}}' },
  ];
  for (const c of cases) {
    t.test(c.name, (t) => {
      // Compared as hex: the bytes hold raw control characters.
      t.equal(
        canonicalBytes(c.value).toString('hex'),
        Buffer.from(c.expected, 'utf8').toString('hex'),
      );
      t.end();
    });
  }
  t.end();
});

t.test('values OLPC cannot encode throw TufError MALFORMED_METADATA', (t) => {
  let deep: unknown = [];
  for (let i = 0; i < 200_000; i++) deep = [deep];
  const cases: { name: string; value: unknown }[] = [
    { name: 'float', value: { length: 1.5 } },
    { name: 'float parsed from JSON', value: JSON.parse('{"version": 2.25}') },
    { name: 'NaN', value: { version: NaN } },
    { name: 'Infinity', value: [Infinity] },
    { name: 'negative float', value: -0.1 },
    { name: 'undefined', value: { a: undefined } },
    { name: 'deep nesting (stack overflow)', value: { custom: deep } },
    // UTF-8 has no form for a lone surrogate: Buffer.from would write U+FFFD, the
    // bytes of another string, so that two documents would share one signature.
    { name: 'a lone high surrogate', value: { a: '\ud800x' } },
    { name: 'a lone low surrogate in a key', value: { '\udc00': 1 } },
    { name: 'a lone surrogate on the fast path', value: { a: 1, b: 'x\udfff' } },
    { name: 'a reversed pair', value: ['\ude00\ud83d'] },
  ];
  for (const c of cases) {
    t.test(c.name, (t) => {
      t.throws(() => canonicalBytes(c.value, 'targets'), {
        name: 'TufError',
        code: 'MALFORMED_METADATA',
        details: { role: 'targets' },
      });
      try {
        canonicalBytes(c.value);
        t.fail('did not throw');
      } catch (err) {
        t.ok(err instanceof TufError);
        if (err instanceof TufError) {
          t.strictSame(err.details, {}, 'no role when none is given');
          t.ok(err.cause !== undefined, 'cause kept');
        }
      }
      t.end();
    });
  }
  t.end();
});

t.test('the sorted-input fast path and the general encoder agree byte for byte', (t) => {
  const cases: { name: string; value: unknown }[] = [
    { name: 'sorted keys (fast path)', value: { a: 1, b: { c: 'x', d: [true, null] } } },
    { name: 'unsorted keys', value: { b: 1, a: 2 } },
    {
      name: 'integer-like keys, which JavaScript reorders',
      value: JSON.parse('{"10": 1, "9": 2}'),
    },
    { name: 'a control character in a key', value: { 'a\nb': 1, c: 2 } },
    { name: 'a backslash before an n', value: { a: 'C:\\new' } },
    { name: 'characters from U+D800 up, sorted', value: { a: '\ufffd', b: '😀' } },
    { name: 'a quote', value: { a: 'say "hi"' } },
    { name: 'an own __proto__ key', value: JSON.parse('{"__proto__": {"x": 1}, "a": 2}') },
    {
      name: 'a key equal to its predecessor cannot occur, but descending keys fall back',
      value: { z: 1, y: 2 },
    },
  ];
  for (const c of cases) {
    t.test(c.name, (t) => {
      t.equal(
        canonicalBytes(c.value).toString('hex'),
        Buffer.from(canonicalize(c.value), 'utf8').toString('hex'),
      );
      t.end();
    });
  }
  t.test('undefined and functions are refused on the fast path too', (t) => {
    for (const value of [{ a: undefined }, [() => 1]]) {
      t.throws(() => canonicalBytes(value), { code: 'MALFORMED_METADATA' });
    }
    t.end();
  });
  t.end();
});

t.test('keys in code point order, as Go (UTF-8 bytes) and Python (code points) sort them', (t) => {
  // Python: json.dumps(d, sort_keys=True) puts U+E000 and U+FFFD before U+1F600.
  const value = { '\u{1F600}': 2, '\ufffd': 1, a: 0, '\ue000': 3 };
  const expected = '{"a":0,"\ue000":3,"\ufffd":1,"\u{1F600}":2}';
  t.equal(canonicalText(value), expected);
  t.equal(canonicalBytes(value).toString('utf8'), expected);
  // Already in code point order: the fast path must not take UTF-16 order for sorted.
  t.equal(canonicalText(JSON.parse(JSON.stringify(JSON.parse(expected)))), expected);
  // The UTF-16 order of @tufjs/canonical-json puts the emoji (a surrogate pair) first.
  t.equal(canonicalize(value), '{"a":0,"\u{1F600}":2,"\ue000":3,"\ufffd":1}');
  t.end();
});

t.test('compareCodePoints orders strings by code point', (t) => {
  // Python: sorted(['a', '\ud7ff', '\ue000', '\uffff', '\U00010000', '\U0001F600']).
  const ordered = [
    '',
    'a',
    'ab',
    '\ud7ff',
    '\ue000',
    '\uffff',
    '\u{10000}',
    '\u{1F600}',
    '\u{1F600}a',
  ];
  const shuffled = [...ordered].reverse();
  shuffled.push(shuffled.shift() as string);
  t.strictSame(shuffled.sort(compareCodePoints), ordered);
  t.equal(compareCodePoints('x', 'x'), 0);
  t.end();
});

t.test('a key signed over code point order verifies; UTF-16 order would not', (t) => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex');
  const key: TufKey = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: raw } };
  const signed = { _type: 'targets', targets: { '\u{1F600}.txt': {}, '\ufffd.txt': {} } };
  // What go-tuf signs: the bytes in code point order.
  const goBytes = Buffer.from('{"_type":"targets","targets":{"\ufffd.txt":{},"\u{1F600}.txt":{}}}');
  const sig = crypto.sign(null, goBytes, privateKey).toString('hex');
  const imported = importKey(key, 'k');
  t.ok(imported.verify(canonicalBytes(signed), sig), 'verifies over our canonical bytes');
  t.notOk(
    imported.verify(Buffer.from(canonicalize(signed)), sig),
    'the UTF-16 order gives other bytes',
  );
  t.end();
});

t.test('integers beyond 2^53 are written digit for digit', (t) => {
  // JSON.parse rounds 18446744073709551615 to 18446744073709552000: other bytes, a failed signature.
  const text = '{"a":[9007199254740993,-18446744073709551615],"b":123456789012345678901234567890}';
  const value = parseJson(text);
  t.equal(canonicalText(value), text);
  t.equal(canonicalBytes(value).toString('utf8'), text);
  // Unsorted, so through the general encoder rather than the fast path.
  t.equal(
    canonicalText({ z: 1, y: 18446744073709551616n, x: [-9007199254740993n] }),
    '{"x":[-9007199254740993],"y":18446744073709551616,"z":1}',
  );
  t.end();
});

t.test('a signature over big integers verifies over the canonical bytes of what was read', (t) => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex');
  const key: TufKey = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: raw } };
  // What python-tuf and go-tuf sign: the integers as the signer wrote them.
  const signedText = '{"custom":{"build":18446744073709551615,"size":9007199254740993}}';
  const sig = crypto.sign(null, Buffer.from(signedText), privateKey).toString('hex');
  const imported = importKey(key, 'k');
  t.ok(imported.verify(canonicalBytes(parseJson(signedText)), sig), 'parseJson: verifies');
  t.notOk(imported.verify(canonicalBytes(JSON.parse(signedText)), sig), 'JSON.parse: rounded');
  t.end();
});

import t from 'tap';
import {
  canonicalJson,
  parsePublicKey,
  sealRecord,
  type RecordBody,
  type SealedRecord,
  type SigningKey,
} from '../../server/evidence.js';
import { digestOf, RECORDS_CLOSE, type Bundle } from '../../server/evidence-export.js';
import { renderOutcome } from '../../scripts/commands/evidence.js';
import { generateSigningKey } from '../../server/evidence-keys.js';
import {
  decodeUtf8,
  LineTooLong,
  NotUtf8,
  splitLines,
  parseStrictJson,
  verifyBundleLines,
  verifyBundleObject,
  verifyBundleText,
  type VerifyCode,
  type VerifyOptions,
  type VerifyOutcome,
} from '../../server/evidence-verify.js';
import {
  addRuns,
  CHECK_IDS,
  DAY_MS,
  evidenceFixture,
  FIVE_MINUTES_MS,
  joinBundle,
  MINUTE_MS,
  realistic,
  splitBundle,
  T0,
  TUF_ONLY,
  type BundleLines,
} from '../support/evidence.js';

/** Checks per run. */
const N = CHECK_IDS.length;

const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE_MS);

/** The lines of `text` as an async source, as a file stream gives them. */
async function* linesOf(text: string): AsyncGenerator<string> {
  for (const line of text.split('\n')) yield await Promise.resolve(line);
}

/** Verifies bundle text as `tufwatch evidence verify` does: streamed, or whole when reformatted. */
async function verifyText(text: string, options: VerifyOptions = {}): Promise<VerifyOutcome> {
  const streamed = await verifyBundleLines(linesOf(text), options);
  if (streamed !== undefined) return streamed;
  return verifyBundleText(text, options);
}

/**
 * A bundle of five runs (45 check results) with a key rotation after the
 * second run, signed by the second key: the tampering tests edit it.
 */
function fixture() {
  const f = evidenceFixture();
  const first = f.keys.current().key;
  addRuns(f.store, at(5), 2, FIVE_MINUTES_MS, realistic);
  const second = f.keys.rotate().key;
  f.store.registerSigningKey(second, at(12), 'rotated');
  addRuns(f.store, at(15), 3, FIVE_MINUTES_MS, (i) => ({
    'tuf.expiry': i === 1 ? 'fail' : 'pass',
  }));
  f.clock.now = at(60);
  const text = [...f.service.exportBundle(T0, at(60))].join('');
  return { ...f, first, second, text };
}

const base = fixture();
const parts = (): BundleLines => splitBundle(base.text);
const json = (line: string): Record<string, unknown> =>
  JSON.parse(line.slice(line.indexOf(':') + 1, -1)) as Record<string, unknown>;
const record = (p: BundleLines, i: number) => JSON.parse(p.records[i] as string) as SealedRecord;
const header = (p: BundleLines) =>
  JSON.parse(`${p.header.slice(0, -1)}}`) as Omit<Bundle, 'records' | 'summary' | 'manifest'>;

/** Signs a changed manifest again with `key`: what a buggy exporter (or a thief of the key) would do. */
function resign(p: BundleLines, key: SigningKey, change: (m: Record<string, unknown>) => void) {
  const manifest = json(p.manifest);
  change(manifest);
  const signature = {
    algorithm: 'ed25519',
    keyFingerprint: key.fingerprint,
    value: key.sign(canonicalJson(manifest)),
  };
  p.manifest = `"manifest":${JSON.stringify(manifest)},`;
  p.signature = `"signature":${JSON.stringify(signature)}}`;
  return p;
}

/** Re-seals records from index `from` on, each chained to the one before: a rewritten history. */
function rechain(p: BundleLines, from: number): void {
  let prev = record(p, from - 1).hash;
  for (let i = from; i < p.records.length; i++) {
    const { hash: _old, ...body } = record(p, i);
    const sealed = sealRecord({ ...body, prevHash: prev });
    p.records[i] = canonicalJson(sealed);
    prev = sealed.hash;
  }
}

t.test('an untouched bundle verifies, streamed and read whole', async (t) => {
  const streamed = await verifyBundleLines(linesOf(base.text));
  const p = parts();
  t.strictSame(streamed, {
    ok: true,
    fingerprint: base.second.fingerprint,
    keyPinned: false,
    period: { from: T0.toISOString(), to: at(60).toISOString() },
    generatedAt: at(60).toISOString(),
    periodCovered: true,
    anchor: { kind: 'genesis', seq: 0, hash: '0'.repeat(64) },
    records: p.records.length,
    runs: 5,
    first: 1,
    last: p.records.length,
  });
  // Reformatted by another tool (pretty-printed, keys reordered): same content, same verdict.
  const pretty = JSON.stringify(JSON.parse(base.text), null, 2);
  t.equal(await verifyBundleLines(linesOf(pretty)), undefined, 'not the line layout');
  t.strictSame(verifyBundleObject(JSON.parse(pretty)), streamed);
  const pinned = await verifyText(base.text, { publicKey: parsePublicKey(base.second.publicKey)! });
  t.match(pinned, { ok: true, keyPinned: true });
});

/** [case, tampering, expected code, expected seq or field]. */
const TAMPERING: [string, (p: BundleLines) => BundleLines | string, VerifyCode, object?][] = [
  [
    // JSON.parse keeps the last duplicate, SQLite's json_extract the first: two readings.
    'a duplicate key before the real one in a record line',
    (p) => {
      p.records[3] = `{"seq":999,${(p.records[3] as string).slice(1)}`;
      return p;
    },
    'RECORD_MALFORMED',
    { seq: 4 },
  ],
  [
    // A leading space: not the line layout, so the file is read whole; a duplicate is refused there too.
    'a duplicate key in a record of a bundle that starts with a space',
    (p) => {
      p.records[3] = (p.records[3] as string).replace(
        /"status":"(\w+)"/,
        '"status":"fail","status":"$1"',
      );
      return ` ${joinBundle(p)}`;
    },
    'BUNDLE_MALFORMED',
  ],
  [
    'a duplicate key in the header (read whole, refused)',
    (p) => {
      p.header = p.header.replace('{"format":', '{"generatedAt":"2000-01-01T00:00:00Z","format":');
      return p;
    },
    'BUNDLE_MALFORMED',
  ],
  [
    'a duplicate key in the summary line',
    (p) => {
      p.summary = p.summary.replace('"summary":{', '"summary":{"x":1,"x":2,');
      return p;
    },
    'BUNDLE_MALFORMED',
    { paths: ['summary'] },
  ],
  [
    'a record rewritten with whitespace (same values, other bytes)',
    (p) => {
      p.records[5] = JSON.stringify(record(p, 5), null, 1).replace(/\n/g, '');
      return p;
    },
    'RECORD_MALFORMED',
    { seq: 6 },
  ],
  [
    'the commas between records removed (not JSON any more)',
    (p) => joinBundle(p).replace(/},\n{/g, '}\n{'),
    'BUNDLE_MALFORMED',
  ],
  [
    'a comma after the last record',
    (p) => joinBundle(p).replace(`}\n${RECORDS_CLOSE}\n`, `},\n${RECORDS_CLOSE}\n`),
    'BUNDLE_MALFORMED',
  ],
  [
    'one field of one record changed',
    (p) => {
      p.records[5] = (p.records[5] as string).replace('"status":"pass"', '"status":"fail"');
      return p;
    },
    'RECORD_HASH_MISMATCH',
    { seq: 6 },
  ],
  [
    'a record changed and sealed again: the next one no longer chains',
    (p) => {
      const { hash: _h, ...body } = record(p, 5);
      p.records[5] = canonicalJson(sealRecord({ ...body, message: 'all good' } as RecordBody));
      return p;
    },
    'CHAIN_LINK_BROKEN',
    { seq: 7 },
  ],
  [
    'a record changed and every later one sealed again: the manifest no longer matches',
    (p) => {
      const { hash: _h, ...body } = record(p, 5);
      p.records[5] = canonicalJson(sealRecord({ ...body, message: 'all good' } as RecordBody));
      rechain(p, 6);
      return p;
    },
    'MANIFEST_MISMATCH',
    { field: 'last' },
  ],
  [
    'one record deleted',
    (p) => {
      p.records.splice(10, 1);
      return p;
    },
    'RECORD_MISSING',
    { seq: 11 },
  ],
  [
    'two records swapped',
    (p) => {
      const [a, b] = [p.records[10] as string, p.records[11] as string];
      p.records[10] = b;
      p.records[11] = a;
      return p;
    },
    'RECORD_OUT_OF_ORDER',
    { seq: 12 },
  ],
  [
    'a record moved back',
    (p) => {
      const [moved] = p.records.splice(3, 1);
      p.records.splice(20, 0, moved as string);
      return p;
    },
    'RECORD_OUT_OF_ORDER',
    { seq: 5 },
  ],
  [
    'a record repeated',
    (p) => {
      p.records.splice(8, 0, p.records[7] as string);
      return p;
    },
    'RECORD_OUT_OF_ORDER',
    { seq: 8 },
  ],
  [
    'the end truncated',
    (p) => {
      p.records.splice(-4);
      return p;
    },
    'RECORDS_TRUNCATED',
    { seq: 2 + 5 * N - 4 + 1 },
  ],
  [
    'every record removed',
    (p) => {
      p.records = [];
      return p;
    },
    'RECORDS_TRUNCATED',
    { seq: 1 },
  ],
  [
    'the file cut in the middle',
    () => base.text.slice(0, base.text.length / 2),
    'BUNDLE_MALFORMED',
  ],
  [
    'the file cut after the records',
    () => base.text.slice(0, base.text.indexOf('\n"summary":')),
    'BUNDLE_MALFORMED',
  ],
  [
    'the file cut before the signature',
    () => base.text.slice(0, base.text.indexOf('"signature":')),
    'BUNDLE_MALFORMED',
  ],
  [
    'the manifest replaced (its period widened)',
    (p) => {
      const manifest = json(p.manifest);
      manifest.period = { from: '2030-01-01T00:00:00.000Z', to: at(60).toISOString() };
      p.manifest = `"manifest":${JSON.stringify(manifest)},`;
      return p;
    },
    'SIGNATURE_INVALID',
  ],
  [
    "the manifest and signature replaced by another bundle's",
    (p) => {
      base.clock.now = at(61);
      const other = splitBundle([...base.service.exportBundle(T0, at(40))].join(''));
      base.clock.now = at(60);
      p.manifest = other.manifest;
      p.signature = other.signature;
      return p;
    },
    'MANIFEST_MISMATCH',
    { field: 'generatedAt' },
  ],
  [
    'signed with another key (the embedded key kept)',
    (p) => {
      const thief = generateSigningKey().key;
      const signature = json(p.signature);
      signature.value = thief.sign(canonicalJson(json(p.manifest)));
      p.signature = `"signature":${JSON.stringify(signature)}}`;
      return p;
    },
    'SIGNATURE_INVALID',
  ],
  [
    'a signature that names another key',
    (p) => {
      const signature = json(p.signature);
      signature.keyFingerprint = 'f'.repeat(64);
      p.signature = `"signature":${JSON.stringify(signature)}}`;
      return p;
    },
    'KEY_FINGERPRINT_MISMATCH',
    { field: 'key' },
  ],
  [
    'the summary made to look better',
    (p) => {
      const summary = json(p.summary);
      for (const c of summary.controls as { passingShare: number; failingPeriods: unknown[] }[]) {
        c.passingShare = 1;
        c.failingPeriods = [];
      }
      p.summary = `"summary":${JSON.stringify(summary)},`;
      return p;
    },
    'SUMMARY_MISMATCH',
  ],
  [
    'the system description changed',
    (p) => {
      const h = header(p);
      h.system.description = 'everything is in scope';
      p.header = `${JSON.stringify(h).slice(0, -1)},`;
      return p;
    },
    'MANIFEST_DIGEST_MISMATCH',
    { field: 'system' },
  ],
  [
    'the system description given a lone surrogate (no RFC 8785 form)',
    (p) => {
      p.header = p.header.replace('"system":{"name":"', '"system":{"name":"\\udc00');
      return p;
    },
    'MANIFEST_DIGEST_MISMATCH',
    { field: 'system' },
  ],
  [
    'a control of the catalog dropped',
    (p) => {
      const h = header(p);
      h.controls.pop();
      p.header = `${JSON.stringify(h).slice(0, -1)},`;
      return p;
    },
    'MANIFEST_DIGEST_MISMATCH',
    { field: 'controls' },
  ],
  [
    'the anchor moved',
    (p) => {
      const h = header(p);
      h.anchor = { kind: 'record', seq: 0, hash: 'a'.repeat(64) };
      p.header = `${JSON.stringify(h).slice(0, -1)},`;
      return p;
    },
    'ANCHOR_INVALID',
  ],
  [
    'a genesis anchor with another hash',
    (p) => {
      const h = header(p);
      h.anchor = { kind: 'genesis', seq: 0, hash: 'a'.repeat(64) };
      p.header = `${JSON.stringify(h).slice(0, -1)},`;
      return p;
    },
    'ANCHOR_INVALID',
  ],
  [
    'the first record does not chain from the anchor',
    (p) => {
      const { hash: _h, ...body } = record(p, 0);
      p.records[0] = canonicalJson(sealRecord({ ...body, prevHash: 'b'.repeat(64) }));
      return p;
    },
    'CHAIN_LINK_BROKEN',
    { seq: 1 },
  ],
  [
    'a key of the history that is not the key it names',
    (p) => {
      const h = header(p);
      (h.keys[0] as { fingerprint: string }).fingerprint = 'e'.repeat(64);
      p.header = `${JSON.stringify(h).slice(0, -1)},`;
      return p;
    },
    'KEY_FINGERPRINT_MISMATCH',
    { field: 'keys[0]' },
  ],
  [
    'an embedded key that is not Ed25519',
    (p) => {
      const h = header(p);
      h.publicKey = 'not a key';
      p.header = `${JSON.stringify(h).slice(0, -1)},`;
      return p;
    },
    'PUBLIC_KEY_INVALID',
  ],
  [
    'a newer bundle version',
    (p) => {
      p.header = p.header.replace('"v":1,', '"v":2,');
      return p;
    },
    'BUNDLE_VERSION_UNSUPPORTED',
  ],
  [
    'a record with a field added',
    (p) => {
      p.records[2] = (p.records[2] as string).replace('{"checkId"', '{"approved":true,"checkId"');
      return p;
    },
    'RECORD_MALFORMED',
    { seq: 3 },
  ],
  [
    'a record of an unknown kind',
    (p) => {
      p.records[2] = (p.records[2] as string).replace('"kind":"check"', '"kind":"note"');
      return p;
    },
    'RECORD_MALFORMED',
    { seq: 3 },
  ],
  [
    'a key record with a bad reason',
    (p) => {
      p.records[0] = (p.records[0] as string).replace('"reason":"created"', '"reason":"stolen"');
      return p;
    },
    'RECORD_MALFORMED',
    { seq: 1 },
  ],
  [
    'a record that is not JSON',
    (p) => {
      p.records[4] = '{"seq":5,';
      return p;
    },
    'RECORD_MALFORMED',
  ],
  [
    'a record with no seq',
    (p) => {
      p.records[4] = '[]';
      return p;
    },
    'RECORD_MALFORMED',
  ],
  [
    'a record with a lone surrogate (no RFC 8785 form)',
    (p) => {
      p.records[4] = (p.records[4] as string).replace('"message":"', '"message":"\\ud800');
      return p;
    },
    'RECORD_MALFORMED',
    { seq: 5 },
  ],
  ['text after the signature', (p) => `${joinBundle(p)}\n{"approved":true}\n`, 'BUNDLE_MALFORMED'],
  [
    'the records list not opened',
    (p) => joinBundle(p).replace(`\n"records":[\n`, '\n"records": [\n'),
    'BUNDLE_MALFORMED',
  ],
  [
    'a summary line that is not JSON',
    (p) => {
      p.summary = '"summary":{,';
      return p;
    },
    'BUNDLE_MALFORMED',
  ],
  [
    'the manifest where the summary should be',
    (p) => {
      p.summary = p.manifest;
      return p;
    },
    'BUNDLE_MALFORMED',
  ],
  [
    'a manifest without its digests',
    (p) => {
      const manifest = json(p.manifest);
      delete manifest.digests;
      p.manifest = `"manifest":${JSON.stringify(manifest)},`;
      return p;
    },
    'BUNDLE_MALFORMED',
  ],
  [
    'a header without its key history',
    (p) => {
      const h = header(p) as Partial<Bundle>;
      delete h.keys;
      p.header = `${JSON.stringify(h).slice(0, -1)},`;
      return p;
    },
    'BUNDLE_MALFORMED',
  ],
];

for (const [name, tamper, code, where] of TAMPERING) {
  t.test(`tampering detected: ${name} -> ${code}`, async (t) => {
    const changed = tamper(parts());
    const text = typeof changed === 'string' ? changed : joinBundle(changed);
    const outcome = await verifyText(text);
    t.match(outcome, { ok: false, problem: { code, ...where } });
    if (!outcome.ok) t.comment(`${outcome.problem.code}: ${outcome.problem.message}`);
  });
}

t.test('the manifest is held against the bundle, part by part', async (t) => {
  // Each claim made wrong and signed again with the instance key (a buggy exporter).
  const cases: [string, (m: Record<string, unknown>) => void, VerifyCode, string][] = [
    ['format', (m) => (m.format = 'other'), 'MANIFEST_MISMATCH', 'format'],
    ['period', (m) => (m.period = { from: 'a', to: 'b' }), 'MANIFEST_MISMATCH', 'period'],
    ['anchor', (m) => (m.anchor = { kind: 'genesis', seq: 1 }), 'MANIFEST_MISMATCH', 'anchor'],
    ['first', (m) => (m.first = null), 'MANIFEST_MISMATCH', 'first'],
    ['counts', (m) => ((m.counts as { runs: number }).runs = 99), 'MANIFEST_MISMATCH', 'counts'],
    [
      'fewer records counted',
      (m) => ((m.counts as { records: number }).records = 1),
      'MANIFEST_MISMATCH',
      'counts',
    ],
    ...(['records', 'anchor', 'system', 'controls', 'checks', 'keys', 'summary'] as const).map(
      (part): [string, (m: Record<string, unknown>) => void, VerifyCode, string] => [
        `digest of ${part}`,
        (m) => ((m.digests as Record<string, string>)[part] = 'd'.repeat(64)),
        'MANIFEST_DIGEST_MISMATCH',
        part,
      ],
    ),
  ];
  for (const [name, change, code, field] of cases) {
    const outcome = await verifyText(joinBundle(resign(parts(), base.second, change)));
    t.match(outcome, { ok: false, problem: { code, field } }, name);
  }
});

t.test('a bundle exported before its period ends says it does not cover it', async (t) => {
  const f = evidenceFixture();
  addRuns(f.store, at(5), 2, FIVE_MINUTES_MS, realistic);
  f.clock.now = at(20);
  // A year asked for, twenty minutes in: signed and intact, but not the year.
  const early = [...f.service.exportBundle(T0, at(365 * 24 * 60))].join('');
  const outcome = await verifyText(early);
  t.match(outcome, { ok: true, generatedAt: at(20).toISOString(), periodCovered: false });
  const rendered = renderOutcome(outcome);
  t.match(rendered, /^intact: /);
  t.match(
    rendered,
    `warning: exported at ${at(20).toISOString()}, before the period ends: what was recorded after that is not in this bundle\n`,
  );
  t.notMatch(renderOutcome(await verifyText(base.text)), /warning/, 'a whole period: no warning');
});

t.test('a key that signs but is not in the history', async (t) => {
  const p = parts();
  const h = header(p);
  h.keys = h.keys.filter((k) => k.fingerprint !== base.second.fingerprint);
  p.header = `${JSON.stringify(h).slice(0, -1)},`;
  const outcome = await verifyText(
    joinBundle(
      resign(p, base.second, (m) => {
        (m.digests as Record<string, string>).keys = digestOf(h.keys);
      }),
    ),
  );
  t.match(outcome, { ok: false, problem: { code: 'KEY_NOT_IN_HISTORY' } });
});

t.test('a bundle signed throughout by another key passes only without a pinned key', async (t) => {
  // Whoever holds a key can sign anything: pin the instance's key (--public-key).
  const thief = generateSigningKey().key;
  const p = parts();
  const h = header(p);
  h.publicKey = thief.publicKey;
  h.keys = [{ ...h.keys[0]!, fingerprint: thief.fingerprint, publicKey: thief.publicKey }];
  p.header = `${JSON.stringify(h).slice(0, -1)},`;
  const forged = joinBundle(
    resign(p, thief, (m) => {
      (m.key as { fingerprint: string }).fingerprint = thief.fingerprint;
      (m.digests as Record<string, string>).keys = digestOf(h.keys);
    }),
  );
  t.match(await verifyText(forged), { ok: true, fingerprint: thief.fingerprint, keyPinned: false });
  const pinned = { publicKey: parsePublicKey(base.second.publicKey)! };
  t.match(await verifyText(forged, pinned), {
    ok: false,
    fingerprint: thief.fingerprint,
    problem: { code: 'PUBLIC_KEY_MISMATCH' },
  });
  t.match(await verifyText(base.text, { publicKey: parsePublicKey(base.first.publicKey)! }), {
    ok: false,
    problem: { code: 'PUBLIC_KEY_MISMATCH' },
  });
});

t.test('key rotation: old bundles verify with the old key, new ones name both keys', async (t) => {
  const f = evidenceFixture();
  addRuns(f.store, at(5), 2);
  const first = f.keys.current().key;
  const before = [...f.service.exportBundle(T0, at(30))].join('');
  const rotated = f.keys.rotate();
  f.store.registerSigningKey(rotated.key, at(31), 'rotated');
  addRuns(f.store, at(35), 2);
  const after = [...f.service.exportBundle(T0, at(60))].join('');
  const pin = (key: SigningKey) => ({ publicKey: parsePublicKey(key.publicKey)! });
  t.match(await verifyText(before, pin(first)), { ok: true, fingerprint: first.fingerprint });
  t.match(await verifyText(after, pin(rotated.key)), { ok: true });
  t.match(await verifyText(after, pin(first)), {
    ok: false,
    problem: { code: 'PUBLIC_KEY_MISMATCH' },
  });
  const bundle = JSON.parse(after) as Bundle;
  t.strictSame(
    bundle.keys.map((k) => [k.fingerprint, k.reason, k.retiredAt]),
    [
      [first.fingerprint, 'created', at(31).toISOString()],
      [rotated.key.fingerprint, 'rotated', null],
    ],
  );
  t.match(
    bundle.records.filter((r) => r.kind === 'signing-key'),
    [
      { seq: 1, fingerprint: first.fingerprint },
      {
        fingerprint: rotated.key.fingerprint,
        previousFingerprint: first.fingerprint,
        reason: 'rotated',
      },
    ],
    'the rotation is a record of the chain',
  );
});

t.test('after pruning, an export anchored at the signed checkpoint verifies', async (t) => {
  const f = evidenceFixture();
  addRuns(f.store, at(5), 10);
  const oldKey = f.keys.current().key;
  f.clock.now = at(100);
  const checkpoint = f.store.prune(at(27));
  // The runs at 5..25 (and the key record) are behind the checkpoint.
  t.match(checkpoint, { firstSeq: 1, lastSeq: 1 + 5 * N, keyFingerprint: oldKey.fingerprint });
  // A later export is signed by a newer key: the checkpoint's key is found in the history.
  f.store.registerSigningKey(f.keys.rotate().key, at(101), 'rotated');
  for (const from of [at(29), T0]) {
    const text = [...f.service.exportBundle(from, at(200))].join('');
    const bundle = JSON.parse(text) as Bundle;
    t.match(bundle.anchor, { kind: 'checkpoint', seq: checkpoint!.lastSeq, checkpoint });
    t.equal(bundle.records[0]?.seq, checkpoint!.lastSeq + 1);
    t.match(await verifyText(text), { ok: true, anchor: { kind: 'checkpoint' }, runs: 5 });
  }
  const text = [...f.service.exportBundle(at(29), at(200))].join('');
  const p = splitBundle(text);
  const anchorCases: [string, (c: Record<string, unknown>) => void, VerifyCode][] = [
    ['checkpoint signature', (c) => (c.to = 'x'), 'CHECKPOINT_SIGNATURE_INVALID'],
    ['checkpoint key', (c) => (c.keyFingerprint = 'c'.repeat(64)), 'CHECKPOINT_KEY_UNKNOWN'],
    ['checkpoint end', (c) => (c.lastSeq = 3), 'ANCHOR_INVALID'],
    ['checkpoint count', (c) => (c.count = 2), 'ANCHOR_INVALID'],
    ['checkpoint shape', (c) => delete c.signature, 'BUNDLE_MALFORMED'],
    ['checkpoint lone surrogate', (c) => (c.from = '\ud800'), 'CHECKPOINT_SIGNATURE_INVALID'],
  ];
  for (const [name, change, code] of anchorCases) {
    const copy = { ...p };
    const h = header(copy);
    change((h.anchor as unknown as { checkpoint: Record<string, unknown> }).checkpoint);
    copy.header = `${JSON.stringify(h).slice(0, -1)},`;
    t.match(await verifyText(joinBundle(copy)), { ok: false, problem: { code } }, name);
  }
});

t.test('what is not a bundle at all', async (t) => {
  t.match(verifyBundleObject([]), { ok: false, problem: { code: 'BUNDLE_MALFORMED' } });
  t.match(verifyBundleObject({ format: 'other' }), {
    ok: false,
    problem: { code: 'BUNDLE_MALFORMED', paths: ['format'] },
  });
  const whole = JSON.parse(base.text) as Record<string, unknown>;
  t.match(verifyBundleObject({ ...whole, records: {} }), {
    ok: false,
    problem: { code: 'BUNDLE_MALFORMED', paths: ['records'] },
  });
  t.match(verifyBundleObject({ ...whole, extra: 1 }), {
    ok: false,
    problem: { code: 'BUNDLE_MALFORMED', paths: ['$.extra'] },
  });
  const malformed = {
    ...whole,
    period: [],
    anchor: { kind: 'checkpoint', seq: -1, hash: 'x', checkpoint: [] },
    keys: [{}],
    system: 1,
    controls: [{ id: 1, criteria: [1] }],
    checks: {},
  };
  const outcome = verifyBundleObject(malformed);
  t.match(outcome, { ok: false, problem: { code: 'BUNDLE_MALFORMED' } });
  t.ok(!outcome.ok && (outcome.problem.paths?.length ?? 0) > 10, 'every bad field is named');
  t.match(verifyBundleObject({ ...whole, anchor: 'genesis' }), {
    ok: false,
    problem: {
      code: 'BUNDLE_MALFORMED',
      paths: ['anchor', 'anchor.kind', 'anchor.seq', 'anchor.hash'],
    },
  });
  t.match(verifyBundleObject({ ...whole, keys: 'none', controls: 'none' }), {
    ok: false,
    problem: { code: 'BUNDLE_MALFORMED', paths: ['keys', 'controls'] },
  });
  for (const text of ['', 'null', '{"format":"tufwatch-evidence-bundle",x,', '{"a":1,']) {
    t.equal(await verifyBundleLines(linesOf(text)), undefined, `not the layout: ${text}`);
  }
  const cut = base.text.slice(0, base.text.indexOf('\n"records":[\n') + 14);
  t.match(await verifyBundleLines(linesOf(cut)), {
    ok: false,
    problem: { code: 'BUNDLE_MALFORMED' },
  });
});

t.test('bytes that are not UTF-8 are refused, not read as U+FFFD', async (t) => {
  // A record holding U+FFFD (tufwatch writes it when it cleans up repository text).
  const p = parts();
  const { hash: _hash, ...body } = record(p, 2);
  p.records[2] = canonicalJson(
    sealRecord({ ...body, evidence: { note: 'bad byte \ufffd here' } } as unknown as RecordBody),
  );
  rechain(p, 3);
  const good = Buffer.from(joinBundle(p), 'utf8');
  const stream = async (bytes: Buffer) =>
    verifyBundleLines(
      splitLines(
        (async function* () {
          yield await Promise.resolve(bytes);
        })(),
        1 << 20,
      ),
    );
  const replacement = Buffer.from('\ufffd', 'utf8');
  const at = good.indexOf(replacement);
  t.ok(at > 0);
  // The three bytes of U+FFFD replaced by one invalid byte and two ASCII ones: a lenient decoder
  // reads U+FFFD again.
  const bad = Buffer.concat([good.subarray(0, at), Buffer.from([0xff]), good.subarray(at + 3)]);
  t.match(await stream(bad), {
    ok: false,
    problem: { code: 'BUNDLE_MALFORMED', message: 'the file is not UTF-8 text' },
  });
  // In the first line, the bundle is not in the line layout at all.
  t.equal(await stream(Buffer.concat([Buffer.from([0xc0]), good])), undefined);
  t.throws(() => decodeUtf8(Buffer.from([0x61, 0xff])), NotUtf8);
  t.equal(decodeUtf8(Buffer.from('\ufeffa', 'utf8')), '\ufeffa', 'a BOM is kept, to be refused');
  t.end();
});

t.test('splitLines: bounded lines across chunks, CRLF or LF', async (t) => {
  async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
    for (const part of parts) yield await Promise.resolve(new TextEncoder().encode(part));
  }
  const collect = async (source: AsyncIterable<string>) => {
    const out: string[] = [];
    for await (const line of source) out.push(line);
    return out;
  };
  t.strictSame(await collect(splitLines(chunks('ab', 'c\r\nd', 'e\n\nf\u20ac'), 10)), [
    'abc',
    'de',
    '',
    'f\u20ac',
  ]);
  t.strictSame(await collect(splitLines(chunks('x\n'), 10)), ['x']);
  await t.rejects(collect(splitLines(chunks('0123456789ab\n'), 10)), LineTooLong);
  await t.rejects(collect(splitLines(chunks('0123456', '789ab'), 10)), LineTooLong);
  // A first line too long to be a header is not the layout; a record line too long is malformed.
  t.equal(await verifyBundleLines(splitLines(chunks('x'.repeat(20)), 10)), undefined);
  const max = base.text.indexOf('\n') + 100;
  const big = base.text.replace('"message":"', `"message":"${'y'.repeat(max)}`);
  t.match(await verifyBundleLines(splitLines(chunks(big), max)), {
    ok: false,
    problem: { code: 'BUNDLE_MALFORMED' },
  });
  // Other errors of the source are not verdicts.
  async function* failing(): AsyncGenerator<string> {
    yield* linesOf(base.text.slice(0, base.text.indexOf('\n"summary"')));
    throw new Error('EIO');
  }
  await t.rejects(verifyBundleLines(failing()), { message: 'EIO' });
  async function* failingFirst(): AsyncGenerator<string> {
    yield* [];
    await Promise.reject(new Error('EACCES'));
  }
  await t.rejects(verifyBundleLines(failingFirst()), { message: 'EACCES' });
});

/*
 * An instance monitoring its TUF repository: 9 checks and the 4 controls made
 * of them, 25,920 runs. (`npm run bench` measures the same with every check of
 * the registry, AWS included.)
 */
t.test('90 days of 5-minute runs of every control: exported and verified', async (t) => {
  const f = evidenceFixture({ controls: TUF_ONLY.controls });
  const runs = (90 * DAY_MS) / FIVE_MINUTES_MS;
  const built = performance.now();
  addRuns(f.store, at(5), runs, FIVE_MINUTES_MS, realistic, TUF_ONLY);
  const end = new Date(at(5).getTime() + runs * FIVE_MINUTES_MS);
  f.clock.now = end;
  t.comment(`stored ${runs} runs in ${(performance.now() - built).toFixed(0)} ms`);
  let bytes = 0;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (const chunk of f.service.exportBundle(T0, end)) {
      const encoded = Buffer.from(chunk, 'utf8');
      bytes += encoded.length;
      yield await Promise.resolve(encoded);
    }
  }
  const started = performance.now();
  const outcome = await verifyBundleLines(splitLines(chunks(), 1 << 20));
  t.comment(
    `exported and verified ${(bytes / 1024 / 1024).toFixed(1)} MB in ${(performance.now() - started).toFixed(0)} ms`,
  );
  t.match(outcome, {
    ok: true,
    runs,
    records: 1 + runs * TUF_ONLY.checks.length,
    fingerprint: f.keys.current().key.fingerprint,
  });
  t.ok(bytes > 50 * 1024 * 1024, 'a bundle of that size was streamed, never held whole');
});

t.test('strict JSON: a key twice in one object is refused, however it is spelled', (t) => {
  t.strictSame(parseStrictJson(' {"a": [ {"a": 1}, {"a": "x\\"y"} ], "b": {"a": 2}} '), {
    a: [{ a: 1 }, { a: 'x"y' }],
    b: { a: 2 },
  });
  for (const text of [
    '{"a":1,"a":1}',
    '{"a":1, "\\u0061" :2}',
    '[{"k":{"x":1,"x":2}}]',
    '{"s":"a:b","s" : 0}',
  ]) {
    t.throws(() => parseStrictJson(text), { name: 'DuplicateKey' }, text);
  }
  t.throws(() => parseStrictJson('{"a":'), SyntaxError);
  t.match(verifyBundleText('{"a":'), { ok: false, problem: { code: 'BUNDLE_MALFORMED' } });
  t.end();
});

t.test('with the key pinned, a duplicate in a reformatted bundle is still refused', async (t) => {
  const p = parts();
  p.records[3] = (p.records[3] as string).replace(
    /"status":"(\w+)"/,
    '"status":"fail","status":"$1"',
  );
  const outcome = await verifyText(` ${joinBundle(p)}`, {
    publicKey: parsePublicKey(base.second.publicKey)!,
  });
  t.match(outcome, { ok: false, problem: { code: 'BUNDLE_MALFORMED' } });
});

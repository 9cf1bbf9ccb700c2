import t from 'tap';
import { CONTROL_CATALOG } from '../../checks/controls.js';
import { ALL_CHECKS } from '../../checks/registry.js';
import {
  canonicalJson,
  GENESIS_HASH,
  parsePublicKey,
  sha256Hex,
  verifySignature,
  type SealedRecord,
} from '../../server/evidence.js';
import {
  BUNDLE_FORMAT,
  createEvidenceService,
  digestOf,
  ExportError,
  RECORDS_CLOSE,
  RECORDS_OPEN,
  type Bundle,
} from '../../server/evidence-export.js';
import { SigningKeyFile } from '../../server/evidence-keys.js';
import { verifyBundleObject } from '../../server/evidence-verify.js';
import { describeSystem } from '../../server/routes/system.js';
import type { EvidenceChain } from '../../server/types.js';
import {
  addRuns,
  DAY_MS,
  evidenceFixture,
  FIVE_MINUTES_MS,
  MINUTE_MS,
  realistic,
  splitBundle,
  T0,
} from '../support/evidence.js';
import { fakeConfig } from '../support/fakes.js';

const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE_MS);
const text = (chunks: Iterable<string>) => [...chunks].join('');

t.test('the public key: the active key, registered, with the history', (t) => {
  const f = evidenceFixture();
  const info = f.service.publicKey();
  const key = f.keys.current().key;
  t.strictSame(info, {
    algorithm: 'ed25519',
    fingerprint: key.fingerprint,
    publicKey: key.publicKey,
    keys: f.store.signingKeys(),
  });
  t.equal(info.keys.length, 1);
  // A rotation by another process is seen at the next call, and recorded as found.
  f.keys.rotate();
  f.clock.now = at(5);
  const rotated = f.service.publicKey();
  t.not(rotated.fingerprint, key.fingerprint);
  t.match(rotated.keys, [
    { fingerprint: key.fingerprint, retiredAt: at(5).toISOString() },
    { fingerprint: rotated.fingerprint, reason: 'adopted', retiredAt: null },
  ]);
  t.end();
});

t.test('a key created by the service itself is recorded as created', (t) => {
  const store = evidenceFixture().store;
  const keys = new SigningKeyFile(undefined);
  const config = fakeConfig();
  const service = createEvidenceService({
    store,
    keys,
    system: describeSystem(config),
    controls: config.controls,
    checks: ALL_CHECKS,
    version: 'x',
    now: () => T0,
  });
  service.publicKey();
  t.equal(store.signingKeys().at(-1)?.reason, 'created');
  t.end();
});

t.test('a bundle: header, records one per line, summary, signed manifest', (t) => {
  const f = evidenceFixture();
  addRuns(f.store, at(5), 3, FIVE_MINUTES_MS, (i): Record<string, 'fail'> =>
    i === 1 ? { 'tuf.expiry': 'fail' } : {},
  );
  f.clock.now = at(60);
  const bundleText = text(f.service.exportBundle(T0, at(60)));
  const lines = bundleText.split('\n');
  t.match(lines[0], /^\{"format":"tufwatch-evidence-bundle","v":1,.*,$/);
  t.equal(lines[1], RECORDS_OPEN);
  t.equal(lines.at(-1), '', 'ends with a newline');
  const parts = splitBundle(bundleText);
  t.equal(parts.records.length, 1 + 3 * ALL_CHECKS.length, 'the key record and every result');
  const bundle = JSON.parse(bundleText) as Bundle;
  for (const [i, record] of bundle.records.entries()) {
    t.equal(parts.records[i], canonicalJson(record), 'each record line is its RFC 8785 form');
  }
  const key = f.keys.current().key;
  t.strictSame(
    {
      format: bundle.format,
      v: bundle.v,
      generatedAt: bundle.generatedAt,
      period: bundle.period,
      anchor: bundle.anchor,
      publicKey: bundle.publicKey,
      keys: bundle.keys,
      system: bundle.system,
      controls: bundle.controls,
    },
    {
      format: BUNDLE_FORMAT,
      v: 1,
      generatedAt: at(60).toISOString(),
      period: { from: T0.toISOString(), to: at(60).toISOString() },
      anchor: { kind: 'genesis', seq: 0, hash: GENESIS_HASH },
      publicKey: key.publicKey,
      keys: f.store.signingKeys(),
      system: describeSystem(fakeConfig()),
      controls: CONTROL_CATALOG,
    },
  );
  t.strictSame(
    bundle.checks.map((c) => c.id),
    ALL_CHECKS.map((c) => c.id),
  );
  t.notOk('evaluate' in (bundle.checks[0] as object), 'what a check is, not its code');
  t.match(bundle.summary, { runs: 3 });
  t.match(
    bundle.summary.controls.find((c) => c.id === 'TW-02'),
    {
      passing: 2,
      failingPeriods: [{ runs: 1, worst: 'fail' }],
    },
  );
  const records = bundle.records;
  t.strictSame(bundle.manifest, {
    v: 1,
    format: BUNDLE_FORMAT,
    generatedAt: at(60).toISOString(),
    period: bundle.period,
    anchor: { kind: 'genesis', seq: 0, hash: GENESIS_HASH },
    first: { seq: 1, hash: records[0]!.hash, at: T0.toISOString() },
    last: {
      seq: records.length,
      hash: records.at(-1)!.hash,
      at: (records.at(-1) as SealedRecord & { evaluatedAt: string }).evaluatedAt,
    },
    counts: { records: records.length, checkResults: records.length - 1, signingKeys: 1, runs: 3 },
    digests: {
      records: sha256Hex(canonicalJson(records)),
      summary: digestOf(bundle.summary),
      anchor: digestOf(bundle.anchor),
      system: digestOf(bundle.system),
      controls: digestOf(bundle.controls),
      checks: digestOf(bundle.checks),
      keys: digestOf(bundle.keys),
    },
    key: { algorithm: 'ed25519', fingerprint: key.fingerprint },
    generator: { name: 'tufwatch', version: '0.1.0-test' },
  });
  t.strictSame(bundle.signature, {
    algorithm: 'ed25519',
    keyFingerprint: key.fingerprint,
    value: bundle.signature.value,
  });
  t.ok(
    verifySignature(
      parsePublicKey(key.publicKey)!,
      canonicalJson(bundle.manifest),
      bundle.signature.value,
    ),
  );
  t.match(verifyBundleObject(bundle), { ok: true, records: records.length, runs: 3 });
  t.end();
});

t.test('an empty period: no record, anchored at the head, still signed', (t) => {
  const f = evidenceFixture();
  addRuns(f.store, at(5), 2);
  const bundleText = text(f.service.exportBundle(at(100), at(200)));
  t.match(bundleText, `\n${RECORDS_OPEN}\n${RECORDS_CLOSE}\n"summary":`);
  const bundle = JSON.parse(bundleText) as Bundle;
  t.strictSame(bundle.records, []);
  t.match(bundle.anchor, { kind: 'record', seq: 1 + 2 * ALL_CHECKS.length });
  t.match(bundle.manifest, { first: null, last: null, counts: { records: 0, runs: 0 } });
  t.match(verifyBundleObject(bundle), { ok: true, records: 0, first: null, last: null });
  t.end();
});

t.test('records are read page by page, and chunks stay small', (t) => {
  const f = evidenceFixture();
  // More than one page of 2000 records.
  addRuns(f.store, at(5), 240, FIVE_MINUTES_MS, realistic);
  const to = at(5 + 240 * 5);
  const chunks = [...f.service.exportBundle(T0, to)];
  t.ok(chunks.length > 2, `${chunks.length} chunks`);
  t.ok(chunks.every((c) => c.length < 512 * 1024));
  const bundle = JSON.parse(chunks.join('')) as Bundle;
  t.equal(bundle.records.length, 1 + 240 * ALL_CHECKS.length);
  t.match(verifyBundleObject(bundle), { ok: true, runs: 240 });

  // The CSV reads the same range in pages too.
  const csv = f.service.exportCsv(T0, to).split('\r\n');
  t.equal(csv.length, 1 + CONTROL_CATALOG.length + 1);
  t.match(csv[1], /^2031-01-01,TW-01,.*,240,240,0,0,0,0,1\.0000,pass$/);
  t.end();
});

t.test('the CSV over several days, and a range holding only key records', (t) => {
  const f = evidenceFixture();
  addRuns(f.store, at(5), 3, DAY_MS);
  f.store.registerSigningKey(f.keys.rotate().key, at(3 * 24 * 60), 'rotated');
  const csv = f.service
    .exportCsv(T0, at(4 * 24 * 60))
    .trimEnd()
    .split('\r\n');
  t.equal(csv.length, 1 + 4 * CONTROL_CATALOG.length);
  // A title with a comma (TW-07's) is quoted.
  t.match(
    csv.at(-1),
    new RegExp(`^2031-01-04,${CONTROL_CATALOG.at(-1)!.id},(?:"[^"]*"|[^,"]+),0,0,0,0,0,0,,$`),
  );
  const keysOnly = f.service.exportCsv(at(3 * 24 * 60 - 1), at(4 * 24 * 60));
  t.match(keysOnly, /^date,/);
  t.end();
});

t.test('a record missing from the store during an export is an error, not a gap', (t) => {
  const f = evidenceFixture();
  addRuns(f.store, at(5), 2);
  const records = f.store.evidenceRecords(1, 100, 100);
  const cases: [string, (first: number) => SealedRecord[]][] = [
    ['pruned before the page was read', () => []],
    ['a hole inside a page', (first) => records.filter((r) => r.seq >= first && r.seq !== 3)],
  ];
  for (const [name, page] of cases) {
    const store: EvidenceChain = {
      ...f.store,
      evidenceRange: (from, to) => f.store.evidenceRange(from, to),
      signingKeys: () => f.store.signingKeys(),
      registerSigningKey: (...args) => f.store.registerSigningKey(...args),
      evidenceRecords: (first) => page(first),
      checkStatuses: () => [],
      checkpoints: () => [],
    };
    const config = fakeConfig();
    const service = createEvidenceService({
      store,
      keys: f.keys,
      system: describeSystem(config),
      controls: config.controls,
      checks: ALL_CHECKS,
      version: 'x',
      now: () => T0,
    });
    t.throws(() => text(service.exportBundle(T0, at(60))), ExportError, name);
  }
  t.end();
});

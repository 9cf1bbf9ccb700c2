import t from 'tap';
import { targetIntegrityCheck } from '../../../checks/tuf/target-integrity.js';
import {
  cleanRepo,
  collected,
  commonCases,
  evidenceCodes,
  evidenceOf,
  found,
  handReport,
  snapshot,
  verifyBuilt,
} from '../../support/checks.js';

const check = targetIntegrityCheck;
const threeTargets = () =>
  cleanRepo()
    .addTarget('orbit/macos/1.38.0/orbit', 'orbit 1.38.0')
    .addTarget('orbit/macos/stable/orbit', 'orbit 1.38.0');

t.test('every target file matches: pass, with counts', async (t) => {
  const report = await verifyBuilt(threeTargets());
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'pass');
  t.strictSame(evidenceOf(outcome), {
    status: 'pass',
    targetCount: 3,
    verified: 3,
    failed: 0,
    findings: [],
    targetsChecked: true,
  });
});

t.test('files verified by an earlier run count as verified', async (t) => {
  const first = await verifyBuilt(threeTargets());
  const report = await verifyBuilt(threeTargets(), {
    verifiedTargets: new Map(Object.entries(first.verifiedTargets ?? {})),
  });
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'pass');
  t.match(evidenceOf(outcome), { targetCount: 3, verified: 3 });
});

t.test('a target file is not published: fail', async (t) => {
  const files = threeTargets().build();
  files.delete('targets/orbit/macos/stable/orbit');
  const report = await verifyBuilt(files);
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'fail');
  t.strictSame(evidenceCodes(outcome), ['TARGET_MISSING']);
  t.match(evidenceOf(outcome), {
    targetCount: 3,
    verified: 2,
    failed: 1,
    findings: [{ target: 'orbit/macos/stable/orbit', role: 'targets' }],
  });
});

t.test('a target file replaced by other bytes: fail', async (t) => {
  const files = threeTargets().build();
  files.set('targets/orbit/macos/stable/orbit', Buffer.from('orbit 6.66.6'));
  const report = await verifyBuilt(files);
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'fail');
  t.strictSame(evidenceCodes(outcome), ['TARGET_HASH_MISMATCH']);
  t.match(evidenceOf(outcome), { findings: [{ target: 'orbit/macos/stable/orbit' }] });
});

t.test('target files not at the targets base (staged metadata): not_applicable', async (t) => {
  const report = await verifyBuilt(threeTargets(), { serveTargets: false });
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'not_applicable');
  t.match(evidenceOf(outcome), {
    status: 'not_applicable',
    targetsChecked: false,
    targetCount: 3,
    verified: null,
    reason: String,
  });
});

t.test('target files not checked at all: not_applicable', async (t) => {
  const report = await verifyBuilt(threeTargets(), { targetsMode: 'skip' });
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'not_applicable');
  t.match(evidenceOf(outcome), { targetsChecked: false, verified: null });
});

t.test('a target file whose fetch failed: error', async (t) => {
  const report = await verifyBuilt(threeTargets(), { failing: ['orbit/macos/stable/orbit'] });
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'error');
  t.match(evidenceOf(outcome), {
    targetCount: 3,
    verified: 2,
    notEvaluated: { fetchFailed: [{ target: 'orbit/macos/stable/orbit' }] },
  });
});

t.test('fewer files verified than listed, with no finding: error', (t) => {
  const report = handReport({ targetCount: 3, verifiedTargets: { 'a.txt': '1 sha256=00' } });
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'error');
  t.match(evidenceOf(outcome), { targetCount: 3, verified: 1, targetsChecked: true });
  t.end();
});

t.test('evidence keeps at most 50 findings, and their count', (t) => {
  const findings = Array.from({ length: 70 }, (_, i) =>
    found('TARGET_MISSING', { role: 'targets', target: `t${i}` }),
  );
  const report = handReport({ targetCount: 70, verifiedTargets: {}, findings });
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'fail');
  t.match(evidenceOf(outcome), { failed: 70 });
  t.equal((evidenceOf(outcome).findings as unknown[]).length, 50);
  t.end();
});

commonCases(t, check);

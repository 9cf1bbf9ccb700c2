import t, { type Test } from 'tap';
import { targetIntegrityCheck } from '../../../checks/tuf/target-integrity.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirectorySource } from '../../../sources/directory.js';
import type { FileValidators } from '../../../tuf/source.js';
import {
  verifyRepository,
  type ReverifyPolicy,
  type TargetsMode,
  type VerifiedTarget,
  type VerifyReport,
} from '../../../tuf/verify.js';
import { writeRepo } from '../../support/builder.js';
import {
  at,
  cleanRepo,
  DAY_MS,
  NOW,
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
    oldestHashedAt: NOW.toISOString(),
    oldestTarget: 'hello.txt',
    hashedThisRun: {},
    hashed: {},
    validatorsChanged: [],
    lastHashed: {
      'hello.txt': NOW.toISOString(),
      'orbit/macos/1.38.0/orbit': NOW.toISOString(),
      'orbit/macos/stable/orbit': NOW.toISOString(),
    },
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
  const report = handReport({
    targetCount: 3,
    verifiedTargets: { 'a.txt': { key: '1 sha256=00', hashedAt: '2030-01-01T00:00:00Z' } },
  });
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

t.test(
  'the delegation walk stopped at a limit: never pass, even with every reached file good',
  (t) => {
    const cut = found('SIZE_LIMIT_EXCEEDED', { role: 'bins-07', actual: 12 });
    const report = handReport({
      targetCount: 1,
      verifiedTargets: { 'a.txt': { key: '1 sha256=00', hashedAt: NOW.toISOString() } },
      findings: [cut],
    });
    const outcome = check.evaluate(collected([snapshot(report)]));
    t.equal(outcome.status, 'error');
    t.match(evidenceOf(outcome), {
      sizeLimitExceeded: [{ code: 'SIZE_LIMIT_EXCEEDED', role: 'bins-07' }],
    });
    // A proven mismatch still fails.
    const mismatch = found('TARGET_HASH_MISMATCH', { target: 'a.txt' });
    const failing = handReport({ targetCount: 1, verifiedTargets: {}, findings: [cut, mismatch] });
    t.equal(check.evaluate(collected([snapshot(failing)])).status, 'fail');
    t.end();
  },
);

t.test('targets reached only through roles that did not verify: error, not pass', (t) => {
  const report = handReport({
    targetCount: 1,
    verifiedTargets: { 'a.txt': { key: '1 sha256=00', hashedAt: NOW.toISOString() } },
    untrustedTargets: 3,
  });
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'error');
  t.match(evidenceOf(outcome), { untrustedTargets: 3 });
  t.end();
});

t.test('a file last hashed longer ago than targetReverifyHours: error, not pass', (t) => {
  const report = handReport({
    targetCount: 2,
    verifiedTargets: {
      'old.bin': { key: '1 sha256=00', hashedAt: at(-25 * 3600 * 1000).toISOString() },
      'never.bin': { key: '1 sha256=00', hashedAt: '' },
      'new.bin': { key: '1 sha256=00', hashedAt: NOW.toISOString() },
    },
  });
  const outcome = check.evaluate(collected([snapshot(report)], { targetReverifyHours: 24 }));
  t.equal(outcome.status, 'error');
  t.match(evidenceOf(outcome), {
    stale: ['never.bin', 'old.bin'],
    oldestTarget: 'never.bin',
    oldestHashedAt: '',
  });
  const longer = check.evaluate(collected([snapshot(report)], { targetReverifyHours: 48 }));
  t.equal(longer.status, 'error', 'a file never shown hashed is stale whatever the window');
  t.end();
});

t.test('evidence lists at most MAX_EVIDENCE_TARGETS last hash times, oldest first', (t) => {
  const verifiedTargets: Record<string, VerifiedTarget> = {};
  for (let i = 0; i < 202; i++) {
    verifiedTargets[`t${String(i).padStart(3, '0')}`] = {
      key: '1 sha256=00',
      hashedAt: at(-i * 1000).toISOString(),
    };
  }
  const hashedTargets = Object.fromEntries(
    Object.keys(verifiedTargets).map((path) => [path, 'rolling' as const]),
  );
  const report = handReport({ targetCount: 202, verifiedTargets, hashedTargets });
  const evidence = evidenceOf(check.evaluate(collected([snapshot(report)])));
  const lastHashed = Object.keys(evidence.lastHashed as object);
  t.equal(lastHashed.length, 200);
  t.equal(lastHashed[0], 't201', 'oldest first');
  t.equal(evidence.lastHashedOmitted, 2);
  t.equal(Object.keys(evidence.hashed as object).length, 200);
  t.strictSame(evidence.hashedThisRun, { rolling: 202 });
  t.end();
});

t.test('files hashed at the same time are listed in path order', (t) => {
  const same = { key: '1 sha256=00', hashedAt: NOW.toISOString() };
  for (const verifiedTargets of [
    { b: same, a: same, c: same },
    { a: same, c: same, b: same },
  ]) {
    const report = handReport({ targetCount: 3, verifiedTargets });
    const evidence = evidenceOf(check.evaluate(collected([snapshot(report)])));
    t.strictSame(Object.keys(evidence.lastHashed as object), ['a', 'b', 'c']);
  }
  t.end();
});

t.test('targets metadata that did not check out: its files matching it proves nothing', (t) => {
  const report = handReport({
    targetCount: 1,
    verifiedTargets: { 'a.txt': { key: '1 sha256=00', hashedAt: NOW.toISOString() } },
    untrustedRoles: ['targets'],
  });
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'error');
  t.match(evidenceOf(outcome), {
    servedNotTrusted: ['targets'],
    notEvaluated: { untrustedContent: ['targets'] },
  });
  t.end();
});

t.test('the host redirected: evidence names where the answers came from', (t) => {
  const redirects = { 'https://a.test/timestamp.json': 'https://b.test/timestamp.json' };
  const report = handReport({ targetCount: 0, verifiedTargets: {}, redirects });
  t.match(evidenceOf(check.evaluate(collected([snapshot(report)]))), { redirects });
  t.end();
});

/**
 * Runs after runs, as the monitor makes them: the repository in a directory
 * whose files can be replaced between runs, each run given what the last one
 * verified, with the rolling re-hash on.
 */
function repeatedRuns(
  t: Test,
  probe?: (name: string) => Promise<FileValidators>,
  targetsMode: TargetsMode = 'required',
) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tufwatch-reverify-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const files = threeTargets().build();
  writeRepo(files, dir);
  const targets = new DirectorySource(path.join(dir, 'targets'));
  const policy: ReverifyPolicy = { maxAgeMs: DAY_MS, budgetFraction: 0 };
  let known = new Map<string, VerifiedTarget>();
  return {
    replace: (name: string, bytes: string) =>
      fs.writeFileSync(path.join(dir, 'targets', ...name.split('/')), bytes),
    remove: (name: string) => fs.rmSync(path.join(dir, 'targets', ...name.split('/'))),
    async run(now: Date): Promise<VerifyReport> {
      const report = await verifyRepository({
        repository: new DirectorySource(dir),
        targets:
          probe === undefined
            ? targets
            : {
                location: targets.location,
                read: targets.read.bind(targets),
                stream: targets.stream.bind(targets),
                probe,
              },
        trustedRoot: files.get('1.root.json'),
        now,
        verifiedTargets: known,
        targetReverify: policy,
        targetsMode,
      });
      known = new Map(Object.entries(report.verifiedTargets ?? {}));
      return report;
    },
  };
}

t.test('a file replaced after an earlier run verified it', (t) => {
  t.test('the host changed its validators: caught by the next run', async (t) => {
    const repo = repeatedRuns(t);
    t.equal(check.evaluate(collected([snapshot(await repo.run(NOW))])).status, 'pass');
    repo.replace('orbit/macos/stable/orbit', 'orbit 6.66.6');
    const report = await repo.run(at(60_000));
    t.strictSame(report.hashedTargets, { 'orbit/macos/stable/orbit': 'validators' });
    const outcome = check.evaluate(collected([snapshot(report)], {}, at(60_000)));
    t.equal(outcome.status, 'fail');
    t.strictSame(evidenceCodes(outcome), ['TARGET_HASH_MISMATCH']);
    t.match(evidenceOf(outcome), {
      validatorsChanged: ['orbit/macos/stable/orbit'],
      hashed: { 'orbit/macos/stable/orbit': 'validators' },
    });
  });

  t.test('the host kept its validators: caught within the re-hash window', async (t) => {
    const repo = repeatedRuns(t, () => Promise.resolve({ etag: '"same"', length: 12 }));
    await repo.run(NOW);
    repo.replace('orbit/macos/stable/orbit', 'orbit 6.66.6');
    const unnoticed = await repo.run(at(3600_000));
    t.strictSame(unnoticed.hashedTargets, {}, 'nothing said it changed, and nothing is due');
    const due = await repo.run(at(DAY_MS));
    t.equal(due.hashedTargets?.['orbit/macos/stable/orbit'], 'due');
    const outcome = check.evaluate(collected([snapshot(due)], {}, at(DAY_MS)));
    t.equal(outcome.status, 'fail');
    t.strictSame(evidenceCodes(outcome), ['TARGET_HASH_MISMATCH']);
  });

  for (const mode of ['required', 'auto'] as const) {
    t.test(`the file is gone (${mode}): the failed probe makes the run look`, async (t) => {
      const repo = repeatedRuns(t, undefined, mode);
      await repo.run(NOW);
      // auto mode: files verified here before are not taken to be published elsewhere.
      repo.remove('hello.txt');
      const report = await repo.run(at(60_000));
      t.equal(report.hashedTargets?.['hello.txt'], 'probe-failed');
      const outcome = check.evaluate(collected([snapshot(report)], {}, at(60_000)));
      t.equal(outcome.status, 'fail');
      t.strictSame(evidenceCodes(outcome), ['TARGET_MISSING']);
    });
  }

  t.test('unchanged files keep their hash time until they are due', async (t) => {
    const repo = repeatedRuns(t);
    await repo.run(NOW);
    const later = await repo.run(at(3600_000));
    t.strictSame(later.hashedTargets, {});
    const outcome = check.evaluate(collected([snapshot(later)], {}, at(3600_000)));
    t.equal(outcome.status, 'pass');
    t.match(evidenceOf(outcome), { oldestHashedAt: NOW.toISOString(), hashedThisRun: {} });
  });
  t.end();
});

commonCases(t, check);

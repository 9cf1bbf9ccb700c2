import t from 'tap';
import { rootChainCheck } from '../../../checks/tuf/root-chain.js';
import { tufTime } from '../../support/builder.js';
import {
  at,
  cleanRepo,
  collected,
  commonCases,
  DAY_MS,
  evidenceCodes,
  evidenceOf,
  snapshot,
  verifyBuilt,
} from '../../support/checks.js';

const check = rootChainCheck;

t.test('a rotation signed by the old and new root: pass, with the root in evidence', async (t) => {
  const report = await verifyBuilt(
    cleanRepo().rotateRoot({ roles: { root: { threshold: 2 } }, expires: at(300 * DAY_MS) }),
  );
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'pass');
  t.strictSame(evidenceOf(outcome), {
    status: 'pass',
    findingCount: 0,
    findings: [],
    root: {
      version: 2,
      expires: tufTime(at(300 * DAY_MS)),
      threshold: 2,
      validSignatures: 2,
      keys: 2,
    },
  });
});

t.test('a new root signed only by its own keys: fail', async (t) => {
  const report = await verifyBuilt(
    cleanRepo().rotateRoot({ roles: { root: { threshold: 2 } }, signers: 'new' }),
  );
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'fail');
  t.strictSame(evidenceCodes(outcome), ['ROOT_ROTATION_INVALID']);
  t.match(evidenceOf(outcome), {
    findings: [{ role: 'root', file: '2.root.json', threshold: 2, validKeys: [], version: 2 }],
    root: { version: 2 },
  });
});

t.test('a root that skips a version: fail', async (t) => {
  const report = await verifyBuilt(cleanRepo().rotateRoot({ version: 3 }));
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'fail');
  t.match(evidenceOf(outcome), {
    findings: [{ code: 'ROOT_ROTATION_INVALID', file: 'root.json', expected: 1, actual: 3 }],
  });
});

t.test('no trusted root configured: warn', async (t) => {
  const report = await verifyBuilt(cleanRepo(), { unanchored: true });
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'warn');
  t.strictSame(evidenceCodes(outcome), ['TRUST_NOT_ANCHORED']);
});

commonCases(t, check);

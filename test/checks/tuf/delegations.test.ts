import t from 'tap';
import { delegationsCheck } from '../../../checks/tuf/delegations.js';
import {
  cleanRepo,
  collected,
  commonCases,
  evidenceCodes,
  evidenceOf,
  snapshot,
  verifyBuilt,
} from '../../support/checks.js';

const check = delegationsCheck;

t.test('no delegation: pass', async (t) => {
  const report = await verifyBuilt(cleanRepo());
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'pass');
  t.match(evidenceOf(outcome), { delegatedRoles: {}, findingCount: 0 });
});

t.test('delegated roles inside their paths: pass, with each delegated role', async (t) => {
  const report = await verifyBuilt(
    cleanRepo().addDelegation({
      name: 'orbit',
      paths: ['orbit/*'],
      threshold: 2,
      targets: { 'orbit/macos': 'orbit' },
      delegations: [{ name: 'nightly', paths: ['orbit/n*'], targets: { 'orbit/nightly': 'n' } }],
    }),
  );
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'pass');
  const { delegatedRoles } = evidenceOf(outcome) as { delegatedRoles: Record<string, unknown> };
  t.strictSame(Object.keys(delegatedRoles).sort(), ['nightly', 'orbit']);
  t.match(delegatedRoles.orbit, { version: 1, threshold: 2, validSignatures: 2, keys: 2 });
});

t.test('a delegated role listing a target outside its paths: fail', async (t) => {
  const report = await verifyBuilt(
    cleanRepo().addDelegation({
      name: 'desktop',
      paths: ['desktop/*'],
      targets: { 'desktop/macos': 'd', 'orbit/macos': 'not yours' },
    }),
  );
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'fail');
  t.strictSame(evidenceCodes(outcome), ['DELEGATION_INVALID']);
  t.match(evidenceOf(outcome), {
    findings: [{ role: 'desktop', actual: ['orbit/macos'], expected: ['desktop/*'] }],
  });
});

t.test('a delegation to a role named like a top-level role: fail', async (t) => {
  const report = await verifyBuilt(
    cleanRepo()
      .addDelegation({ name: 'a', targets: { 'a.txt': 'a' } })
      .mutateSigned('targets', (s) => {
        const role = s.delegations?.roles[0];
        if (role !== undefined) role.name = 'Root';
      }),
  );
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'fail');
  t.match(evidenceOf(outcome), { findings: [{ code: 'DELEGATION_INVALID', actual: 'Root' }] });
});

t.test('a role named ../a is data (its file is ..%2Fa.json): pass', async (t) => {
  const report = await verifyBuilt(
    cleanRepo().addDelegation({ name: '../a', targets: { 'a.txt': 'a' } }),
  );
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'pass');
});

commonCases(t, check);

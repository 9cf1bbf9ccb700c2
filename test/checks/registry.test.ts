import t from 'tap';
import { CONTROL_CATALOG } from '../../checks/controls.js';
import { HTTPS_CHECKS } from '../../checks/https/index.js';
import { ALL_CHECKS, checkById, TUF_CHECKS } from '../../checks/registry.js';
import { collected } from '../support/checks.js';

t.test('the TUF check ids are exactly the public ones', (t) => {
  t.strictSame(TUF_CHECKS.map((c) => c.id).sort(), [
    'tuf.agent-roots',
    'tuf.consistency',
    'tuf.delegations',
    'tuf.expiry',
    'tuf.key-hygiene',
    'tuf.orbit-layout',
    'tuf.rollback',
    'tuf.root-chain',
    'tuf.signatures',
    'tuf.target-integrity',
  ]);
  for (const check of TUF_CHECKS) t.equal(check.component, 'tuf-repository', check.id);
  t.end();
});

t.test('the HTTPS check ids are exactly the public ones, all in ALL_CHECKS and TW-07', (t) => {
  t.strictSame(
    HTTPS_CHECKS.map((c) => c.id),
    ['https.certificate', 'https.protocol', 'https.hsts'],
  );
  const tw07 = CONTROL_CATALOG.find((c) => c.id === 'TW-07');
  t.strictSame(tw07?.criteria, ['A1.2', 'CC6.7', 'PI1.4']);
  t.equal(tw07?.title, 'Agents can always reach a consistent, authentic repository');
  for (const check of HTTPS_CHECKS) {
    t.ok(ALL_CHECKS.includes(check), check.id);
    t.ok(tw07?.checks.includes(check.id), `TW-07 holds ${check.id}`);
  }
  t.end();
});

t.test('every check is declared completely, under a unique dotted id', (t) => {
  const ids = ALL_CHECKS.map((c) => c.id);
  t.equal(new Set(ids).size, ids.length, 'ids are unique');
  for (const check of ALL_CHECKS) {
    t.match(check.id, /^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)+$/, check.id);
    t.ok(check.title.trim().length > 0, `${check.id}: title`);
    t.ok(check.remediation.trim().length > 0, `${check.id}: remediation`);
    t.ok(check.criteria.length > 0, `${check.id}: criteria`);
    t.equal(new Set(check.criteria).size, check.criteria.length, `${check.id}: criteria unique`);
  }
  t.end();
});

t.test('ALL_CHECKS holds every TUF check', (t) => {
  for (const check of TUF_CHECKS) t.ok(ALL_CHECKS.includes(check), check.id);
  t.end();
});

t.test('every check a control lists is registered', (t) => {
  for (const control of CONTROL_CATALOG) {
    for (const id of control.checks) t.ok(checkById(id), `${control.id} lists ${id}`);
  }
  t.end();
});

t.test('checkById', (t) => {
  t.equal(checkById('tuf.expiry')?.id, 'tuf.expiry');
  t.equal(checkById('tuf.nope'), undefined);
  t.end();
});

t.test('with no repository, every TUF check is not_applicable', (t) => {
  for (const check of TUF_CHECKS)
    t.equal(check.evaluate(collected([])).status, 'not_applicable', check.id);
  t.end();
});

import t from 'tap';
import { CONTROL_CATALOG, evaluateControls, worstStatus } from '../../checks/controls.js';
import { CHECK_STATUSES, type CheckResult, type CheckStatus } from '../../checks/types.js';
import type { ControlDefinition } from '../../server/types.js';

const result = (id: string, status: CheckStatus): CheckResult => ({
  id,
  status,
  message: '',
  evidence: {},
  evaluatedAt: '2030-01-01T00:00:00.000Z',
  durationMs: 1,
});

t.test('worstStatus: fail > error > warn > pass > not_applicable', (t) => {
  const order: CheckStatus[] = ['not_applicable', 'pass', 'warn', 'error', 'fail'];
  t.equal(worstStatus([]), 'not_applicable', 'nothing is not_applicable');
  for (const [i, worse] of order.entries()) {
    t.equal(worstStatus([worse]), worse);
    for (const better of order.slice(0, i)) {
      t.equal(worstStatus([better, worse]), worse, `${better} < ${worse}`);
      t.equal(worstStatus([worse, better]), worse, `${worse} > ${better}`);
    }
  }
  t.strictSame([...CHECK_STATUSES].sort(), [...order].sort(), 'every status is ordered');
  t.end();
});

t.test('evaluateControls rolls checks up into controls', (t) => {
  const catalog: ControlDefinition[] = [
    { id: 'C-1', title: 'one', description: '', criteria: ['CC6.1'], checks: ['a', 'b'] },
    { id: 'C-2', title: 'two', description: '', criteria: ['CC7.1'], checks: ['c'] },
    { id: 'C-3', title: 'three', description: '', criteria: ['CC8.1'], checks: ['a', 'gone'] },
    { id: 'C-4', title: 'four', description: '', criteria: ['CC8.1'], checks: [] },
  ];
  const controls = evaluateControls(catalog, [
    result('a', 'pass'),
    result('b', 'warn'),
    result('c', 'not_applicable'),
  ]);
  t.strictSame(controls, [
    {
      id: 'C-1',
      title: 'one',
      status: 'warn',
      checks: [
        { id: 'a', status: 'pass' },
        { id: 'b', status: 'warn' },
      ],
    },
    {
      id: 'C-2',
      title: 'two',
      status: 'not_applicable',
      checks: [{ id: 'c', status: 'not_applicable' }],
    },
    {
      id: 'C-3',
      title: 'three',
      status: 'error',
      checks: [
        { id: 'a', status: 'pass' },
        { id: 'gone', status: 'error' },
      ],
    },
    { id: 'C-4', title: 'four', status: 'not_applicable', checks: [] },
  ]);
  t.end();
});

t.test('the catalog: unique ids, criteria and checks for every control', (t) => {
  const ids = CONTROL_CATALOG.map((c) => c.id);
  t.equal(new Set(ids).size, ids.length);
  for (const control of CONTROL_CATALOG) {
    t.match(control.id, /^TW-\d{2}$/);
    t.ok(control.title.length > 0 && control.description.length > 0, control.id);
    t.ok(control.criteria.length > 0, `${control.id}: criteria`);
    t.ok(control.checks.length > 0, `${control.id}: checks`);
  }
  t.end();
});

t.test('the catalog with no results: every control is error', (t) => {
  for (const control of evaluateControls(CONTROL_CATALOG, [])) t.equal(control.status, 'error');
  t.end();
});

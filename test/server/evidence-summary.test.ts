import t from 'tap';
import { CONTROL_CATALOG } from '../../checks/controls.js';
import type { CheckStatus } from '../../checks/types.js';
import {
  controlStatus,
  csvCell,
  DAILY_CSV_HEADER,
  DailyStatusBuilder,
  RunGrouper,
  SummaryBuilder,
  type CheckStatusRecord,
  type RunStatuses,
} from '../../server/evidence-summary.js';
import type { ControlDefinition } from '../../server/types.js';

const CONTROLS: ControlDefinition[] = [
  { id: 'A', title: 'Control A', description: 'a', criteria: ['CC6.1'], checks: ['a1', 'a2'] },
  { id: 'B', title: '=HYPERLINK("x")', description: 'b', criteria: ['CC8.1'], checks: ['b'] },
];

const T0 = Date.parse('2031-01-01T00:00:00.000Z');
const HOUR = 3600_000;
const iso = (hours: number) => new Date(T0 + hours * HOUR).toISOString();

/** A run at `hours` with these statuses (a check not listed has no result). */
function run(
  runId: number,
  hours: number,
  statuses: Record<string, CheckStatus>,
): CheckStatusRecord[] {
  return Object.entries(statuses).map(([checkId, status], i) => ({
    runId,
    checkId,
    status,
    // Later checks of a run finish later: the run's time is its last check's.
    evaluatedAt: new Date(T0 + hours * HOUR + i * 1000).toISOString(),
  }));
}

t.test('a control is as bad as its worst check; a missing check is error', (t) => {
  const r = (checks: [string, CheckStatus][]): RunStatuses => ({
    runId: 1,
    at: iso(0),
    checks: new Map(checks),
  });
  const a = CONTROLS[0]!;
  t.equal(
    controlStatus(
      a,
      r([
        ['a1', 'pass'],
        ['a2', 'warn'],
      ]),
    ),
    'warn',
  );
  t.equal(
    controlStatus(
      a,
      r([
        ['a1', 'pass'],
        ['a2', 'fail'],
      ]),
    ),
    'fail',
  );
  t.equal(controlStatus(a, r([['a1', 'pass']])), 'error');
  t.equal(
    controlStatus(
      a,
      r([
        ['a1', 'not_applicable'],
        ['a2', 'not_applicable'],
      ]),
    ),
    'not_applicable',
  );
  t.end();
});

t.test('RunGrouper: consecutive records of a run form the run, at its last evaluation', (t) => {
  const runs: RunStatuses[] = [];
  const grouper = new RunGrouper((r) => runs.push(r));
  for (const record of [
    ...run(1, 0, { a1: 'pass', a2: 'fail' }),
    { runId: 2, checkId: 'b', status: 'warn' as const, evaluatedAt: iso(1) },
    { runId: 2, checkId: 'a1', status: 'pass' as const, evaluatedAt: iso(0.5) },
  ]) {
    grouper.add(record);
  }
  grouper.flush();
  grouper.flush();
  t.equal(runs.length, 2, 'flushing twice emits nothing more');
  t.strictSame(runs[0], {
    runId: 1,
    at: new Date(T0 + 1000).toISOString(),
    checks: new Map([
      ['a1', 'pass'],
      ['a2', 'fail'],
    ]),
  });
  t.equal(runs[1]?.at, iso(1), 'an earlier evaluation does not move the run back');
  t.end();
});

t.test('summary: share passing, failing periods with start and end, transitions', (t) => {
  const builder = new SummaryBuilder(CONTROLS);
  const ok = { a1: 'pass', a2: 'pass', b: 'pass' } as const;
  const timeline: Record<string, CheckStatus>[] = [
    ok, // 1
    { ...ok, a2: 'warn' }, // 2: A warn (still operating)
    { ...ok, a2: 'fail' }, // 3: A fails
    { ...ok, a1: 'error' }, // 4: A error, same failing period
    { ...ok, b: 'not_applicable' }, // 5: A back; B n/a (not operating, not failing)
    { ...ok, a2: 'error', b: 'fail' }, // 6: A errors (a period of errors only), B fails
    { ...ok, a2: 'error', b: 'fail' }, // 7: still failing at the end
  ];
  timeline.forEach((statuses, i) => run(i + 1, i, statuses).forEach((r) => builder.add(r)));
  const summary = builder.finish();
  const at = (hours: number) => new Date(T0 + hours * HOUR + 2000).toISOString();
  t.equal(summary.runs, 7);
  t.equal(summary.firstRunAt, at(0));
  t.equal(summary.lastRunAt, at(6));
  const [a, b] = summary.controls;
  t.strictSame(a, {
    id: 'A',
    title: 'Control A',
    runs: 7,
    statuses: { pass: 2, warn: 1, fail: 1, error: 3, not_applicable: 0 },
    passing: 3,
    passingShare: 3 / 7,
    initialStatus: 'pass',
    failingPeriods: [
      { start: at(2), end: at(4), runs: 2, worst: 'fail' },
      { start: at(5), end: null, runs: 2, worst: 'error' },
    ],
    transitions: [
      { at: at(1), runId: 2, from: 'pass', to: 'warn' },
      { at: at(2), runId: 3, from: 'warn', to: 'fail' },
      { at: at(3), runId: 4, from: 'fail', to: 'error' },
      { at: at(4), runId: 5, from: 'error', to: 'pass' },
      { at: at(5), runId: 6, from: 'pass', to: 'error' },
    ],
  });
  t.match(b, {
    statuses: { pass: 4, not_applicable: 1, fail: 2 },
    passing: 4,
    failingPeriods: [{ start: at(5), end: null, runs: 2, worst: 'fail' }],
  });
  t.end();
});

t.test('a summary without runs', (t) => {
  const summary = new SummaryBuilder(CONTROL_CATALOG).finish();
  t.strictSame(summary.runs, 0);
  t.equal(summary.firstRunAt, null);
  t.equal(summary.controls[0]?.passingShare, null);
  t.equal(summary.controls[0]?.initialStatus, null);
  t.end();
});

t.test('daily CSV: a row per day and control, days without runs included', (t) => {
  const daily = new DailyStatusBuilder(CONTROLS, new Date(T0 + 6 * HOUR), new Date(T0 + 72 * HOUR));
  run(1, 7, { a1: 'pass', a2: 'pass', b: 'warn' }).forEach((r) => daily.add(r));
  run(2, 8, { a1: 'fail', a2: 'pass', b: 'pass' }).forEach((r) => daily.add(r));
  run(3, 9, { a1: 'pass', a2: 'pass', b: 'pass' }).forEach((r) => daily.add(r));
  // Day 2 has no run; day 3 one.
  run(4, 50, { a1: 'pass', a2: 'not_applicable', b: 'error' }).forEach((r) => daily.add(r));
  const rows = daily.finish().split('\r\n');
  t.equal(rows.pop(), '', 'CRLF after the last row');
  t.equal(rows[0], DAILY_CSV_HEADER.join(','));
  t.strictSame(rows.slice(1), [
    '2031-01-01,A,Control A,3,2,0,1,0,0,0.6667,fail',
    `2031-01-01,B,"'=HYPERLINK(""x"")",3,2,1,0,0,0,1.0000,warn`,
    '2031-01-02,A,Control A,0,0,0,0,0,0,,',
    `2031-01-02,B,"'=HYPERLINK(""x"")",0,0,0,0,0,0,,`,
    '2031-01-03,A,Control A,1,1,0,0,0,0,1.0000,pass',
    `2031-01-03,B,"'=HYPERLINK(""x"")",1,0,0,0,1,0,0.0000,error`,
  ]);
  t.end();
});

t.test('csvCell: RFC 4180 quoting, formulas neutralized', (t) => {
  t.equal(csvCell('plain'), 'plain');
  t.equal(csvCell('a,b'), '"a,b"');
  t.equal(csvCell('say "hi"'), '"say ""hi"""');
  t.equal(csvCell('two\nlines'), '"two\nlines"');
  for (const lead of ['=', '+', '-', '@', '\t', '\r']) {
    t.equal(csvCell(`${lead}1`).replace(/^"/, '').charAt(0), "'", JSON.stringify(lead));
  }
  t.end();
});

import t from 'tap';
import { runChecks } from '../../checks/run.js';
import type { CheckDefinition, CheckOutcome, CollectedData } from '../../checks/types.js';
import { collected, NOW } from '../support/checks.js';

const define = (id: string, evaluate: (data: CollectedData) => CheckOutcome): CheckDefinition => ({
  id,
  title: id,
  component: 'tuf-repository',
  severity: 'low',
  criteria: ['CC7.1'],
  remediation: 'none',
  evaluate,
});

const clock = () => new Date('2030-01-01T00:00:05.000Z');

t.test('every check is evaluated over the same data, in order', (t) => {
  const seen: CollectedData[] = [];
  const data = collected([]);
  const results = runChecks(
    [
      define('x.one', (d) => {
        seen.push(d);
        return { status: 'pass', message: 'ok', evidence: { a: 1 } };
      }),
      define('x.two', (d) => {
        seen.push(d);
        return { status: 'warn', message: 'hm', evidence: {} };
      }),
    ],
    data,
    clock,
  );
  t.equal(seen.length, 2);
  t.ok(seen.every((d) => d === data));
  t.match(results, [
    { id: 'x.one', status: 'pass', evidence: { a: 1 }, evaluatedAt: '2030-01-01T00:00:05.000Z' },
    { id: 'x.two', status: 'warn', evidence: {}, evaluatedAt: '2030-01-01T00:00:05.000Z' },
  ]);
  for (const r of results) t.ok(r.durationMs >= 0 && Number.isFinite(r.durationMs), 'durationMs');
  t.end();
});

t.test('a check that throws is error, and the others still run', (t) => {
  const results = runChecks(
    [
      define('x.throws', () => {
        throw new TypeError('boom');
      }),
      define('x.throws-a-string', () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a careless check could do
        throw 'not an error';
      }),
      define('x.fine', () => ({ status: 'pass', message: 'ok', evidence: {} })),
    ],
    collected([], {}, NOW),
    clock,
  );
  t.strictSame(
    results.map((r) => [r.id, r.status]),
    [
      ['x.throws', 'error'],
      ['x.throws-a-string', 'error'],
      ['x.fine', 'pass'],
    ],
  );
  for (const r of results.slice(0, 2)) {
    t.strictSame(r.evidence, {});
    t.ok(r.message.length > 0, 'says why');
  }
  t.end();
});

t.test('no checks, no results', (t) => {
  t.strictSame(runChecks([], collected([]), clock), []);
  t.end();
});

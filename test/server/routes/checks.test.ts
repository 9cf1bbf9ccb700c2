import t from 'tap';
import type { CheckView } from '../../../server/views.js';
import {
  at,
  AUTH,
  completeRun,
  DAY_MS,
  FAKE_CHECKS,
  json,
  NOW,
  testApp,
} from '../../support/fakes.js';

const get = (url: string) => ({ url, headers: AUTH });

t.test('GET /api/v1/checks lists every registered check, error before the first run', async (t) => {
  const { app } = await testApp(t);
  const body = json<{ runId: null; evaluatedAt: null; checks: CheckView[] }>(
    await app.inject(get('/api/v1/checks')),
  );
  t.equal(body.runId, null);
  t.equal(body.evaluatedAt, null);
  t.strictSame(
    body.checks.map((c) => c.id),
    FAKE_CHECKS.map((c) => c.id),
  );
  t.ok(body.checks.every((c) => c.status === 'error' && c.message === 'no completed run yet'));
});

t.test('GET /api/v1/checks after a run: results with evidence and definitions', async (t) => {
  const { app, deps } = await testApp(t);
  const run = completeRun(deps.store, NOW, { 'tuf.expiry': 'warn' });
  const body = json<{ runId: number; evaluatedAt: string; checks: CheckView[] }>(
    await app.inject(get('/api/v1/checks')),
  );
  t.equal(body.runId, run.id);
  t.equal(body.evaluatedAt, NOW.toISOString());
  t.match(
    body.checks.find((c) => c.id === 'tuf.expiry'),
    {
      title: 'Title of tuf.expiry',
      severity: 'high',
      component: 'tuf-repository',
      remediation: 'Fix tuf.expiry',
      status: 'warn',
      message: 'tuf.expiry is warn',
      evidence: { repository: 'fleet' },
    },
  );
});

t.test(
  'GET /api/v1/checks/:id: result, definition, 30 days of history and transitions',
  async (t) => {
    const { app, deps } = await testApp(t);
    completeRun(deps.store, at(-31 * DAY_MS), { 'tuf.rollback': 'error' });
    const failing = completeRun(deps.store, at(-3 * DAY_MS), { 'tuf.rollback': 'fail' });
    const latest = completeRun(deps.store, NOW);
    const res = await app.inject(get('/api/v1/checks/tuf.rollback'));
    t.equal(res.statusCode, 200);
    const body = json<CheckView & { runId: number; history: unknown[]; transitions: unknown[] }>(
      res,
    );
    t.equal(body.id, 'tuf.rollback');
    t.equal(body.runId, latest.id);
    t.equal(body.status, 'pass');
    t.strictSame(body.history, [
      {
        runId: failing.id,
        at: at(-3 * DAY_MS).toISOString(),
        status: 'fail',
        message: 'tuf.rollback is fail',
      },
      { runId: latest.id, at: NOW.toISOString(), status: 'pass', message: 'tuf.rollback is pass' },
    ]);
    t.strictSame(body.transitions, [
      {
        kind: 'check',
        id: 'tuf.rollback',
        from: 'error',
        to: 'fail',
        at: at(-3 * DAY_MS).toISOString(),
        runId: failing.id,
      },
      {
        kind: 'check',
        id: 'tuf.rollback',
        from: 'fail',
        to: 'pass',
        at: NOW.toISOString(),
        runId: latest.id,
      },
    ]);
  },
);

t.test('GET /api/v1/checks/:id before any run', async (t) => {
  const { app } = await testApp(t);
  const body = json<CheckView & { runId: null; history: unknown[] }>(
    await app.inject(get('/api/v1/checks/tuf.expiry')),
  );
  t.equal(body.runId, null);
  t.equal(body.status, 'error');
  t.strictSame(body.history, []);
});

t.test('unknown and unregistered check ids are 404 NOT_FOUND', async (t) => {
  const { app } = await testApp(t);
  for (const id of ['tuf.nope', 'tuf.orbit-layout', '__proto__', '%20']) {
    const res = await app.inject(get(`/api/v1/checks/${id}`));
    t.equal(res.statusCode, 404, id);
    t.strictSame(json(res), { statusCode: 404, code: 'NOT_FOUND', message: 'no such check' });
  }
  const long = await app.inject(get(`/api/v1/checks/${'x'.repeat(201)}`));
  t.equal(long.statusCode, 400);
  t.equal(json(long).code, 'BAD_REQUEST');
});

import t from 'tap';
import { CONTROL_CATALOG } from '../../../checks/controls.js';
import type { ControlView } from '../../../server/views.js';
import {
  at,
  AUTH,
  completeRun,
  DAY_MS,
  fakeDeps,
  json,
  NOW,
  testApp,
} from '../../support/fakes.js';

interface ControlsBody {
  runId: number | null;
  evaluatedAt: string | null;
  controls: ControlView[];
}

const get = (url: string) => ({ url, headers: AUTH });

t.test(
  'GET /api/v1/controls before the first run: every control is error, fail closed',
  async (t) => {
    const { app } = await testApp(t);
    const res = await app.inject(get('/api/v1/controls'));
    t.equal(res.statusCode, 200);
    const body = json<ControlsBody>(res);
    t.equal(body.runId, null);
    t.equal(body.evaluatedAt, null);
    t.equal(body.controls.length, CONTROL_CATALOG.length);
    for (const c of body.controls) {
      t.equal(c.status, 'error', c.id);
      t.equal(c.message, 'no completed run yet');
      t.equal(c.lastPassedAt, null);
      t.ok(c.checks.every((check) => check.status === 'error'));
    }
  },
);

t.test('GET /api/v1/controls after runs: latest status, checks, last passed', async (t) => {
  const { app, deps } = await testApp(t);
  completeRun(deps.store, at(-2 * DAY_MS));
  const latest = completeRun(deps.store, NOW, {
    'tuf.rollback': 'fail',
    'tuf.key-hygiene': 'warn',
  });
  // A run in progress does not change what is shown.
  deps.monitor.start('schedule');
  const body = json<ControlsBody>(await app.inject(get('/api/v1/controls')));
  t.equal(body.runId, latest.id);
  t.equal(body.evaluatedAt, NOW.toISOString());
  const byId = new Map(body.controls.map((c) => [c.id, c]));
  t.strictSame(byId.get('TW-01'), {
    id: 'TW-01',
    title: CONTROL_CATALOG[0]?.title,
    description: CONTROL_CATALOG[0]?.description,
    criteria: ['CC6.1', 'CC8.1'],
    status: 'pass',
    checks: [
      { id: 'tuf.signatures', status: 'pass' },
      { id: 'tuf.root-chain', status: 'pass' },
      { id: 'tuf.delegations', status: 'pass' },
    ],
    lastPassedAt: NOW.toISOString(),
  });
  t.equal(byId.get('TW-02')?.status, 'fail');
  t.equal(byId.get('TW-02')?.lastPassedAt, at(-2 * DAY_MS).toISOString());
  t.equal(byId.get('TW-04')?.status, 'warn');
});

t.test('a control added to the catalog after the run is error until evaluated', async (t) => {
  const deps = fakeDeps();
  deps.config.controls.push({
    id: 'TW-99',
    title: 'Added later',
    description: 'A control config added',
    criteria: ['CC7.2'],
    checks: ['tuf.expiry'],
  });
  const { app } = await testApp(t, deps);
  completeRun(deps.store, NOW);
  // The run rolled up the built-in catalog only.
  const body = json<ControlsBody>(await app.inject(get('/api/v1/controls')));
  const added = body.controls.find((c) => c.id === 'TW-99');
  t.equal(added?.status, 'error');
  t.equal(added?.message, 'not evaluated in the latest completed run');
  t.strictSame(added?.checks, [{ id: 'tuf.expiry', status: 'error' }]);
});

t.test(
  'GET /api/v1/controls/:id: checks with full results, definitions and transitions',
  async (t) => {
    const { app, deps } = await testApp(t);
    completeRun(deps.store, at(-40 * DAY_MS), { 'tuf.consistency': 'fail' });
    completeRun(deps.store, at(-DAY_MS), { 'tuf.consistency': 'fail' });
    const latest = completeRun(deps.store, NOW);
    const res = await app.inject(get('/api/v1/controls/TW-03'));
    t.equal(res.statusCode, 200);
    const body = json<Record<string, unknown> & { checks: Record<string, unknown>[] }>(res);
    t.equal(body.id, 'TW-03');
    t.equal(body.status, 'pass');
    t.equal(body.runId, latest.id);
    t.equal(body.evaluatedAt, NOW.toISOString());
    t.equal(body.lastPassedAt, NOW.toISOString());
    t.strictSame(body.checks[0], {
      id: 'tuf.consistency',
      title: 'Title of tuf.consistency',
      component: 'tuf-repository',
      severity: 'high',
      criteria: ['CC8.1'],
      remediation: 'Fix tuf.consistency',
      status: 'pass',
      message: 'tuf.consistency is pass',
      evidence: { repository: 'fleet', detail: { status: 'pass' } },
      evaluatedAt: NOW.toISOString(),
      durationMs: 1.5,
    });
    // tuf.orbit-layout is in the catalog but not registered: its result shows, its definition is null.
    const orbit = body.checks.find((c) => c.id === 'tuf.orbit-layout');
    t.match(orbit, {
      title: 'tuf.orbit-layout',
      component: null,
      severity: null,
      criteria: [],
      remediation: null,
      status: 'pass',
    });
    // Transitions of the last 30 days only: fail at -40 days is outside.
    t.strictSame(body.transitions, [
      {
        kind: 'control',
        id: 'TW-03',
        from: 'fail',
        to: 'pass',
        at: NOW.toISOString(),
        runId: latest.id,
      },
    ]);
  },
);

t.test('GET /api/v1/controls/:id before any run: checks are error without results', async (t) => {
  const { app } = await testApp(t);
  const body = json<{ runId: null; checks: Record<string, unknown>[]; message: string }>(
    await app.inject(get('/api/v1/controls/TW-01')),
  );
  t.equal(body.runId, null);
  t.equal(body.message, 'no completed run yet');
  t.match(body.checks[0], {
    id: 'tuf.signatures',
    status: 'error',
    message: 'no completed run yet',
    evidence: {},
    evaluatedAt: null,
    durationMs: null,
  });
});

t.test('a check missing from the run is error with a reason', async (t) => {
  const { app, deps } = await testApp(t);
  const run = deps.store.startRun('api', NOW);
  deps.store.completeRun(
    run.id,
    NOW,
    [],
    [
      {
        id: 'TW-01',
        title: 'x',
        status: 'pass',
        checks: [{ id: 'tuf.signatures', status: 'pass' }],
      },
    ],
  );
  const body = json<{ checks: Record<string, unknown>[] }>(
    await app.inject(get('/api/v1/controls/TW-01')),
  );
  t.match(body.checks[0], {
    status: 'error',
    message: 'not evaluated in the latest completed run',
  });
});

t.test('unknown control ids are 404 NOT_FOUND', async (t) => {
  const { app } = await testApp(t);
  for (const url of [
    '/api/v1/controls/TW-00',
    '/api/v1/controls/__proto__',
    '/api/v1/controls/tw-01',
    '/api/v1/controls/TW-00/history',
    '/api/v1/controls/TW-00/history?from=garbage',
  ]) {
    const res = await app.inject(get(url));
    t.equal(res.statusCode, 404, url);
    t.strictSame(json(res), { statusCode: 404, code: 'NOT_FOUND', message: 'no such control' });
  }
});

t.test(
  'GET /api/v1/controls/:id/history: default window, from, to, dates and date-times',
  async (t) => {
    const { app, deps } = await testApp(t);
    const old = completeRun(deps.store, at(-45 * DAY_MS), { 'tuf.expiry': 'fail' });
    const recent = completeRun(deps.store, at(-10 * DAY_MS), { 'tuf.expiry': 'warn' });
    const latest = completeRun(deps.store, NOW);

    const byDefault = json<Record<string, unknown>>(
      await app.inject(get('/api/v1/controls/TW-02/history')),
    );
    t.equal(byDefault.id, 'TW-02');
    t.equal(byDefault.from, at(-30 * DAY_MS).toISOString());
    t.equal(byDefault.to, NOW.toISOString());
    t.strictSame(byDefault.history, [
      { runId: recent.id, at: at(-10 * DAY_MS).toISOString(), status: 'warn' },
      { runId: latest.id, at: NOW.toISOString(), status: 'pass' },
    ]);
    t.strictSame(
      (byDefault.transitions as { runId: number }[]).map((x) => x.runId),
      [recent.id, latest.id],
    );

    const fromDate = json<Record<string, unknown>>(
      await app.inject(get('/api/v1/controls/TW-02/history?from=2031-01-01')),
    );
    t.equal(fromDate.from, '2031-01-01T00:00:00.000Z');
    t.equal((fromDate.history as unknown[]).length, 3);
    t.equal((fromDate.history as { runId: number }[])[0]?.runId, old.id);

    const window = json<Record<string, unknown>>(
      await app.inject(
        get(
          `/api/v1/controls/TW-02/history?from=${encodeURIComponent('2031-01-01T00:00:00+02:00')}&to=2031-02-01`,
        ),
      ),
    );
    t.equal(window.from, '2030-12-31T22:00:00.000Z');
    t.equal(window.to, '2031-02-01T00:00:00.000Z');
    t.strictSame(window.history, [
      { runId: old.id, at: at(-45 * DAY_MS).toISOString(), status: 'fail' },
    ]);

    const onlyTo = json<Record<string, unknown>>(
      await app.inject(get('/api/v1/controls/TW-02/history?to=2031-02-01')),
    );
    t.equal(onlyTo.from, '2031-01-02T00:00:00.000Z', '30 days before to');
  },
);

t.test('bad history ranges are 400 BAD_REQUEST', async (t) => {
  const { app } = await testApp(t);
  const cases = [
    'from=yesterday',
    'from=2031-02-30',
    'from=2031-01-01T25:00:00Z',
    'to=2031-13-01',
    'from=2031-03-01&to=2031-03-01',
    'from=2031-03-02&to=2031-03-01',
    'from=2029-01-01&to=2031-01-01',
    `from=${'9'.repeat(65)}`,
    'from=2031-01-01&from=2031-01-02',
  ];
  for (const query of cases) {
    const res = await app.inject(get(`/api/v1/controls/TW-01/history?${query}`));
    t.equal(res.statusCode, 400, query);
    t.equal(json(res).code, 'BAD_REQUEST', query);
  }
  // Exactly 400 days is allowed.
  const max = await app.inject(get('/api/v1/controls/TW-01/history?from=2030-01-25&to=2031-03-01'));
  t.equal(max.statusCode, 200);
});

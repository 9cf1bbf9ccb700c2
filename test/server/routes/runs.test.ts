import { Writable } from 'node:stream';
import t from 'tap';
import type { RunDetail, RunRecord } from '../../../server/types.js';
import { at, AUTH, completeRun, fakeDeps, json, NOW, testApp } from '../../support/fakes.js';

const get = (url: string) => ({ url, headers: AUTH });
const post = { method: 'POST' as const, url: '/api/v1/runs', headers: AUTH };

t.test('GET /api/v1/runs: newest first, 20 by default, limit and before', async (t) => {
  const { app, deps } = await testApp(t);
  t.strictSame(json(await app.inject(get('/api/v1/runs'))), { runs: [] });
  for (let i = 0; i < 25; i++) completeRun(deps.store, at(i * 1000));
  deps.monitor.start('api');
  const all = json<{ runs: RunRecord[] }>(await app.inject(get('/api/v1/runs'))).runs;
  t.equal(all.length, 20);
  t.equal(all[0]?.id, 26);
  t.equal(all[0]?.status, 'running');
  t.strictSame(all[1], {
    id: 25,
    startedAt: at(24_000 - 2000).toISOString(),
    status: 'completed',
    trigger: 'schedule',
    finishedAt: at(24_000).toISOString(),
    result: 'pass',
    durationMs: 2000,
  });
  const page = json<{ runs: RunRecord[] }>(await app.inject(get('/api/v1/runs?limit=3&before=10')));
  t.strictSame(
    page.runs.map((r) => r.id),
    [9, 8, 7],
  );
  const hundred = json<{ runs: RunRecord[] }>(await app.inject(get('/api/v1/runs?limit=100')));
  t.equal(hundred.runs.length, 26);
});

t.test('bad run queries are 400 BAD_REQUEST', async (t) => {
  const { app } = await testApp(t);
  for (const query of [
    'limit=0',
    'limit=101',
    'limit=abc',
    'limit=1.5',
    'limit=-1',
    'before=0',
    'before=x',
    `before=${'9'.repeat(30)}`,
  ]) {
    const res = await app.inject(get(`/api/v1/runs?${query}`));
    t.equal(res.statusCode, 400, query);
    t.equal(json(res).code, 'BAD_REQUEST', query);
  }
});

t.test('GET /api/v1/runs/:id: the run with every result', async (t) => {
  const { app, deps } = await testApp(t);
  const run = completeRun(deps.store, NOW, { 'tuf.expiry': 'fail' });
  const res = await app.inject(get(`/api/v1/runs/${run.id}`));
  t.equal(res.statusCode, 200);
  const body = json<RunDetail>(res);
  t.strictSame(body, JSON.parse(JSON.stringify(run)) as RunDetail);
  t.equal(body.result, 'fail');
  t.equal(body.checks.find((c) => c.id === 'tuf.expiry')?.status, 'fail');
});

t.test('unknown runs are 404, ids that are not run ids 400', async (t) => {
  const { app } = await testApp(t);
  const missing = await app.inject(get('/api/v1/runs/42'));
  t.equal(missing.statusCode, 404);
  t.strictSame(json(missing), { statusCode: 404, code: 'NOT_FOUND', message: 'no such run' });
  for (const id of ['0', '-1', 'abc', '1.5', '9'.repeat(30), '1e3x']) {
    const res = await app.inject(get(`/api/v1/runs/${id}`));
    t.equal(res.statusCode, 400, id);
    t.equal(json(res).code, 'BAD_REQUEST', id);
  }
});

t.test('POST /api/v1/runs starts a run (202), a second is 409 RUN_IN_PROGRESS', async (t) => {
  const { app, deps } = await testApp(t);
  const started = await app.inject(post);
  t.equal(started.statusCode, 202);
  const { run } = json<{ run: RunRecord }>(started);
  t.match(run, { id: 1, status: 'running', trigger: 'api', startedAt: NOW.toISOString() });
  t.strictSame(deps.monitor.triggers, ['api']);

  const busy = await app.inject(post);
  t.equal(busy.statusCode, 409);
  t.strictSame(json(busy), {
    statusCode: 409,
    code: 'RUN_IN_PROGRESS',
    message: 'a run is already in progress',
    run,
  });

  deps.monitor.finish();
  const next = await app.inject(post);
  t.equal(next.statusCode, 202);
  t.equal(json<{ run: RunRecord }>(next).run.id, 2);
});

t.test('409 without a run when the run ended between the two questions', async (t) => {
  const { app, deps } = await testApp(t);
  deps.monitor.start('schedule');
  deps.monitor.hideCurrent = true;
  const res = await app.inject(post);
  t.equal(res.statusCode, 409);
  t.strictSame(json(res), {
    statusCode: 409,
    code: 'RUN_IN_PROGRESS',
    message: 'a run is already in progress',
  });
});

t.test('a run that fails after the 202 is logged, not an unhandled rejection', async (t) => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const { app, deps } = await testApp(t, fakeDeps({ logger: { level: 'error', stream } }));
  t.equal((await app.inject(post)).statusCode, 202);
  deps.monitor.fail(new Error('collector timed out'));
  await new Promise((resolve) => setImmediate(resolve));
  const logged = lines.map((l) => JSON.parse(l) as { msg: string; err?: { message: string } });
  t.match(logged, [{ msg: 'run failed', err: { message: 'collector timed out' } }]);
});

t.test(
  'POST /api/v1/runs: a store that refuses the run is 503 STORAGE_DEGRADED, not a 500',
  async (t) => {
    const { app, deps } = await testApp(t);
    deps.monitor.start = () => {
      throw new Error('the evidence store was deleted');
    };
    const refused = await app.inject(post);
    t.equal(refused.statusCode, 503);
    t.match(json(refused), { code: 'STORAGE_DEGRADED' });
  },
);

t.test('POST /api/v1/runs refuses bodies that are not JSON, and large ones', async (t) => {
  const { app } = await testApp(t);
  const text = await app.inject({
    ...post,
    headers: { ...AUTH, 'content-type': 'text/plain' },
    payload: 'go',
  });
  t.equal(text.statusCode, 415);
  t.equal(json(text).code, 'UNSUPPORTED_MEDIA_TYPE');
  const bad = await app.inject({
    ...post,
    headers: { ...AUTH, 'content-type': 'application/json' },
    payload: '{',
  });
  t.equal(bad.statusCode, 400);
  t.equal(json(bad).code, 'INVALID_JSON');
  const large = await app.inject({
    ...post,
    headers: { ...AUTH, 'content-type': 'application/json' },
    payload: JSON.stringify({ x: 'y'.repeat(17 * 1024) }),
  });
  t.equal(large.statusCode, 413);
  t.equal(json(large).code, 'PAYLOAD_TOO_LARGE');
  const empty = await app.inject({
    ...post,
    headers: { ...AUTH, 'content-type': 'application/json' },
  });
  t.equal(empty.statusCode, 400);
  t.equal(json(empty).code, 'INVALID_JSON');
  const ignored = await app.inject({ ...post, payload: { reason: 'manual' } });
  t.equal(ignored.statusCode, 202, 'a JSON body is accepted and ignored');
});

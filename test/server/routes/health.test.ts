import t from 'tap';
import { completeRun, fakeDeps, json, NOW, testApp } from '../../support/fakes.js';

t.test('GET /healthz is always 200, without a token', async (t) => {
  const { app } = await testApp(t, fakeDeps({ tokens: [] }));
  const res = await app.inject('/healthz');
  t.equal(res.statusCode, 200);
  t.strictSame(json(res), { status: 'ok' });
  t.equal(res.headers['cache-control'], 'no-store');
});

t.test('GET /readyz is 503 NOT_READY before the first completed run, 200 after', async (t) => {
  const { app, deps } = await testApp(t, fakeDeps({ tokens: [] }));
  const before = await app.inject('/readyz');
  t.equal(before.statusCode, 503);
  t.strictSame(json(before), {
    statusCode: 503,
    code: 'NOT_READY',
    message: 'no run has completed yet',
  });
  t.equal(before.headers['cache-control'], 'no-store');

  // A run in progress is not enough.
  deps.monitor.start('startup');
  t.equal((await app.inject('/readyz')).statusCode, 503);
  deps.monitor.finish();
  const after = await app.inject('/readyz');
  t.equal(after.statusCode, 200);
  t.strictSame(json(after), { status: 'ready' });
});

t.test('a failed run does not make the service ready', async (t) => {
  const { app, deps } = await testApp(t);
  const started = deps.monitor.start('startup');
  t.ok(started);
  deps.monitor.fail(new Error('worker crashed'));
  await t.rejects(started?.done as Promise<unknown>, /worker crashed/);
  t.equal((await app.inject('/readyz')).statusCode, 503);
  completeRun(deps.store, NOW);
  t.equal((await app.inject('/readyz')).statusCode, 200);
});

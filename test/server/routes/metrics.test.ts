import t from 'tap';
import { AUTH, fakeDeps, json, testApp, TOKEN } from '../../support/fakes.js';

const METRICS =
  '# HELP tufwatch_build_info x\n# TYPE tufwatch_build_info gauge\ntufwatch_build_info 1\n';

t.test('without metricsAuth, /metrics needs no token', async (t) => {
  let scrapes = 0;
  const deps = fakeDeps({
    metricsAuth: false,
    metrics: () => {
      scrapes++;
      return METRICS;
    },
  });
  const { app } = await testApp(t, deps);
  const res = await app.inject('/metrics');
  t.equal(res.statusCode, 200);
  t.equal(res.body, METRICS, 'the text is sent as is, not JSON-encoded');
  t.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  t.equal(res.headers['cache-control'], 'no-store');
  t.equal(scrapes, 1, 'computed at scrape time');
  // A token that is wrong does not matter either.
  t.equal(
    (await app.inject({ url: '/metrics', headers: { authorization: 'Bearer x' } })).statusCode,
    200,
  );
});

t.test('with metricsAuth, /metrics needs a valid token', async (t) => {
  const { app } = await testApp(t, fakeDeps({ metricsAuth: true, metrics: () => METRICS }));
  const missing = await app.inject('/metrics');
  t.equal(missing.statusCode, 401);
  t.equal(json(missing).code, 'UNAUTHORIZED');
  const wrong = await app.inject({
    url: '/metrics',
    headers: { authorization: `Bearer ${TOKEN}x` },
  });
  t.equal(wrong.statusCode, 401);
  const right = await app.inject({ url: '/metrics', headers: AUTH });
  t.equal(right.statusCode, 200);
  t.equal(right.body, METRICS);
});

t.test('with metricsAuth and no token configured, /metrics is closed', async (t) => {
  const { app } = await testApp(t, fakeDeps({ metricsAuth: true, tokens: [] }));
  const res = await app.inject({ url: '/metrics', headers: AUTH });
  t.equal(res.statusCode, 503);
  t.equal(json(res).code, 'AUTH_NOT_CONFIGURED');
});

t.test('the OpenAPI document shows the security of /metrics as configured', async (t) => {
  for (const metricsAuth of [false, true]) {
    const { app } = await testApp(t, fakeDeps({ metricsAuth }));
    const doc = json<{ paths: Record<string, { get: { security?: unknown } }> }>(
      await app.inject('/openapi.json'),
    );
    t.equal(
      doc.paths['/metrics']?.get.security !== undefined,
      metricsAuth,
      `metricsAuth ${metricsAuth}`,
    );
  }
});

import t from 'tap';
import { completeRun, fakeDeps, json, NOW, testApp, at, DAY_MS } from '../../support/fakes.js';
import type { TrustModel } from '../../../server/trust-model.js';

t.test('GET /api/v1/trust: public, cacheable, controls with live status', async (t) => {
  const { app, deps } = await testApp(t, fakeDeps({ tokens: [] }));
  const before = await app.inject('/api/v1/trust');
  t.equal(before.statusCode, 200);
  t.equal(before.headers['cache-control'], 'public, max-age=60');
  const empty = json<TrustModel>(before);
  t.equal(empty.updatedAt, undefined);
  t.ok(
    empty.controls.every((c) => c.status === 'error'),
    'fail closed before the first run',
  );

  completeRun(deps.store, at(-DAY_MS));
  completeRun(deps.store, NOW, { 'tuf.expiry': 'fail' });
  const model = json<TrustModel>(await app.inject('/api/v1/trust'));
  t.equal(model.updatedAt, NOW.toISOString());
  t.strictSame(model.system, deps.config.system);
  const tw02 = model.controls.find((c) => c.id === 'TW-02');
  t.equal(tw02?.status, 'fail');
  t.equal(tw02?.lastPassedAt, at(-DAY_MS).toISOString());
  t.strictSame(Object.keys(model.controls[0] ?? {}).sort(), [
    'criteria',
    'description',
    'id',
    'lastPassedAt',
    'status',
    'title',
  ]);
});

t.test('GET /trust renders the page from the same model, no token, no evidence', async (t) => {
  const { app, deps } = await testApp(t, fakeDeps({ tokens: [] }));
  completeRun(deps.store, NOW, { 'tuf.signatures': 'fail' });
  const res = await app.inject('/trust');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/html; charset=utf-8/);
  t.equal(res.headers['cache-control'], 'public, max-age=60');
  t.match(res.body, deps.config.system.name);
  t.match(res.body, 'TW-01');
  for (const secret of ['updates.example.test', 'is fail', 'evidence', 'tuf.signatures']) {
    t.notMatch(res.body, secret, `the page does not show ${secret}`);
  }
  const head = await app.inject({ method: 'HEAD', url: '/trust' });
  t.equal(head.statusCode, 200);
});

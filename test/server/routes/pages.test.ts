import t from 'tap';
import { ASSETS } from '../../../server/pages/assets.js';
import { fakeDeps, json, testApp } from '../../support/fakes.js';

t.test('GET / serves the dashboard shell without a token', async (t) => {
  const { app, deps } = await testApp(t, fakeDeps({ tokens: [] }));
  const res = await app.inject('/');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/html; charset=utf-8/);
  t.equal(res.headers['cache-control'], 'no-cache');
  t.match(res.body, '<!doctype html', 'an HTML document');
  t.type(deps.version, 'string');
});

t.test('GET /assets/:name serves every asset with its content type', async (t) => {
  const { app } = await testApp(t);
  t.ok(Object.keys(ASSETS).length > 0);
  for (const [name, asset] of Object.entries(ASSETS)) {
    const res = await app.inject(`/assets/${name}`);
    t.equal(res.statusCode, 200, name);
    t.equal(res.headers['content-type'], asset.contentType, name);
    t.equal(res.body, asset.body, name);
    t.equal(res.headers['cache-control'], 'public, max-age=300');
  }
});

t.test('unknown assets, including names of Object.prototype, are 404 NOT_FOUND', async (t) => {
  const { app } = await testApp(t);
  for (const name of [
    'nope.js',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    '..%2Fapp.ts',
  ]) {
    const res = await app.inject(`/assets/${name}`);
    t.equal(res.statusCode, 404, name);
    t.equal(json(res).code, 'NOT_FOUND', name);
  }
  const long = await app.inject(`/assets/${'a'.repeat(101)}`);
  t.equal(long.statusCode, 400);
  t.equal(json(long).code, 'BAD_REQUEST');
});

t.test('GET /favicon.ico: 204 without a token, cacheable, never a 404', async (t) => {
  const { app } = await testApp(t, fakeDeps({ tokens: [] }));
  const res = await app.inject('/favicon.ico');
  t.equal(res.statusCode, 204);
  t.equal(res.body, '');
  t.equal(res.headers['cache-control'], 'public, max-age=86400');
});

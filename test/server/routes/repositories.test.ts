import t from 'tap';
import { AUTH, DAY_MS, fakeDeps, json, NOW, testApp } from '../../support/fakes.js';

const get = (url: string) => ({ url, headers: AUTH });
const summary = { length: 900, sha256: 'a'.repeat(64), signedSha256: 'b'.repeat(64) };

t.test(
  'GET /api/v1/repositories/:name/roles: roles as last verified, with time left',
  async (t) => {
    const { app, deps } = await testApp(t);
    deps.store.saveTrustedRoles('fleet', {
      root: {
        version: 5,
        expires: '2034-10-05T15:57:51-05:00',
        threshold: 1,
        validSignatures: 1,
        keys: 1,
        ...summary,
        firstSeenAt: '2030-01-01T00:00:00.000Z',
      },
      timestamp: {
        version: 4190,
        expires: new Date(NOW.getTime() + 2 * DAY_MS + 500).toISOString(),
        threshold: 1,
        validSignatures: 1,
        keys: 1,
        ...summary,
        firstSeenAt: '2031-02-28T00:00:00.000Z',
      },
      snapshot: {
        version: 7,
        expires: new Date(NOW.getTime() - 90_000).toISOString(),
        threshold: 2,
        validSignatures: 1,
        keys: 3,
        ...summary,
        firstSeenAt: '2031-01-01T00:00:00.000Z',
      },
      odd: {
        version: 1,
        expires: 'not a date',
        threshold: 1,
        validSignatures: 0,
        keys: 1,
        ...summary,
        firstSeenAt: '2031-01-01T00:00:00.000Z',
      },
    });
    const res = await app.inject(get('/api/v1/repositories/fleet/roles'));
    t.equal(res.statusCode, 200);
    t.strictSame(json(res), {
      repository: 'fleet',
      roles: {
        root: {
          version: 5,
          expires: '2034-10-05T15:57:51-05:00',
          expiresInSeconds: Math.floor((Date.parse('2034-10-05T20:57:51Z') - NOW.getTime()) / 1000),
          threshold: 1,
          validSignatures: 1,
          keys: 1,
          firstSeenAt: '2030-01-01T00:00:00.000Z',
        },
        timestamp: {
          version: 4190,
          expires: new Date(NOW.getTime() + 2 * DAY_MS + 500).toISOString(),
          expiresInSeconds: 2 * 24 * 3600,
          threshold: 1,
          validSignatures: 1,
          keys: 1,
          firstSeenAt: '2031-02-28T00:00:00.000Z',
        },
        snapshot: {
          version: 7,
          expires: new Date(NOW.getTime() - 90_000).toISOString(),
          expiresInSeconds: -90,
          threshold: 2,
          validSignatures: 1,
          keys: 3,
          firstSeenAt: '2031-01-01T00:00:00.000Z',
        },
        odd: {
          version: 1,
          expires: 'not a date',
          expiresInSeconds: null,
          threshold: 1,
          validSignatures: 0,
          keys: 1,
          firstSeenAt: '2031-01-01T00:00:00.000Z',
        },
      },
    });
  },
);

t.test('a configured repository not verified yet is 503 NOT_READY', async (t) => {
  const { app } = await testApp(t);
  const res = await app.inject(get('/api/v1/repositories/staging/roles'));
  t.equal(res.statusCode, 503);
  t.strictSame(json(res), {
    statusCode: 503,
    code: 'NOT_READY',
    message: 'the repository has not been verified yet',
  });
});

t.test('an unknown repository is 404, even when the store knows the name', async (t) => {
  const deps = fakeDeps();
  deps.store.saveTrustedRoles('removed', {});
  const { app } = await testApp(t, deps);
  for (const name of ['removed', 'nope', '__proto__', 'fleet%2F..']) {
    const res = await app.inject(get(`/api/v1/repositories/${name}/roles`));
    t.equal(res.statusCode, 404, name);
    t.strictSame(json(res), { statusCode: 404, code: 'NOT_FOUND', message: 'no such repository' });
  }
  const long = await app.inject(get(`/api/v1/repositories/${'r'.repeat(257)}/roles`));
  t.equal(long.statusCode, 400);
  t.equal(json(long).code, 'BAD_REQUEST');
});

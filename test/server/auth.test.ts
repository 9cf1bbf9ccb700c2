import crypto from 'node:crypto';
import t from 'tap';
import type { Authenticate } from '../../server/auth.js';
import { ApiError } from '../../server/errors.js';
import { fakeDeps, json, OTHER_TOKEN, testApp, TOKEN } from '../support/fakes.js';

const request = (authorization?: string) =>
  ({
    headers: authorization === undefined ? {} : { authorization },
  }) as Parameters<Authenticate>[0];

t.test('bearer tokens through the app', async (t) => {
  const { app } = await testApp(t);
  const cases: [string, string | undefined, number, string | undefined][] = [
    ['no header', undefined, 401, 'Bearer realm="tufwatch"'],
    ['another scheme', `Basic ${TOKEN}`, 401, 'Bearer realm="tufwatch"'],
    ['scheme only', 'Bearer', 401, 'Bearer realm="tufwatch"'],
    ['scheme and spaces', 'Bearer   ', 401, 'Bearer realm="tufwatch"'],
    ['two tokens', `Bearer ${TOKEN} ${TOKEN}`, 401, 'Bearer realm="tufwatch"'],
    ['the token alone', TOKEN, 401, 'Bearer realm="tufwatch"'],
    ['a wrong token', 'Bearer nope', 401, 'Bearer realm="tufwatch", error="invalid_token"'],
    [
      'one character more',
      `Bearer ${TOKEN}x`,
      401,
      'Bearer realm="tufwatch", error="invalid_token"',
    ],
    [
      'one character less',
      `Bearer ${TOKEN.slice(0, -1)}`,
      401,
      'Bearer realm="tufwatch", error="invalid_token"',
    ],
    [
      'a prefix',
      `Bearer ${TOKEN.slice(0, 4)}`,
      401,
      'Bearer realm="tufwatch", error="invalid_token"',
    ],
    [
      'other case',
      `Bearer ${TOKEN.toUpperCase()}`,
      401,
      'Bearer realm="tufwatch", error="invalid_token"',
    ],
    [
      'both tokens joined',
      `Bearer ${TOKEN}${OTHER_TOKEN}`,
      401,
      'Bearer realm="tufwatch", error="invalid_token"',
    ],
    ['the first token', `Bearer ${TOKEN}`, 200, undefined],
    ['the second token', `Bearer ${OTHER_TOKEN}`, 200, undefined],
    ['any case of the scheme', `bEARER ${TOKEN}`, 200, undefined],
    ['spaces around', `Bearer    ${TOKEN}   `, 200, undefined],
  ];
  for (const [name, authorization, status, challenge] of cases) {
    const res = await app.inject({
      url: '/api/v1/controls',
      headers: authorization === undefined ? {} : { authorization },
    });
    t.equal(res.statusCode, status, name);
    t.equal(res.headers['www-authenticate'], challenge, name);
    if (status === 401) t.equal(json(res).code, 'UNAUTHORIZED', name);
  }
});

t.test('no token configured: the protected API is closed, never open', async (t) => {
  for (const tokens of [[], [''], ['', '']]) {
    const { app } = await testApp(t, fakeDeps({ tokens }));
    for (const authorization of [undefined, 'Bearer ', `Bearer ${TOKEN}`, 'Bearer x']) {
      const res = await app.inject({
        url: '/api/v1/system',
        headers: authorization === undefined ? {} : { authorization },
      });
      t.equal(res.statusCode, 503, `${JSON.stringify(tokens)} ${authorization}`);
      t.strictSame(json(res), {
        statusCode: 503,
        code: 'AUTH_NOT_CONFIGURED',
        message:
          'no API token is configured (TUFWATCH_API_TOKENS or auth.tokens): the API is closed',
      });
    }
    // Public routes stay public.
    t.equal((await app.inject('/healthz')).statusCode, 200);
    t.equal((await app.inject('/api/v1/trust')).statusCode, 200);
  }
});

t.test('an empty configured token never authenticates; the others do', async (t) => {
  const { app } = await testApp(t, fakeDeps({ tokens: ['', TOKEN] }));
  t.equal(
    (await app.inject({ url: '/api/v1/system', headers: { authorization: 'Bearer ' } })).statusCode,
    401,
  );
  t.equal(
    (await app.inject({ url: '/api/v1/system', headers: { authorization: `Bearer ${TOKEN}` } }))
      .statusCode,
    200,
  );
});

t.test('digests of equal length are compared with every configured token', async (t) => {
  const calls: [number, number][] = [];
  const { bearerAuth } = await t.mockImport<typeof import('../../server/auth.js')>(
    '../../server/auth.js',
    {
      'node:crypto': {
        ...crypto,
        timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
          calls.push([a.byteLength, b.byteLength]);
          return crypto.timingSafeEqual(a, b);
        },
      },
    },
  );
  const authenticate = bearerAuth(['short', TOKEN, 'x'.repeat(500)]);
  for (const presented of [TOKEN, 's', 'y'.repeat(5000)]) {
    calls.length = 0;
    const outcome = await authenticate(request(`Bearer ${presented}`)).then(
      () => 'ok',
      (err: unknown) => (err as ApiError).code,
    );
    t.equal(outcome, presented === TOKEN ? 'ok' : 'UNAUTHORIZED', presented.slice(0, 10));
    // No early exit on a match, no comparison of raw lengths: three 32-byte comparisons every time.
    t.strictSame(calls, [
      [32, 32],
      [32, 32],
      [32, 32],
    ]);
  }
});

t.test('the hook rejects with ApiErrors', async (t) => {
  const { bearerAuth } = await import('../../server/auth.js');
  await t.rejects(bearerAuth([TOKEN])(request()), ApiError);
  await t.rejects(bearerAuth([])(request(`Bearer ${TOKEN}`)), { code: 'AUTH_NOT_CONFIGURED' });
  await t.resolves(bearerAuth([TOKEN])(request(`Bearer ${TOKEN}`)));
});

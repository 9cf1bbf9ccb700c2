import type { FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { buildApp } from '../../server/app.js';
import { createService } from '../../server/service.js';
import { completeRun } from '../support/fakes.js';
import { NOW, orbitRepository, serviceConfig } from '../support/service.js';

const TOKEN = 'test-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** The app over the real service (SQLite store in memory): the store throws where a fake would not. */
async function realApp(t: Test): Promise<FastifyInstance> {
  const service = createService(serviceConfig([orbitRepository().config]), { now: () => NOW });
  // A completed run: /readyz is ready (its 503 NOT_READY is not what is tested here).
  completeRun(service.store, NOW);
  const app = await buildApp({ ...service.deps, logger: false });
  t.teardown(async () => {
    await app.close();
    await service.close(0);
  });
  return app;
}

const code = (body: string): unknown => (JSON.parse(body) as { code?: unknown }).code;

t.test('numbers that are not decimal integers are 400 BAD_REQUEST, never 500', async (t) => {
  const app = await realApp(t);
  for (const url of [
    '/api/v1/runs?limit=Infinity',
    '/api/v1/runs?limit=-Infinity',
    '/api/v1/runs?before=-Infinity',
    '/api/v1/runs?before=Infinity',
    '/api/v1/runs?limit=1e999',
    '/api/v1/runs?before=1e999',
    '/api/v1/runs?limit=0x10',
    '/api/v1/runs?limit=1e1',
    '/api/v1/runs?limit=%201',
    '/api/v1/runs?limit=%2B1',
    '/api/v1/runs?limit=01',
    '/api/v1/runs?limit=-0',
    '/api/v1/runs?before=9007199254740993',
    '/api/v1/runs?limit=5&limit=6',
    '/api/v1/runs/Infinity',
    '/api/v1/runs/-Infinity',
    '/api/v1/runs/1e999',
    '/api/v1/runs/0x10',
    '/api/v1/runs/1e1',
    '/api/v1/runs/-0',
  ]) {
    const res = await app.inject({ url, headers: AUTH });
    t.equal(res.statusCode, 400, url);
    t.equal(code(res.body), 'BAD_REQUEST', url);
  }
  // Decimal integers in range still work.
  const ok = await app.inject({ url: '/api/v1/runs?limit=5&before=10', headers: AUTH });
  t.equal(ok.statusCode, 200);
  t.equal((await app.inject({ url: '/api/v1/runs/0', headers: AUTH })).statusCode, 400);
  t.equal((await app.inject({ url: '/api/v1/runs/7', headers: AUTH })).statusCode, 404);
});

t.test('query keys the schema does not allow are 400, not dropped', async (t) => {
  const app = await realApp(t);
  for (const url of [
    '/api/v1/runs?from[]=1',
    '/api/v1/runs?foo=1',
    '/api/v1/runs?limit=5&x=1',
    '/api/v1/controls/TW-01/history?from[]=1',
    '/api/v1/controls/TW-01/history?x=1',
    '/api/v1/evidence/export?from=2029-12-01&extra=1',
    '/api/v1/checks?x=1',
    '/api/v1/controls?__proto__=1',
    '/api/v1/system?limit=1',
    '/api/v1/trust?x=1',
  ]) {
    const res = await app.inject({ url, headers: AUTH });
    t.equal(res.statusCode, 400, url);
    t.equal(code(res.body), 'BAD_REQUEST', url);
  }
  // Pages take any query (a cache-busting parameter is harmless there).
  for (const url of ['/trust?v=2', '/?utm_source=x', '/healthz?probe=1']) {
    t.equal((await app.inject({ url })).statusCode, 200, url);
  }
});

t.test('an unknown key in the verify body is refused, not dropped', async (t) => {
  const app = await realApp(t);
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/verify',
    headers: AUTH,
    payload: { files: { 'root.json': '{}' }, extra: 1 },
  });
  t.equal(res.statusCode, 400);
  t.equal(code(res.body), 'BAD_REQUEST');
});

/** mulberry32: a small seeded generator, so a failure replays. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE = [
  'Infinity',
  '-Infinity',
  'NaN',
  '1e999',
  '-1e999',
  '-0',
  '0',
  '-1',
  '1',
  '100',
  '101',
  '0x10',
  '0b11',
  '0o7',
  '1e1',
  '1.0',
  '1.5',
  ' 1',
  '1 ',
  '+1',
  '01',
  '9007199254740993',
  '9'.repeat(400),
  '',
  'null',
  'true',
  '[]',
  '{}',
  '\u0000',
  '\u202e',
  '日本語',
  '\ud83d\udca9',
  '2030-01-01',
  '2030-01-01T00:00:00Z',
  '0000-01-01',
  '9999-12-31T23:59:59Z',
  '2030-02-30',
  '1970-01-01T00:00:00-00:01',
  'a'.repeat(5000),
  '../../etc/passwd',
  '%',
  '%ZZ',
  '%ED%A0%80',
  '%C0%AF',
];

const KEYS = [
  'limit',
  'before',
  'from',
  'to',
  'from[]',
  'limit[]',
  'x',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  '',
  'a'.repeat(300),
];

/** Every GET route, with a concrete path; `{}` marks a path parameter to fuzz. */
const ROUTES = [
  '/api/v1/runs',
  '/api/v1/runs/{}',
  '/api/v1/controls',
  '/api/v1/controls/{}',
  '/api/v1/controls/TW-01/history',
  '/api/v1/controls/{}/history',
  '/api/v1/checks',
  '/api/v1/checks/{}',
  '/api/v1/repositories/{}/roles',
  '/api/v1/system',
  '/api/v1/trust',
  '/api/v1/evidence/export',
  '/api/v1/evidence/export.csv',
  '/api/v1/evidence/public-key',
  '/assets/{}',
  '/trust',
  '/',
  '/healthz',
  '/readyz',
  '/metrics',
];

t.test('property: hostile query and path values on every route never answer 5xx', async (t) => {
  const app = await realApp(t);
  const random = generator(0x7f4a7c15);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const value = (): string => {
    // Mostly the hostile list, sometimes random code points (lone surrogates included).
    if (random() < 0.75) return pick(HOSTILE);
    const length = Math.floor(random() * 12);
    return String.fromCharCode(...Array.from({ length }, () => Math.floor(random() * 0x10000)));
  };
  // Raw `%` sequences are sent as they are now and then: a broken escape must be a 4xx too.
  const encode = (text: string): string => {
    if (random() < 0.1) return text;
    try {
      return encodeURIComponent(text);
    } catch {
      // A lone surrogate has no UTF-8 form: its WTF-8 bytes, escaped (invalid UTF-8 on the wire).
      const units = [...text].map((c) => c.charCodeAt(0));
      return units
        .map((u) =>
          u >= 0xd800 && u <= 0xdfff
            ? `%${(0xe0 | (u >> 12)).toString(16)}%${(0x80 | ((u >> 6) & 0x3f)).toString(16)}%${(0x80 | (u & 0x3f)).toString(16)}`
            : encodeURIComponent(String.fromCharCode(u)),
        )
        .join('');
    }
  };
  const failures: string[] = [];
  for (let i = 0; i < 1500; i++) {
    const route = pick(ROUTES);
    const path = route.replace('{}', encode(value()) || 'x');
    const pairs = Array.from(
      { length: Math.floor(random() * 4) },
      () => `${encode(pick(KEYS))}=${encode(value())}`,
    );
    const url = pairs.length === 0 ? path : `${path}?${pairs.join('&')}`;
    let status: number;
    try {
      status = (await app.inject({ url, headers: AUTH })).statusCode;
    } catch {
      // inject refuses some URLs (characters no HTTP client sends): nothing reached the app.
      continue;
    }
    if (status >= 500) failures.push(`${status} ${url.slice(0, 200)}`);
  }
  t.strictSame(failures, [], 'no 5xx');
});

import net from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions } from 'fastify';
import t from 'tap';
import { buildApp, DEFAULT_RATE_LIMIT, DEFAULT_REQUEST_TIMEOUT_MS } from '../../server/app.js';
import { ERROR_CODES } from '../../server/errors.js';
import {
  AUTH,
  completeRun,
  fakeDeps,
  json,
  NOW,
  testApp,
  TOKEN,
  type FakeDeps,
} from '../support/fakes.js';

/** Every documented route, by method and OpenAPI path. */
const ROUTES: readonly [string, string][] = [
  ['GET', '/'],
  ['GET', '/api/v1/checks'],
  ['GET', '/api/v1/checks/{id}'],
  ['GET', '/api/v1/controls'],
  ['GET', '/api/v1/controls/{id}'],
  ['GET', '/api/v1/controls/{id}/history'],
  ['GET', '/api/v1/evidence/export'],
  ['GET', '/api/v1/evidence/export.csv'],
  ['GET', '/api/v1/evidence/public-key'],
  ['GET', '/api/v1/repositories/{name}/roles'],
  ['GET', '/api/v1/runs'],
  ['POST', '/api/v1/runs'],
  ['GET', '/api/v1/runs/{id}'],
  ['GET', '/api/v1/system'],
  ['GET', '/api/v1/trust'],
  ['POST', '/api/v1/verify'],
  ['GET', '/assets/{name}'],
  ['GET', '/favicon.ico'],
  ['GET', '/healthz'],
  ['GET', '/metrics'],
  ['GET', '/readyz'],
  ['GET', '/trust'],
];

const PUBLIC = new Set([
  '/',
  '/api/v1/trust',
  '/assets/{name}',
  '/favicon.ico',
  '/healthz',
  '/metrics',
  '/readyz',
  '/trust',
]);

const urlOf = (request: InjectOptions): string =>
  typeof request.url === 'string' ? request.url : JSON.stringify(request.url);

/** A concrete URL for an OpenAPI path. */
function sample(path: string): string {
  return path
    .replace('/checks/{id}', '/checks/tuf.expiry')
    .replace('/controls/{id}', '/controls/TW-01')
    .replace('/runs/{id}', '/runs/1')
    .replace('/repositories/{name}', '/repositories/fleet')
    .replace('/assets/{name}', '/assets/dashboard.js');
}

/** Deps with a completed run and verified roles, so that every route has data. */
function populated(): FakeDeps {
  const deps = fakeDeps();
  completeRun(deps.store, NOW, { 'tuf.expiry': 'warn' });
  deps.store.saveTrustedRoles('fleet', {
    timestamp: {
      version: 3,
      expires: '2031-03-08T00:00:00Z',
      threshold: 1,
      validSignatures: 1,
      keys: 1,
      length: 1,
      sha256: 'a',
      signedSha256: 'b',
      firstSeenAt: NOW.toISOString(),
    },
  });
  return deps;
}

function logCapture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

interface OpenApi {
  openapi: string;
  info: { title: string; version: string };
  components: { securitySchemes: Record<string, unknown> };
  paths: Record<
    string,
    Record<
      string,
      {
        security?: unknown[];
        parameters?: { in: string; name: string }[];
        responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
      }
    >
  >;
}

t.test('the OpenAPI document is valid JSON and lists every route with its schemas', async (t) => {
  const { app } = await testApp(t, fakeDeps({ metricsAuth: false }));
  const res = await app.inject('/openapi.json');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  const doc = json<OpenApi>(res);
  t.equal(doc.openapi, '3.1.0');
  t.strictSame(doc.info.title, 'tufwatch');
  t.equal(doc.info.version, '0.1.0-test');
  t.strictSame(doc.components.securitySchemes, { bearerAuth: { type: 'http', scheme: 'bearer' } });
  const listed = Object.entries(doc.paths)
    .flatMap(([path, ops]) =>
      Object.keys(ops).map((m): [string, string] => [m.toUpperCase(), path]),
    )
    .sort((a, b) => a[1].localeCompare(b[1]) || a[0].localeCompare(b[0]));
  t.strictSame(
    listed,
    [...ROUTES].sort((a, b) => a[1].localeCompare(b[1]) || a[0].localeCompare(b[0])),
  );
  for (const [method, path] of ROUTES) {
    const op = doc.paths[path]?.[method.toLowerCase()];
    const label = `${method} ${path}`;
    t.ok(op, label);
    if (op === undefined) continue;
    if (path === '/favicon.ico') {
      t.ok(op.responses['204'], `${label} declares its empty answer`);
      continue;
    }
    const success = op.responses[method === 'POST' && path === '/api/v1/runs' ? '202' : '200'];
    t.ok(success?.content, `${label} declares its success response`);
    for (const name of path.match(/\{(\w+)\}/g) ?? []) {
      t.ok(
        op.parameters?.some((p) => p.in === 'path' && `{${p.name}}` === name),
        `${label} declares ${name}`,
      );
    }
    t.equal(op.security !== undefined, !PUBLIC.has(path), `${label} security`);
    for (const [status, response] of Object.entries(op.responses)) {
      if (Number(status) < 400) continue;
      t.match(response.content?.['application/json']?.schema, {
        required: ['statusCode', 'code', 'message'],
      });
    }
  }
});

t.test('what the document says about auth is what the app does', async (t) => {
  const { app } = await testApp(t, populated(), { rateLimit: { max: 1000, timeWindowMs: 60_000 } });
  const doc = json<OpenApi>(await app.inject('/openapi.json'));
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const request: InjectOptions = { method: method.toUpperCase(), url: sample(path) };
      const anonymous = await app.inject(request);
      if (op.security === undefined) {
        t.not(anonymous.statusCode, 401, `${method} ${path} is public`);
        t.ok(anonymous.statusCode < 400, `${method} ${path}: ${anonymous.statusCode}`);
      } else {
        t.equal(anonymous.statusCode, 401, `${method} ${path} needs a token`);
        const authed = await app.inject({
          ...request,
          headers: AUTH,
          ...(method === 'post' && { payload: { files: { 'root.json': '{}' } } }),
        });
        t.ok(authed.statusCode < 300, `${method} ${path} with a token: ${authed.statusCode}`);
      }
    }
  }
});

const CSP =
  "default-src 'none';script-src 'self';style-src 'self';img-src 'self' data:;font-src 'self';connect-src 'self';base-uri 'none';form-action 'self';frame-ancestors 'none';object-src 'none'";

t.test('security headers on pages, API answers, errors and 404s', async (t) => {
  const { app } = await testApp(t, populated());
  const requests: InjectOptions[] = [
    { url: '/' },
    { url: '/trust' },
    { url: '/assets/dashboard.js' },
    { url: '/api/v1/controls', headers: AUTH },
    { url: '/api/v1/controls' },
    { url: '/no/such/route' },
    { url: '/api/v1/runs/x', headers: AUTH },
  ];
  for (const request of requests) {
    const res = await app.inject(request);
    const label = `${urlOf(request)} ${res.statusCode}`;
    t.equal(res.headers['content-security-policy'], CSP, label);
    t.notMatch(String(res.headers['content-security-policy']), 'unsafe-inline');
    t.equal(res.headers['x-content-type-options'], 'nosniff', label);
    t.equal(res.headers['x-frame-options'], 'SAMEORIGIN', label);
    t.equal(res.headers['referrer-policy'], 'no-referrer', label);
    t.match(res.headers['strict-transport-security'], /max-age=\d+/, label);
    t.equal(res.headers['cross-origin-opener-policy'], 'same-origin', label);
    t.equal(res.headers['x-powered-by'], undefined, label);
  }
});

t.test('errors: one JSON shape, a closed set of codes, no internals', async (t) => {
  const { stream, lines } = logCapture();
  const deps = fakeDeps({ logger: { level: 'error', stream } });
  const app = await buildApp(deps);
  t.teardown(() => app.close());
  // Routes that fail the way a bug would, to see the handler answer them.
  app.get('/test/throws', () => {
    throw new Error('database is at /var/lib/tufwatch/secret.db');
  });
  app.get('/test/throws-string', () => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw 'not an Error';
  });
  app.get('/test/teapot', () => {
    throw Object.assign(new Error('teapot'), { statusCode: 418 });
  });

  const boom = await app.inject('/test/throws');
  t.equal(boom.statusCode, 500);
  t.strictSame(json(boom), { statusCode: 500, code: 'INTERNAL', message: 'internal error' });
  t.notMatch(boom.body, 'secret');
  t.match(lines(), [
    {
      level: 50,
      msg: 'unexpected error',
      err: { message: 'database is at /var/lib/tufwatch/secret.db' },
    },
  ]);
  t.equal((await app.inject('/test/throws-string')).statusCode, 500);
  const teapot = await app.inject('/test/teapot');
  t.strictSame(json(teapot), {
    statusCode: 400,
    code: 'BAD_REQUEST',
    message: 'the request is not valid',
  });

  const cases: [InjectOptions, number, string][] = [
    [{ url: '/nope' }, 404, 'NOT_FOUND'],
    [{ method: 'DELETE', url: '/api/v1/runs/1', headers: AUTH }, 404, 'NOT_FOUND'],
    [{ url: '/api/v1/controls/%E0%A4%A', headers: AUTH }, 400, 'BAD_REQUEST'],
    [{ url: `/api/v1/controls/${'x'.repeat(300)}`, headers: AUTH }, 400, 'BAD_REQUEST'],
    [{ url: '/api/v1/runs?limit=0', headers: AUTH }, 400, 'BAD_REQUEST'],
    [
      {
        method: 'POST',
        url: '/api/v1/verify',
        headers: { ...AUTH, 'content-type': 'application/json', 'content-length': '2' },
        payload: '{"files":{"root.json":"{}"}}',
      },
      400,
      'BAD_REQUEST',
    ],
    [
      {
        method: 'POST',
        url: '/api/v1/verify',
        headers: { ...AUTH, 'content-type': 'text/plain' },
        payload: 'x',
      },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      {
        method: 'POST',
        url: '/api/v1/verify',
        headers: { ...AUTH, 'content-type': 'application/json' },
        payload: '{"files":',
      },
      400,
      'INVALID_JSON',
    ],
  ];
  for (const [request, status, code] of cases) {
    const res = await app.inject(request);
    const label = `${request.method ?? 'GET'} ${urlOf(request).slice(0, 60)}`;
    t.equal(res.statusCode, status, label);
    const body = json<{ statusCode: number; code: string; message: string }>(res);
    t.strictSame(Object.keys(body).sort(), ['code', 'message', 'statusCode'], label);
    t.equal(body.statusCode, status, label);
    t.equal(body.code, code, label);
    t.match(res.headers['content-type'], /^application\/json/, label);
  }
});

t.test(
  'the rate limit: POST /api/v1/verify and POST /api/v1/runs, per route and client',
  async (t) => {
    const deps = fakeDeps();
    const { app } = await testApp(t, deps, { rateLimit: { max: 2, timeWindowMs: 60_000 } });
    const verify: InjectOptions = {
      method: 'POST',
      url: '/api/v1/verify',
      headers: AUTH,
      payload: { files: { 'root.json': '{}' } },
    };
    const run: InjectOptions = { method: 'POST', url: '/api/v1/runs', headers: AUTH };
    for (const request of [verify, run]) {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await app.inject(request)).statusCode);
      t.not(statuses[0], 429);
      t.not(statuses[1], 429);
      const limited = await app.inject(request);
      t.equal(limited.statusCode, 429, urlOf(request));
      const body = json<{ code: string; message: string }>(limited);
      t.equal(body.code, 'RATE_LIMITED');
      t.match(body.message, /at most 2 requests per 1 minute/);
      t.match(limited.headers['retry-after'], /^\d+$/);
      t.equal(limited.headers['x-ratelimit-remaining'], '0');
      // Another client is not limited.
      const other = await app.inject({ ...request, remoteAddress: '10.0.0.2' });
      t.not(other.statusCode, 429, 'another client');
    }
    t.equal(deps.verifyCalls.length, 3, 'limited requests never reach the verifier');
    // Reads are not limited.
    for (let i = 0; i < 10; i++) {
      t.equal((await app.inject({ url: '/api/v1/runs', headers: AUTH })).statusCode, 200);
    }
  },
);

t.test('the default rate limit is 10 requests a minute', async (t) => {
  t.strictSame(DEFAULT_RATE_LIMIT, { max: 10, timeWindowMs: 60_000 });
  const { app } = await testApp(t);
  const request: InjectOptions = {
    method: 'POST',
    url: '/api/v1/verify',
    headers: AUTH,
    payload: { files: { 'root.json': '{}' } },
  };
  for (let i = 0; i < 10; i++) t.equal((await app.inject(request)).statusCode, 200);
  t.equal((await app.inject(request)).statusCode, 429);
});

t.test('logs never carry the Authorization header', async (t) => {
  const serializers = {
    req: (req: { method: string; url: string; headers: Record<string, unknown> }) => ({
      method: req.method,
      url: req.url,
      headers: req.headers,
    }),
  };
  for (const extra of [{}, { redact: ['req.headers.cookie'] }]) {
    const { stream, lines } = logCapture();
    const app = await buildApp(
      fakeDeps({ logger: { level: 'info', stream, serializers, ...extra } }),
    );
    await app.inject({ url: '/api/v1/system', headers: { ...AUTH, cookie: 'session=abc' } });
    await app.inject({ url: '/api/v1/system', headers: { authorization: 'Bearer wrong-token' } });
    await app.close();
    const logged = lines();
    const text = JSON.stringify(logged);
    t.ok(
      logged.some((l) => l.msg === 'incoming request'),
      'requests are logged',
    );
    t.notMatch(text, TOKEN);
    t.notMatch(text, 'wrong-token');
    t.match(text, '"authorization":"[Redacted]"');
    t.equal(
      text.includes('session=abc'),
      !('redact' in extra),
      'redact paths of the caller are kept',
    );
  }
});

t.test('logger: false and true', async (t) => {
  const quiet = await buildApp({ ...fakeDeps(), logger: undefined });
  t.equal(quiet.log.level, undefined, "fastify's no-op logger");
  t.equal((await quiet.inject('/healthz')).statusCode, 200);
  await quiet.close();
  const loud = await buildApp(fakeDeps({ logger: true }));
  t.equal(loud.log.level, 'info');
  await loud.close();
});

/** Sends raw bytes to a listening app and reads the whole answer. */
function raw(app: FastifyInstance, data: string): Promise<string> {
  const address = app.server.address() as net.AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = net.connect(address.port, '127.0.0.1', () => socket.write(data));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

t.test('requests the HTTP parser refuses get the same JSON shape', async (t) => {
  const { app } = await testApp(t);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const cases: [string, string, number, string][] = [
    ['garbage', 'NOT HTTP AT ALL\r\n\r\n', 400, 'BAD_REQUEST'],
    [
      'headers too large',
      `GET /healthz HTTP/1.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'HEADERS_TOO_LARGE',
    ],
  ];
  for (const [name, data, status, code] of cases) {
    const answer = await raw(app, data);
    const [head, body] = answer.split('\r\n\r\n');
    t.match(head, new RegExp(`^HTTP/1.1 ${status} `), name);
    t.match(JSON.parse(body ?? ''), { statusCode: status, code }, name);
  }
  t.match(
    await raw(app, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    /^HTTP\/1.1 200/,
  );
});

/**
 * An authenticated upload whose body drips a byte every `everyMs` over a real
 * socket, for at most `bytes` bytes of the `declared` Content-Length; resolves
 * with what the server answered once the server closes the connection, or
 * with '' once the drip ran dry and the server still waited.
 */
function drip(
  app: FastifyInstance,
  options: { declared: number; bytes: number; everyMs: number },
): Promise<string> {
  const address = app.server.address() as net.AddressInfo;
  return new Promise((resolve, reject) => {
    let answer = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const socket = net.connect(address.port, '127.0.0.1', () => {
      socket.write(
        `POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${options.declared}\r\n\r\n`,
      );
      timer = setInterval(() => {
        if (sent === options.bytes) {
          // Ran dry with no answer: the server would hold the upload forever.
          clearInterval(timer);
          socket.destroy();
          resolve('');
          return;
        }
        sent += 1;
        socket.write(' ');
      }, options.everyMs);
    });
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => {
      clearInterval(timer);
      resolve(answer);
    });
    socket.on('error', (err) => {
      clearInterval(timer);
      // The server may close while a byte is on its way: what it answered is what counts.
      if (answer === '') reject(err);
    });
  });
}

t.test(
  'an upload that drips its body is answered 408 REQUEST_TIMEOUT at the deadline',
  async (t) => {
    const { app } = await testApp(t, fakeDeps(), { requestTimeoutMs: 300 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    // A byte every 50 ms for up to 5 s: the 300 ms deadline (checked every 75 ms) comes first.
    const answer = await drip(app, { declared: 1000, bytes: 100, everyMs: 50 });
    const [head, body] = answer.split('\r\n\r\n');
    t.match(head, /^HTTP\/1.1 408 /);
    t.match(JSON.parse(body ?? '{}'), { statusCode: 408, code: 'REQUEST_TIMEOUT' });
    // The deadline is on receiving the request, not on answering it: a prompt request is served.
    t.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
  },
);

t.test('the default request deadline is 30 s', async (t) => {
  const { app } = await testApp(t);
  t.equal(app.server.requestTimeout, DEFAULT_REQUEST_TIMEOUT_MS);
  t.equal(DEFAULT_REQUEST_TIMEOUT_MS, 30_000);
});

// --- No request of the documented API produces a 500 ------------------------

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
const HOSTILE_SEGMENTS = [
  '..',
  '%2e%2e',
  '%2F',
  '%00',
  '%E0%A4%A',
  '%',
  'x'.repeat(300),
  '__proto__',
  'constructor',
  'toString',
  '%F0%9F%98%80',
  "'%3B%20DROP%20TABLE%20runs",
  '-1',
  '0',
  '1e309',
  '0x10',
  'NaN',
  '9007199254740993',
  '%20',
];
const HOSTILE_QUERIES = [
  '?limit=abc',
  '?limit=1&limit=2',
  '?limit=100000000000000000000',
  '?before=-5',
  '?from=x&to=y',
  '?from=2031-01-01&to=2030-01-01',
  '?from[]=1',
  '?from[a]=1',
  '?__proto__[x]=1',
  '?constructor[prototype][x]=1',
  `?${'a=1&'.repeat(1000)}`,
  '?from=%00',
  '?from=%E0%A4%A',
  `?to=${'9'.repeat(100)}`,
];
const CONTENT = 'application/json';
const deep = `{"files":{"root.json":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}}`;
const HOSTILE_BODIES: [string | undefined, string][] = [
  [CONTENT, '{'],
  [CONTENT, ''],
  [CONTENT, 'null'],
  [CONTENT, '[]'],
  [CONTENT, '"files"'],
  [CONTENT, '{"__proto__":{"admin":true}}'],
  [CONTENT, '{"files":{"__proto__":"{}"}}'],
  [CONTENT, deep],
  [CONTENT, `{"files":{"root.json":"${'x'.repeat(70_000)}"}}`],
  [CONTENT, '{"files":{"../../etc/passwd":"x","a/b.json":"{}"}}'],
  [CONTENT, '{"files":{"root.json":"{}"},"at":"not a time"}'],
  [CONTENT, '{"files":{"root.json":"{}"},"at":1e400}'],
  [CONTENT, '{"files":{"root.json":12},"at":null}'],
  [`${CONTENT}; charset=utf-16`, '{"files":{}}'],
  [`${CONTENT}; charset=`, '{"files":{}}'],
  ['text/plain', 'hello'],
  ['multipart/form-data; boundary=x', '--x--'],
  ['application/x-www-form-urlencoded', 'a=b'],
  ['', '{}'],
  [';;;', '{}'],
  [undefined, '{"files":{"root.json":"{}"}}'],
];
const HOSTILE_AUTH = [
  undefined,
  '',
  'Bearer',
  `Bearer ${'a'.repeat(8000)}`,
  `Basic ${Buffer.from('admin:admin').toString('base64')}`,
  `Bearer ${TOKEN}`,
];

function urlsOf(path: string): string[] {
  const urls = [sample(path)];
  for (const param of path.match(/\{\w+\}/g) ?? []) {
    for (const segment of HOSTILE_SEGMENTS) urls.push(sample(path.replace(param, segment)));
  }
  for (const query of HOSTILE_QUERIES) urls.push(`${sample(path)}${query}`);
  return urls;
}

t.test('hostile requests at every route never produce a 500', async (t) => {
  for (const state of ['empty', 'populated'] as const) {
    const deps = state === 'empty' ? fakeDeps({ maxUploadBytes: 64 * 1024 }) : populated();
    const { app } = await testApp(t, deps, { rateLimit: { max: 100_000, timeWindowMs: 60_000 } });
    const requests: InjectOptions[] = [];
    for (const [, path] of ROUTES) {
      for (const url of urlsOf(path)) {
        for (const method of METHODS) requests.push({ method, url, headers: AUTH });
      }
      for (const [type, payload] of HOSTILE_BODIES) {
        for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
          requests.push({
            method,
            url: sample(path),
            headers: { ...AUTH, ...(type !== undefined && { 'content-type': type }) },
            payload,
          });
        }
      }
      for (const authorization of HOSTILE_AUTH) {
        for (const method of ['GET', 'POST'] as const) {
          requests.push({
            method,
            url: sample(path),
            headers: authorization === undefined ? {} : { authorization },
          });
        }
      }
    }
    const problems: string[] = [];
    for (const request of requests) {
      const res = await app.inject(request);
      const label = `${request.method} ${urlOf(request).slice(0, 80)} -> ${res.statusCode}`;
      if (res.statusCode >= 500 && res.statusCode !== 503) problems.push(label);
      if (res.statusCode >= 400) {
        // A HEAD answer has no body: the GET answer has the same status and says why.
        const text =
          request.method === 'HEAD'
            ? (await app.inject({ ...request, method: 'GET' })).body
            : res.body;
        let body: { statusCode?: unknown; code?: unknown } = {};
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          problems.push(`${label}: not JSON`);
        }
        if (body.statusCode !== res.statusCode || !Object.hasOwn(ERROR_CODES, String(body.code))) {
          problems.push(`${label}: ${text.slice(0, 100)}`);
        }
        // 503 NOT_READY is the documented answer of /readyz and of a repository not verified yet.
        if (res.statusCode === 503 && body.code !== 'NOT_READY') problems.push(`${label}: ${text}`);
      }
    }
    t.ok(requests.length > 2000, `${requests.length} requests`);
    t.strictSame(
      problems,
      [],
      `${state}: every answer is < 500 (or 503 NOT_READY), in the error shape`,
    );
  }
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import {
  HttpSource,
  MAX_REDIRECTS,
  type HttpSourceOptions,
  networkReason,
} from '../../sources/http.js';
import { TufError } from '../../tuf/errors.js';

const files: Record<string, string> = {
  '2.root.json': '{"signed":{}}',
  '1.ö.json': 'unicode',
  '1...json': 'a role named ..',
  'a b?c#d%.json': 'reserved characters',
  'orbit/macos/stable/orbit': 'binary',
  'big.bin': 'x'.repeat(200_000),
};

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const requests: string[] = [];
const closed = new Map<string, Promise<void>>();
/** Resolves when the server sees its last response to `path` closed (body cancelled, socket gone). */
const serverClosed = (path: string): Promise<void> => {
  const promise = closed.get(path);
  if (promise === undefined) throw new Error(`no request for ${path}`);
  return promise;
};

const special: Record<string, Handler> = {
  '/gone': (_req, res) => res.writeHead(410).end(),
  '/forbidden': (_req, res) => res.writeHead(403).end('AccessDenied'),
  '/broken': (_req, res) => res.writeHead(500).end('oops'),
  '/not-modified': (_req, res) => res.writeHead(304).end(),
  '/no-content': (_req, res) => res.writeHead(204).end(),
  '/declared-too-large': (_req, res) =>
    res.writeHead(200, { 'content-length': 1000 }).end(Buffer.alloc(1000)),
  '/endless': (_req, res) => {
    res.writeHead(200); // chunked: no length to check up front
    const write = () => {
      if (!res.destroyed) res.write(Buffer.alloc(16 * 1024), () => setImmediate(write));
    };
    write();
  },
  '/stall-headers': () => {}, // never answers
  '/stall-body': (_req, res) => {
    res.writeHead(200);
    res.write('partial');
  },
  '/trickle': (_req, res) => {
    res.writeHead(200);
    const timer = setInterval(() => res.write('x'), 50);
    res.on('close', () => clearInterval(timer));
  },
  '/reset': (req, res) => {
    res.writeHead(200, { 'content-length': 100 });
    res.write('0123456789', () => req.socket.destroy());
  },
  '/two-chunks': (_req, res) => {
    res.writeHead(200);
    res.write('first');
    setTimeout(() => res.end('second'), 50);
  },
  '/headers': (req, res) => res.end(JSON.stringify(req.headers)),
  '/validators': (_req, res) =>
    res
      .writeHead(200, {
        etag: '"v1"',
        'last-modified': 'Tue, 01 Jan 2030 00:00:00 GMT',
        'content-length': 5,
      })
      .end('hello'),
  '/no-validators': (_req, res) => {
    res.writeHead(200); // chunked: no length either
    res.end('hello');
  },
  '/moved': (_req, res) => res.writeHead(301, { location: '/repo/2.root.json' }).end(),
  '/to-ftp': (_req, res) => res.writeHead(302, { location: 'ftp://example.org/x' }).end(),
  '/nowhere': (_req, res) => res.writeHead(307).end(),
  '/bad-location': (_req, res) => res.writeHead(308, { location: 'http://[::1' }).end(),
  '/with-credentials': (req, res) =>
    res.writeHead(302, { location: `http://user:pw@${req.headers.host}/repo/2.root.json` }).end(),
  '/hop/0': (_req, res) => res.end('arrived'),
  '/hop/1': (_req, res) => res.writeHead(302, { location: '/hop/0' }).end(),
  '/hop/2': (_req, res) => res.writeHead(303, { location: '/hop/1' }).end(),
  '/hop/3': (_req, res) => res.writeHead(307, { location: '/hop/2' }).end(),
  '/hop/4': (_req, res) => res.writeHead(308, { location: '/hop/3' }).end(),
};

const server = http.createServer((req, res) => {
  const rawPath = req.url ?? '';
  requests.push(rawPath);
  closed.set(rawPath, new Promise((resolve) => res.on('close', resolve)));
  const handler = special[rawPath];
  if (handler) return handler(req, res);
  // Decoding per segment: an unencoded '?' or '#' would never reach this lookup intact.
  const name = rawPath.split('/').slice(2).map(decodeURIComponent).join('/');
  const content = rawPath.startsWith('/repo/') ? files[name] : undefined;
  if (content === undefined) return res.writeHead(404).end();
  res.writeHead(200, { 'content-length': Buffer.byteLength(content) }).end(content);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
t.teardown(() => {
  server.closeAllConnections();
  server.close();
});
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const repo = new HttpSource(`${origin}/repo`);
const root = new HttpSource(origin, { idleTimeoutMs: 200, timeoutMs: 1000 });
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

void t.test('refuses base URLs that are not plain http(s)', (t) => {
  for (const url of [
    'ftp://host/repo',
    'file:///tmp/repo',
    'not a url',
    '/tmp/repo',
    'https://user:pw@host/',
  ]) {
    t.throws(() => new HttpSource(url), { code: 'FETCH_FAILED' }, url);
  }
  t.end();
});

void t.test('location is the base URL with a trailing slash', (t) => {
  t.equal(repo.location, `${origin}/repo/`);
  t.equal(new HttpSource(`${origin}/repo/`).location, `${origin}/repo/`);
  t.equal(new HttpSource('https://example.org').location, 'https://example.org/');
  t.end();
});

void t.test('reads files, one encoded URL segment per name segment', async (t) => {
  for (const base of [`${origin}/repo`, `${origin}/repo/`]) {
    const source = new HttpSource(base);
    for (const [name, content] of Object.entries(files)) {
      t.equal(text(await source.read(name, 1_000_000)), content, `${base} ${name}`);
    }
  }
  t.ok(requests.includes('/repo/a%20b%3Fc%23d%25.json'));
  t.ok(requests.includes('/repo/1.%C3%B6.json'));
});

void t.test('a quoted role file name is sent as it is, not quoted twice', async (t) => {
  // The client asks for a role named ../x as ..%2Fx.json, as python-tuf does.
  files['../x.json'] = 'role ../x';
  t.equal(text(await repo.read('..%2Fx.json', 1_000)), 'role ../x');
  t.equal(requests.at(-1), '/repo/..%2Fx.json');
  files['%x.json'] = 'a lone percent';
  t.equal(text(await repo.read('%x.json', 1_000)), 'a lone percent');
  t.equal(requests.at(-1), '/repo/%25x.json');
});

void t.test('refuses names that could leave the base URL, without a request', async (t) => {
  const before = requests.length;
  for (const name of [
    '',
    '/etc/passwd',
    '..',
    '.',
    '../secret',
    'a/../../b',
    'a//b',
    'a\\b',
    'a\0b',
  ]) {
    await t.rejects(repo.read(name, 1024), { code: 'FETCH_FAILED', details: { file: name } }, name);
  }
  t.equal(requests.length, before);
});

const statuses = [
  { path: 'missing.json', code: 'METADATA_MISSING', status: 404 },
  { path: 'gone', code: 'METADATA_MISSING', status: 410 },
  { path: 'forbidden', code: 'METADATA_MISSING', status: 403 },
  { path: 'broken', code: 'FETCH_FAILED', status: 500 },
  { path: 'not-modified', code: 'FETCH_FAILED', status: 304 },
] as const;
for (const { path, code, status } of statuses) {
  void t.test(`HTTP ${status} -> ${code}`, async (t) => {
    const err = await failure(root.read(path, 1024));
    t.type(err, TufError);
    t.match(err, { code, details: { file: path, actual: status } });
  });
}

void t.test('a 204 reads as empty', async (t) => {
  t.equal((await root.read('no-content', 1024)).byteLength, 0);
});

void t.test('a file of exactly maxBytes is read', async (t) => {
  t.equal(text(await repo.read('1.ö.json', Buffer.byteLength('unicode'))), 'unicode');
});

void t.test('a declared Content-Length above maxBytes is refused before the body', async (t) => {
  await t.rejects(root.read('declared-too-large', 100), {
    code: 'SIZE_LIMIT_EXCEEDED',
    details: { file: 'declared-too-large', expected: 100 },
  });
});

void t.test('an endless body is cut after maxBytes and cancelled', async (t) => {
  const maxBytes = 100_000;
  let received = 0;
  const err = await failure(
    (async () => {
      for await (const chunk of root.stream('endless', maxBytes)) received += chunk.byteLength;
    })(),
  );
  t.match(err, { code: 'SIZE_LIMIT_EXCEEDED', details: { file: 'endless', expected: maxBytes } });
  t.ok(received <= maxBytes, 'no byte past the cap reaches the consumer');
  await serverClosed('/endless'); // the server stops writing: the connection is gone
});

const timeouts = [
  { path: 'stall-headers', why: 'no headers within the idle timeout' },
  { path: 'stall-body', why: 'headers, then no data within the idle timeout' },
  { path: 'trickle', why: 'data keeps coming, but not within the whole-request timeout' },
];
for (const { path, why } of timeouts) {
  void t.test(`${path}: ${why}`, async (t) => {
    const source = new HttpSource(origin, { idleTimeoutMs: 200, timeoutMs: 600 });
    const started = Date.now();
    const err = await failure(source.read(path, 1_000_000));
    t.match(err, {
      code: 'FETCH_FAILED',
      details: { file: path },
      cause: { name: 'TimeoutError' },
    });
    t.ok(Date.now() - started < 2000, 'gave up promptly');
  });
}

void t.test('the consumer taking its time is not server idleness', async (t) => {
  const chunks: string[] = [];
  for await (const chunk of root.stream('two-chunks', 1024)) {
    chunks.push(text(chunk));
    await sleep(300); // longer than the idle timeout
  }
  t.equal(chunks.join(''), 'firstsecond');
});

void t.test('the whole-request timeout still ends a stream the consumer holds', async (t) => {
  // The body has fully arrived when the deadline passes: undici 6.24 alone
  // leaves the next read pending forever (cf. nodejs/undici#4089).
  const source = new HttpSource(origin, { idleTimeoutMs: 1000, timeoutMs: 200 });
  const err = await failure(
    (async () => {
      for await (const _chunk of source.stream('two-chunks', 1024)) await sleep(300);
    })(),
  );
  t.match(err, {
    code: 'FETCH_FAILED',
    details: { file: 'two-chunks' },
    cause: { name: 'TimeoutError' },
  });
});

void t.test('a socket closed mid-body fails the fetch', async (t) => {
  const err = await failure(root.read('reset', 1024));
  t.match(err, { code: 'FETCH_FAILED', details: { file: 'reset' } });
  t.match((err as Error).message, /\/reset: request failed \(UND_ERR_SOCKET: other side closed\)$/);
  t.not((err as Error).cause, undefined);
  t.notMatch(err, { cause: { name: 'TimeoutError' } });
});

void t.test('a refused connection fails the fetch', async (t) => {
  const gone = http.createServer();
  await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
  const port = (gone.address() as AddressInfo).port;
  await new Promise((resolve) => gone.close(resolve));
  const err = await failure(new HttpSource(`http://127.0.0.1:${port}/`).read('root.json', 1024));
  t.match(err, {
    code: 'FETCH_FAILED',
    details: { file: 'root.json' },
    cause: { name: 'TypeError' },
  });
  t.match((err as Error).message, `request failed (connect ECONNREFUSED 127.0.0.1:${port})`);
});

void t.test('stopping a stream early closes the connection', async (t) => {
  for await (const chunk of root.stream('endless', 1_000_000)) {
    t.ok(chunk.byteLength > 0);
    break;
  }
  await serverClosed('/endless');
});

const headerCases: { options: HttpSourceOptions; userAgent: string; authorization?: string }[] = [
  { options: {}, userAgent: 'tufwatch' },
  { options: { userAgent: 'fleet/1.0' }, userAgent: 'fleet/1.0' },
  { options: { headers: { 'User-Agent': 'custom/2' } }, userAgent: 'custom/2' },
  {
    options: {
      userAgent: 'fleet/1.0',
      headers: { 'User-Agent': 'custom/2', Authorization: 'Bearer t' },
    },
    userAgent: 'fleet/1.0',
    authorization: 'Bearer t',
  },
];
for (const { options, userAgent, authorization } of headerCases) {
  void t.test(`sends user-agent ${userAgent}`, async (t) => {
    const echoed = JSON.parse(
      text(await new HttpSource(origin, options).read('headers', 10_000)),
    ) as Record<string, string>;
    t.equal(echoed['user-agent'], userAgent);
    t.equal(echoed.authorization, authorization);
  });
}

void t.test('networkReason names what fetch wrapped', (t) => {
  const wrapped = (cause: unknown) => new TypeError('fetch failed', { cause });
  const coded = (message: string, code: string) => Object.assign(new Error(message), { code });
  t.equal(
    networkReason(wrapped(coded('getaddrinfo ENOTFOUND example.invalid', 'ENOTFOUND'))),
    'getaddrinfo ENOTFOUND example.invalid',
    'a code already in the message is not repeated',
  );
  t.equal(
    networkReason(wrapped(coded('other side closed', 'UND_ERR_SOCKET'))),
    'UND_ERR_SOCKET: other side closed',
  );
  t.equal(networkReason(new TypeError('invalid header')), 'invalid header', 'nothing wrapped');
  t.equal(networkReason(wrapped('a string')), 'fetch failed', 'a cause that is no Error');
  t.equal(networkReason('thrown text'), 'thrown text');
  t.end();
});

void t.test('redirects', (t) => {
  t.test('a redirect is followed, and the final URL is kept', async (t) => {
    const source = new HttpSource(origin);
    t.equal(text(await source.read('moved', 1024)), '{"signed":{}}');
    t.strictSame([...source.redirects], [[`${origin}/moved`, `${origin}/repo/2.root.json`]]);
    t.strictSame([...repo.redirects], [], 'a request answered where asked is not listed');
  });

  t.test(`at most ${MAX_REDIRECTS} redirects`, async (t) => {
    t.equal(MAX_REDIRECTS, 3);
    t.equal(text(await root.read('hop/3', 1024)), 'arrived');
    const err = await failure(root.read('hop/4', 1024));
    t.match(err, { code: 'FETCH_FAILED', details: { file: 'hop/4', actual: `${origin}/hop/1` } });
  });

  const refused = ['to-ftp', 'nowhere', 'bad-location', 'with-credentials'];
  for (const name of refused) {
    t.test(`refused: ${name}`, async (t) => {
      const followed = () => requests.filter((r) => r === '/repo/2.root.json').length;
      const before = followed();
      const err = await failure(root.read(name, 1024));
      t.match(err, { code: 'FETCH_FAILED', details: { file: name } });
      t.equal(followed(), before, 'the refused location was not requested');
    });
  }

  t.test('the configured headers are not sent to another origin', async (t) => {
    const other = http.createServer((req, res) => res.end(JSON.stringify(req.headers)));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    t.teardown(() => other.close());
    const elsewhere = `http://127.0.0.1:${(other.address() as AddressInfo).port}/echo`;
    const hop = http.createServer((_req, res) => res.writeHead(302, { location: elsewhere }).end());
    await new Promise<void>((resolve) => hop.listen(0, '127.0.0.1', resolve));
    t.teardown(() => hop.close());
    const source = new HttpSource(`http://127.0.0.1:${(hop.address() as AddressInfo).port}/`, {
      headers: { authorization: 'Bearer secret' },
    });
    const echoed = JSON.parse(text(await source.read('x', 10_000))) as Record<string, string>;
    t.equal(echoed.authorization, undefined);
    t.equal(echoed['user-agent'], 'tufwatch');
  });

  t.test('https is never followed down to http', async (t) => {
    // No TLS server here: fetch answers as an https host that redirects to http would.
    const realFetch = globalThis.fetch;
    const asked: string[] = [];
    globalThis.fetch = (input: string | URL | Request) => {
      asked.push(input instanceof Request ? input.url : String(input));
      return Promise.resolve(
        new Response(null, { status: 302, headers: { location: `${origin}/repo/2.root.json` } }),
      );
    };
    t.teardown(() => {
      globalThis.fetch = realFetch;
    });
    const err = await failure(new HttpSource('https://updates.example.test/').read('x', 1024));
    t.match(err, { code: 'FETCH_FAILED', details: { file: 'x' } });
    t.strictSame(asked, ['https://updates.example.test/x'], 'the http URL was never requested');
  });
  t.end();
});

void t.test('probe: the validators a HEAD request returns', async (t) => {
  t.strictSame(await root.probe('validators'), {
    etag: '"v1"',
    lastModified: 'Tue, 01 Jan 2030 00:00:00 GMT',
    length: 5,
  });
  t.strictSame(await root.probe('no-validators'), {}, 'none sent, none claimed');
  await t.rejects(root.probe('missing.json'), { code: 'METADATA_MISSING' });
  await t.rejects(root.probe('broken'), { code: 'FETCH_FAILED', details: { actual: 500 } });
  await t.rejects(root.probe('stall-headers'), {
    code: 'FETCH_FAILED',
    cause: { name: 'TimeoutError' },
  });
  await t.rejects(root.probe('to-ftp'), { code: 'FETCH_FAILED' });
  const gone = http.createServer();
  await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
  const port = (gone.address() as AddressInfo).port;
  await new Promise((resolve) => gone.close(resolve));
  await t.rejects(new HttpSource(`http://127.0.0.1:${port}/`).probe('x'), {
    code: 'FETCH_FAILED',
    cause: { name: 'TypeError' },
  });
});

import http from 'node:http';
import path from 'node:path';
import t from 'tap';
import { resolveFile, serveDirectory } from '../../../scripts/demo/static-server.js';

/** A raw request: fetch would normalize `..` and `%2e%2e` before sending them. */
function request(
  url: string,
  requestPath: string,
  method = 'GET',
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    // `path` is sent as it is; a URL string would be normalized first.
    const options = { hostname, port, path: requestPath, method, agent: false };
    const req = http.request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

t.test('serves the files of a directory, and nothing else', async (t) => {
  const dir = t.testdir({
    public: {
      'timestamp.json': '{"signed":{}}',
      targets: { orbit: { linux: { stable: { orbit: 'ELF binary' } } }, 'a.tar.gz': 'gz' },
    },
    secret: 'outside the served directory',
  });
  const server = await serveDirectory(path.join(dir, 'public'));
  t.teardown(() => server.close());
  t.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.equal(server.url, `http://127.0.0.1:${server.port}`);

  const json = await fetch(`${server.url}/timestamp.json`);
  t.equal(json.status, 200);
  t.equal(json.headers.get('content-type'), 'application/json');
  t.equal(json.headers.get('content-length'), '13');
  t.equal(await json.text(), '{"signed":{}}');

  const binary = await fetch(`${server.url}/targets/orbit/linux/stable/orbit?cache=bust`);
  t.equal(binary.headers.get('content-type'), 'application/octet-stream');
  t.equal(await binary.text(), 'ELF binary');
  t.equal(
    (await fetch(`${server.url}/targets/a.tar.gz`)).headers.get('content-type'),
    'application/gzip',
  );

  const head = await request(server.url, '/timestamp.json', 'HEAD');
  t.equal(head.status, 200);
  t.equal(head.headers['content-length'], '13');
  t.equal(head.body.length, 0);

  const refused: [string, string, number][] = [
    ['a missing file', '/snapshot.json', 404],
    ['a directory', '/targets', 404],
    ['a directory with a slash', '/targets/', 404],
    ['the root', '/', 404],
    ['an empty segment', '/targets//a.tar.gz', 404],
    ['a parent segment', '/../secret', 404],
    ['an encoded parent segment', '/%2e%2e/secret', 404],
    ['a dot segment', '/./timestamp.json', 404],
    ['an encoded slash', '/targets%2Fa.tar.gz', 404],
    ['a backslash', '/targets%5Ca.tar.gz', 404],
    ['a NUL', '/timestamp.json%00', 404],
    ['a bad escape', '/%E0%A4%A', 404],
  ];
  for (const [name, requestPath, status] of refused) {
    t.equal((await request(server.url, requestPath)).status, status, name);
  }
  const post = await request(server.url, '/timestamp.json', 'POST');
  t.equal(post.status, 405);
  t.equal(post.headers.allow, 'GET, HEAD');
});

t.test('close does not wait for keep-alive connections', async (t) => {
  const root = t.testdir({ 'root.json': '{}' });
  const server = await serveDirectory(root);
  const agent = new http.Agent({ keepAlive: true });
  await new Promise<void>((resolve, reject) => {
    http
      .get(`${server.url}/root.json`, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
      .on('error', reject);
  });
  const started = Date.now();
  await server.close();
  t.ok(Date.now() - started < 1000, 'closed at once');
  agent.destroy();
  await t.rejects(fetch(`${server.url}/root.json`), 'no longer listening');
});

t.test('a fixed port, and a port in use', async (t) => {
  const first = await serveDirectory(t.testdir({}));
  t.teardown(() => first.close());
  await t.rejects(serveDirectory(t.testdirName, { port: first.port }), { code: 'EADDRINUSE' });
});

t.test('resolveFile maps a request path under the base directory', (t) => {
  t.equal(resolveFile('/srv/repo', '/targets/x/1.0/f'), path.join('/srv/repo/targets/x/1.0/f'));
  t.equal(resolveFile('/srv/repo', '/a%20b.json#frag'), path.join('/srv/repo/a b.json'));
  t.equal(resolveFile('/srv/repo', '/..'), undefined);
  t.end();
});

/**
 * `tufwatch run --json` against a repository served over HTTPS by a real TLS
 * server with a certificate of a test CA. The CLI runs in a child process with
 * NODE_EXTRA_CA_CERTS, so that its downloads trust the test CA as the probes do
 * through `caFile`; the reference time is now (OpenSSL verifies with the wall clock).
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { orbitRepository } from '../../support/service.js';
import { TestCa } from '../../support/tls.js';

const CLI = fileURLToPath(new URL('../../../scripts/tufwatch.ts', import.meta.url));
const DAY_MS = 24 * 3600 * 1000;

const ca = new TestCa();
t.teardown(() => ca.remove());
const now = new Date();
const pair = ca.issue(
  'repo',
  ['localhost'],
  new Date(now.getTime() - DAY_MS),
  new Date(now.getTime() + 90 * DAY_MS),
);

interface RunJson {
  controls: { id: string; status: string; checks: { id: string; status: string }[] }[];
  checks: { id: string; status: string; evidence: { endpoints?: Record<string, unknown>[] } }[];
}

/** The repository directory over HTTPS, with the given TLS floor and HSTS header. */
async function serve(dir: string, options: { minVersion?: 'TLSv1.1'; hsts?: string }) {
  const server = createServer(
    {
      key: pair.key,
      cert: pair.cert,
      ...(options.minVersion !== undefined && {
        minVersion: options.minVersion,
        ciphers: 'DEFAULT@SECLEVEL=0',
      }),
    },
    (req, res) => {
      if (options.hsts !== undefined) res.setHeader('Strict-Transport-Security', options.hsts);
      const file = join(
        dir,
        normalize(decodeURIComponent(new URL(req.url ?? '/', 'https://x').pathname)),
      );
      readFile(file).then(
        (bytes) => res.end(bytes),
        () => {
          res.statusCode = 404;
          res.end();
        },
      );
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, resolve));
  return {
    url: `https://localhost:${(server.address() as { port: number }).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function run(
  url: string,
  repoDir: string,
): Promise<{ code: number | null; out: RunJson; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tufwatch-run-https-'));
  const config = join(dir, 'config.json');
  await writeFile(
    config,
    JSON.stringify({
      system: { name: 'Test', description: 'A test update service over HTTPS' },
      repositories: [
        { name: 'orbit', url, trustedRoot: join(repoDir, '1.root.json'), caFile: ca.ca.certFile },
      ],
      storage: { path: join(dir, 'evidence.db') },
    }),
  );
  const child = spawn(
    process.execPath,
    [...process.execArgv, CLI, 'run', '--config', config, '--json'],
    {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.ca.certFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, out: JSON.parse(stdout) as RunJson, stderr };
}

const statuses = (out: RunJson) =>
  Object.fromEntries(
    out.checks.filter((c) => c.id.startsWith('https.')).map((c) => [c.id, c.status]),
  );

t.test('a well-served repository: every check passes, TW-07 passes, exit 0', async (t) => {
  const repo = orbitRepository(now);
  const server = await serve(repo.dir, { hsts: 'max-age=31536000' });
  t.teardown(server.close);
  const { code, out, stderr } = await run(server.url, repo.dir);
  t.equal(code, 0, stderr);
  t.strictSame(statuses(out), {
    'https.certificate': 'pass',
    'https.protocol': 'pass',
    'https.hsts': 'pass',
  });
  t.equal(out.controls.find((c) => c.id === 'TW-07')?.status, 'pass');
  t.equal(out.checks.find((c) => c.id === 'tuf.signatures')?.status, 'pass');
  t.match(out.checks.find((c) => c.id === 'https.certificate')?.evidence.endpoints, [
    { edge: 'origin', chainVerified: true, hostnameMatches: true, daysLeft: 89 },
  ]);
});

t.test('TLS 1.1 accepted and no HSTS: protocol fails, hsts warns, exit 1', async (t) => {
  const repo = orbitRepository(now);
  const server = await serve(repo.dir, { minVersion: 'TLSv1.1' });
  t.teardown(server.close);
  const { code, out } = await run(server.url, repo.dir);
  t.equal(code, 1);
  t.strictSame(statuses(out), {
    'https.certificate': 'pass',
    'https.protocol': 'fail',
    'https.hsts': 'warn',
  });
  t.equal(out.controls.find((c) => c.id === 'TW-07')?.status, 'fail');
});

import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { serveCommand } from '../../../scripts/commands/serve.js';
import { createService } from '../../../server/service.js';
import { fakeIo } from '../../support/io.js';
import { orbitRepository } from '../../support/service.js';

const TOKEN = 'serve-test-token-0123456789';

function configFile(
  repoDir: string,
  server: Record<string, unknown> = { port: 0 },
  storage?: string,
): string {
  const dir = mkdtempSync(join(tmpdir(), 'tufwatch-serve-'));
  const path = join(dir, 'config.json');
  writeFileSync(
    path,
    JSON.stringify({
      system: { name: 'Test', description: 'A test update service' },
      repositories: [{ name: 'orbit', url: repoDir, trustedRoot: join(repoDir, '1.root.json') }],
      storage: { path: storage ?? join(dir, 'evidence.db') },
      server: { host: '127.0.0.1', ...server },
      auth: { tokens: [TOKEN] },
    }),
  );
  return path;
}

async function waitFor(io: { stdout: string }, pattern: RegExp): Promise<RegExpMatchArray> {
  for (let i = 0; i < 600; i++) {
    const match = pattern.exec(io.stdout);
    if (match !== null) return match;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${String(pattern)} in ${io.stdout}`);
}

t.test('--help and bad options', async (t) => {
  const help = fakeIo();
  t.equal(await serveCommand(['--help'], help), 0);
  t.match(help.stdout, /Usage: tufwatch serve/);
  const bad = fakeIo();
  t.equal(await serveCommand(['--frob'], bad), 2);
});

t.test('an invalid config exits 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tufwatch-serve-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, '{"server": {"port": 99999}}');
  const io = fakeIo();
  t.equal(await serveCommand(['--config', path], io), 2);
  t.match(io.stderr, /server\.port/);
});

t.test('an evidence store that cannot be opened exits 2', async (t) => {
  const repo = orbitRepository();
  const dir = mkdtempSync(join(tmpdir(), 'tufwatch-serve-'));
  writeFileSync(join(dir, 'file'), '');
  const io = fakeIo();
  t.equal(
    await serveCommand(
      ['--config', configFile(repo.dir, { port: 0 }, join(dir, 'file', 'x.db'))],
      io,
    ),
    2,
  );
  t.match(io.stderr, /cannot open the evidence store/);
});

t.test('a port in use exits 2 and closes the store', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => blocker.close());
  const { port } = blocker.address() as { port: number };
  const repo = orbitRepository();
  const io = fakeIo();
  t.equal(await serveCommand(['--config', configFile(repo.dir, { port })], io), 2);
  t.match(io.stderr, /cannot listen/);
});

t.test('a failed run is logged, not fatal', async (t) => {
  const repo = orbitRepository();
  const signals = new EventEmitter();
  const io = fakeIo();
  const serving = serveCommand(
    ['--config', configFile(repo.dir)],
    io,
    signals,
    (config, options) => {
      const service = createService(config, options);
      options?.onFinished?.(
        { id: 0, startedAt: '', status: 'running', trigger: 'api' },
        undefined,
        new Error('x'),
      );
      return service;
    },
  );
  await waitFor(io, /listening on/);
  signals.emit('SIGINT', 'SIGINT');
  t.equal(await serving, 0);
});

t.test('what retention pruned, or why it could not, is logged', async (t) => {
  const repo = orbitRepository();
  const signals = new EventEmitter();
  const io = fakeIo();
  const serving = serveCommand(
    ['--config', configFile(repo.dir)],
    io,
    signals,
    (config, options) => {
      const service = createService(config, options);
      const checkpoint = { firstSeq: 1, lastSeq: 9, before: '2029-01-01T00:00:00.000Z' };
      options?.onPruned?.(checkpoint as Parameters<NonNullable<typeof options.onPruned>>[0]);
      options?.onPruned?.(undefined);
      options?.onPruned?.(undefined, new Error('no signing key'));
      return service;
    },
  );
  await waitFor(io, /listening on/);
  signals.emit('SIGINT', 'SIGINT');
  t.equal(await serving, 0);
});

t.test('serves, runs at startup, and stops cleanly on SIGTERM', async (t) => {
  const repo = orbitRepository();
  const signals = new EventEmitter();
  const io = fakeIo();
  io.env = { TUFWATCH_LOG_LEVEL: 'silent' };
  const serving = serveCommand(['--config', configFile(repo.dir)], io, signals);
  const [, base] = await waitFor(io, /listening on (http:\/\/\S+)/);
  t.equal((await fetch(`${base}/healthz`)).status, 200);
  let ready = 503;
  for (let i = 0; i < 600 && ready !== 200; i++) {
    ready = (await fetch(`${base}/readyz`)).status;
    if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  t.equal(ready, 200, 'ready after the startup run');
  const controls = await fetch(`${base}/api/v1/controls`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  t.equal(controls.status, 200);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  t.match(metrics, /tufwatch_runs_total\{result="pass"\} 1/);
  signals.emit('SIGTERM', 'SIGTERM');
  t.equal(await serving, 0);
  await t.rejects(fetch(`${base}/healthz`), 'no longer listening');
});

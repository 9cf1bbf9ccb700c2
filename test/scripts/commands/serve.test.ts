import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { runCommand } from '../../../scripts/commands/run.js';
import { serveCommand } from '../../../scripts/commands/serve.js';
import { createService } from '../../../server/service.js';
import { fakeIo as recordingIo } from '../../support/io.js';
import { orbitRepository } from '../../support/service.js';

const TOKEN = 'serve-test-token-0123456789';
/** The state directory (creation markers) of these tests, never the user's. */
const STATE = mkdtempSync(join(tmpdir(), 'tufwatch-serve-state-'));

function fakeIo(now?: Date) {
  const io = recordingIo(now);
  io.env = { XDG_STATE_HOME: STATE };
  return io;
}

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
  io.env = { ...io.env, TUFWATCH_LOG_LEVEL: 'silent' };
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

t.test('storage.path under /proc is refused at once with exit 2', async (t) => {
  const repo = orbitRepository();
  const io = fakeIo();
  const before = Date.now();
  const config = configFile(repo.dir, { port: 0 }, '/proc/tufwatch-test/data/tufwatch.db');
  t.equal(await serveCommand(['--config', config], io), 2);
  t.ok(Date.now() - before < 10_000);
  t.match(io.stderr, /cannot create \/proc\/tufwatch-test/);
});

t.test('a missing store that existed before is refused; --init creates a new one', async (t) => {
  const repo = orbitRepository();
  const dir = t.testdir();
  const config = configFile(repo.dir, { port: 0 }, join(dir, 'volume', 'tufwatch.db'));
  const signals = new EventEmitter();
  const first = fakeIo();
  first.env = { ...first.env, TUFWATCH_LOG_LEVEL: 'silent' };
  const serving = serveCommand(['--config', config], first, signals);
  await waitFor(first, /listening on/);
  signals.emit('SIGTERM', 'SIGTERM');
  t.equal(await serving, 0);

  renameSync(join(dir, 'volume'), join(dir, 'unmounted'));
  const refused = fakeIo();
  t.equal(await serveCommand(['--config', config], refused), 2);
  t.match(refused.stderr, /missing, but one was created there before.*--init/);
  t.notOk(existsSync(join(dir, 'volume')));

  const init = fakeIo();
  init.env = { ...init.env, TUFWATCH_LOG_LEVEL: 'silent' };
  const again = serveCommand(['--config', config, '--init'], init, signals);
  await waitFor(init, /listening on/);
  signals.emit('SIGTERM', 'SIGTERM');
  t.equal(await again, 0);
  t.ok(existsSync(join(dir, 'volume', 'tufwatch.db')));
});

t.test('storage failures and start warnings are logged, the service goes on', async (t) => {
  const repo = orbitRepository();
  const signals = new EventEmitter();
  const io = fakeIo();
  const serving = serveCommand(
    ['--config', configFile(repo.dir)],
    io,
    signals,
    (config, options) => {
      const service = createService(config, options);
      service.warnings.push('cannot record the evidence store');
      options?.onStoreFailure?.(new Error('disk full'), {
        status: 'degraded',
        failures: 1,
        since: '',
        reason: 'disk full',
        unsaved: 1,
        dropped: 0,
      });
      return service;
    },
  );
  await waitFor(io, /listening on/);
  signals.emit('SIGINT', 'SIGINT');
  t.equal(await serving, 0);
});

const CLI = join(dirname(fileURLToPath(import.meta.url)), '../../../scripts/tufwatch.ts');

t.test(
  'one writer per database: a live serve (another process) refuses a second serve and a run; killed with -9, it blocks nothing',
  async (t) => {
    const repo = orbitRepository();
    const config = configFile(repo.dir);
    const child = spawn(process.execPath, [...process.execArgv, CLI, 'serve', '--config', config], {
      env: { ...process.env, XDG_STATE_HOME: STATE, TUFWATCH_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const output = { stdout: '' };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
    await waitFor(output, /listening on/);

    const second = fakeIo();
    t.equal(await serveCommand(['--config', config], second), 2, 'a second serve');
    t.match(second.stderr, /in use by another tufwatch process/);
    const run = fakeIo();
    t.equal(await runCommand(['--config', config], run), 2, 'a run from cron');
    t.match(run.stderr, /in use by another tufwatch process/);

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const after = fakeIo();
    t.equal(await runCommand(['--config', config, '--json'], after), 0, after.stderr);
  },
);

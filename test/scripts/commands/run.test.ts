import { mkdtempSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runCommand } from '../../../scripts/commands/run.js';
import { createService } from '../../../server/service.js';
import { StoreError } from '../../../server/store.js';
import { fakeIo as recordingIo } from '../../support/io.js';
import { NOW, orbitRepository } from '../../support/service.js';

/** The state directory (creation markers) of these tests, never the user's. */
const STATE = mkdtempSync(join(tmpdir(), 'tufwatch-run-state-'));

function fakeIo(now?: Date) {
  const io = recordingIo(now);
  io.env = { XDG_STATE_HOME: STATE };
  return io;
}

/** A config file for one Orbit-like repository; storage in a fresh temp dir. */
function configFile(repoDir: string, extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'tufwatch-run-'));
  const path = join(dir, 'config.json');
  writeFileSync(
    path,
    JSON.stringify({
      system: { name: 'Test', description: 'A test update service' },
      repositories: [
        {
          name: 'orbit',
          url: repoDir,
          trustedRoot: join(repoDir, '1.root.json'),
          orbit: { components: { orbit: { macos: 'orbit' } }, channels: ['stable'] },
        },
      ],
      storage: { path: join(dir, 'evidence.db') },
      ...extra,
    }),
  );
  return path;
}

interface RunJson {
  run: { id: number; result: string };
  controls: { id: string; status: string; checks: { id: string; status: string }[] }[];
  checks: { id: string; status: string; message: string; evidence: unknown }[];
}

t.test('--help prints usage', async (t) => {
  const io = fakeIo();
  t.equal(await runCommand(['--help'], io), 0);
  t.match(io.stdout, /Usage: tufwatch run/);
});

t.test('an unknown option is a usage error', async (t) => {
  const io = fakeIo();
  t.equal(await runCommand(['--frob'], io), 2);
  t.match(io.stderr, /Usage: tufwatch run/);
});

t.test('an invalid config exits 2 and names the field', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tufwatch-run-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify({ schedule: { intervalSeconds: 'often' } }));
  const io = fakeIo();
  t.equal(await runCommand(['--config', path], io), 2);
  t.match(io.stderr, /schedule\.intervalSeconds/);
});

t.test('a clean repository: every check passes, exit 0, text report', async (t) => {
  const repo = orbitRepository();
  const io = fakeIo(NOW);
  t.equal(await runCommand(['--config', configFile(repo.dir)], io), 0, io.stderr);
  t.match(io.stdout, /^run 1: PASS/);
  t.match(io.stdout, /PASS\s+TW-01/);
  t.match(io.stdout, /PASS\s+tuf\.signatures/);
});

t.test('--json prints controls and checks; runs accumulate in the store', async (t) => {
  const repo = orbitRepository();
  const config = configFile(repo.dir);
  await runCommand(['--config', config], fakeIo(NOW));
  const io = fakeIo(NOW);
  t.equal(await runCommand(['--config', config, '--json'], io), 0);
  const out = JSON.parse(io.stdout) as RunJson;
  t.equal(out.run.id, 2, 'the second run of the same store');
  t.equal(out.run.result, 'pass');
  t.ok(out.controls.some((c) => c.id === 'TW-01' && c.status === 'pass' && c.checks.length > 0));
  t.ok(out.checks.some((c) => c.id === 'tuf.rollback' && c.status === 'pass'));
});

t.test('an expired timestamp fails: exit 1', async (t) => {
  const repo = orbitRepository();
  // Ten years on, the builder's one-year expiries are long gone.
  const io = fakeIo(new Date('2040-01-01T00:00:00Z'));
  t.equal(await runCommand(['--config', configFile(repo.dir), '--json'], io), 1);
  const out = JSON.parse(io.stdout) as RunJson;
  t.equal(out.checks.find((c) => c.id === 'tuf.expiry')?.status, 'fail');
  t.equal(out.run.result, 'fail');
  const text = fakeIo(new Date('2040-01-01T00:00:00Z'));
  t.equal(await runCommand(['--config', configFile(repo.dir)], text), 1);
  t.match(text.stdout, /^run 1: FAIL/);
  t.match(text.stdout, /FAIL\s+tuf\.expiry/);
});

t.test('an evidence store that cannot be opened exits 2', async (t) => {
  const repo = orbitRepository();
  const dir = mkdtempSync(join(tmpdir(), 'tufwatch-run-'));
  const blocker = join(dir, 'file');
  writeFileSync(blocker, '');
  const io = fakeIo(NOW);
  const config = configFile(repo.dir, { storage: { path: join(blocker, 'evidence.db') } });
  t.equal(await runCommand(['--config', config], io), 2);
  t.match(io.stderr, /cannot open the evidence store/);
});

t.test('a run that fails before its checks are evaluated exits 1', async (t) => {
  const repo = orbitRepository();
  const io = fakeIo(NOW);
  const code = await runCommand(['--config', configFile(repo.dir)], io, (config, options) => {
    const service = createService(config, options);
    service.monitor.start = () => ({
      run: { id: 1, startedAt: NOW.toISOString(), status: 'running', trigger: 'cli' },
      done: Promise.resolve(undefined),
    });
    return service;
  });
  t.equal(code, 1);
  t.match(io.stderr, /the run failed/);
});

t.test('a run the store refuses to start or to store exits 2 with the reason', async (t) => {
  const repo = orbitRepository();
  const refusing = (method: 'startRun' | 'completeRun') =>
    ((config, options) => {
      const service = createService(config, options);
      service.store[method] = () => {
        throw new StoreError('STORE_REPLACED', 'the evidence store was deleted');
      };
      return service;
    }) satisfies typeof createService;
  for (const method of ['startRun', 'completeRun'] as const) {
    const io = fakeIo(NOW);
    t.equal(await runCommand(['--config', configFile(repo.dir)], io, refusing(method)), 2, method);
    t.match(io.stderr, /the evidence store was deleted/);
    t.equal(io.stdout, '', 'no result printed as if it were evidence');
  }
});

t.test('without a config, a fresh machine gets a new store in the state directory', async (t) => {
  const state = t.testdir();
  const repo = orbitRepository();
  // The default repository is Fleet's (network): a config without storage.path keeps the default beside it.
  const io = fakeIo(NOW);
  io.env = { XDG_STATE_HOME: state };
  const dir = t.testdir();
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      system: { name: 'Test', description: 'A test update service' },
      repositories: [{ name: 'orbit', url: repo.dir, trustedRoot: join(repo.dir, '1.root.json') }],
    }),
  );
  t.equal(await runCommand(['--config', config], io), 0, io.stderr);
  t.equal(readdirSync(join(state, 'tufwatch', 'stores')).length, 1, 'its creation is recorded');
});

t.test(
  'an unreachable repository: one line for it, not its network error under every check',
  async (t) => {
    const repo = orbitRepository();
    const broken = orbitRepository();
    unlinkSync(join(broken.dir, 'timestamp.json'));
    const repository = (name: string, url: string, trustedRoot: string) => ({
      name,
      url,
      trustedRoot,
    });
    const dir = mkdtempSync(join(tmpdir(), 'tufwatch-run-'));
    const config = join(dir, 'config.json');
    const root = join(repo.dir, '1.root.json');
    writeFileSync(
      config,
      JSON.stringify({
        system: { name: 'Test', description: 'A test update service' },
        repositories: [
          // Port 9 (discard) is refused at once: the host never answers.
          repository('down', 'http://127.0.0.1:9/', root),
          repository('orbit', repo.dir, root),
        ],
        storage: { path: join(dir, 'evidence.db') },
      }),
    );
    const io = fakeIo(NOW);
    t.equal(await runCommand(['--config', config], io), 1);
    const lines = io.stdout.split('\n');
    t.strictSame(
      lines.filter((line) => line.startsWith('repository ')),
      [
        lines.find((line) =>
          /^repository down unreachable: http:\/\/127\.0\.0\.1:9\/\S+: request failed/.test(line),
        ),
      ],
      'one line, for the unreachable repository only',
    );
    t.equal(io.stdout.split('request failed').length - 1, 1, 'the network error is printed once');
    t.match(io.stdout, /ERROR\s+tuf\.signatures\s+down: repository unreachable$/m);
    t.match(io.stdout, /ERROR\s+tuf\.expiry\s+down: repository unreachable$/m);

    // --json is unchanged: every TUF check that applies is still an error.
    const json = fakeIo(NOW);
    await runCommand(['--config', config, '--json'], json);
    const out = JSON.parse(json.stdout) as RunJson;
    const statuses = new Set(
      out.checks.filter((c) => c.id.startsWith('tuf.')).map((c) => c.status),
    );
    t.ok(statuses.has('error') && !statuses.has('pass'), [...statuses].join(', '));

    // Beside a repository that fails for another reason, the check's own message stays.
    // Its own directory: a store is never created beside another store's signing key.
    const bothDir = mkdtempSync(join(tmpdir(), 'tufwatch-run-'));
    const both = join(bothDir, 'both.json');
    writeFileSync(
      both,
      JSON.stringify({
        system: { name: 'Test', description: 'A test update service' },
        repositories: [
          repository('down', 'http://127.0.0.1:9/', root),
          repository('broken', broken.dir, join(broken.dir, '1.root.json')),
        ],
        storage: { path: join(bothDir, 'both.db') },
      }),
    );
    const mixed = fakeIo(NOW);
    t.equal(await runCommand(['--config', both], mixed), 1);
    t.match(mixed.stdout, /^repository down unreachable: /m);
    t.notMatch(
      mixed.stdout,
      /^repository broken/m,
      'a repository that answered is not unreachable',
    );
    t.match(mixed.stdout, /ERROR\s+tuf\.signatures\s+down: could not fetch: .*broken: /m);
  },
);

import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t, { type Test } from 'tap';
import { verifyCommand } from '../../../scripts/commands/verify.js';
import { RepoBuilder, writeRepo } from '../../support/builder.js';
import { fakeIo } from '../../support/io.js';
import { materialize } from '../../support/fixtures.js';

// The example Orbit-like repository the README verifies; valid until 2036.
const EXAMPLE = resolve(import.meta.dirname, '../../../examples/orbit-like');
const AT = '2030-01-01T00:00:00Z';

async function run(args: string[]) {
  const io = fakeIo(new Date(AT));
  const code = await verifyCommand(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

interface JsonReport {
  ok: boolean;
  referenceTime: string;
  roles: Record<
    string,
    { version: number; expires: string; threshold: number; validSignatures: number; keys: number }
  >;
  findings: { code: string; severity: string; role?: string }[];
}

t.test('--help prints usage', async (t) => {
  const r = await run(['--help']);
  t.equal(r.code, 0);
  t.match(r.stdout, /--trusted-root/);
});

const usageErrors: [string, string[], RegExp][] = [
  ['no --repo', [], /--repo is required/],
  ['an unknown option', ['--repo', EXAMPLE, '--frob'], /frob/],
  ['a positional argument', ['--repo', EXAMPLE, 'extra'], /extra/],
  ['a bad --at', ['--repo', EXAMPLE, '--at', 'tomorrow'], /--at tomorrow/],
  [
    'a missing --trusted-root file',
    ['--repo', EXAMPLE, '--trusted-root', '/nonexistent/root.json'],
    /--trusted-root/,
  ],
  [
    'a missing --config file',
    ['--repo', EXAMPLE, '--config', '/nonexistent/config.json'],
    /config/,
  ],
];
for (const [name, args, pattern] of usageErrors) {
  t.test(`${name} exits 2`, async (t) => {
    const r = await run(args);
    t.equal(r.code, 2);
    t.match(r.stderr, pattern);
    t.match(r.stderr, /Usage: tufwatch verify/);
  });
}

t.test('a repository directory that does not exist exits 2, in one line', async (t) => {
  const r = await run(['--repo', '/nonexistent/repository', '--json']);
  t.equal(r.code, 2);
  t.equal(r.stdout, '');
  t.match(r.stderr, /^tufwatch verify: --repo \/nonexistent\/repository: no such directory/);
  t.equal(r.stderr.trim().split('\n').length, 1);
});

t.test(
  'a directory with no metadata at all still exits 2: nothing could be verified',
  async (t) => {
    const r = await run(['--repo', mkdtempSync(join(tmpdir(), 'tufwatch-empty-')), '--json']);
    t.equal(r.code, 2);
    const report = JSON.parse(r.stdout) as JsonReport;
    t.ok(report.findings.some((f) => f.code === 'METADATA_MISSING'));
  },
);

/** A URL nothing listens on: connections are refused. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/metadata/`;
}

t.test('a URL that cannot be reached exits 2, in one line, not 1', async (t) => {
  const url = await deadUrl();
  // With a trusted root, a root is known: the report would have roles and only FETCH_FAILED findings.
  const r = await run(['--repo', url, '--trusted-root', join(EXAMPLE, '1.root.json'), '--json']);
  t.equal(r.code, 2);
  t.equal(r.stdout, '');
  t.match(
    r.stderr,
    /^tufwatch verify: --repo http:\/\/127\.0\.0\.1:\d+\/metadata\/: could not be reached/,
  );
  t.equal(r.stderr.trim().split('\n').length, 1);
});

/** A signed repository in a fresh directory. */
function served(files: ReadonlyMap<string, Uint8Array>, keep?: (name: string) => boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'tufwatch-repo-'));
  writeRepo(new Map([...files].filter(([name]) => keep?.(name) ?? true)), dir);
  return dir;
}

const builder = () =>
  new RepoBuilder({ now: new Date(AT), roles: { root: { threshold: 2 } } }).addTarget('a', 'a');

/** Serves files over HTTP; `status` answers every request with that status instead. */
async function httpRepo(t: Test, files: ReadonlyMap<string, Uint8Array>, status?: number) {
  const server = createServer((req, res) => {
    const bytes = files.get(decodeURIComponent((req.url ?? '/').slice(1)));
    res.statusCode = status ?? (bytes === undefined ? 404 : 200);
    res.end(status === undefined ? bytes : undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

t.test('a URL that answers with a tampered repository exits 1, not 2', async (t) => {
  const files = builder()
    .tamper('timestamp', (signed) => {
      signed.version = 99;
    })
    .build();
  const root = join(
    served(files, (name) => name === '1.root.json'),
    '1.root.json',
  );
  const r = await run(['--repo', await httpRepo(t, files), '--trusted-root', root]);
  t.equal(r.code, 1);
  t.match(r.stdout, /SIGNATURE_THRESHOLD_NOT_MET/);
});

t.test('a URL that answers every request with a server error exits 2', async (t) => {
  const files = builder().build();
  const root = join(
    served(files, (name) => name === '1.root.json'),
    '1.root.json',
  );
  const r = await run(['--repo', await httpRepo(t, files, 503), '--trusted-root', root]);
  t.equal(r.code, 2);
  t.match(r.stderr, /could not be reached/);
});

t.test('a --published URL that cannot be reached exits 2', async (t) => {
  const url = await deadUrl();
  const r = await run(['--repo', EXAMPLE, '--published', url]);
  t.equal(r.code, 2);
  t.match(r.stderr, /--published http:\S+: could not be reached/);
});

t.test('a --repo that is no URL nor directory is a usage error', async (t) => {
  const r = await run(['--repo', 's3://bucket/metadata']);
  t.equal(r.code, 2);
  t.match(r.stderr, /--repo s3:\/\/bucket\/metadata: /);
});

t.test('--trusted-root that is not root metadata is named: exit 2', async (t) => {
  const readme = resolve(import.meta.dirname, '../../../README.md');
  const r = await run(['--repo', EXAMPLE, '--trusted-root', readme]);
  t.equal(r.code, 2);
  t.match(r.stderr, `--trusted-root ${readme}: not TUF root metadata`);
  const missing = await run(['--repo', EXAMPLE, '--trusted-root', '/nonexistent/root.json']);
  t.match(missing.stderr, '--trusted-root /nonexistent/root.json: cannot read it');
});

t.test('the example repository verifies from its first root: exit 0, text report', async (t) => {
  const r = await run([
    '--repo',
    EXAMPLE,
    '--trusted-root',
    join(EXAMPLE, '1.root.json'),
    '--at',
    AT,
  ]);
  t.equal(r.code, 0, r.stdout);
  t.match(r.stdout, /^OK: 0 error\(s\)/);
  t.match(r.stdout, /root\s+v2/);
  t.match(r.stdout, /36 target\(s\)/);
});

t.test('--json prints the report contract', async (t) => {
  const r = await run(['--repo', EXAMPLE, '--json']);
  t.equal(r.code, 0);
  const report = JSON.parse(r.stdout) as JsonReport;
  t.equal(report.ok, true);
  t.equal(report.referenceTime, '2030-01-01T00:00:00.000Z');
  t.strictSame(Object.keys(report.roles).sort(), ['root', 'snapshot', 'targets', 'timestamp']);
  t.match(report.roles.root, { version: 2, threshold: 2, validSignatures: 2, keys: 2 });
  // No trusted root: an info finding says that only self-consistency was shown.
  t.ok(report.findings.some((f) => f.code === 'TRUST_NOT_ANCHORED' && f.severity === 'info'));
});

t.test('an error finding exits 1 and is printed with its code', async (t) => {
  const dir = materialize('go-tuf-v0.7.0', 'Published2Times_keyrotated_invalidNewRootSignature');
  const r = await run([
    '--repo',
    join(dir, 'server', 'metadata'),
    '--trusted-root',
    join(dir, 'client', 'metadata', 'current', 'root.json'),
    '--at',
    '2021-09-10T12:00:00Z',
  ]);
  t.equal(r.code, 1);
  t.match(r.stdout, /^FAIL/);
  t.match(r.stdout, /error\s+ROOT_ROTATION_INVALID/);
});

t.test('--targets makes every target file required', async (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'tufwatch-targets-'));
  const r = await run(['--repo', EXAMPLE, '--targets', empty, '--json']);
  t.equal(r.code, 1);
  const report = JSON.parse(r.stdout) as JsonReport;
  t.equal(report.findings.filter((f) => f.code === 'TARGET_MISSING').length, 36);
});

t.test('--published: a staged repository whose versions go backwards fails', async (t) => {
  // The live repository is ahead: its timestamp is version 7.
  const b = builder().setVersion('timestamp', 7);
  const live = served(b.build());
  const staged = served(b.setVersion('timestamp', 6).build());
  const r = await run(['--repo', staged, '--published', live, '--json']);
  t.equal(r.code, 1);
  const report = JSON.parse(r.stdout) as JsonReport;
  t.ok(report.findings.some((f) => f.code === 'VERSION_ROLLBACK' && f.role === 'timestamp'));
  // Trust started at the published root, so no self-consistency note.
  t.notOk(report.findings.some((f) => f.code === 'TRUST_NOT_ANCHORED'));
});

t.test('--published: files not staged are read from the published repository', async (t) => {
  const b = builder();
  const live = served(b.build());
  // The usual release: new timestamp, snapshot and targets, nothing else (no root chain).
  for (const role of ['timestamp', 'snapshot', 'targets']) b.setVersion(role, 2);
  const staged = served(b.addTarget('b', 'b').build(), (name) =>
    ['timestamp.json', 'snapshot.json', 'targets.json'].includes(name),
  );
  const r = await run(['--repo', staged, '--published', live, '--json']);
  t.equal(r.code, 0, r.stdout);
  const report = JSON.parse(r.stdout) as JsonReport;
  t.strictSame(
    report.findings.map((f) => f.code),
    ['TARGETS_NOT_PRESENT'],
    'only that the target files are published elsewhere',
  );
  t.equal(report.roles.targets?.version, 2);
});

t.test('--config horizons turn a distant expiry into a warning', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tufwatch-config-'));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({ verification: { horizons: { otherWarnSeconds: 20 * 365 * 86400 } } }),
  );
  const r = await run(['--repo', EXAMPLE, '--config', config, '--json']);
  t.equal(r.code, 0);
  const report = JSON.parse(r.stdout) as JsonReport;
  t.ok(report.findings.some((f) => f.code === 'METADATA_EXPIRING_SOON' && f.role === 'root'));
});

t.test('an unexpected error is not swallowed as a usage error', async (t) => {
  const io = fakeIo();
  io.now = () => {
    throw new TypeError('clock broke');
  };
  await t.rejects(verifyCommand(['--repo', EXAMPLE], io), TypeError);
});

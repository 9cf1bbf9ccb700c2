import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { CLIENT_USAGE, clientCommand } from '../../../scripts/commands/client.js';
import { main } from '../../../scripts/cli.js';
import type { CommandIo } from '../../../scripts/io.js';
import { DirectoryStore } from '../../../sources/store.js';
import { RepoBuilder, writeRepo, type RepoOptions } from '../../support/builder.js';

const NOW = new Date('2030-06-01T00:00:00Z');
const DAY = 24 * 3600 * 1000;

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tufwatch-client-cli-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

class FakeIo implements CommandIo {
  stdout = '';
  stderr = '';
  env = {};
  constructor(private readonly time: Date = NOW) {}
  out(text: string): void {
    this.stdout += text;
  }
  err(text: string): void {
    this.stderr += text;
  }
  now(): Date {
    return this.time;
  }
}

/**
 * A static file server over a directory on 127.0.0.1:0, as the conformance
 * suite serves repositories over http. It records the decoded request paths.
 */
async function serve(
  t: { teardown(fn: () => void): void },
  dir: string,
): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const segments = pathname.split('/').slice(1).map(decodeURIComponent);
    requests.push(segments.join('/'));
    const file = path.join(dir, ...segments);
    if (segments.includes('..') || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests };
}

interface Setup {
  builder: RepoBuilder;
  repo: string;
  metadataDir: string;
  targetDir: string;
  trustedRoot: string;
  url: string;
  requests: string[];
  publish(): void;
  run(
    command: 'init' | 'refresh' | 'download',
    targets?: string[],
    io?: FakeIo,
  ): Promise<FakeIo & { code: number }>;
}

/** A repository published to a temp dir behind an http server, and a client initialized on its first root. */
async function setup(
  t: { teardown(fn: () => void): void },
  options: Partial<RepoOptions> = {},
  configure: (b: RepoBuilder) => void = () => undefined,
): Promise<Setup> {
  const dir = tempDir(t);
  const builder = new RepoBuilder({ now: NOW, ...options });
  configure(builder);
  const repo = path.join(dir, 'repo');
  const publish = (): void => {
    fs.rmSync(repo, { recursive: true, force: true });
    writeRepo(builder.build(), repo);
  };
  publish();
  const trustedRoot = path.join(dir, 'initial_root.json');
  fs.copyFileSync(path.join(repo, '1.root.json'), trustedRoot);
  const { url, requests } = await serve(t, repo);
  const metadataDir = path.join(dir, 'metadata');
  const targetDir = path.join(dir, 'targets');
  const run: Setup['run'] = async (command, targets = [], io = new FakeIo()) => {
    const argv =
      command === 'init'
        ? ['--metadata-dir', metadataDir, 'init', trustedRoot]
        : [
            '--metadata-url',
            `${url}/`,
            '--metadata-dir',
            metadataDir,
            ...targets.flatMap((name) => ['--target-name', name]),
            ...(command === 'download'
              ? ['--target-dir', targetDir, '--target-base-url', `${url}/targets/`]
              : []),
            command,
          ];
    const code = await clientCommand(argv, io);
    return Object.assign(io, { code });
  };
  return { builder, repo, metadataDir, targetDir, trustedRoot, url, requests, publish, run };
}

const listDir = (dir: string): string[] => fs.readdirSync(dir).sort();

// ---------------------------------------------------------------------------

void t.test('--help prints the usage', async (t) => {
  for (const argv of [['--help'], ['-h'], ['--metadata-dir', 'x', 'refresh', '--help']]) {
    const io = new FakeIo();
    t.equal(await clientCommand(argv, io), 0);
    t.equal(io.stdout, CLIENT_USAGE);
    t.equal(io.stderr, '');
  }
  const io = new FakeIo();
  t.equal(await main(['client', '--help'], io), 0, 'through the tufwatch dispatcher');
  t.match(io.stdout, /--target-base-url URL/);
});

void t.test('wrong usage exits 2 with a message and the usage', async (t) => {
  const cases: [string[], RegExp][] = [
    [[], /a command is needed/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['--bogus', 'refresh'], /--bogus/],
    [['--metadata-dir'], /--metadata-dir/],
    [['--metadata-dir', 'd', 'init'], /init takes one operand/],
    [['--metadata-dir', 'd', 'init', 'a', 'b'], /init takes one operand/],
    [['init', 'root.json'], /init needs --metadata-dir/],
    [['--metadata-dir=', 'init', 'root.json'], /init needs --metadata-dir/],
    [['--metadata-dir', 'd', 'refresh'], /refresh needs --metadata-url/],
    [['--metadata-dir', 'd', '--metadata-url', 'u', 'refresh', 'x'], /refresh takes no operands/],
    [['--metadata-dir', 'd', '--metadata-url', 'u', 'download'], /download needs --target-name/],
    [
      ['--metadata-dir', 'd', '--metadata-url', 'u', '--target-name', 'a', 'download', 'x'],
      /download takes no operands/,
    ],
    [
      [
        ...['--metadata-dir', 'd', '--metadata-url', 'u', '--target-name', 'a'],
        ...['--target-dir', 't', 'download'],
      ],
      /download needs --target-base-url/,
    ],
    [
      [
        ...['--metadata-dir', 'd', '--metadata-url', 'u', '--target-name', 'a'],
        ...['--target-base-url', 'b', 'download'],
      ],
      /download needs --target-dir/,
    ],
  ];
  for (const [argv, message] of cases) {
    const io = new FakeIo();
    t.equal(await clientCommand(argv, io), 2, argv.join(' '));
    t.match(io.stderr, message, argv.join(' '));
    t.match(io.stderr, /Usage:/);
    t.equal(io.stdout, '');
  }
});

void t.test('init copies the trusted root and makes no request', async (t) => {
  const s = await setup(t);
  const io = await s.run('init');
  t.equal(io.code, 0, io.stderr);
  t.same(listDir(s.metadataDir), ['root.json']);
  t.same(fs.readFileSync(path.join(s.metadataDir, 'root.json')), fs.readFileSync(s.trustedRoot));
  t.same(s.requests, []);
  t.match(io.stdout, /root\.json initialized/);

  const missing = new FakeIo();
  t.equal(
    await clientCommand(
      ['--metadata-dir', s.metadataDir, 'init', `${s.trustedRoot}.nope`],
      missing,
    ),
    1,
  );
  t.match(missing.stderr, /init failed: .*ENOENT/);
});

void t.test('refresh over http: the conformance request sequence and stored files', async (t) => {
  const s = await setup(t, { consistentSnapshot: true });
  await s.run('init');
  const io = await s.run('refresh');
  t.equal(io.code, 0, io.stderr);
  t.same(s.requests, ['2.root.json', 'timestamp.json', '1.snapshot.json', '1.targets.json']);
  t.same(listDir(s.metadataDir), ['root.json', 'snapshot.json', 'targets.json', 'timestamp.json']);
  t.match(io.stdout, /root v1, timestamp v1, snapshot v1, targets v1/);

  s.requests.length = 0;
  t.equal((await s.run('refresh')).code, 0);
  t.same(s.requests, ['2.root.json', 'timestamp.json'], 'stored metadata is reused');
});

void t.test('refresh without init fails with the reason', async (t) => {
  const s = await setup(t);
  const io = await s.run('refresh');
  t.equal(io.code, 1);
  t.match(io.stderr, /refresh failed: METADATA_MISSING: no trusted root\.json/);
  t.same(s.requests, []);
});

void t.test('a bad metadata URL fails the command', async (t) => {
  const dir = tempDir(t);
  const io = new FakeIo();
  const argv = ['--metadata-dir', dir, '--metadata-url', 'ftp://example.com/', 'refresh'];
  t.equal(await clientCommand(argv, io), 1);
  t.match(io.stderr, /refresh failed: FETCH_FAILED/);
});

void t.test('a freeze attack fails the refresh, with notes on the stored files', async (t) => {
  const s = await setup(t, { expires: { timestamp: new Date(NOW.getTime() + DAY) } });
  await s.run('init');
  t.equal((await s.run('refresh')).code, 0);
  const io = await s.run('refresh', [], new FakeIo(new Date(NOW.getTime() + 2 * DAY)));
  t.equal(io.code, 1);
  t.match(io.stderr, /refresh failed: METADATA_EXPIRED: timestamp v1 expired/);
  t.match(io.stderr, /note: stored timestamp\.json was not used: METADATA_EXPIRED/);
  t.match(io.stderr, /note: stored snapshot\.json was not used: METADATA_EXPIRED/);
});

void t.test('download stores verified targets under one file name each, and caches', async (t) => {
  const s = await setup(t, {}, (b) =>
    b.addTarget('a.txt', 'alpha').addTarget('dir/sub/b.txt', 'bravo'),
  );
  await s.run('init');
  const io = await s.run('download', ['a.txt', 'dir/sub/b.txt']);
  t.equal(io.code, 0, io.stderr);
  t.same(listDir(s.targetDir), ['a.txt', 'dir%2Fsub%2Fb.txt']);
  t.equal(fs.readFileSync(path.join(s.targetDir, 'dir%2Fsub%2Fb.txt'), 'utf8'), 'bravo');
  t.match(io.stdout, /a\.txt: 5 bytes verified and stored in .*a\.txt \(role targets\)/);
  t.same(s.requests.slice(-2), ['targets/a.txt', 'targets/dir/sub/b.txt']);

  // A second run finds both cached: no target request.
  s.requests.length = 0;
  const again = await s.run('download', ['a.txt', 'dir/sub/b.txt']);
  t.equal(again.code, 0);
  t.match(again.stdout, /a\.txt: cached in/);
  t.notOk(s.requests.some((r) => r.startsWith('targets/')));

  // A cached file that does not match is downloaded again: same length, or not.
  fs.writeFileSync(path.join(s.targetDir, 'a.txt'), 'ALPHA');
  fs.writeFileSync(path.join(s.targetDir, 'dir%2Fsub%2Fb.txt'), 'b');
  s.requests.length = 0;
  t.equal((await s.run('download', ['a.txt', 'dir/sub/b.txt'])).code, 0);
  t.same(
    s.requests.filter((r) => r.startsWith('targets/')),
    ['targets/a.txt', 'targets/dir/sub/b.txt'],
  );
  t.equal(fs.readFileSync(path.join(s.targetDir, 'a.txt'), 'utf8'), 'alpha');
  t.equal(fs.readFileSync(path.join(s.targetDir, 'dir%2Fsub%2Fb.txt'), 'utf8'), 'bravo');
});

void t.test('download with consistent snapshots fetches hash-prefixed names', async (t) => {
  const s = await setup(t, { consistentSnapshot: true }, (b) => b.addTarget('dir/a.txt', 'alpha'));
  await s.run('init');
  const io = await s.run('download', ['dir/a.txt']);
  t.equal(io.code, 0, io.stderr);
  t.match(s.requests.at(-1), /^targets\/dir\/[0-9a-f]{64}\.a\.txt$/);
  t.same(listDir(s.targetDir), ['dir%2Fa.txt']);
});

void t.test('download: every target is tried; any failure exits 1', async (t) => {
  const s = await setup(t, {}, (b) => b.addTarget('a.txt', 'alpha').addTarget('b.txt', 'bravo'));
  await s.run('init');
  fs.writeFileSync(path.join(s.repo, 'targets/b.txt'), 'BRAVO');
  const io = await s.run('download', ['missing.txt', 'b.txt', 'a.txt']);
  t.equal(io.code, 1);
  t.match(io.stderr, /download of "missing\.txt" failed: TARGET_MISSING/);
  t.match(io.stderr, /download of "b\.txt" failed: TARGET_HASH_MISMATCH/);
  t.same(listDir(s.targetDir), ['a.txt'], 'nothing unverified is stored');
});

void t.test('download fails when the refresh fails', async (t) => {
  const s = await setup(t, {}, (b) => b.addTarget('a.txt', 'alpha'));
  await s.run('init');
  fs.rmSync(path.join(s.repo, 'timestamp.json'));
  const io = await s.run('download', ['a.txt']);
  t.equal(io.code, 1);
  t.match(io.stderr, /download failed: METADATA_MISSING/);
  t.notOk(fs.existsSync(s.targetDir));
});

void t.test('download: file system failures in the target directory', async (t) => {
  const s = await setup(t, {}, (b) => b.addTarget('a.txt', 'alpha'));
  await s.run('init');

  // The target directory is a file.
  fs.writeFileSync(s.targetDir, 'not a directory');
  const io = await s.run('download', ['a.txt']);
  t.equal(io.code, 1);
  t.match(io.stderr, /download of "a\.txt" failed: Error: ENOTDIR/);
  fs.rmSync(s.targetDir);

  // A directory where the target file goes: the atomic write fails and cleans up.
  fs.mkdirSync(path.join(s.targetDir, 'a.txt'), { recursive: true });
  const blocked = await s.run('download', ['a.txt']);
  t.equal(blocked.code, 1);
  t.match(blocked.stderr, /download of "a\.txt" failed: Error: /);
  t.same(listDir(s.targetDir), ['a.txt'], 'no temporary file is left behind');
});

void t.test('a directory works as metadata and target base', async (t) => {
  const s = await setup(t, {}, (b) => b.addTarget('a.txt', 'alpha'));
  await s.run('init');
  const io = new FakeIo();
  const argv = [
    ...['--metadata-dir', s.metadataDir, '--metadata-url', s.repo],
    ...['--target-base-url', path.join(s.repo, 'targets'), '--target-dir', s.targetDir],
    ...['--target-name', 'a.txt', 'download'],
  ];
  t.equal(await clientCommand(argv, io), 0, io.stderr);
  t.same(s.requests, []);
  t.same(listDir(s.targetDir), ['a.txt']);
});

void t.test('DirectoryStore', async (t) => {
  const dir = tempDir(t);
  const store = new DirectoryStore(dir);
  t.equal(store.directory, dir);
  t.equal(await store.read('root.json'), undefined, 'missing is undefined');
  await store.write('root.json', Buffer.from('one'));
  await store.write('root.json', Buffer.from('two'));
  t.equal(Buffer.from((await store.read('root.json'))!).toString(), 'two');
  t.same(listDir(dir), ['root.json'], 'no temporary files remain');

  for (const name of ['', '.', '..', 'a/b', '../root.json', 'a\\b', 'a\0b']) {
    await t.rejects(store.read(name), /refused store name/, JSON.stringify(name));
    await t.rejects(store.write(name, Buffer.from('x')), /refused store name/);
  }

  fs.mkdirSync(path.join(dir, 'adir.json'));
  await t.rejects(store.read('adir.json'), { code: 'EISDIR' }, 'other read errors are thrown');

  const gone = new DirectoryStore(path.join(dir, 'missing'));
  await t.rejects(gone.write('root.json', Buffer.from('x')), { code: 'ENOENT' });
});

void t.test(
  'unusual role names over http, as tuf-conformance test_unusual_role_name',
  async (t) => {
    const cases: [string, string][] = [
      ['/delegatedrole', '%2Fdelegatedrole'],
      ['../delegatedrole', '..%2Fdelegatedrole'],
      ['?', '%3F'],
      ['#', '%23'],
    ];
    for (const [role, quoted] of cases) {
      await t.test(role, async (t) => {
        const dir = tempDir(t);
        const repo = path.join(dir, 'repo');
        const builder = new RepoBuilder({ now: NOW, consistentSnapshot: true });
        builder.addDelegation({ name: role, paths: ['*'] });
        writeRepo(builder.build(), repo);
        // Like the suite's simulator: the raw request path is recorded, and names a file as it is.
        const requests: string[] = [];
        const server = http.createServer((req, res) => {
          const name = (req.url ?? '/').slice(1);
          requests.push(name);
          const file = path.join(repo, name);
          if (name.includes('/') || !fs.existsSync(file)) res.writeHead(404).end();
          else res.writeHead(200).end(fs.readFileSync(file));
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        t.teardown(() => server.close());
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
        const metadataDir = path.join(dir, 'metadata');
        const io = new FakeIo();
        t.equal(
          await clientCommand(
            ['--metadata-dir', metadataDir, 'init', path.join(repo, '1.root.json')],
            io,
          ),
          0,
        );
        const argv = ['--metadata-url', url, '--metadata-dir', metadataDir, '--target-name'];
        const download = [
          ...argv,
          'nonexistent target',
          '--target-base-url',
          `${url}targets/`,
          '--target-dir',
          path.join(dir, 'targets'),
          'download',
        ];
        t.equal(await clientCommand(download, io), 1, 'the target does not exist');
        t.ok(requests.includes(`1.${quoted}.json`), 'the quoted name was requested');
        t.same(
          listDir(metadataDir),
          [`${quoted}.json`, 'root.json', 'snapshot.json', 'targets.json', 'timestamp.json'].sort(),
        );
      });
    }
  },
);

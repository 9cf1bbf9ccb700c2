import { EventEmitter } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import t from 'tap';
import {
  buildDemoRepository,
  demoCommand,
  DEMO_USAGE,
  type DemoInfo,
} from '../../../scripts/commands/demo.js';
import type { CommandIo } from '../../../scripts/io.js';
import { fakeIo } from '../../support/io.js';

/** The service's logs would mix with TAP output. */
const QUIET = { TUFWATCH_LOG_LEVEL: 'silent' };

function quietIo(env: Record<string, string> = QUIET): {
  io: CommandIo;
  output: ReturnType<typeof fakeIo>;
} {
  // The demo signs relative to io.now() and the service checks with the wall clock: the same here.
  const output = fakeIo(new Date());
  return { io: { ...output, env }, output };
}

const demoDirs = (): string[] =>
  readdirSync(os.tmpdir()).filter((name) => name.startsWith('tufwatch-demo-'));

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

t.test('--help prints usage', async (t) => {
  const { io, output } = quietIo();
  t.equal(await demoCommand(['--help'], io, new EventEmitter()), 0);
  t.equal(output.stdout, DEMO_USAGE);
});

t.test('usage problems exit 2', async (t) => {
  for (const argv of [['--port', 'x'], ['--port', '65536'], ['--port', '-1'], ['--frobnicate']]) {
    const { io, output } = quietIo();
    t.equal(await demoCommand(argv, io, new EventEmitter()), 2, argv.join(' '));
    t.match(output.stderr, /Usage: tufwatch demo/);
  }
});

t.test('a port in use exits 2 before building anything', async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  const port = (taken.address() as AddressInfo).port;
  const before = demoDirs();
  const { io, output } = quietIo();
  t.equal(await demoCommand(['--port', String(port)], io, new EventEmitter()), 2);
  t.match(output.stderr, `cannot listen on 127.0.0.1:${port}`);
  t.same(demoDirs(), before);
});

t.test('serve refusing its config exits 2, prints no URL and cleans up', async (t) => {
  const before = demoDirs();
  // An API token from the environment that is too short: serve stops before listening (and
  // before it logs anything, so the default log level is left alone here).
  const { io, output } = quietIo({ TUFWATCH_API_TOKENS: 'short' });
  let told = false;
  const code = await demoCommand(['--port', '0'], io, new EventEmitter(), () => (told = true));
  t.equal(code, 2);
  t.match(output.stderr, /TUFWATCH_API_TOKENS\[0\]/);
  t.equal(output.stdout, '');
  t.equal(told, false);
  t.same(demoDirs(), before);
});

t.test('the demo repository is Orbit-like', (t) => {
  const now = new Date('2030-01-01T00:00:00Z');
  const files = buildDemoRepository(now);
  const read = (name: string) =>
    JSON.parse((files.get(name) as Buffer).toString('utf8')) as {
      signed: Record<string, unknown> & { expires: string };
      signatures: unknown[];
    };
  const root = read('root.json').signed as unknown as {
    version: number;
    roles: Record<string, { threshold: number; keyids: string[] }>;
    consistent_snapshot: boolean;
  };
  t.equal(root.version, 2, 'one root rotation');
  t.ok(files.has('1.root.json') && files.has('2.root.json'));
  t.equal(root.roles.root?.threshold, 2);
  t.equal(root.consistent_snapshot, false);
  const days = (name: string) =>
    Math.round((Date.parse(read(name).signed.expires) - now.getTime()) / 86_400_000);
  t.same(
    ['root.json', 'timestamp.json', 'snapshot.json', 'targets.json'].map(days),
    [3650, 14, 1095, 1095],
  );

  const targets = read('targets.json').signed.targets as Record<
    string,
    { length: number; hashes: Record<string, string>; custom: { version: string } }
  >;
  const expected = [
    'orbit/macos/stable/orbit',
    'orbit/windows/edge/orbit.exe',
    'osqueryd/linux-arm64/5.14.1/osqueryd',
    'osqueryd/windows/5/osqueryd.exe',
    'desktop/macos/1.38/desktop.app.tar.gz',
    'desktop/linux/1/desktop.tar.gz',
    'desktop/windows/stable/fleet-desktop.exe',
  ];
  for (const path of expected) t.ok(Object.hasOwn(targets, path), path);
  t.equal(Object.keys(targets).length, 3 * 4 * 7);
  for (const [path, info] of Object.entries(targets)) {
    t.same(Object.keys(info.hashes), ['sha512'], `${path} sha512 only`);
    t.equal(files.get(`targets/${path}`)?.length, info.length);
  }
  // Channels and aliases carry the bytes of the release they point at.
  const same = (a: string, b: string) => t.same(targets[a], targets[b], `${a} = ${b}`);
  same('orbit/linux/stable/orbit', 'orbit/linux/1.38.1/orbit');
  same('orbit/linux/1.38/orbit', 'orbit/linux/1.38.1/orbit');
  same('orbit/linux/edge/orbit', 'orbit/linux/1.39.0/orbit');
  same('orbit/linux/1/orbit', 'orbit/linux/1.39.0/orbit');
  same('osqueryd/macos/5/osqueryd', 'osqueryd/macos/5.14.1/osqueryd');
  t.equal(targets['osqueryd/macos/stable/osqueryd']?.custom.version, '5.13.1');
  t.not(
    targets['orbit/linux/stable/orbit']?.hashes.sha512,
    targets['orbit/linux/edge/orbit']?.hashes.sha512,
  );
  t.end();
});

t.test('the demo serves a monitored repository until SIGTERM, then cleans up', async (t) => {
  const signals = new EventEmitter();
  const { io, output } = quietIo();
  let done!: Promise<number>;
  const demo = await new Promise<DemoInfo>((resolve, reject) => {
    done = demoCommand(['--port', '0'], io, signals, resolve);
    done.then(
      (code) => reject(new Error(`the demo exited ${code} before it was ready: ${output.stderr}`)),
      reject,
    );
  });
  t.teardown(async () => {
    // Stops the demo if an assertion threw before SIGTERM was sent.
    signals.emit('SIGTERM');
    await done.catch(() => undefined);
  });

  t.match(demo.service, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.not(demo.service, 'http://127.0.0.1:0', 'port 0 resolved to the bound port');
  t.match(demo.token, /^[\w-]{32}$/);
  t.equal(demo.dashboard, `${demo.service}/#token=${demo.token}`);
  t.equal(demo.trust, `${demo.service}/trust`);
  t.equal(demo.metrics, `${demo.service}/metrics`);
  for (const url of [demo.dashboard, demo.trust, demo.metrics, demo.repository, demo.token])
    t.ok(output.stdout.includes(url), `prints ${url}`);
  t.ok(existsSync(demo.dir), 'the temp dir exists while it runs');

  // Readiness: the first run (started when serve listened) has completed.
  await until('/readyz', async () =>
    (await fetch(`${demo.service}/readyz`)).ok ? true : undefined,
  );

  const timestamp = await fetch(`${demo.repository}/timestamp.json`);
  t.equal(timestamp.status, 200, 'the repository is served');
  t.match(await timestamp.json(), { signed: { _type: 'timestamp' } });

  const dashboard = await fetch(`${demo.service}/`);
  t.equal(dashboard.status, 200);
  t.match(dashboard.headers.get('content-type'), /text\/html/);
  t.match(await dashboard.text(), /tufwatch/);

  const trust = await fetch(demo.trust);
  t.equal(trust.status, 200);
  t.match(await trust.text(), /Demo Orbit update service/);

  const metrics = await fetch(demo.metrics);
  t.equal(metrics.status, 200);
  const exposition = await metrics.text();
  t.match(exposition, /tufwatch_check_status\{check="tuf\.signatures",status="pass"\} 1/);
  t.match(exposition, /tufwatch_tuf_role_threshold\{repository="demo-orbit",role="root"\} 2/);

  const auth = { authorization: `Bearer ${demo.token}` };
  t.equal((await fetch(`${demo.service}/api/v1/controls`)).status, 401, 'the API needs the token');
  const controls = (await (
    await fetch(`${demo.service}/api/v1/controls`, { headers: auth })
  ).json()) as {
    controls: { id: string; status: string; checks: { id: string; status: string }[] }[];
  };
  // The four TUF controls and, through the AWS emulator, the bucket and trail controls; TW-07
  // warns because the demo repository is served over plain HTTP (production should be HTTPS),
  // while both demo agent roots reach today's root and keep reaching it (tuf.agent-roots).
  t.equal(controls.controls.length, 7);
  for (const control of controls.controls) {
    t.equal(
      control.status,
      control.id === 'TW-07' ? 'warn' : 'pass',
      `${control.id}: ${JSON.stringify(control.checks)}`,
    );
    for (const check of control.checks) {
      const expected = check.id.startsWith('https.') ? 'warn' : 'pass';
      t.equal(check.status, expected, `${control.id} ${check.id}`);
    }
  }
  const system = (await (
    await fetch(`${demo.service}/api/v1/system`, { headers: auth })
  ).json()) as {
    name: string;
  };
  t.equal(system.name, 'Demo Orbit update service');

  signals.emit('SIGTERM');
  t.equal(await done, 0, 'exits 0 on SIGTERM');
  t.notOk(existsSync(demo.dir), 'the temp dir is removed');
  await t.rejects(fetch(`${demo.service}/healthz`), 'the service stopped');
  await t.rejects(fetch(`${demo.repository}/timestamp.json`), 'the repository server stopped');
});

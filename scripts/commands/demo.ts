import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  generateKey,
  RepoBuilder,
  writeRepo,
  type TestKey,
  type TopRole,
} from '../../test/support/builder.js';
import type { AwsConfig } from '../../server/types.js';
import {
  startAwsEmulator,
  type AwsEmulator,
  type EmulatedBucket,
} from '../../test/support/aws/emulator.js';
import { BUCKET, hardenedScenario, scenarioConfig } from '../../test/support/aws/scenarios.js';
import { serveDirectory } from '../demo/static-server.js';
import { EXIT_OK, EXIT_USAGE, type CommandIo } from '../io.js';
import { serveCommand } from './serve.js';

export const DEMO_USAGE = `Usage: tufwatch demo [--port N]

Builds an Orbit-like TUF repository with fresh keys in a temporary directory,
serves it on 127.0.0.1, and monitors it with the tufwatch service, as
'tufwatch serve' would: dashboard, trust page, metrics and API on --port
(default 8080; 0 picks a free port). Works offline. Stops on Ctrl-C (SIGINT)
or SIGTERM, and removes the temporary directory.
`;

export const DEFAULT_DEMO_PORT = 8080;
/** The demo listens on this machine only. */
const HOST = '127.0.0.1';
const REPOSITORY_NAME = 'demo-orbit';
const DAY_MS = 24 * 60 * 60 * 1000;
/** fleetctl's expiries: timestamp re-signed weekly with 14 days, snapshot and targets 3 years, root 10. */
const EXPIRY_DAYS: Record<TopRole, number> = {
  root: 3650,
  timestamp: 14,
  snapshot: 3 * 365,
  targets: 3 * 365,
};

/**
 * What Fleet publishes (fleetctl `updates add`), per component: the file on
 * each platform, the release on `stable` and the newer one on `edge`.
 */
const COMPONENTS: readonly {
  name: string;
  files: Readonly<Record<string, string>>;
  stable: string;
  edge: string;
}[] = [
  {
    name: 'orbit',
    files: { macos: 'orbit', linux: 'orbit', 'linux-arm64': 'orbit', windows: 'orbit.exe' },
    stable: '1.38.1',
    edge: '1.39.0',
  },
  {
    name: 'osqueryd',
    files: {
      macos: 'osqueryd',
      linux: 'osqueryd',
      'linux-arm64': 'osqueryd',
      windows: 'osqueryd.exe',
    },
    stable: '5.13.1',
    edge: '5.14.1',
  },
  {
    name: 'desktop',
    files: {
      macos: 'desktop.app.tar.gz',
      linux: 'desktop.tar.gz',
      'linux-arm64': 'desktop.tar.gz',
      windows: 'fleet-desktop.exe',
    },
    stable: '1.38.1',
    edge: '1.39.0',
  },
];
const CHANNELS = ['stable', 'edge'] as const;

/** The URLs the demo prints, and where its files are. */
export interface DemoInfo {
  /** The ops dashboard, with the token in the fragment: it opens signed in. */
  dashboard: string;
  trust: string;
  metrics: string;
  /** The service's base URL, e.g. `http://127.0.0.1:8080`. */
  service: string;
  /** Base URL of the served TUF repository (metadata; targets under `/targets`). */
  repository: string;
  token: string;
  /** The temporary directory: repository, trusted root, config, evidence database. */
  dir: string;
}

/**
 * `tufwatch demo`: everything local. Resolves with serve's exit code once the
 * service has stopped after a signal (or failed to start) and the temporary
 * directory is gone. `onReady` is told the URLs once the service answers.
 */
export async function demoCommand(
  argv: string[],
  io: CommandIo,
  signals: NodeJS.EventEmitter = process,
  onReady?: (demo: DemoInfo) => void,
): Promise<number> {
  let values: { port: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: String(DEFAULT_DEMO_PORT) },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.err(`tufwatch demo: ${(err as Error).message}\n\n${DEMO_USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help === true) {
    io.out(DEMO_USAGE);
    return EXIT_OK;
  }
  const requested = parsePort(values.port);
  if (requested === undefined) {
    io.err(`tufwatch demo: --port must be an integer from 0 to 65535\n\n${DEMO_USAGE}`);
    return EXIT_USAGE;
  }
  // Fail before building anything when the port is taken; port 0 is resolved here, so that
  // the URLs are known (serve listens on the port its config names).
  let port: number;
  try {
    port = await bindablePort(requested);
  } catch (err) {
    io.err(`tufwatch demo: cannot listen on ${HOST}:${requested}: ${(err as Error).message}\n`);
    return EXIT_USAGE;
  }

  const dir = await mkdtemp(path.join(os.tmpdir(), 'tufwatch-demo-'));
  let repository: Awaited<ReturnType<typeof serveDirectory>> | undefined;
  let aws: AwsEmulator | undefined;
  try {
    const repoDir = path.join(dir, 'repository');
    const files = buildDemoRepository(io.now());
    writeRepo(files, repoDir);
    // Trust starts from the first root, as an agent's embedded root: the root chain is verified.
    await writeFile(path.join(dir, 'trusted-root.json'), files.get('1.root.json') as Buffer);
    // Two agent releases, embedding the root of their day (tuf.agent-roots walks from each).
    for (const version of [1, 2]) {
      await writeFile(
        path.join(dir, `agent-root-${version}.json`),
        files.get(`${version}.root.json`) as Buffer,
      );
    }
    repository = await serveDirectory(repoDir);
    // The AWS account behind it: the emulator the tests use, as a hardened bucket behind CloudFront
    // with MFA Delete on, and its trail. The SDK signs requests with dummy keys: nothing leaves 127.0.0.1.
    const scenario = hardenedScenario(io.now());
    const bucket = scenario.buckets[BUCKET] as EmulatedBucket;
    bucket.versioning = { Status: 'Enabled', MfaDelete: 'Enabled' };
    aws = await startAwsEmulator(scenario);
    process.env.AWS_ACCESS_KEY_ID = 'AKIDDEMODEMODEMO';
    process.env.AWS_SECRET_ACCESS_KEY = 'demo-secret-not-a-real-key';

    const token = randomBytes(24).toString('base64url');
    const configPath = path.join(dir, 'config.json');
    await writeFile(
      configPath,
      `${JSON.stringify(demoConfig(repository.url, port, token, { ...scenarioConfig(scenario, aws.endpoint), allowedPrincipals: [RELEASE_ROLE] }), null, 2)}\n`,
    );

    const service = `http://${HOST}:${port}`;
    const demo: DemoInfo = {
      dashboard: `${service}/#token=${token}`,
      trust: `${service}/trust`,
      metrics: `${service}/metrics`,
      service,
      repository: repository.url,
      token,
      dir,
    };
    // Exactly what `tufwatch serve --config` does; only the log level is quieter by default,
    // so that the URLs stay readable.
    const serveIo: CommandIo = {
      ...io,
      // The demo's state (its store's creation marker) goes with its files, not into the user's.
      env: {
        ...io.env,
        TUFWATCH_LOG_LEVEL: io.env.TUFWATCH_LOG_LEVEL ?? 'warn',
        XDG_STATE_HOME: path.join(dir, 'state'),
      },
    };
    let stopped = false;
    const stop = (): void => {
      stopped = true;
    };
    const serving = serveCommand(['--config', configPath], serveIo, signals);
    // Also handles a rejection until `await serving` below rethrows it.
    void serving.then(stop, stop);
    if (await answers(`${service}/healthz`, () => stopped)) {
      io.out(render(demo, [...files.keys()].filter((f) => f.startsWith('targets/')).length));
      onReady?.(demo);
    }
    return await serving;
  } finally {
    await repository?.close();
    await aws?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65_535 ? port : undefined;
}

/** Binds `port` (0: the kernel picks one) and lets it go: serve binds it again a moment later. */
async function bindablePort(port: number): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(port, HOST, resolve);
  });
  const bound = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return bound;
}

/** Polls `url` until it answers 200, or until `stopped()` (serve gave up before listening). */
async function answers(url: string, stopped: () => boolean): Promise<boolean> {
  while (!stopped()) {
    const response = await fetch(url).catch(() => undefined);
    await response?.body?.cancel();
    if (response?.ok === true) return true;
    await delay(20);
  }
  return false;
}

/**
 * An Orbit-like repository as fleetctl (go-tuf v0) publishes it, signed with
 * fresh ed25519 keys: root threshold 2 of 3 offline keys and one root rotation,
 * separate online keys for timestamp and snapshot, sha512 target hashes,
 * `custom.version` on every target, every file under its version, major.minor
 * and major paths and its channel, and fleetctl's expiries from `now`.
 */
export function buildDemoRepository(now: Date): Map<string, Buffer> {
  const key = (): TestKey => generateKey('ed25519', { legacyKeyidHashAlgorithms: true });
  const at = (days: number): Date => new Date(now.getTime() + days * DAY_MS);
  const builder = new RepoBuilder({
    now,
    roles: {
      root: { keys: [key(), key(), key()], threshold: 2 },
      timestamp: { keys: [key()], threshold: 1 },
      snapshot: { keys: [key()], threshold: 1 },
      targets: { keys: [key()], threshold: 1 },
    },
    consistentSnapshot: false,
    expires: {
      root: at(EXPIRY_DAYS.root),
      timestamp: at(EXPIRY_DAYS.timestamp),
      snapshot: at(EXPIRY_DAYS.snapshot),
      targets: at(EXPIRY_DAYS.targets),
    },
    hashAlgorithms: ['sha512'],
    metaHashAlgorithms: ['sha512'],
    snapshotFileInfo: 'full',
    specVersion: '1.0',
  });
  // A yearly root rotation (Fleet's handbook): version 2 replaces one root key and the
  // timestamp key, signed by the old and the new root keys.
  const [, keep1, keep2] = builder.keysOf('root');
  builder.rotateRoot({
    roles: {
      root: { keys: [key(), keep1 as TestKey, keep2 as TestKey], threshold: 2 },
      timestamp: { keys: [key()], threshold: 1 },
    },
  });
  for (const component of COMPONENTS) {
    for (const [platform, file] of Object.entries(component.files)) {
      for (const channel of CHANNELS) {
        const version = component[channel];
        const [major, minor] = version.split('.') as [string, string];
        const content = fakeBinary(component.name, platform, file, version);
        const paths = [version, `${major}.${minor}`, channel];
        // The major alias follows the newest release.
        if (channel === 'edge') paths.push(major);
        for (const dirName of paths) {
          builder.addTarget(`${component.name}/${platform}/${dirName}/${file}`, content, {
            custom: { version },
          });
        }
      }
    }
  }
  // Fleet's versions run high: the timestamp is re-signed weekly besides every release.
  return builder
    .setVersion('targets', 42)
    .setVersion('snapshot', 42)
    .setVersion('timestamp', 2107)
    .build();
}

/** Stand-in bytes for a release: a readable header, then random bytes (each release differs). */
function fakeBinary(component: string, platform: string, file: string, version: string): Buffer {
  const header = `tufwatch demo: ${component} ${version} for ${platform} (${file}); not a real binary\n`;
  return Buffer.concat([Buffer.from(header, 'utf8'), randomBytes(16 * 1024)]);
}

/** The emulated account's release role: the only principal that changed the bucket and trail. */
const RELEASE_ROLE = 'arn:aws:iam::123456789012:role/tuf-release';

function demoConfig(repositoryUrl: string, port: number, token: string, aws: AwsConfig): object {
  return {
    system: {
      name: 'Demo Orbit update service',
      description:
        'A local, Orbit-like TUF repository made by `tufwatch demo` with fresh keys: its signed ' +
        'metadata (root, timestamp, snapshot, targets), the orbit, osqueryd and Fleet Desktop ' +
        'files it lists for macOS, Linux (x86-64 and arm64) and Windows on the stable and edge ' +
        'channels, and the static server that hosts them. Trust starts from its first root.',
    },
    repositories: [
      {
        name: REPOSITORY_NAME,
        url: repositoryUrl,
        trustedRoot: 'trusted-root.json',
        checkTargets: true,
        agentRoots: [
          { name: 'fleetd-1.0', root: 'agent-root-1.json' },
          { name: 'fleetd-1.1', root: 'agent-root-2.json' },
        ],
        orbit: {
          components: Object.fromEntries(COMPONENTS.map((c) => [c.name, c.files])),
          channels: [...CHANNELS],
        },
      },
    ],
    aws,
    storage: { path: 'tufwatch.db' },
    server: { host: HOST, port },
    schedule: { intervalSeconds: 60 },
    auth: { tokens: [token] },
  };
}

function render(demo: DemoInfo, targetCount: number): string {
  return `tufwatch demo: an Orbit-like TUF repository with fresh keys, monitored by tufwatch.

  Dashboard    ${demo.dashboard}
  Trust page   ${demo.trust}
  Metrics      ${demo.metrics}
  API          curl -H 'authorization: Bearer ${demo.token}' ${demo.service}/api/v1/controls
  Repository   ${demo.repository}  (${targetCount} targets: orbit, osqueryd, desktop; stable and edge)
  API token    ${demo.token}
  Files        ${demo.dir}  (removed on exit)

Checks run now and every 60 s. Verify the repository as a release engineer would:
  tufwatch verify --repo ${demo.repository} --trusted-root ${path.join(demo.dir, 'trusted-root.json')}

Press Ctrl-C to stop.
`;
}

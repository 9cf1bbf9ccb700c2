import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { CONTROL_CATALOG } from '../../checks/controls.js';
import { DEFAULT_CHECK_SETTINGS } from '../../checks/types.js';
import {
  ConfigError,
  DEFAULT_MAX_UPLOAD_BYTES,
  DEFAULT_RETENTION_DAYS,
  defaultMarkerDir,
  defaultStoragePath,
  describeSystem,
  FLEET_ROOT_PATH,
  loadConfig,
  MAX_CONFIG_BYTES,
  packageDataPath,
  parseVerificationConfig,
  readConfigFile,
} from '../../server/config.js';
import type { TufwatchConfig } from '../../server/types.js';
import { DEFAULT_HORIZONS, DEFAULT_LIMITS } from '../../tuf/limits.js';
import { fixture } from '../support/fixtures.js';

const FLEET_ROOT = fixture('fleet', 'root_v6_updates.fleetdm.com.json');
const NOT_A_ROOT = resolve(import.meta.dirname, '../../examples/orbit-like/timestamp.json');
const TOKEN_A = 'token-aaaaaaaaaaaaaaaa';
const TOKEN_B = 'token-bbbbbbbbbbbbbbbb';

/** A fresh config directory with a trusted root at `roots/fleet.json`. */
function configDir(): { dir: string; write: (doc: unknown, name?: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'tufwatch-server-config-'));
  mkdirSync(join(dir, 'roots'));
  copyFileSync(FLEET_ROOT, join(dir, 'roots', 'fleet.json'));
  return {
    dir,
    write: (doc, name = 'tufwatch.json') => {
      const path = join(dir, name);
      writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
      return path;
    },
  };
}

/** A minimal valid config, merged with `extra`. */
function minimal(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    system: { name: 'Example update service', description: 'The example TUF repository.' },
    repositories: [
      { name: 'example', url: 'https://tuf.example.com', trustedRoot: 'roots/fleet.json' },
    ],
    ...extra,
  };
}

async function configError(doc: unknown, env: Record<string, string> = {}): Promise<ConfigError> {
  const { write } = configDir();
  const err = await loadConfig(write(doc), env).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(err)}`);
  return err;
}

/** The JSON paths the problems name (what precedes `: `). */
function paths(err: ConfigError): string[] {
  return err.problems.map((p) => p.slice(0, p.indexOf(': ')));
}

t.test('default state goes to the XDG state directory, never the working directory', async (t) => {
  const cases: [Record<string, string>, string][] = [
    [{ XDG_STATE_HOME: '/var/lib/x' }, '/var/lib/x/tufwatch/tufwatch.db'],
    [{ HOME: '/home/op' }, '/home/op/.local/state/tufwatch/tufwatch.db'],
    // The XDG spec: a relative XDG_STATE_HOME is invalid and ignored.
    [{ XDG_STATE_HOME: 'rel', HOME: '/home/op' }, '/home/op/.local/state/tufwatch/tufwatch.db'],
  ];
  for (const [env, path] of cases) {
    t.equal(defaultStoragePath(env), path, JSON.stringify(env));
    // Creation markers: in the state directory too, beside (not inside) a data directory elsewhere.
    t.equal(defaultMarkerDir(env), join(dirname(path), 'stores'));
    t.equal((await loadConfig(undefined, env)).storage.path, path);
  }
  // A config file keeps its own default beside it: existing installs keep their chain.
  const dir = mkdtempSync(join(tmpdir(), 'tufwatch-config-'));
  const file = join(dir, 'c.json');
  writeFileSync(file, '{"storage": {}}');
  t.equal((await loadConfig(file, { HOME: '/h' })).storage.path, join(dir, 'data/tufwatch.db'));
});

t.test('without a config file the defaults monitor Fleet', async (t) => {
  const config = await loadConfig(undefined, {});
  t.equal(config.system.name, 'Fleet Orbit update service');
  t.match(config.system.description, /updates\.fleetdm\.com/);
  t.equal(config.repositories.length, 1);
  const [fleet] = config.repositories;
  t.strictSame(
    { ...fleet, trustedRootBytes: undefined },
    {
      name: 'fleet',
      url: 'https://updates.fleetdm.com',
      targetsUrl: 'https://updates.fleetdm.com/targets',
      trustedRoot: FLEET_ROOT_PATH,
      trustedRootBytes: undefined,
      checkTargets: true,
    },
  );
  t.ok(Buffer.from(fleet!.trustedRootBytes).equals(readFileSync(FLEET_ROOT)), 'embedded root');
  t.equal(config.aws, undefined);
  t.notOk('aws' in config, 'no aws key at all');
  t.strictSame(config.storage, { path: join(homedir(), '.local/state/tufwatch/tufwatch.db') });
  t.notOk(config.storage.path.startsWith(process.cwd()), 'nothing is written into the checkout');
  t.strictSame(config.server, { host: '127.0.0.1', port: 8080 });
  t.strictSame(config.schedule, { intervalSeconds: 300, checkTimeoutSeconds: 120 });
  t.strictSame(config.auth, { tokens: [], metricsAuth: false });
  t.strictSame(config.verification, { horizons: DEFAULT_HORIZONS, limits: DEFAULT_LIMITS });
  t.strictSame(config.checks, DEFAULT_CHECK_SETTINGS);
  t.strictSame(config.controls, CONTROL_CATALOG);
  t.not(config.controls[0], CONTROL_CATALOG[0], 'the catalog is copied, not shared');
  t.equal(config.maxUploadBytes, DEFAULT_MAX_UPLOAD_BYTES);
  t.strictSame(config.evidence, { retentionDays: DEFAULT_RETENTION_DAYS });
  t.equal(DEFAULT_RETENTION_DAYS, 400, 'evidence is kept at least 400 days by default');
});

t.test('the embedded Fleet root is a byte-exact copy of the published root v6', (t) => {
  t.ok(readFileSync(FLEET_ROOT_PATH).equals(readFileSync(FLEET_ROOT)));
  t.end();
});

t.test('shipped data is found from the source tree and from dist/', (t) => {
  const root = resolve('/opt/tufwatch');
  t.equal(
    packageDataPath(pathToFileURL(join(root, 'server/config.ts')).href, 'x.json'),
    join(root, 'data', 'x.json'),
  );
  t.equal(
    packageDataPath(pathToFileURL(join(root, 'dist/server/config.js')).href, 'x.json'),
    join(root, 'data', 'x.json'),
  );
  t.end();
});

t.test('a full valid config', async (t) => {
  const { dir, write } = configDir();
  const doc = {
    system: { name: 'Acme updates', description: 'Acme TUF repository and its bucket.' },
    repositories: [
      {
        name: 'acme-prod',
        url: 'https://updates.acme.test/',
        targetsUrl: 'https://cdn.acme.test/targets',
        trustedRoot: 'roots/fleet.json',
        checkTargets: false,
        orbit: {
          components: {
            orbit: { macos: 'orbit', windows: 'orbit.exe' },
            desktop: { linux: 'desktop.tar.gz' },
          },
          channels: ['stable', 'edge'],
        },
      },
      {
        name: 'acme.staging_2',
        url: 'http://127.0.0.1:8081',
        trustedRoot: join(dir, 'roots', 'fleet.json'),
        orbit: { components: { osqueryd: { linux: 'osqueryd' } } },
        agentRoots: [{ name: 'fleetd-1.0', root: 'roots/fleet.json' }],
      },
    ],
    aws: {
      region: 'us-east-1',
      accountId: '123456789012',
      bucket: 'acme-tuf.updates',
      expectedBucketOwner: '210987654321',
      endpoint: 'http://127.0.0.1:4566',
      trails: ['org-trail', 'arn:aws:cloudtrail:us-east-1:123456789012:trail/tuf'],
      allowedPrincipals: ['arn:aws:iam::123456789012:role/tuf-release'],
      crossAccountWriters: ['210987654321'],
      allowPublicRead: true,
    },
    storage: { path: '/var/lib/tufwatch/evidence.db' },
    server: { host: '0.0.0.0', port: 0 },
    schedule: { intervalSeconds: 10, checkTimeoutSeconds: 30 },
    auth: { tokens: [TOKEN_A], metricsAuth: true },
    verification: {
      horizons: { timestampWarnSeconds: 3600 },
      limits: { maxTargetsBytes: 9_000_000 },
    },
    checks: { timestampFreezeSeconds: 86_400, targetReverifyHours: 12, agentLookaheadDays: 14 },
    controls: {},
    maxUploadBytes: 1024,
    evidence: { retentionDays: 730 },
  };
  const config = await loadConfig(write(doc), {});
  const root = new Uint8Array(readFileSync(FLEET_ROOT));
  const expected: TufwatchConfig = {
    system: doc.system,
    repositories: [
      {
        name: 'acme-prod',
        url: 'https://updates.acme.test/',
        targetsUrl: 'https://cdn.acme.test/targets',
        trustedRoot: 'roots/fleet.json',
        trustedRootBytes: root,
        checkTargets: false,
        orbit: {
          components: {
            orbit: { macos: 'orbit', windows: 'orbit.exe' },
            desktop: { linux: 'desktop.tar.gz' },
          },
          channels: ['stable', 'edge'],
        },
      },
      {
        name: 'acme.staging_2',
        url: 'http://127.0.0.1:8081',
        targetsUrl: 'http://127.0.0.1:8081/targets',
        trustedRoot: join(dir, 'roots', 'fleet.json'),
        trustedRootBytes: root,
        checkTargets: true,
        orbit: { components: { osqueryd: { linux: 'osqueryd' } }, channels: ['stable'] },
        agentRoots: [{ name: 'fleetd-1.0', root: 'roots/fleet.json', rootBytes: root }],
      },
    ],
    aws: doc.aws,
    storage: { path: '/var/lib/tufwatch/evidence.db' },
    server: { host: '0.0.0.0', port: 0 },
    schedule: { intervalSeconds: 10, checkTimeoutSeconds: 30 },
    auth: { tokens: [TOKEN_A], metricsAuth: true },
    verification: {
      horizons: { ...DEFAULT_HORIZONS, timestampWarnSeconds: 3600 },
      limits: { ...DEFAULT_LIMITS, maxTargetsBytes: 9_000_000 },
    },
    checks: { timestampFreezeSeconds: 86_400, targetReverifyHours: 12, agentLookaheadDays: 14 },
    controls: [...CONTROL_CATALOG],
    maxUploadBytes: 1024,
    evidence: { retentionDays: 730 },
  };
  t.strictSame(config, expected);
});

t.test('relative paths are resolved against the config file directory', async (t) => {
  const { dir, write } = configDir();
  mkdirSync(join(dir, 'conf'));
  const path = write(
    minimal({
      repositories: [
        { name: 'staged', url: '../repo', trustedRoot: '../roots/fleet.json' },
        {
          name: 'split',
          url: 'meta',
          targetsUrl: '/srv/targets',
          trustedRoot: '../roots/fleet.json',
        },
      ],
    }),
    'conf/tufwatch.json',
  );
  const config = await loadConfig(path, {});
  t.equal(config.repositories[0]!.url, join(dir, 'repo'));
  t.equal(config.repositories[0]!.targetsUrl, join(dir, 'repo', 'targets'));
  t.equal(config.repositories[0]!.trustedRoot, '../roots/fleet.json', 'kept as configured');
  t.equal(config.repositories[1]!.url, join(dir, 'conf', 'meta'));
  t.equal(config.repositories[1]!.targetsUrl, '/srv/targets');
  t.equal(config.storage.path, join(dir, 'conf', 'data', 'tufwatch.db'), 'default storage too');

  const relative = await loadConfig(write(minimal({ storage: { path: 'db/e.db' } })), {});
  t.equal(relative.storage.path, join(dir, 'db', 'e.db'));
  const memory = await loadConfig(write(minimal({ storage: { path: ':memory:' } })), {});
  t.equal(memory.storage.path, ':memory:', 'the in-memory database is not a file');
});

t.test('a config file without repositories monitors Fleet under its own settings', async (t) => {
  const { write } = configDir();
  const config = await loadConfig(write({ server: { port: 9090 } }), {});
  t.equal(config.repositories[0]!.name, 'fleet');
  t.equal(config.system.name, 'Fleet Orbit update service');
  t.equal(config.server.port, 9090);
});

t.test('tokens from TUFWATCH_API_TOKENS are added to the configured ones', async (t) => {
  const { write } = configDir();
  const config = await loadConfig(write(minimal({ auth: { tokens: [TOKEN_A] } })), {
    TUFWATCH_API_TOKENS: ` ${TOKEN_B} ,,${TOKEN_A},`,
  });
  t.strictSame(
    config.auth.tokens,
    [TOKEN_A, TOKEN_B],
    'trimmed, empty entries skipped, deduplicated',
  );
  const envOnly = await loadConfig(undefined, { TUFWATCH_API_TOKENS: TOKEN_B });
  t.strictSame(envOnly.auth.tokens, [TOKEN_B]);
});

t.test('a weak token in the environment is refused without being echoed', async (t) => {
  const err = await loadConfig(undefined, { TUFWATCH_API_TOKENS: `${TOKEN_A},short secret` }).then(
    () => undefined,
    (e: unknown) => e as ConfigError,
  );
  t.type(err, ConfigError);
  t.equal(err?.code, 'CONFIG_INVALID');
  t.strictSame(paths(err!), ['TUFWATCH_API_TOKENS[1]']);
  t.notMatch(err!.message, /short secret/);
  t.match(err!.message, /^config defaults: /);
});

t.test('ConfigError carries its name, code, problems and cause', (t) => {
  const err = new ConfigError('CONFIG_UNREADABLE', 'x.json', ['$: gone'], { cause: 1 });
  t.equal(err.name, 'ConfigError');
  t.equal(err.code, 'CONFIG_UNREADABLE');
  t.strictSame(err.problems, ['$: gone']);
  t.equal(err.message, 'config x.json: $: gone');
  t.equal(err.cause, 1);
  t.type(err, Error);
  t.end();
});

const longName = 'a'.repeat(65);
const aws = { region: 'us-east-1', accountId: '123456789012', bucket: 'acme-tuf' };
const badRoot = {
  name: 'example',
  url: 'https://tuf.example.com',
  trustedRoot: 'roots/fleet.json',
};
const orbit = (o: unknown) => minimal({ repositories: [{ ...badRoot, orbit: o }] });
const control = {
  id: 'ACME-01',
  title: 'Acme',
  description: 'Acme control',
  criteria: ['CC8.1'],
  checks: ['tuf.expiry'],
};

/** [case, config document, the JSON paths its problems must name]. */
const bad: [string, unknown, string[]][] = [
  ['an unknown top-level key', minimal({ sytsem: {} }), ['sytsem']],
  ['an unknown key that is not an identifier', minimal({ 'a b': 1 }), ['["a b"]']],
  ['system not an object', minimal({ system: 'x' }), ['system']],
  [
    'system fields missing or empty',
    minimal({ system: { name: '', extra: 1 } }),
    ['system.extra', 'system.name', 'system.description'],
  ],
  ['repositories without a system', { repositories: minimal().repositories }, ['system']],
  ['repositories not an array', minimal({ repositories: {} }), ['repositories']],
  ['no repository', minimal({ repositories: [] }), ['repositories']],
  ['a repository not an object', minimal({ repositories: [1] }), ['repositories[0]']],
  [
    'repository fields missing',
    minimal({ repositories: [{ typo: 1 }] }),
    [
      'repositories[0].typo',
      'repositories[0].name',
      'repositories[0].url',
      'repositories[0].trustedRoot',
    ],
  ],
  [
    'a repository name that cannot be a metrics label',
    minimal({
      repositories: [
        { ...badRoot, name: 'Fleet Prod' },
        { ...badRoot, name: longName },
      ],
    }),
    ['repositories[0].name', 'repositories[1].name'],
  ],
  [
    'duplicate repository names',
    minimal({ repositories: [badRoot, { ...badRoot, url: 'https://other.example.com' }] }),
    ['repositories[1].name'],
  ],
  [
    'urls that are not http(s) or not valid',
    minimal({
      repositories: [
        { ...badRoot, url: 's3://bucket/repo' },
        { ...badRoot, name: 'b', url: 'https://exa mple.com' },
        { ...badRoot, name: 'c', url: 'https://user:pw@tuf.example.com' },
        { ...badRoot, name: 'd', url: 'https://tuf.example.com/?x=1' },
        { ...badRoot, name: 'e', url: 'https://tuf.example.com/#x' },
        { ...badRoot, name: 'f', url: 42 },
        { ...badRoot, name: 'g', targetsUrl: 'ftp://tuf.example.com/targets' },
      ],
    }),
    [
      'repositories[0].url',
      'repositories[1].url',
      'repositories[2].url',
      'repositories[3].url',
      'repositories[4].url',
      'repositories[5].url',
      'repositories[6].targetsUrl',
    ],
  ],
  [
    'checkTargets not a boolean',
    minimal({ repositories: [{ ...badRoot, checkTargets: 'yes' }] }),
    ['repositories[0].checkTargets'],
  ],
  ['orbit not an object', orbit([]), ['repositories[0].orbit']],
  [
    'orbit components missing, unknown orbit key',
    orbit({ channel: ['stable'] }),
    ['repositories[0].orbit.channel', 'repositories[0].orbit.components'],
  ],
  ['orbit without components', orbit({ components: {} }), ['repositories[0].orbit.components']],
  [
    'orbit components badly shaped',
    orbit({
      components: {
        '../x': { macos: 'orbit' },
        desktop: 'desktop.tar.gz',
        osqueryd: {},
        orbit: { '..': 'orbit', linux: 'bin/orbit', windows: 1 },
      },
    }),
    [
      'repositories[0].orbit.components["../x"]',
      'repositories[0].orbit.components.desktop',
      'repositories[0].orbit.components.osqueryd',
      'repositories[0].orbit.components.orbit[".."]',
      'repositories[0].orbit.components.orbit.linux',
      'repositories[0].orbit.components.orbit.windows',
    ],
  ],
  [
    'orbit channels not an array',
    orbit({ components: { orbit: { linux: 'orbit' } }, channels: 'stable' }),
    ['repositories[0].orbit.channels'],
  ],
  [
    'orbit channels empty',
    orbit({ components: { orbit: { linux: 'orbit' } }, channels: [] }),
    ['repositories[0].orbit.channels'],
  ],
  [
    'orbit channels bad, duplicate, not strings',
    orbit({ components: { orbit: { linux: 'orbit' } }, channels: ['stable', 'a/b', 'stable', 1] }),
    [
      'repositories[0].orbit.channels[1]',
      'repositories[0].orbit.channels[2]',
      'repositories[0].orbit.channels[3]',
    ],
  ],
  ['aws not an object', minimal({ aws: [] }), ['aws']],
  [
    'aws fields missing',
    minimal({ aws: { region: 'us-east-1', bukcet: 'x' } }),
    ['aws.bukcet', 'aws.accountId', 'aws.bucket'],
  ],
  [
    'aws fields badly shaped',
    minimal({
      aws: {
        region: 'US East',
        accountId: '1234',
        bucket: 'Acme_Bucket',
        expectedBucketOwner: 123456789012,
        endpoint: 'localhost:4566',
        trails: ['ok-trail', 'x', 'arn:aws:s3:::bucket', 'ok-trail'],
        allowedPrincipals: ['  '],
        crossAccountWriters: 'everyone',
        allowPublicRead: 'yes',
      },
    }),
    [
      'aws.region',
      'aws.accountId',
      'aws.bucket',
      'aws.expectedBucketOwner',
      'aws.endpoint',
      'aws.trails[1]',
      'aws.trails[2]',
      'aws.trails[3]',
      'aws.allowedPrincipals[0]',
      'aws.crossAccountWriters',
      'aws.allowPublicRead',
    ],
  ],
  [
    'aws bad owner only',
    minimal({ aws: { ...aws, expectedBucketOwner: 'x' } }),
    ['aws.expectedBucketOwner'],
  ],
  ['aws endpoint not a string', minimal({ aws: { ...aws, endpoint: 4566 } }), ['aws.endpoint']],
  ['aws trails not an array', minimal({ aws: { ...aws, trails: 'org-trail' } }), ['aws.trails']],
  ['storage not an object', minimal({ storage: './x.db' }), ['storage']],
  ['storage path empty', minimal({ storage: { path: '' } }), ['storage.path']],
  ['storage unknown key', minimal({ storage: { file: 'x.db' } }), ['storage.file']],
  [
    'server host and port',
    minimal({ server: { host: '', port: 65_536 } }),
    ['server.host', 'server.port'],
  ],
  ['server port not an integer', minimal({ server: { port: 80.5 } }), ['server.port']],
  ['server port a string', minimal({ server: { port: '8080' } }), ['server.port']],
  [
    'schedule below the minimum',
    minimal({ schedule: { intervalSeconds: 5, checkTimeoutSeconds: 0 } }),
    ['schedule.intervalSeconds', 'schedule.checkTimeoutSeconds'],
  ],
  [
    'schedule beyond what a timer can wait',
    minimal({ schedule: { intervalSeconds: 30 * 24 * 3600 } }),
    ['schedule.intervalSeconds'],
  ],
  ['auth not an object', minimal({ auth: true }), ['auth']],
  ['auth tokens not an array', minimal({ auth: { tokens: TOKEN_A } }), ['auth.tokens']],
  [
    'auth tokens too short, with spaces, not strings',
    minimal({ auth: { tokens: ['short', TOKEN_A, `${TOKEN_A} x`, 12] } }),
    ['auth.tokens[0]', 'auth.tokens[2]', 'auth.tokens[3]'],
  ],
  ['metricsAuth not a boolean', minimal({ auth: { metricsAuth: 1 } }), ['auth.metricsAuth']],
  [
    'verification unknown key',
    minimal({ verification: { horizon: {} } }),
    ['verification.horizon'],
  ],
  [
    'verification limits',
    minimal({ verification: { limits: { maxRootBytes: -1, toString: 1 } } }),
    ['verification.limits.maxRootBytes', 'verification.limits.toString'],
  ],
  ['checks unknown key', minimal({ checks: { freezeSeconds: 1 } }), ['checks.freezeSeconds']],
  [
    'checks negative',
    minimal({ checks: { timestampFreezeSeconds: -1 } }),
    ['checks.timestampFreezeSeconds'],
  ],
  ['maxUploadBytes zero', minimal({ maxUploadBytes: 0 }), ['maxUploadBytes']],
  ['controls not an object', minimal({ controls: [] }), ['controls']],
  ['controls unknown key', minimal({ controls: { remove: ['TW-01'] } }), ['controls.remove']],
  ['controls.drop not an array', minimal({ controls: { drop: 'TW-01' } }), ['controls.drop']],
  [
    'controls.drop of unknown ids',
    minimal({ controls: { drop: ['TW-01', 'TW-99', 3] } }),
    ['controls.drop[1]', 'controls.drop[2]'],
  ],
  ['controls.rename not an object', minimal({ controls: { rename: [] } }), ['controls.rename']],
  [
    'controls.rename of unknown or dropped ids, titles not strings',
    minimal({ controls: { drop: ['TW-02'], rename: { 'TW-99': 'x', 'TW-02': 'y', 'TW-01': '' } } }),
    ['controls.rename.TW-99', 'controls.rename.TW-02', 'controls.rename.TW-01'],
  ],
  ['controls.add not an array', minimal({ controls: { add: control } }), ['controls.add']],
  ['controls.add entry not an object', minimal({ controls: { add: ['x'] } }), ['controls.add[0]']],
  [
    'controls.add entry fields missing',
    minimal({ controls: { add: [{ id: 'ACME-01', owner: 'x' }] } }),
    [
      'controls.add[0].owner',
      'controls.add[0].title',
      'controls.add[0].description',
      'controls.add[0].criteria',
      'controls.add[0].checks',
    ],
  ],
  [
    'controls.add entry fields badly shaped',
    minimal({
      controls: {
        add: [
          {
            ...control,
            id: 'acme/01',
            criteria: ['CC9.9', 'toString'],
            checks: ['tuf.expiry', ''],
          },
        ],
      },
    }),
    [
      'controls.add[0].id',
      'controls.add[0].criteria[0]',
      'controls.add[0].criteria[1]',
      'controls.add[0].checks[1]',
    ],
  ],
  [
    'controls.add with empty criteria and checks',
    minimal({ controls: { add: [{ ...control, criteria: [], checks: [] }] } }),
    ['controls.add[0].criteria', 'controls.add[0].checks'],
  ],
  [
    'controls.add of an existing or repeated id',
    minimal({ controls: { add: [{ ...control, id: 'TW-01' }, control, control] } }),
    ['controls.add[0].id', 'controls.add[2].id'],
  ],
  ['evidence not an object', minimal({ evidence: 400 }), ['evidence']],
  [
    'evidence with an unknown key and a zero retention',
    minimal({ evidence: { retentionDays: 0, retention: 1 } }),
    ['evidence.retentionDays', 'evidence.retention'],
  ],
  [
    'evidence.retentionDays not an integer',
    minimal({ evidence: { retentionDays: 400.5 } }),
    ['evidence.retentionDays'],
  ],
  [
    'evidence.retentionDays beyond a century',
    minimal({ evidence: { retentionDays: 36_501 } }),
    ['evidence.retentionDays'],
  ],
];

for (const [name, doc, expected] of bad) {
  t.test(`${name} is CONFIG_INVALID naming each path`, async (t) => {
    const err = await configError(doc);
    t.equal(err.code, 'CONFIG_INVALID');
    t.strictSame(paths(err).sort(), [...expected].sort(), err.message);
  });
}

t.test('every problem of a file is reported together', async (t) => {
  const err = await configError(
    minimal({ server: { port: -1 }, schedule: { intervalSeconds: 1 }, aws: { region: 'x' } }),
  );
  t.ok(err.problems.length >= 5, err.message);
});

t.test('the trusted root must be readable and a TUF root', async (t) => {
  const { dir, write } = configDir();
  writeFileSync(join(dir, 'roots', 'broken.json'), '{');
  const err = await loadConfig(
    write(
      minimal({
        repositories: [
          { name: 'missing', url: 'https://a.test', trustedRoot: 'roots/none.json' },
          { name: 'timestamp', url: 'https://a.test', trustedRoot: NOT_A_ROOT },
          { name: 'broken', url: 'https://a.test', trustedRoot: 'roots/broken.json' },
          { name: 'dir', url: 'https://a.test', trustedRoot: 'roots' },
          { name: 'empty', url: 'https://a.test', trustedRoot: '' },
        ],
      }),
    ),
    {},
  ).then(
    () => undefined,
    (e: unknown) => e as ConfigError,
  );
  t.equal(err?.code, 'CONFIG_INVALID');
  t.strictSame(
    paths(err!),
    [0, 1, 2, 3, 4].map((i) => `repositories[${i}].trustedRoot`),
  );
  t.match(err!.problems[1], /WRONG_METADATA_TYPE/);
  t.match(err!.problems[2], /MALFORMED_METADATA/);
});

t.test('agent roots must be named once and each be a readable TUF root', async (t) => {
  const { dir, write } = configDir();
  writeFileSync(join(dir, 'roots', 'broken.json'), '{');
  const agentRoots = [
    { name: 'ok', root: 'roots/fleet.json' },
    { name: 'ok', root: 'roots/fleet.json' },
    { name: 'not a label', root: 'roots/fleet.json' },
    { name: 'missing', root: 'roots/none.json' },
    { name: 'timestamp', root: NOT_A_ROOT },
    { name: 'broken', root: 'roots/broken.json' },
    { name: 'no-root' },
    { name: 'extra', root: 'roots/fleet.json', url: 'x' },
    'x',
  ];
  const err = await loadConfig(
    write(
      minimal({
        repositories: [
          { name: 'a', url: 'https://a.test', trustedRoot: 'roots/fleet.json', agentRoots },
          { name: 'b', url: 'https://a.test', trustedRoot: 'roots/fleet.json', agentRoots: {} },
        ],
      }),
    ),
    {},
  ).then(
    () => undefined,
    (e: unknown) => e as ConfigError,
  );
  t.equal(err?.code, 'CONFIG_INVALID');
  t.strictSame(paths(err!).sort(), [
    'repositories[0].agentRoots[1].name',
    'repositories[0].agentRoots[2].name',
    'repositories[0].agentRoots[3].root',
    'repositories[0].agentRoots[4].root',
    'repositories[0].agentRoots[5].root',
    'repositories[0].agentRoots[6].root',
    'repositories[0].agentRoots[7].url',
    'repositories[0].agentRoots[8]',
    'repositories[1].agentRoots',
  ]);
});

t.test('a trusted root larger than verification.limits.maxRootBytes is refused', async (t) => {
  const err = await configError(minimal({ verification: { limits: { maxRootBytes: 1000 } } }));
  t.strictSame(paths(err), ['repositories[0].trustedRoot']);
  t.match(err.problems[0], /maxRootBytes/);
});

t.test('a config file that cannot be read is CONFIG_UNREADABLE', async (t) => {
  const { dir } = configDir();
  for (const path of [join(dir, 'missing.json'), dir]) {
    const err = await loadConfig(path, {}).then(
      () => undefined,
      (e: unknown) => e as ConfigError,
    );
    t.type(err, ConfigError);
    t.equal(err?.code, 'CONFIG_UNREADABLE', path);
    t.strictSame(paths(err!), ['$']);
  }
});

const broken: [string, string][] = [
  ['not JSON', '{"system": '],
  ['not an object', '[]'],
  ['null', 'null'],
  ['too large', `{"x": "${'a'.repeat(MAX_CONFIG_BYTES)}"}`],
];
for (const [name, text] of broken) {
  t.test(`a config file that is ${name} is CONFIG_INVALID`, async (t) => {
    const err = await configError(text);
    t.equal(err.code, 'CONFIG_INVALID');
    t.strictSame(paths(err), ['$']);
  });
}

t.test('readConfigFile returns the parsed document', async (t) => {
  const { write } = configDir();
  t.strictSame(await readConfigFile(write({ a: [1] })), { a: [1] });
});

t.test('parseVerificationConfig reads the verification section alone', (t) => {
  t.strictSame(parseVerificationConfig({ repositories: 'ignored here' }, 'x'), {
    horizons: DEFAULT_HORIZONS,
    limits: DEFAULT_LIMITS,
  });
  t.throws(() => parseVerificationConfig('x', 'x'), {
    code: 'CONFIG_INVALID',
    problems: ['$: must be an object'],
  });
  t.throws(
    () => parseVerificationConfig({ verification: { limits: { maxRootBytes: 'big' } } }, 'x'),
    {
      code: 'CONFIG_INVALID',
    },
  );
  t.end();
});

t.test('controls: drop, rename and add apply to the catalog', async (t) => {
  const { write } = configDir();
  const config = await loadConfig(
    write(
      minimal({
        controls: {
          drop: ['TW-04', 'TW-04'],
          rename: { 'TW-01': 'Orbit updates are signed by Acme keys' },
          add: [control],
        },
      }),
    ),
    {},
  );
  t.strictSame(
    config.controls.map((c) => c.id),
    ['TW-01', 'TW-02', 'TW-03', 'TW-05', 'TW-06', 'TW-07', 'ACME-01'],
  );
  t.equal(config.controls[0]!.title, 'Orbit updates are signed by Acme keys');
  t.strictSame(config.controls[0]!.checks, CONTROL_CATALOG[0]!.checks);
  t.equal(CONTROL_CATALOG[0]!.title, 'Updates are signed by authorized keys', 'catalog untouched');
  t.strictSame(config.controls.at(-1), control);

  const readded = await loadConfig(
    write(minimal({ controls: { drop: ['TW-04'], add: [{ ...control, id: 'TW-04' }] } })),
    {},
  );
  t.strictSame(
    readded.controls.at(-1),
    { ...control, id: 'TW-04' },
    'a dropped id may be redefined',
  );
});

t.test('describeSystem without aws lists the repositories', async (t) => {
  const config = await loadConfig(undefined, {});
  t.strictSame(describeSystem(config), {
    name: 'Fleet Orbit update service',
    description: config.system.description,
    components: [
      { kind: 'tuf-repository', name: 'fleet', location: 'https://updates.fleetdm.com' },
      {
        kind: 'tuf-repository',
        name: 'fleet targets',
        location: 'https://updates.fleetdm.com/targets',
      },
    ],
  });
});

t.test('describeSystem with aws lists the bucket and each trail', async (t) => {
  const base = await loadConfig(undefined, {});
  const withAws = (region: string, trails?: string[]): TufwatchConfig => ({
    ...base,
    aws: {
      region,
      accountId: '123456789012',
      bucket: 'acme-tuf',
      expectedBucketOwner: '123456789012',
      ...(trails === undefined ? {} : { trails }),
    },
  });
  const system = describeSystem(
    withAws('us-east-1', ['org-trail', 'arn:aws:cloudtrail:eu-west-1:210987654321:trail/tuf']),
  );
  t.strictSame(system.components.slice(2), [
    { kind: 's3-bucket', name: 'acme-tuf (us-east-1)', location: 'arn:aws:s3:::acme-tuf' },
    {
      kind: 'cloudtrail',
      name: 'org-trail',
      location: 'arn:aws:cloudtrail:us-east-1:123456789012:trail/org-trail',
    },
    {
      kind: 'cloudtrail',
      name: 'tuf',
      location: 'arn:aws:cloudtrail:eu-west-1:210987654321:trail/tuf',
    },
  ]);
  t.strictSame(describeSystem(withAws('cn-north-1')).components.slice(2), [
    { kind: 's3-bucket', name: 'acme-tuf (cn-north-1)', location: 'arn:aws-cn:s3:::acme-tuf' },
  ]);
  t.equal(
    describeSystem(withAws('us-gov-west-1', ['t1'])).components[3]?.location,
    'arn:aws-us-gov:cloudtrail:us-gov-west-1:123456789012:trail/t1',
  );
  t.equal(
    describeSystem(withAws('eusc-de-east-1')).components[2]?.location,
    'arn:aws-eusc:s3:::acme-tuf',
    'a region of the European Sovereign Cloud is accepted, in its partition',
  );
});

import { X509Certificate } from 'node:crypto';
import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { partitionOf } from '../checks/aws/policy.js';
import { CONTROL_CATALOG } from '../checks/controls.js';
import { DEFAULT_CHECK_SETTINGS, type CheckSettings, type Criterion } from '../checks/types.js';
import { joinLocation } from '../sources/index.js';
import type { TufError } from '../tuf/errors.js';
import { DEFAULT_HORIZONS, DEFAULT_LIMITS, type Horizons, type Limits } from '../tuf/limits.js';
import { parseMetadata } from '../tuf/metadata.js';
import type {
  AgentRootConfig,
  AwsConfig,
  ControlDefinition,
  RepositoryConfig,
  SystemDescription,
  TufwatchConfig,
} from './types.js';

/**
 * The service's config: one JSON file, parsed to `unknown` and narrowed field
 * by field. Every bad field is reported with its JSON path, all together
 * (sigstore-js `bundle/src/validate.ts`). Unknown keys are errors: a typo must
 * not silently turn a check off. Secrets (API tokens) also come from the
 * environment, so that they stay out of the file.
 */

export type ConfigErrorCode = 'CONFIG_INVALID' | 'CONFIG_UNREADABLE';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: ConfigErrorCode;
  /** `<json path>: <problem>`, one per bad field; never a secret's value. */
  readonly problems: string[];

  constructor(
    code: ConfigErrorCode,
    source: string,
    problems: string[],
    options?: { cause?: unknown },
  ) {
    super(`config ${source}: ${problems.join('; ')}`, options);
    this.code = code;
    this.problems = problems;
  }
}

/** The `verification` section: expiry horizons and size limits, shared with `tufwatch verify --config`. */
export interface VerificationConfig {
  horizons: Horizons;
  limits: Limits;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
/** A SOC 2 type 2 period is up to a year; the auditor's fieldwork comes after it. */
export const DEFAULT_RETENTION_DAYS = 400;
/** A hundred years: a larger value cannot be meant, and would overflow date arithmetic. */
const MAX_RETENTION_DAYS = 36_500;
export const FLEET_URL = 'https://updates.fleetdm.com';
/** The config file is small; a bigger one is a mistake, not a config. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Node's timers fire at once beyond 2^31-1 ms (about 24.8 days): a longer interval would loop. */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);
const MIN_TOKEN_LENGTH = 16;
export const TOKENS_ENV = 'TUFWATCH_API_TOKENS';

const FLEET_SYSTEM = {
  name: 'Fleet Orbit update service',
  description:
    "The TUF repository at https://updates.fleetdm.com from which Fleet's Orbit agents download " +
    'their updates (orbit, osqueryd, Fleet Desktop): its signed metadata (root, timestamp, ' +
    'snapshot, targets and delegated roles), the target files it lists, and the hosting behind ' +
    'them. Trust starts from the embedded root (version 6). In scope: that updates are signed by ' +
    'the authorized keys, fresh, never rolled back, intact, and that signing keys are kept ' +
    'apart. Out of scope: the offline signing ceremony and key storage, the Fleet server, and ' +
    'the agents themselves.',
};

/**
 * Where data shipped with the package lives. The module runs from source
 * (`<root>/server/config.ts`, tap) or compiled (`<root>/dist/server/config.js`).
 */
export function packageDataPath(moduleUrl: string, name: string): string {
  return join(packageRoot(moduleUrl), 'data', name);
}

/** The package's root directory, from a module one level below it (server/) or in dist/server/. */
export function packageRoot(moduleUrl: string): string {
  const parent = dirname(dirname(fileURLToPath(moduleUrl)));
  return basename(parent) === 'dist' ? dirname(parent) : parent;
}

/** Fleet's published root, version 6: where trust in https://updates.fleetdm.com starts by default. */
export const FLEET_ROOT_PATH = packageDataPath(import.meta.url, 'fleet-root.json');

/**
 * Loads the service's config. Without a file, the defaults monitor Fleet's
 * public repository. `env` supplies `TUFWATCH_API_TOKENS` (comma-separated).
 * Relative paths in the file are resolved against the file's directory.
 * Throws ConfigError: CONFIG_UNREADABLE (the file cannot be read) or
 * CONFIG_INVALID (with every bad field in `problems`).
 */
export async function loadConfig(
  path: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<TufwatchConfig> {
  let doc: Obj = {};
  let baseDir = process.cwd();
  if (path !== undefined) {
    const json = await readConfigFile(path);
    if (!isObject(json)) throw new ConfigError('CONFIG_INVALID', path, ['$: must be an object']);
    doc = json;
    baseDir = dirname(resolve(path));
  }
  const p = new Problems();
  p.unknownKeys(doc, '', TOP_LEVEL_KEYS);
  const verification = readVerification(p, doc.verification);
  const config: TufwatchConfig = {
    system: readSystem(p, doc),
    repositories: await readRepositories(p, doc.repositories, baseDir, verification.limits),
    storage: readStorage(p, doc.storage, path === undefined ? undefined : baseDir, env),
    server: readServer(p, doc.server),
    schedule: readSchedule(p, doc.schedule),
    auth: readAuth(p, doc.auth, env),
    verification,
    checks: readChecks(p, doc.checks),
    controls: readControls(p, doc.controls),
    maxUploadBytes: p.integer(doc.maxUploadBytes, 'maxUploadBytes', DEFAULT_MAX_UPLOAD_BYTES, 1),
    evidence: readEvidence(p, doc.evidence),
  };
  const aws = readAws(p, doc.aws);
  if (aws !== undefined) config.aws = aws;
  if (p.list.length > 0) throw new ConfigError('CONFIG_INVALID', path ?? 'defaults', p.list);
  return config;
}

/** Reads and parses the config file, with a size cap. */
export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = (await readCappedBytes(path, MAX_CONFIG_BYTES)).toString('utf8');
  } catch (err) {
    if (err instanceof TooLarge) {
      throw new ConfigError('CONFIG_INVALID', path, [`$: larger than ${MAX_CONFIG_BYTES} bytes`]);
    }
    throw new ConfigError('CONFIG_UNREADABLE', path, [`$: ${errorMessage(err)}`], { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ConfigError('CONFIG_INVALID', path, [`$: not valid JSON: ${errorMessage(err)}`], {
      cause: err,
    });
  }
}

/**
 * The `verification` section of a parsed config document, alone: what
 * `tufwatch verify --config` needs. Other sections belong to the service.
 * Throws ConfigError CONFIG_INVALID.
 */
export function parseVerificationConfig(document: unknown, source: string): VerificationConfig {
  if (!isObject(document))
    throw new ConfigError('CONFIG_INVALID', source, ['$: must be an object']);
  const p = new Problems();
  const config = readVerification(p, document.verification);
  if (p.list.length > 0) throw new ConfigError('CONFIG_INVALID', source, p.list);
  return config;
}

/** The audited system as an auditor expects it: name, description, components in scope. */
export function describeSystem(config: TufwatchConfig): SystemDescription {
  const components: SystemDescription['components'] = [];
  for (const repo of config.repositories) {
    components.push({ kind: 'tuf-repository', name: repo.name, location: repo.url });
    components.push({
      kind: 'tuf-repository',
      name: `${repo.name} targets`,
      location: repo.targetsUrl,
    });
  }
  const aws = config.aws;
  if (aws !== undefined) {
    const partition = partitionOf(aws.region);
    components.push({
      kind: 's3-bucket',
      name: `${aws.bucket} (${aws.region})`,
      location: `arn:${partition}:s3:::${aws.bucket}`,
    });
    for (const trail of aws.trails ?? []) {
      // Validation allows a trail name or a trail ARN (`...:trail/<name>`).
      const isArn = trail.startsWith('arn:');
      components.push({
        kind: 'cloudtrail',
        name: isArn ? trail.slice(trail.indexOf(':trail/') + ':trail/'.length) : trail,
        location: isArn
          ? trail
          : `arn:${partition}:cloudtrail:${aws.region}:${aws.accountId}:trail/${trail}`,
      });
    }
  }
  return { name: config.system.name, description: config.system.description, components };
}

// ---------------------------------------------------------------------------
// Sections

type Obj = Record<string, unknown>;

const TOP_LEVEL_KEYS = [
  'system',
  'repositories',
  'aws',
  'storage',
  'server',
  'schedule',
  'auth',
  'verification',
  'checks',
  'controls',
  'maxUploadBytes',
  'evidence',
] as const;

function readSystem(p: Problems, doc: Obj): TufwatchConfig['system'] {
  if (doc.system === undefined) {
    // Fleet's description fits only Fleet's repository, the default one.
    if (doc.repositories !== undefined) p.add('system', 'is required when repositories are set');
    return { ...FLEET_SYSTEM };
  }
  const s = p.section(doc.system, 'system', ['name', 'description']);
  if (s === undefined) return { ...FLEET_SYSTEM };
  return {
    name: p.text(s.name, 'system.name') ?? FLEET_SYSTEM.name,
    description: p.text(s.description, 'system.description') ?? FLEET_SYSTEM.description,
  };
}

const REPOSITORY_NAME = /^[a-z0-9._-]{1,64}$/;
/** An agent root's name: a metric label value, so bounded. */
const AGENT_NAME = /^[A-Za-z0-9._-]{1,64}$/;
/** The same rule as `openSource`: anything with a scheme is a URL, the rest a directory. */
const URL_LIKE = /^[a-z][a-z\d+.-]*:\/\//i;
/** One path segment of an Orbit target (`<component>/<platform>/<channel>/<file>`). */
const SEGMENT = /^(?!\.\.?$)[A-Za-z0-9._-]+$/;

async function readRepositories(
  p: Problems,
  value: unknown,
  baseDir: string,
  limits: Limits,
): Promise<RepositoryConfig[]> {
  const entries =
    value === undefined
      ? [{ name: 'fleet', url: FLEET_URL, trustedRoot: FLEET_ROOT_PATH }]
      : p.array(value, 'repositories');
  if (entries === undefined) return [];
  if (entries.length === 0) p.add('repositories', 'must list at least one repository');
  const repositories: RepositoryConfig[] = [];
  const names = new Set<string>();
  for (const [i, entry] of entries.entries()) {
    const path = `repositories[${i}]`;
    const r = p.section(entry, path, [
      'name',
      'url',
      'targetsUrl',
      'trustedRoot',
      'checkTargets',
      'orbit',
      'caFile',
      'agentRoots',
    ]);
    if (r === undefined) continue;
    const name = p.text(r.name, `${path}.name`, REPOSITORY_NAME, 'must match [a-z0-9._-]{1,64}');
    if (name !== undefined) {
      if (names.has(name)) p.add(`${path}.name`, `duplicate repository name ${name}`);
      names.add(name);
    }
    const url = readLocation(p, r.url, `${path}.url`, baseDir);
    const targetsUrl =
      r.targetsUrl === undefined
        ? url === undefined
          ? undefined
          : joinLocation(url, 'targets')
        : readLocation(p, r.targetsUrl, `${path}.targetsUrl`, baseDir);
    const trustedRoot = p.text(r.trustedRoot, `${path}.trustedRoot`);
    const trustedRootBytes =
      trustedRoot === undefined
        ? undefined
        : await readTrustedRoot(p, resolve(baseDir, trustedRoot), `${path}.trustedRoot`, limits);
    const checkTargets = p.boolean(r.checkTargets, `${path}.checkTargets`, true);
    const orbit = r.orbit === undefined ? undefined : readOrbit(p, r.orbit, `${path}.orbit`);
    const caFile = r.caFile === undefined ? undefined : p.text(r.caFile, `${path}.caFile`);
    const ca =
      caFile === undefined
        ? undefined
        : await readCaFile(p, resolve(baseDir, caFile), `${path}.caFile`);
    const agentRoots =
      r.agentRoots === undefined
        ? undefined
        : await readAgentRoots(p, r.agentRoots, `${path}.agentRoots`, baseDir, limits);
    if (
      name === undefined ||
      url === undefined ||
      targetsUrl === undefined ||
      trustedRoot === undefined ||
      trustedRootBytes === undefined
    ) {
      continue;
    }
    const repository: RepositoryConfig = {
      name,
      url,
      targetsUrl,
      trustedRoot,
      trustedRootBytes,
      checkTargets,
    };
    if (orbit !== undefined) repository.orbit = orbit;
    if (agentRoots !== undefined) repository.agentRoots = agentRoots;
    if (caFile !== undefined && ca !== undefined) {
      repository.caFile = resolve(baseDir, caFile);
      repository.ca = ca;
    }
    repositories.push(repository);
  }
  return repositories;
}

/** An http(s) URL, or a directory resolved against the config file's directory. */
function readLocation(
  p: Problems,
  value: unknown,
  path: string,
  baseDir: string,
): string | undefined {
  const text = p.text(value, path);
  if (text === undefined) return undefined;
  if (!URL_LIKE.test(text)) return resolve(baseDir, text);
  return p.httpUrl(text, path);
}

/** `agentRoots`: `{ name, root }` entries, each root read and parsed like `trustedRoot`. */
async function readAgentRoots(
  p: Problems,
  value: unknown,
  path: string,
  baseDir: string,
  limits: Limits,
): Promise<AgentRootConfig[] | undefined> {
  const entries = p.array(value, path);
  if (entries === undefined) return undefined;
  const agents: AgentRootConfig[] = [];
  const names = new Set<string>();
  for (const [i, entry] of entries.entries()) {
    const aPath = `${path}[${i}]`;
    const a = p.section(entry, aPath, ['name', 'root']);
    if (a === undefined) continue;
    const name = p.text(a.name, `${aPath}.name`, AGENT_NAME, 'must match [A-Za-z0-9._-]{1,64}');
    if (name !== undefined) {
      if (names.has(name)) p.add(`${aPath}.name`, `duplicate agent root name ${name}`);
      names.add(name);
    }
    const root = p.text(a.root, `${aPath}.root`);
    const rootBytes =
      root === undefined
        ? undefined
        : await readTrustedRoot(p, resolve(baseDir, root), `${aPath}.root`, limits);
    if (name !== undefined && root !== undefined && rootBytes !== undefined) {
      agents.push({ name, root, rootBytes });
    }
  }
  return agents;
}

/** Trust starts here: it must at least be a TUF root (its signatures are verified when used). */
async function readTrustedRoot(
  p: Problems,
  file: string,
  path: string,
  limits: Limits,
): Promise<Uint8Array | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readCappedBytes(file, limits.maxRootBytes);
  } catch (err) {
    p.add(
      path,
      err instanceof TooLarge
        ? `${file} is larger than verification.limits.maxRootBytes (${limits.maxRootBytes})`
        : `cannot read ${file}: ${errorMessage(err)}`,
    );
    return undefined;
  }
  try {
    parseMetadata(bytes, 'root');
  } catch (err) {
    // parseMetadata throws only TufError.
    const reason = `${(err as TufError).code}: ${(err as Error).message}`;
    p.add(path, `${file} is not a TUF root (${reason})`);
    return undefined;
  }
  return new Uint8Array(bytes);
}

/** A bundle of CA certificates wider than any real one: 1 MiB. */
const MAX_CA_FILE_BYTES = 1024 * 1024;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** The PEM bundle of `caFile`: readable, and every certificate in it parses. */
async function readCaFile(p: Problems, file: string, path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = (await readCappedBytes(file, MAX_CA_FILE_BYTES)).toString('utf8');
  } catch (err) {
    p.add(
      path,
      err instanceof TooLarge
        ? `${file} is larger than ${MAX_CA_FILE_BYTES} bytes`
        : `cannot read ${file}: ${errorMessage(err)}`,
    );
    return undefined;
  }
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    p.add(path, `${file} holds no PEM certificate`);
    return undefined;
  }
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (err) {
      p.add(path, `${file}: certificate ${i + 1} does not parse (${errorMessage(err)})`);
      return undefined;
    }
  }
  return blocks.join('\n');
}

function readOrbit(p: Problems, value: unknown, path: string): RepositoryConfig['orbit'] {
  const o = p.section(value, path, ['components', 'channels']);
  if (o === undefined) return undefined;
  const components: [string, Record<string, string>][] = [];
  const c = p.section(o.components, `${path}.components`);
  if (c !== undefined) {
    if (Object.keys(c).length === 0)
      p.add(`${path}.components`, 'must list at least one component');
    for (const [component, platforms] of Object.entries(c)) {
      const cPath = childPath(`${path}.components`, component);
      if (!SEGMENT.test(component)) p.add(cPath, 'component name must match [A-Za-z0-9._-]+');
      const byPlatform = p.section(platforms, cPath);
      if (byPlatform === undefined) continue;
      if (Object.keys(byPlatform).length === 0) p.add(cPath, 'must list at least one platform');
      const files: [string, string][] = [];
      for (const [platform, file] of Object.entries(byPlatform)) {
        const fPath = childPath(cPath, platform);
        if (!SEGMENT.test(platform)) p.add(fPath, 'platform name must match [A-Za-z0-9._-]+');
        const name = p.text(file, fPath, SEGMENT, 'must be a file name matching [A-Za-z0-9._-]+');
        if (name !== undefined) files.push([platform, name]);
      }
      // fromEntries defines own properties: a `__proto__` key stays data.
      components.push([component, Object.fromEntries(files)]);
    }
  }
  const channels =
    o.channels === undefined
      ? ['stable']
      : p.uniqueStrings(
          o.channels,
          `${path}.channels`,
          (x) => SEGMENT.test(x),
          'must match [A-Za-z0-9._-]+',
        );
  if (channels?.length === 0) p.add(`${path}.channels`, 'must list at least one channel');
  return { components: Object.fromEntries(components), channels: channels ?? [] };
}

const AWS_REGION = /^[a-z]{2,4}(-[a-z]+)+-\d+$/;
const ACCOUNT_ID = /^\d{12}$/;
/** S3 bucket naming rules (general purpose buckets). */
const BUCKET = /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const TRAIL =
  /^(?:[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]|arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:\d{12}:trail\/[A-Za-z0-9._-]+)$/;

function readAws(p: Problems, value: unknown): AwsConfig | undefined {
  if (value === undefined) return undefined;
  const a = p.section(value, 'aws', [
    'region',
    'accountId',
    'bucket',
    'expectedBucketOwner',
    'endpoint',
    'trails',
    'allowedPrincipals',
    'crossAccountWriters',
    'allowPublicRead',
  ]);
  if (a === undefined) return undefined;
  const region = p.text(
    a.region,
    'aws.region',
    AWS_REGION,
    'must be an AWS region, e.g. us-east-1',
  );
  const accountId = p.text(a.accountId, 'aws.accountId', ACCOUNT_ID, 'must be 12 digits');
  const bucket = p.text(a.bucket, 'aws.bucket', BUCKET, 'must be an S3 bucket name');
  const owner =
    a.expectedBucketOwner === undefined
      ? accountId
      : p.text(a.expectedBucketOwner, 'aws.expectedBucketOwner', ACCOUNT_ID, 'must be 12 digits');
  const endpoint = a.endpoint === undefined ? undefined : p.text(a.endpoint, 'aws.endpoint');
  const checkedEndpoint = endpoint === undefined ? undefined : p.httpUrl(endpoint, 'aws.endpoint');
  const trails =
    a.trails === undefined
      ? undefined
      : p.uniqueStrings(
          a.trails,
          'aws.trails',
          (x) => TRAIL.test(x),
          'must be a trail name or a trail ARN',
        );
  // Who may change the bucket and trail (cloudtrail.config-changes), and who outside the account
  // may write (s3.no-cross-account-write): ARNs (IAM wildcards allowed), account ids, service names.
  const lists: Pick<AwsConfig, 'allowedPrincipals' | 'crossAccountWriters'> = {};
  for (const name of ['allowedPrincipals', 'crossAccountWriters'] as const) {
    if (a[name] === undefined) continue;
    const list = p.uniqueStrings(
      a[name],
      `aws.${name}`,
      (x) => x.trim() !== '',
      'must not be empty',
    );
    if (list !== undefined) lists[name] = list;
  }
  // A repository served straight from a public bucket (no CloudFront) reads publicly on purpose.
  const allowPublicRead = p.boolean(a.allowPublicRead, 'aws.allowPublicRead', false);
  if (
    region === undefined ||
    accountId === undefined ||
    bucket === undefined ||
    owner === undefined
  ) {
    return undefined;
  }
  const aws: AwsConfig = { region, accountId, bucket, expectedBucketOwner: owner, ...lists };
  if (allowPublicRead) aws.allowPublicRead = true;
  if (checkedEndpoint !== undefined) aws.endpoint = checkedEndpoint;
  if (trails !== undefined) aws.trails = trails;
  return aws;
}

/**
 * Where state goes without `storage.path`: the platform's state directory
 * (XDG Base Directory: `$XDG_STATE_HOME`, else `~/.local/state`), never the working
 * directory, so `tufwatch run` in a checkout writes no database or key into it.
 */
export function defaultStoragePath(env: Readonly<Record<string, string | undefined>>): string {
  return join(stateHome(env), 'tufwatch', 'tufwatch.db');
}

/**
 * Where starts record that they created an evidence store (one marker per
 * database path; server/data-dir.ts): in the state directory, not in the
 * data directory, so that a marker outlives an unmounted data volume.
 */
export function defaultMarkerDir(env: Readonly<Record<string, string | undefined>>): string {
  return join(stateHome(env), 'tufwatch', 'stores');
}

function stateHome(env: Readonly<Record<string, string | undefined>>): string {
  const xdg = env.XDG_STATE_HOME;
  // The spec ignores a relative XDG_STATE_HOME.
  return xdg !== undefined && isAbsolute(xdg)
    ? xdg
    : join(env.HOME ?? homedir(), '.local', 'state');
}

/**
 * `configDir` is undefined without a config file. A config file keeps its default of
 * `data/tufwatch.db` beside it: moving that would start a new evidence chain for
 * existing installs.
 */
function readStorage(
  p: Problems,
  value: unknown,
  configDir: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): TufwatchConfig['storage'] {
  const s = p.optionalSection(value, 'storage', ['path']);
  const fallback =
    configDir === undefined ? defaultStoragePath(env) : join(configDir, 'data', 'tufwatch.db');
  const path = s.path === undefined ? fallback : p.text(s.path, 'storage.path');
  // better-sqlite3's in-memory database (tests, the demo) is not a file.
  if (path === ':memory:') return { path };
  return { path: resolve(configDir ?? process.cwd(), path ?? fallback) };
}

/** `evidence.retentionDays`: records older than this are pruned, behind a signed checkpoint. */
function readEvidence(p: Problems, value: unknown): TufwatchConfig['evidence'] {
  const e = p.optionalSection(value, 'evidence', ['retentionDays']);
  return {
    retentionDays: p.integer(
      e.retentionDays,
      'evidence.retentionDays',
      DEFAULT_RETENTION_DAYS,
      1,
      MAX_RETENTION_DAYS,
    ),
  };
}

function readServer(p: Problems, value: unknown): TufwatchConfig['server'] {
  const s = p.optionalSection(value, 'server', ['host', 'port']);
  return {
    host: s.host === undefined ? '127.0.0.1' : (p.text(s.host, 'server.host') ?? '127.0.0.1'),
    port: p.integer(s.port, 'server.port', 8080, 0, 65_535),
  };
}

function readSchedule(p: Problems, value: unknown): TufwatchConfig['schedule'] {
  const s = p.optionalSection(value, 'schedule', ['intervalSeconds', 'checkTimeoutSeconds']);
  return {
    intervalSeconds: p.integer(
      s.intervalSeconds,
      'schedule.intervalSeconds',
      300,
      10,
      MAX_TIMER_SECONDS,
    ),
    checkTimeoutSeconds: p.integer(
      s.checkTimeoutSeconds,
      'schedule.checkTimeoutSeconds',
      120,
      1,
      MAX_TIMER_SECONDS,
    ),
  };
}

/** Visible ASCII, no spaces: what a bearer token can carry in a header. */
const TOKEN = new RegExp(`^[\\x21-\\x7e]{${MIN_TOKEN_LENGTH},}$`);
const TOKEN_PROBLEM = `must be at least ${MIN_TOKEN_LENGTH} visible ASCII characters without spaces`;

function readAuth(
  p: Problems,
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
): TufwatchConfig['auth'] {
  const a = p.optionalSection(value, 'auth', ['tokens', 'metricsAuth']);
  const tokens: string[] = [];
  if (a.tokens !== undefined) {
    const list = p.array(a.tokens, 'auth.tokens') ?? [];
    // Problems name the token's position, never its value.
    list.forEach((token, i) => {
      if (typeof token === 'string' && TOKEN.test(token)) tokens.push(token);
      else p.add(`auth.tokens[${i}]`, TOKEN_PROBLEM);
    });
  }
  // Empty entries (`a,,b`, a trailing comma) are skipped; positions count them.
  (env[TOKENS_ENV] ?? '').split(',').forEach((entry, i) => {
    const token = entry.trim();
    if (token === '') return;
    if (TOKEN.test(token)) tokens.push(token);
    else p.add(`${TOKENS_ENV}[${i}]`, TOKEN_PROBLEM);
  });
  return {
    tokens: [...new Set(tokens)],
    metricsAuth: p.boolean(a.metricsAuth, 'auth.metricsAuth', false),
  };
}

function readVerification(p: Problems, value: unknown): VerificationConfig {
  const v = p.optionalSection(value, 'verification', ['horizons', 'limits']);
  return {
    horizons: readNumbers(p, v.horizons, 'verification.horizons', DEFAULT_HORIZONS),
    limits: readNumbers(p, v.limits, 'verification.limits', DEFAULT_LIMITS),
  };
}

/** An object of non-negative integers overriding `defaults` field by field. */
function readNumbers<T extends object>(
  p: Problems,
  value: unknown,
  path: string,
  defaults: Readonly<T>,
): T {
  const out: Record<string, number> = { ...(defaults as Record<string, number>) };
  const given = p.optionalSection(value, path, Object.keys(defaults));
  for (const [field, v] of Object.entries(given)) {
    if (Object.hasOwn(defaults, field))
      out[field] = p.integer(v, `${path}.${field}`, out[field] as number, 0);
  }
  return out as T;
}

function readChecks(p: Problems, value: unknown): CheckSettings {
  return readNumbers(p, value, 'checks', DEFAULT_CHECK_SETTINGS);
}

/** The closed set of criteria; the compiler checks it against the `Criterion` union. */
const CRITERIA: Record<Criterion, true> = {
  'CC6.1': true,
  'CC6.6': true,
  'CC6.7': true,
  'CC6.8': true,
  'CC7.1': true,
  'CC7.2': true,
  'CC7.3': true,
  'CC8.1': true,
  'A1.2': true,
  'PI1.4': true,
  'PI1.5': true,
};
/** A control id is a metrics label and a URL path segment. */
const CONTROL_ID = /^[A-Za-z0-9._-]{1,64}$/;

function readControls(p: Problems, value: unknown): ControlDefinition[] {
  const c = p.optionalSection(value, 'controls', ['drop', 'rename', 'add']);
  const catalog = new Map(
    CONTROL_CATALOG.map((control) => [
      control.id,
      { ...control, criteria: [...control.criteria], checks: [...control.checks] },
    ]),
  );
  const dropped = new Set<string>();
  if (c.drop !== undefined) {
    for (const [i, id] of (p.array(c.drop, 'controls.drop') ?? []).entries()) {
      if (typeof id === 'string' && catalog.has(id)) dropped.add(id);
      else p.add(`controls.drop[${i}]`, 'must be the id of a control of the catalog');
    }
  }
  if (c.rename !== undefined) {
    for (const [id, title] of Object.entries(p.section(c.rename, 'controls.rename') ?? {})) {
      const path = childPath('controls.rename', id);
      const control = catalog.get(id);
      const text = p.text(title, path);
      if (control === undefined) p.add(path, 'must be the id of a control of the catalog');
      else if (dropped.has(id)) p.add(path, 'renames a dropped control');
      else if (text !== undefined) control.title = text;
    }
  }
  for (const id of dropped) catalog.delete(id);
  const controls: ControlDefinition[] = [...catalog.values()];
  if (c.add !== undefined) {
    for (const [i, entry] of (p.array(c.add, 'controls.add') ?? []).entries()) {
      const control = readControl(p, entry, `controls.add[${i}]`);
      if (control === undefined) continue;
      if (controls.some((existing) => existing.id === control.id)) {
        p.add(`controls.add[${i}].id`, `duplicate control id ${control.id}`);
        continue;
      }
      controls.push(control);
    }
  }
  return controls;
}

function readControl(p: Problems, value: unknown, path: string): ControlDefinition | undefined {
  const c = p.section(value, path, ['id', 'title', 'description', 'criteria', 'checks']);
  if (c === undefined) return undefined;
  const id = p.text(c.id, `${path}.id`, CONTROL_ID, 'must match [A-Za-z0-9._-]{1,64}');
  const title = p.text(c.title, `${path}.title`);
  const description = p.text(c.description, `${path}.description`);
  const criteria = p.uniqueStrings(
    c.criteria,
    `${path}.criteria`,
    (x) => Object.hasOwn(CRITERIA, x),
    'must be a SOC 2 criterion the catalog knows, e.g. CC8.1',
  );
  if (criteria?.length === 0) p.add(`${path}.criteria`, 'must list at least one criterion');
  // Whether each check exists is the service's to say: the registry is not known here.
  const checks = p.uniqueStrings(
    c.checks,
    `${path}.checks`,
    (x) => x !== '',
    'must be a non-empty string',
  );
  if (checks?.length === 0) p.add(`${path}.checks`, 'must list at least one check');
  if (
    id === undefined ||
    title === undefined ||
    description === undefined ||
    criteria === undefined ||
    checks === undefined
  ) {
    return undefined;
  }
  return { id, title, description, criteria: criteria as Criterion[], checks };
}

// ---------------------------------------------------------------------------
// Field readers: each records a problem at its path and returns undefined (or
// the default) instead of throwing, so that every problem is reported at once.

class Problems {
  readonly list: string[] = [];

  add(path: string, problem: string): void {
    this.list.push(`${path}: ${problem}`);
  }

  unknownKeys(obj: Obj, path: string, known: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) this.add(childPath(path, key), 'unknown field');
    }
  }

  /** An object; with `known`, its other keys are problems. */
  section(value: unknown, path: string, known?: readonly string[]): Obj | undefined {
    if (!isObject(value)) {
      this.add(path, 'must be an object');
      return undefined;
    }
    if (known !== undefined) this.unknownKeys(value, path, known);
    return value;
  }

  /** An object whose fields all have defaults: absent (or broken) reads as empty. */
  optionalSection(value: unknown, path: string, known: readonly string[]): Obj {
    return value === undefined ? {} : (this.section(value, path, known) ?? {});
  }

  array(value: unknown, path: string): unknown[] | undefined {
    if (Array.isArray(value)) return value as unknown[];
    this.add(path, 'must be an array');
    return undefined;
  }

  /** A required non-empty string, optionally matching `pattern`. */
  text(
    value: unknown,
    path: string,
    pattern?: RegExp,
    problem = 'must be a non-empty string',
  ): string | undefined {
    if (value === undefined) {
      this.add(path, 'is required');
      return undefined;
    }
    if (
      typeof value !== 'string' ||
      value === '' ||
      (pattern !== undefined && !pattern.test(value))
    ) {
      this.add(path, problem);
      return undefined;
    }
    return value;
  }

  integer(value: unknown, path: string, fallback: number, min: number, max?: number): number {
    if (value === undefined) return fallback;
    if (
      typeof value === 'number' &&
      Number.isSafeInteger(value) &&
      value >= min &&
      (max === undefined || value <= max)
    ) {
      return value;
    }
    // The wording of scripts/config.ts's original check, kept for `tufwatch verify --config`.
    this.add(
      path,
      max === undefined
        ? min === 0
          ? 'must be a non-negative integer'
          : `must be an integer >= ${min}`
        : `must be an integer from ${min} to ${max}`,
    );
    return fallback;
  }

  boolean(value: unknown, path: string, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    this.add(path, 'must be a boolean');
    return fallback;
  }

  /** An array of distinct strings, each passing `test`. */
  uniqueStrings(
    value: unknown,
    path: string,
    test: (s: string) => boolean,
    problem: string,
  ): string[] | undefined {
    const list = this.array(value, path);
    if (list === undefined) return undefined;
    const out: string[] = [];
    let ok = true;
    list.forEach((item, i) => {
      if (typeof item !== 'string' || !test(item)) {
        this.add(`${path}[${i}]`, typeof item === 'string' ? problem : 'must be a string');
        ok = false;
      } else if (out.includes(item)) {
        this.add(`${path}[${i}]`, `duplicate ${item}`);
        ok = false;
      } else {
        out.push(item);
      }
    });
    return ok ? out : undefined;
  }

  /** An http(s) URL without credentials, query or fragment (targets are appended to it). */
  httpUrl(text: string, path: string): string | undefined {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      this.add(path, 'must be a valid URL');
      return undefined;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      this.add(path, 'must use http or https');
    } else if (url.username !== '' || url.password !== '') {
      this.add(path, 'must not contain credentials');
    } else if (url.search !== '' || url.hash !== '') {
      this.add(path, 'must not have a query or a fragment');
    } else {
      return text;
    }
    return undefined;
  }
}

/** `a.b`, or `a["odd key"]` when the key is not an identifier. */
function childPath(path: string, key: string): string {
  if (!/^[A-Za-z_$][\w$-]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Node's fs and JSON errors are all Errors. */
function errorMessage(err: unknown): string {
  return (err as Error).message;
}

class TooLarge extends Error {}

/** Reads a whole file, refusing one larger than `max` bytes: no unbounded reads. */
async function readCappedBytes(file: string, max: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) return Buffer.concat(chunks, total);
      total += bytesRead;
      if (total > max) throw new TooLarge();
      chunks.push(chunk.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}

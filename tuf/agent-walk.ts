/**
 * What an agent in the field sees: the TUF client workflow (specification
 * section 5) run from the root an agent release embeds, against the
 * repository as served, in memory. Once at the run's time (can it update
 * today?) and once at a later time (will it still update then?).
 *
 * Pure except through the `MetadataSource` port; the times are passed in.
 */
import { TufClient, type LocalStore } from './client.js';
import { messageOf, TufError } from './errors.js';
import type { FindingCode } from './findings.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import type { MetadataSource } from './source.js';
import type { VerifyReport } from './verify.js';

/** The first step of the workflow that failed, as the client reported it. */
export interface AgentWalkFailure {
  code: FindingCode;
  message: string;
  role?: string;
  file?: string;
}

/** A top-level role an agent trusts, and when it expires. */
export interface AgentRole {
  role: string;
  version: number;
  expires: string;
}

/** One agent root's walk, JSON-serialisable (it crosses the worker boundary). */
export interface AgentRootWalk {
  name: string;
  /** The version of the root the agent embeds (absent when that root does not verify itself). */
  embeddedRootVersion?: number;
  /** The agent reaches today's root and a verified timestamp, snapshot and targets. */
  reachable: boolean;
  /** The root version the agent ends with (undefined when the embedded root is not even usable). */
  finalRootVersion?: number;
  /** The first step that failed today. */
  failure?: AgentWalkFailure;
  /** The top-level roles the agent trusts after today's walk. */
  roles: AgentRole[];
  /** What next breaks this agent's path: the expiry of the root it ends at. */
  breaks?: AgentRole;
  /** The same walk at `lookahead.at`, when today's walk succeeded. */
  lookahead?: { at: string; reachable: boolean; failure?: AgentWalkFailure };
}

export interface AgentWalkOptions {
  name: string;
  /** The embedded root's bytes. */
  root: Uint8Array;
  metadata: MetadataSource;
  now: Date;
  /** When to walk again: the look-ahead date. */
  lookaheadAt: Date;
  /** The repository's current root version, when known: an agent that stops short of it is not up to date. */
  currentRootVersion?: number | undefined;
  limits?: Limits | undefined;
}

const ROOT_FILE = /^\d+\.root\.json$/;

/** A root an agent release embeds, by the name config gives it. */
export interface AgentRoot {
  name: string;
  root: Uint8Array;
}

/**
 * Walks each agent root, one after another, against the repository whose
 * verification is `report`: an agent that stops short of the root that
 * verification trusts is not up to date.
 */
export async function walkAgentRoots(
  agents: readonly AgentRoot[],
  metadata: MetadataSource,
  report: VerifyReport,
  options: { now: Date; lookaheadAt: Date; limits?: Limits | undefined },
): Promise<AgentRootWalk[]> {
  // A served root that did not check out is no yardstick: its version is anyone's claim.
  const root = report.untrustedRoles?.includes('root') === true ? undefined : report.roles.root;
  const walks: AgentRootWalk[] = [];
  for (const agent of agents) {
    walks.push(
      await walkAgentRoot({ ...agent, ...options, metadata, currentRootVersion: root?.version }),
    );
  }
  return walks;
}

export async function walkAgentRoot(options: AgentWalkOptions): Promise<AgentRootWalk> {
  // Both walks read the same bytes: a release between them must not split the verdict.
  const metadata = new ReadOnce(options.metadata);
  const today = await walk(options, metadata, options.now);
  const base = {
    name: options.name,
    ...(today.embeddedRootVersion !== undefined && {
      embeddedRootVersion: today.embeddedRootVersion,
    }),
    roles: today.roles,
  };
  // A failed rotation is the first failing step; else a rotation that stopped short is.
  const failure =
    today.failure !== undefined && isRootStep(today.failure)
      ? today.failure
      : (shortOfCurrentRoot(today, options.currentRootVersion) ?? today.failure);
  if (failure !== undefined) {
    return {
      ...base,
      reachable: false,
      ...(today.finalRootVersion !== undefined && { finalRootVersion: today.finalRootVersion }),
      failure,
    };
  }
  // The look-ahead asks what sets this agent apart, its root chain: a timestamp re-signed every
  // week (Fleet's expires in 14 days) would break every 30-day walk, and tuf.expiry watches
  // the online roles with their own horizons. Root steps run first (TUF 5.3), so a later
  // failure that is not one means the chain still holds then.
  const later = await walk(options, metadata, options.lookaheadAt);
  const laterRootFailure =
    later.failure !== undefined && isRootStep(later.failure) ? later.failure : undefined;
  return {
    ...base,
    reachable: true,
    ...(today.finalRootVersion !== undefined && { finalRootVersion: today.finalRootVersion }),
    ...(today.breaks !== undefined && { breaks: today.breaks }),
    lookahead: {
      at: options.lookaheadAt.toISOString(),
      reachable: laterRootFailure === undefined,
      ...(laterRootFailure !== undefined && { failure: laterRootFailure }),
    },
  };
}

interface WalkResult {
  embeddedRootVersion?: number;
  finalRootVersion?: number;
  roles: AgentRole[];
  breaks?: AgentRole;
  failure?: AgentWalkFailure;
}

async function walk(
  options: AgentWalkOptions,
  metadata: MetadataSource,
  now: Date,
): Promise<WalkResult> {
  const store = new MemoryStore();
  await store.write('root.json', options.root);
  let client: TufClient;
  try {
    client = await TufClient.open({
      metadata,
      store,
      now,
      limits: options.limits ?? DEFAULT_LIMITS,
    });
  } catch (err) {
    return { roles: [], failure: failureOf(err) };
  }
  const embeddedRootVersion = client.trustedVersions().root;
  let failure: AgentWalkFailure | undefined;
  try {
    await client.refresh();
  } catch (err) {
    failure = failureOf(err);
  }
  const roles = Object.entries(client.trustedExpiries()).map(([role, { version, expires }]) => ({
    role,
    version,
    expires: expires.toISOString(),
  }));
  // The agent's own path breaks when its final root expires; the other roles are re-signed.
  const breaks = roles.find((r) => r.role === 'root');
  return {
    embeddedRootVersion,
    finalRootVersion: client.trustedVersions().root,
    roles,
    ...(breaks !== undefined && { breaks }),
    ...(failure !== undefined && { failure }),
  };
}

/**
 * TUF 5.3.3 ends rotation at the first missing `N.root.json`: an agent then
 * carries on with an older root than the repository's. That is the first step
 * that failed, unless rotation itself failed (a root-step failure is first).
 */
function shortOfCurrentRoot(
  today: WalkResult,
  current: number | undefined,
): AgentWalkFailure | undefined {
  const final = today.finalRootVersion;
  if (current === undefined || final === undefined || final >= current) return undefined;
  const file = `${final + 1}.root.json`;
  return {
    code: 'METADATA_MISSING',
    message: `root rotation stopped at v${final}: ${file} is not served, and the repository is at root v${current}`,
    role: 'root',
    file,
  };
}

function failureOf(err: unknown): AgentWalkFailure {
  if (!(err instanceof TufError)) {
    // The client reports every failure as a TufError; anything else is a fault of this walk.
    return { code: 'FETCH_FAILED', message: messageOf(err) };
  }
  const { role, file } = err.details;
  return {
    code: err.code,
    message: err.message,
    ...(role !== undefined && { role }),
    ...(file !== undefined && { file }),
  };
}

/** A failure of TUF 5.3 (the root update), as opposed to a later step. */
const isRootStep = (failure: AgentWalkFailure): boolean =>
  failure.role === 'root' || (failure.file !== undefined && ROOT_FILE.test(failure.file));

/** The client's trusted metadata, kept in memory for one walk. */
class MemoryStore implements LocalStore {
  readonly #files = new Map<string, Uint8Array>();

  read(name: string): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.#files.get(name));
  }

  write(name: string, bytes: Uint8Array): Promise<void> {
    this.#files.set(name, bytes);
    return Promise.resolve();
  }
}

/** Reads each file from the source once; later reads (the look-ahead walk) get the same answer. */
class ReadOnce implements MetadataSource {
  readonly location: string;
  readonly #source: MetadataSource;
  readonly #reads = new Map<string, Promise<Uint8Array>>();

  constructor(source: MetadataSource) {
    this.#source = source;
    this.location = source.location;
  }

  read(name: string, maxBytes: number): Promise<Uint8Array> {
    const key = `${maxBytes}:${name}`;
    let read = this.#reads.get(key);
    if (read === undefined) {
      read = this.#source.read(name, maxBytes);
      this.#reads.set(key, read);
    }
    return read;
  }

  /* c8 ignore next 3 -- the client streams only target files, which a walk never downloads */
  stream(name: string, maxBytes: number): AsyncIterable<Uint8Array> {
    return this.#source.stream(name, maxBytes);
  }
}

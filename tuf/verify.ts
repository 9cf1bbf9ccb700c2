import { createHash } from 'node:crypto';
import type { AgentRootWalk } from './agent-walk.js';
import {
  DelegatedPathsMatcher,
  DelegationIndex,
  namedLikeTopLevelRole,
  roleFileName,
  succinctRoleNames,
  validateSuccinct,
} from './delegations.js';
import { TufError } from './errors.js';
import { finding, hasErrors, type Finding, type FindingDetails } from './findings.js';
import { expectedKeyIds, KeyCache, type TufKey } from './keys.js';
import {
  DEFAULT_HORIZONS,
  DEFAULT_LIMITS,
  maxBytesForRole,
  type Horizons,
  type Limits,
} from './limits.js';
import {
  parseMetadata,
  type DelegatedRole,
  type MetaFile,
  type Metadata,
  type RoleKeys,
  type Root,
  type TargetFile,
  TOP_LEVEL_ROLES,
} from './metadata.js';
import { own, setOwn } from './records.js';
import {
  checkExpiry,
  checkFileAgainstMeta,
  checkHashes,
  checkVersionAgainstMeta,
  digest,
  isSupportedHash,
  metadataFileName,
} from './rules.js';
import { verifyThreshold } from './signatures.js';
import type { FileValidators, MetadataSource } from './source.js';
import {
  planTargetHashes,
  type HashReason,
  type ProbeResult,
  type ReverifyPolicy,
  type VerifiedTarget,
} from './target-plan.js';
import { compareStates, recoveredRoles } from './transitions.js';

export type { HashReason, ReverifyPolicy, VerifiedTarget } from './target-plan.js';

type ThresholdResult = ReturnType<typeof verifyThreshold>;

/** What a role looked like in a verified repository: the `roles` of the verify report. */
export interface RoleSummary {
  version: number;
  expires: string;
  threshold: number;
  validSignatures: number;
  keys: number;
  /** Size and sha256 of the file as fetched: how rollback and freeze are told apart from re-signing. */
  length: number;
  sha256: string;
  /** sha256 of the canonical signed content: a change here needs a new version, a new signature does not. */
  signedSha256: string;
  /**
   * snapshot only: the version of every file it lists. A client refuses a new
   * snapshot that drops one or lists it at a lower version (TUF 5.5.5), even
   * a role no delegation reaches any more.
   */
  meta?: Record<string, number>;
  /**
   * timestamp and snapshot: the keyids root lists for the role (with `threshold`).
   * A later state whose root rotated them away may go back in version (TUF 5.3.11).
   */
  keyids?: string[];
}

export interface VerifyReport {
  ok: boolean;
  referenceTime: string;
  roles: Record<string, RoleSummary>;
  findings: Finding[];
  /** Trusted target files, resolved through the delegation graph as a client would. */
  targetCount: number;
  /** Those target files (path -> file info), with `includeTargets`. */
  targets?: Record<string, TargetFile>;
  /** Target files known good after this run, with when each was last hashed, when target files were checked. */
  verifiedTargets?: Record<string, VerifiedTarget>;
  /** With `targetReverify`: the target files downloaded and hashed in this run, with why. */
  hashedTargets?: Record<string, HashReason>;
  /**
   * Requests answered from another URL than the one asked for (requested ->
   * final). Set by the adapter layer that built the sources, never by verification.
   */
  redirects?: Record<string, string>;
  /**
   * The client workflow from each configured agent root (tuf/agent-walk.ts),
   * in configuration order. Set by the adapter layer, never by verification.
   */
  agentRoots?: AgentRootWalk[];
  /**
   * Roles in `roles` that did not check out (signatures below threshold, or a
   * version, length or hash that does not match what their parent lists):
   * shown, but never a baseline for rollback checks. Expiry alone keeps a role
   * trusted, as in a client. Absent when every role checked out.
   */
  untrustedRoles?: string[];
  /**
   * Roles that went back in version against `previous` or `published` because
   * root rotated the keys that vouched for the old version (TUF 5.3.11): their
   * new version is the baseline from now on. Absent when there are none.
   */
  recoveredRoles?: string[];
  /**
   * Present when a limit cut the delegation graph (`maxRolesVerified`,
   * `maxDelegations`, the succinct bin cap): target paths below the cut were
   * not resolved and their files not checked, so no target check may pass.
   * Each cut is a SIZE_LIMIT_EXCEEDED finding naming the role where it
   * stopped. Counts are lower bounds: roles never fetched list targets no one
   * has seen.
   */
  incompleteTargets?: { rolesNotVerified: number; targetsNotVerified: number };
  /**
   * Listed target paths that no trusted lookup reaches: a role on the way did
   * not load or did not meet the keys and threshold of the delegation the
   * lookup followed. They are not trusted and their files not checked; the
   * role's own error finding says why. Absent when there are none.
   */
  untrustedTargets?: number;
}

/** Identifies a target file's trusted content: its length and every hash. */
export function targetKey(info: TargetFile): string {
  const hashes = Object.keys(info.hashes)
    .sort()
    .map((alg) => `${alg}=${info.hashes[alg]}`);
  return [String(info.length), ...hashes].join(' ');
}

/**
 * How target files are checked. `auto`: when the first target file is not at the
 * targets base, the files are taken to be published elsewhere (a staged
 * metadata directory): one info finding, no errors. `required`: every missing
 * file is an error. `skip`: metadata only.
 */
export type TargetsMode = 'auto' | 'required' | 'skip';

export interface VerifyOptions {
  /** The metadata base: where `timestamp.json` lives. */
  repository: MetadataSource;
  /** The base of target files (default layout: `<repository>/targets`). */
  targets?: MetadataSource | undefined;
  targetsMode?: TargetsMode;
  /** Where trust starts. Without it, see `published`, else the repository's own first root. */
  trustedRoot?: Uint8Array | undefined;
  /** The live repository: trust starts at its root, and no version may go backwards from it. */
  published?: MetadataSource | undefined;
  /** Roles as a previous run saw them: rollback and freeze across runs. */
  previous?: Readonly<Record<string, RoleSummary>> | undefined;
  /** The one reference time of this run (TUF 5.1). */
  now: Date;
  limits?: Partial<Limits> | undefined;
  horizons?: Partial<Horizons> | undefined;
  /** Target files checked at once. */
  targetConcurrency?: number;
  /**
   * Files verified by an earlier run: not downloaded again while their metadata
   * and the host's validators are unchanged, until `targetReverify` says so.
   */
  verifiedTargets?: ReadonlyMap<string, VerifiedTarget> | undefined;
  /** When files verified before are hashed again anyway (the monitor's rolling re-hash). */
  targetReverify?: ReverifyPolicy | undefined;
  /** Put the resolved targets in the report (the monitor's layout check reads them). */
  includeTargets?: boolean;
}

const ONLINE_ROLES = ['timestamp', 'snapshot'] as const;

/**
 * Roles that loaded and that at least one delegation's keys verified, with
 * what resolution needs: their targets and their delegations, indexed.
 */
type Graph = Map<
  string,
  {
    targets: Readonly<Record<string, TargetFile>>;
    children: DelegationIndex<ChildDelegation>;
  }
>;

/** A targets role file as read, and whether its bytes match what snapshot lists (TUF 5.6.2, 5.6.4). */
interface LoadedRole {
  md: Metadata<'targets'>;
  bytes: Uint8Array;
  matchesSnapshot: boolean;
}

/** Where a client's search for one target path ends (TUF 5.6.7). */
type Lookup =
  | { kind: 'found'; role: string; info: TargetFile }
  | { kind: 'absent' }
  /** A role on the way is not trusted through the delegation followed, or a limit stopped the search. */
  | { kind: 'blocked'; role: string; reason: 'untrusted' | 'walk-limit' | 'search-limit' };

interface Delegation {
  role: string;
  /** Who delegates, for messages. */
  delegator: string;
  keys: Readonly<Record<string, TufKey>>;
  roleKeys: RoleKeys;
  /** Path restrictions of this edge; undefined for top-level targets. */
  paths: DelegatedRole | undefined;
  /** Restrictions of every delegation above this one: a target must be inside all of them. */
  ancestors: DelegatedRole[];
}

/** A delegation made by a targets role (not by root): it always has paths. */
type ChildDelegation = Delegation & { paths: DelegatedRole };

/**
 * Names one delegation: delegator, role, and the keyids and threshold it
 * requires. A role's metadata is trusted for a lookup only when it meets the
 * delegation that lookup followed (tuf-conformance
 * test_cached_role_is_verified_against_current_delegator).
 */
function delegationKey({
  delegator,
  role,
  roleKeys,
}: Pick<Delegation, 'delegator' | 'role' | 'roleKeys'>): string {
  return JSON.stringify([delegator, role, roleKeys.threshold, roleKeys.keyids]);
}

/**
 * Verifies a whole repository as a strict TUF client would, without stopping at
 * the first problem: every finding is reported with a code and structured
 * details. Pure apart from the sources it is given.
 */
export async function verifyRepository(options: VerifyOptions): Promise<VerifyReport> {
  const run = new VerificationRun(options);
  await run.verify();
  return run.report();
}

/**
 * Errors that leave a role's content trusted: it is authentic and matches its
 * parent, only stale (a client keeps expired metadata for rollback checks), or a
 * later file could not be fetched (e.g. the next root).
 */
const TRUST_KEEPING_ERRORS: ReadonlySet<string> = new Set(['METADATA_EXPIRED', 'FETCH_FAILED']);

class VerificationRun {
  readonly #o: VerifyOptions;
  readonly #limits: Limits;
  readonly #horizons: Horizons;
  readonly #now: Date;
  readonly #cache = new KeyCache();
  readonly #findings: Finding[] = [];
  readonly #roles: Record<string, RoleSummary> = {};
  readonly #untrusted = new Set<string>();
  /** Root version -> sha256 of its signed content, for every root the chain walked. */
  readonly #rootChain = new Map<number, string>();
  /** Target path -> the entry a client would resolve it to (pre-order, first match). */
  readonly #resolved = new Map<string, { role: string; info: TargetFile }>();
  /** Target files known good after this run, when target files were checked. */
  #verifiedTargets: Record<string, VerifiedTarget> | undefined;
  #hashedTargets: Record<string, HashReason> | undefined;
  /** What limits cut from the delegation graph, when one was reached. */
  #incomplete: { rolesNotVerified: number; targetsNotVerified: number } | undefined;
  #untrustedTargets = 0;
  /** Threshold results by role and the keys and threshold checked: one answer per distinct delegation. */
  readonly #edgeResults = new Map<string, ThresholdResult>();
  /** The keys root gives top-level targets: where every target search starts. */
  #topTargetsKeys: RoleKeys = { keyids: [], threshold: 1 };

  constructor(options: VerifyOptions) {
    this.#o = options;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#horizons = { ...DEFAULT_HORIZONS, ...options.horizons };
    this.#now = options.now;
  }

  report(): VerifyReport {
    const findings = dedupe(this.#findings);
    return {
      ok: !hasErrors(findings),
      referenceTime: this.#now.toISOString(),
      roles: this.#roles,
      findings,
      targetCount: this.#resolved.size,
      ...(this.#o.includeTargets === true && {
        targets: Object.fromEntries([...this.#resolved].map(([path, { info }]) => [path, info])),
      }),
      ...(this.#verifiedTargets !== undefined && { verifiedTargets: this.#verifiedTargets }),
      ...(this.#verifiedTargets !== undefined &&
        this.#o.targetReverify !== undefined && { hashedTargets: this.#hashedTargets }),
      ...(this.#untrusted.size > 0 && { untrustedRoles: [...this.#untrusted] }),
      ...(recoveredRoles(findings).length > 0 && { recoveredRoles: recoveredRoles(findings) }),
      ...(this.#incomplete !== undefined && { incompleteTargets: this.#incomplete }),
      ...(this.#untrustedTargets > 0 && { untrustedTargets: this.#untrustedTargets }),
    };
  }

  async verify(): Promise<void> {
    const root = await this.#verifyRootChain();
    if (root === undefined) return;
    const timestamp = await this.#verifyTimestamp(root);
    const snapshot = await this.#verifySnapshot(root, timestamp);
    await this.#verifyTargetsGraph(root, snapshot);
    await this.#verifyTargetFiles(root.signed.consistent_snapshot);
    this.#checkKeyHygiene(root.signed);
    let previous = this.#o.previous;
    if (this.#o.published !== undefined) previous = await this.#publishedRoles(this.#o.published);
    if (previous !== undefined) this.#compareWithPrevious(previous);
  }

  #add(...findings: Finding[]): void {
    for (const f of findings) this.#findings.push(f);
  }

  /** Reads a file; a failure becomes a finding and `undefined`. */
  async #read(
    source: MetadataSource,
    name: string,
    maxBytes: number,
    role: string,
  ): Promise<Uint8Array | undefined> {
    try {
      return await source.read(name, maxBytes);
    } catch (err) {
      this.#add(asFinding(err, { role, file: name }));
      return undefined;
    }
  }

  #parse<T extends 'root' | 'timestamp' | 'snapshot' | 'targets'>(
    bytes: Uint8Array,
    type: T,
    role: string,
  ): Metadata<T> | undefined {
    try {
      return parseMetadata(bytes, type, role);
    } catch (err) {
      this.#add(asFinding(err, { role }));
      return undefined;
    }
  }

  #summarize(
    md: Metadata,
    bytes: Uint8Array,
    threshold: number,
    validSignatures: number,
    keys: number,
  ): void {
    // Anyone who can write the bucket can post an unsigned file with a huge version: if
    // that became the baseline, the real repository would read as a rollback from then on.
    const failed = this.#findings.some(
      (f) => f.role === md.role && f.severity === 'error' && !TRUST_KEEPING_ERRORS.has(f.code),
    );
    if (failed) this.#untrusted.add(md.role);
    setOwn(this.#roles, md.role, {
      version: md.signed.version,
      expires: md.signed.expires,
      threshold,
      validSignatures,
      keys,
      length: bytes.byteLength,
      sha256: digest('sha256', bytes),
      signedSha256: digest('sha256', md.signedBytes),
    });
  }

  // --- Root (TUF 5.2, 5.3) -------------------------------------------------

  async #loadTrustAnchor(): Promise<Uint8Array | undefined> {
    const o = this.#o;
    if (o.trustedRoot !== undefined) return o.trustedRoot;
    const max = this.#limits.maxRootBytes;
    if (o.published !== undefined) return this.#publishedAnchor(o.published);
    this.#add(
      finding(
        'TRUST_NOT_ANCHORED',
        "no trusted root given: the root chain is checked from the repository's own first root, so only self-consistency is shown",
        { role: 'root' },
      ),
    );
    // Walking from 1.root.json checks every rotation the repository ever made.
    try {
      return await o.repository.read('1.root.json', max);
    } catch (err) {
      if (!(err instanceof TufError) || err.code !== 'METADATA_MISSING') {
        this.#add(asFinding(err, { role: 'root', file: '1.root.json' }));
        return undefined;
      }
    }
    return this.#read(o.repository, 'root.json', max, 'root');
  }

  /**
   * Trust starts at the published root.json. When that copy is broken (unreadable
   * or not root metadata) but the published chain starts well, it starts at the
   * published 1.root.json and walks every rotation: the staged repository that
   * repairs root.json can then be verified (the broken copy is reported with the
   * published roles). A published repository not reached anchors nothing.
   */
  async #publishedAnchor(published: MetadataSource): Promise<Uint8Array | undefined> {
    const max = this.#limits.maxRootBytes;
    const readRoot = async (file: string): Promise<Uint8Array | { failure: unknown }> => {
      try {
        const bytes = await published.read(file, max);
        parseMetadata(bytes, 'root', 'root');
        return bytes;
      } catch (failure) {
        return { failure };
      }
    };
    const current = await readRoot('root.json');
    if (current instanceof Uint8Array) return current;
    const { failure } = current;
    // Only a copy that is there and broken is passed over: not reached is not reached.
    if (failure instanceof TufError && failure.code !== 'FETCH_FAILED') {
      const first = await readRoot('1.root.json');
      if (first instanceof Uint8Array) return first;
    }
    this.#add({ ...asFinding(failure, { role: 'root', file: 'root.json' }), published: true });
    return undefined;
  }

  async #verifyRootChain(): Promise<Metadata<'root'> | undefined> {
    const anchor = await this.#loadTrustAnchor();
    if (anchor === undefined) return undefined;
    let root = this.#parse(anchor, 'root', 'root');
    if (root === undefined) return undefined;
    let rootBytes = anchor;
    // The anchor is trusted as given (TUF 5.2), but one that does not meet its own threshold is broken.
    let self = this.#verifyRole(root, root.signed.keys, root.signed.roles.root);
    this.#rootChain.set(root.signed.version, digest('sha256', root.signedBytes));

    for (let step = 0; step < this.#limits.maxRootRotations; step++) {
      const version = root.signed.version + 1;
      const file = `${version}.root.json`;
      let bytes: Uint8Array;
      try {
        bytes = await this.#o.repository.read(file, this.#limits.maxRootBytes);
      } catch (err) {
        // TUF 5.3.3: a missing next root ends the walk; anything else is a failure.
        if (!(err instanceof TufError) || err.code !== 'METADATA_MISSING')
          this.#add(asFinding(err, { role: 'root', file }));
        break;
      }
      const next = this.#parse(bytes, 'root', 'root');
      if (next === undefined) break;
      this.#checkRotation(root, next, file);
      root = next;
      rootBytes = bytes;
      self = this.#verifyRole(root, root.signed.keys, root.signed.roles.root);
      this.#rootChain.set(root.signed.version, digest('sha256', root.signedBytes));
    }
    await this.#checkUnversionedRoot(root);
    // TUF 5.3.10: only the final root must be unexpired.
    this.#add(...checkExpiry(root, this.#now, this.#horizons));
    this.#summarize(
      root,
      rootBytes,
      self.threshold,
      self.validKeys.length,
      root.signed.roles.root.keyids.length,
    );
    return root;
  }

  /** TUF 5.3.4-5.3.5: N+1 is signed by N's root threshold and its own, and is version N+1. */
  #checkRotation(trusted: Metadata<'root'>, next: Metadata<'root'>, file: string): void {
    const expected = trusted.signed.version + 1;
    const base = { role: 'root', file };
    if (next.signed.version !== expected) {
      this.#add(
        finding('ROOT_ROTATION_INVALID', `${file} holds root version ${next.signed.version}`, {
          ...base,
          expected,
          actual: next.signed.version,
        }),
      );
    }
    const byOld = verifyThreshold({
      role: 'root',
      signedBytes: next.signedBytes,
      signatures: next.signatures,
      keys: trusted.signed.keys,
      roleKeys: trusted.signed.roles.root,
      cache: this.#cache,
    });
    if (!byOld.met) {
      this.#add(
        finding(
          'ROOT_ROTATION_INVALID',
          `root v${next.signed.version} is not signed by the threshold of root v${trusted.signed.version}: ${countOrDuplicate(byOld)}`,
          {
            ...base,
            threshold: byOld.threshold,
            validKeys: byOld.validKeys,
            version: next.signed.version,
          },
        ),
      );
    }
    const byNew = verifyThreshold({
      role: 'root',
      signedBytes: next.signedBytes,
      signatures: next.signatures,
      keys: next.signed.keys,
      roleKeys: next.signed.roles.root,
      cache: this.#cache,
    });
    if (!byNew.met) {
      this.#add(
        finding(
          'ROOT_ROTATION_INVALID',
          `root v${next.signed.version} is not signed by its own threshold: ${countOrDuplicate(byNew)}`,
          {
            ...base,
            threshold: byNew.threshold,
            validKeys: byNew.validKeys,
            version: next.signed.version,
          },
        ),
      );
    }
  }

  /** `root.json` must be the end of the chain: a higher version means a skipped step, a lower one a rollback. */
  async #checkUnversionedRoot(chainEnd: Metadata<'root'>): Promise<void> {
    const bytes = await this.#read(
      this.#o.repository,
      'root.json',
      this.#limits.maxRootBytes,
      'root',
    );
    if (bytes === undefined) return;
    const current = this.#parse(bytes, 'root', 'root');
    if (current === undefined) return;
    const have = current.signed.version;
    const want = chainEnd.signed.version;
    const details = { role: 'root', file: 'root.json', expected: want, actual: have };
    if (have > want) {
      this.#add(
        finding(
          'ROOT_ROTATION_INVALID',
          `root.json is version ${have}, but the chain of N.root.json files ends at ${want}: a client cannot rotate to it`,
          details,
        ),
      );
    } else if (have < want) {
      this.#add(
        finding(
          'VERSION_ROLLBACK',
          `root.json is version ${have}, older than the trusted root ${want}`,
          details,
        ),
      );
    } else if (!current.signedBytes.equals(chainEnd.signedBytes)) {
      this.#add(
        finding(
          'HASH_MISMATCH',
          `root.json and ${want}.root.json differ at the same version`,
          details,
        ),
      );
    }
  }

  #verifyRole(md: Metadata, keys: Readonly<Record<string, TufKey>>, roleKeys: RoleKeys) {
    const result = verifyThreshold({
      role: md.role,
      signedBytes: md.signedBytes,
      signatures: md.signatures,
      keys,
      roleKeys,
      cache: this.#cache,
    });
    // The root chain holds many versions: a finding about one names it (same code and keyid otherwise).
    const root = md.signed._type === 'root' ? md.signed.version : undefined;
    this.#add(
      ...(root === undefined
        ? result.findings
        : result.findings.map((f) => ({
            ...f,
            version: root,
            message: `${f.message} (root v${root})`,
          }))),
    );
    return result;
  }

  // --- Timestamp and snapshot (TUF 5.4, 5.5) -------------------------------

  async #verifyTimestamp(root: Metadata<'root'>): Promise<Metadata<'timestamp'> | undefined> {
    const bytes = await this.#read(
      this.#o.repository,
      'timestamp.json',
      this.#limits.maxTimestampBytes,
      'timestamp',
    );
    if (bytes === undefined) return undefined;
    const ts = this.#parse(bytes, 'timestamp', 'timestamp');
    if (ts === undefined) return undefined;
    const roleKeys = root.signed.roles.timestamp;
    const result = this.#verifyRole(ts, root.signed.keys, roleKeys);
    this.#add(...checkExpiry(ts, this.#now, this.#horizons));
    this.#summarize(ts, bytes, result.threshold, result.validKeys.length, roleKeys.keyids.length);
    (own(this.#roles, 'timestamp') as RoleSummary).keyids = [...roleKeys.keyids];
    return ts;
  }

  async #verifySnapshot(
    root: Metadata<'root'>,
    ts: Metadata<'timestamp'> | undefined,
  ): Promise<Metadata<'snapshot'> | undefined> {
    const meta = ts?.signed.meta['snapshot.json'];
    const file = metadataFileName('snapshot', meta?.version, root.signed.consistent_snapshot);
    const bytes = await this.#read(
      this.#o.repository,
      file,
      this.#limits.maxSnapshotBytes,
      'snapshot',
    );
    if (bytes === undefined) return undefined;
    if (meta !== undefined) this.#add(...checkFileAgainstMeta('snapshot', file, bytes, meta));
    const snapshot = this.#parse(bytes, 'snapshot', 'snapshot');
    if (snapshot === undefined) return undefined;
    const roleKeys = root.signed.roles.snapshot;
    const result = this.#verifyRole(snapshot, root.signed.keys, roleKeys);
    if (meta !== undefined) this.#add(...checkVersionAgainstMeta(snapshot, meta, 'timestamp'));
    this.#add(...checkExpiry(snapshot, this.#now, this.#horizons));
    this.#summarize(
      snapshot,
      bytes,
      result.threshold,
      result.validKeys.length,
      roleKeys.keyids.length,
    );
    const summary = own(this.#roles, 'snapshot') as RoleSummary;
    summary.keyids = [...roleKeys.keyids];
    summary.meta = Object.fromEntries(
      Object.entries(snapshot.signed.meta).map(([file, info]) => [file, info.version]),
    );
    return snapshot;
  }

  // --- Targets and delegations (TUF 5.6) -----------------------------------

  /**
   * Every role reachable from top-level targets, pre-order as a client searches,
   * each file fetched and parsed once; each delegation edge checked on its own
   * keys. A role's delegations are followed only once some delegation to it
   * verified (a client never trusts what an unverified role delegates), and
   * targets are resolved as a client would, through edges that verified.
   */
  async #verifyTargetsGraph(
    root: Metadata<'root'>,
    snapshot: Metadata<'snapshot'> | undefined,
  ): Promise<void> {
    const loaded = new Map<string, LoadedRole | undefined>();
    /** delegationKey -> whether the role met that delegation's keys and matched snapshot. */
    const edges = new Map<string, boolean>();
    const graph: Graph = new Map();
    const stack: Delegation[] = [
      {
        role: 'targets',
        delegator: 'root',
        keys: root.signed.keys,
        roleKeys: root.signed.roles.targets,
        paths: undefined,
        ancestors: [],
      },
    ];
    this.#topTargetsKeys = root.signed.roles.targets;
    let fetched = 0;
    let cut: { role: string; pending: number } | undefined;
    while (stack.length > 0) {
      const edge = stack.pop() as Delegation;
      const first = !loaded.has(edge.role);
      if (first) {
        // Limits.maxRolesVerified counts delegated roles: top-level targets (no paths) is not one.
        if (edge.paths !== undefined && fetched >= this.#limits.maxRolesVerified) {
          const pending = new Set(
            [edge, ...stack].map((e) => e.role).filter((r) => !loaded.has(r)),
          );
          cut = { role: edge.role, pending: pending.size };
          break;
        }
        if (edge.paths !== undefined) fetched++;
        loaded.set(edge.role, await this.#loadTargetsRole(edge.role, root, snapshot));
      }
      const entry = loaded.get(edge.role);
      if (entry === undefined) {
        edges.set(delegationKey(edge), false);
        continue;
      }
      const { md, bytes } = entry;
      const result = this.#verifyEdge(md, edge);
      const trusted = result.met && entry.matchesSnapshot;
      edges.set(delegationKey(edge), trusted);
      if (first) {
        this.#add(...checkExpiry(md, this.#now, this.#horizons));
        this.#summarize(
          md,
          bytes,
          result.threshold,
          result.validKeys.length,
          edge.roleKeys.keyids.length,
        );
      } else if (trusted) {
        // A role another delegation did not verify is authentic through this one.
        this.#untrusted.delete(edge.role);
      }
      if (!trusted || graph.has(edge.role)) continue;
      this.#checkInsideDelegation(md, edge);
      const children = this.#children(md, edge);
      graph.set(edge.role, {
        targets: md.signed.targets,
        children: new DelegationIndex(children, (child) => child.paths),
      });
      stack.push(...[...children].reverse());
    }
    this.#resolveAll(graph, loaded, edges, cut);
  }

  /**
   * TUF 5.6.3: a delegated role is signed by a threshold of the keys this
   * delegation gives it. Two delegations that give the same keys and
   * threshold get the same answer, reported once.
   */
  #verifyEdge(md: Metadata<'targets'>, edge: Delegation): ThresholdResult {
    const { keyids, threshold } = edge.roleKeys;
    const same = JSON.stringify([
      md.role,
      threshold,
      keyids,
      keyids.map((id) => own(edge.keys, id)),
    ]);
    const known = this.#edgeResults.get(same);
    if (known !== undefined) return known;
    const result = verifyThreshold({
      role: md.role,
      signedBytes: md.signedBytes,
      signatures: md.signatures,
      keys: edge.keys,
      roleKeys: edge.roleKeys,
      cache: this.#cache,
    });
    // A role delegated twice is checked once per delegation: say which one each finding is about.
    const delegator = edge.paths === undefined ? {} : { delegator: edge.delegator };
    this.#add(...result.findings.map((f) => ({ ...f, ...delegator })));
    this.#edgeResults.set(same, result);
    return result;
  }

  async #loadTargetsRole(
    role: string,
    root: Metadata<'root'>,
    snapshot: Metadata<'snapshot'> | undefined,
  ): Promise<LoadedRole | undefined> {
    // TUF 4.4: snapshot lists the role under its name, unquoted.
    const meta: MetaFile | undefined =
      snapshot === undefined ? undefined : own(snapshot.signed.meta, `${role}.json`);
    if (snapshot !== undefined && meta === undefined) {
      this.#add(
        finding(
          'METADATA_MISSING',
          `${role} is delegated but snapshot does not list ${role}.json`,
          {
            role,
            file: `${role}.json`,
          },
        ),
      );
      return undefined;
    }
    // Role names are data: the file name quotes them, so no name leaves the metadata base.
    let file: string;
    try {
      file = roleFileName(role, meta?.version, root.signed.consistent_snapshot);
      /* c8 ignore next 4 -- quoting throws only on a lone surrogate, which metadata parsing refuses (tuf/json.ts); kept so a name from elsewhere is a finding, not a crash */
    } catch (err) {
      this.#add(asFinding(err, { role }));
      return undefined;
    }
    const bytes = await this.#read(
      this.#o.repository,
      file,
      maxBytesForRole(this.#limits, role),
      role,
    );
    if (bytes === undefined) return undefined;
    const against: Finding[] = [];
    if (meta !== undefined) against.push(...checkFileAgainstMeta(role, file, bytes, meta));
    const md = this.#parse(bytes, 'targets', role);
    if (md !== undefined && meta !== undefined) {
      against.push(...checkVersionAgainstMeta(md, meta, 'snapshot'));
    }
    this.#add(...against);
    if (md === undefined) return undefined;
    return { md, bytes, matchesSnapshot: !hasErrors(against) };
  }

  /** A delegated role listing paths outside its delegation is an attack signal: a client ignores them. */
  #checkInsideDelegation(md: Metadata<'targets'>, edge: Delegation): void {
    if (edge.paths === undefined) return;
    const paths = edge.paths;
    // Compiled once per role, not once per target.
    const matchers = [paths, ...edge.ancestors].map((p) => new DelegatedPathsMatcher(p));
    const outside = Object.keys(md.signed.targets).filter(
      (path) => !matchers.every((m) => m.matches(path)),
    );
    if (outside.length > 0) {
      this.#add(
        finding(
          'DELEGATION_INVALID',
          `${md.role} lists ${outside.length} target(s) outside the paths ${edge.delegator} delegated to it, e.g. ${outside[0]}`,
          {
            role: md.role,
            actual: outside.slice(0, 10),
            expected: paths.paths ?? paths.path_hash_prefixes,
          },
        ),
      );
    }
  }

  /**
   * Resolves every listed target as a client would (TUF 5.6.7): a pre-order
   * search from top-level targets through delegations whose paths match,
   * stopping after a terminating one, visiting at most maxDelegations roles.
   * A path whose search meets a role not trusted through the delegation it
   * followed is not trusted; one a limit cut off is counted and reported.
   */
  #resolveAll(
    graph: Graph,
    loaded: ReadonlyMap<string, LoadedRole | undefined>,
    edges: ReadonlyMap<string, boolean>,
    cut: { role: string; pending: number } | undefined,
  ): void {
    const decided = new Set<string>();
    let cutTargets = 0;
    const searchCuts = new Map<string, number>();
    // Loaded roles, trusted or not, in walk order: what they list is what a client could ask for.
    for (const entry of loaded.values()) {
      for (const path of Object.keys(entry?.md.signed.targets ?? {})) {
        if (decided.has(path)) continue;
        decided.add(path);
        const lookup = this.#search(path, graph, edges);
        if (lookup.kind === 'found') {
          this.#resolved.set(path, { role: lookup.role, info: lookup.info });
        } else if (lookup.kind === 'blocked') {
          if (lookup.reason === 'untrusted') this.#untrustedTargets++;
          else if (lookup.reason === 'walk-limit') cutTargets++;
          else searchCuts.set(lookup.role, (searchCuts.get(lookup.role) ?? 0) + 1);
        }
      }
    }
    if (cut !== undefined) {
      this.#addCut(
        `more than ${this.#limits.maxRolesVerified} delegated roles: the walk stopped at ${cut.role}; ${cut.pending} known role(s) and ${cutTargets} listed target(s) below were not verified`,
        { role: cut.role, expected: this.#limits.maxRolesVerified },
        cut.pending,
        cutTargets,
      );
    }
    for (const [role, targets] of searchCuts) {
      this.#addCut(
        `${targets} target(s) are searched for past ${role}, beyond the ${this.#limits.maxDelegations} delegated roles a client visits in one search: they were not verified`,
        { role, expected: this.#limits.maxDelegations },
        0,
        targets,
      );
    }
  }

  /** A limit cut the graph: an error finding, and the report's incompleteTargets. */
  #addCut(
    message: string,
    details: FindingDetails & { role: string },
    rolesNotVerified: number,
    targetsNotVerified: number,
  ): void {
    this.#add(
      finding('SIZE_LIMIT_EXCEEDED', message, {
        ...details,
        rolesNotVerified,
        targetsNotVerified,
      }),
    );
    const sum = this.#incomplete ?? { rolesNotVerified: 0, targetsNotVerified: 0 };
    this.#incomplete = {
      rolesNotVerified: sum.rolesNotVerified + rolesNotVerified,
      targetsNotVerified: sum.targetsNotVerified + targetsNotVerified,
    };
  }

  /** One client lookup (TUF 5.6.7, python-tuf `_preorder_depth_first_walk`), over what the walk verified. */
  #search(path: string, graph: Graph, edges: ReadonlyMap<string, boolean>): Lookup {
    const stack: Pick<Delegation, 'role' | 'delegator' | 'roleKeys'>[] = [
      { role: 'targets', delegator: 'root', roleKeys: this.#topTargetsKeys },
    ];
    const visited = new Set<string>();
    while (stack.length > 0) {
      const edge = stack.pop() as Pick<Delegation, 'role' | 'delegator' | 'roleKeys'>;
      // A role seen before in this search (two delegators, or a cycle) is searched once.
      if (visited.has(edge.role)) continue;
      // The top-level targets plus at most maxDelegations delegated roles.
      if (visited.size > this.#limits.maxDelegations) {
        return { kind: 'blocked', role: edge.role, reason: 'search-limit' };
      }
      const trusted = edges.get(delegationKey(edge));
      // Never checked: the walk stopped at maxRolesVerified before this delegation.
      if (trusted === undefined) return { kind: 'blocked', role: edge.role, reason: 'walk-limit' };
      // A client stops here with an error: the role is not trusted through this delegation.
      if (!trusted) return { kind: 'blocked', role: edge.role, reason: 'untrusted' };
      // A trusted delegation's role was added to the graph by the walk.
      const node = graph.get(edge.role)!;
      visited.add(edge.role);
      const info = own(node.targets, path);
      if (info !== undefined) return { kind: 'found', role: edge.role, info };
      const { roles, terminating } = node.children.rolesFor(
        path,
        (child) => child.paths.terminating,
      );
      // TUF 5.6.7.2.1: a terminating delegation ends the search after its subtree.
      if (terminating) stack.length = 0;
      stack.push(...roles.reverse());
    }
    return { kind: 'absent' };
  }

  #children(md: Metadata<'targets'>, edge: Delegation): ChildDelegation[] {
    const d = md.signed.delegations;
    if (d === undefined) return [];
    const ancestors = edge.paths === undefined ? edge.ancestors : [...edge.ancestors, edge.paths];
    const invalid = (message: string, details: Partial<Finding> = {}): void =>
      this.#add(
        finding('DELEGATION_INVALID', `${md.role}: ${message}`, { role: md.role, ...details }),
      );

    this.#checkKeyIds(d.keys, md.role);
    const children: ChildDelegation[] = [];
    const seen = new Set<string>();
    // Role names are data (quoted when they become file names); only two are refused.
    const add = (name: string, roleKeys: RoleKeys, paths: DelegatedRole): void => {
      if (namedLikeTopLevelRole(name))
        return invalid(`delegates to ${name}, named like a top-level role`, { actual: name });
      if (seen.has(name)) return invalid(`delegates to ${name} twice`, { actual: name });
      seen.add(name);
      children.push({ role: name, delegator: md.role, keys: d.keys, roleKeys, paths, ancestors });
    };
    for (const r of d.roles ?? []) add(r.name, r, r);
    if (d.succinct_roles !== undefined) {
      const problems = validateSuccinct(d.succinct_roles);
      if (problems.length > 0) {
        invalid(`succinct_roles: ${problems.join('; ')}`, { problems });
      } else {
        try {
          const names = succinctRoleNames(d.succinct_roles, this.#limits.maxRolesVerified);
          // Each bin is delegated the hash prefix of its own name (TAP 15).
          for (const name of names)
            add(name, d.succinct_roles, succinctBin(d.succinct_roles.bit_length, name));
        } catch (err) {
          // succinctRoleNames throws only SIZE_LIMIT_EXCEEDED here (the config is valid):
          // no bin is verified, so every target delegated to them is cut off.
          const { message, details } = err as TufError;
          this.#addCut(
            `${md.role}: ${message}: none of its bins was verified`,
            { ...details, role: md.role },
            2 ** d.succinct_roles.bit_length,
            0,
          );
        }
      }
    }
    return children;
  }

  // --- Target files ----------------------------------------------------------

  async #verifyTargetFiles(consistent: boolean): Promise<void> {
    const mode = this.#o.targetsMode ?? 'auto';
    const source = this.#o.targets;
    if (mode === 'skip' || source === undefined) return;
    this.#verifiedTargets = {};
    this.#hashedTargets = {};
    const fileName = (path: string, info: TargetFile): string => {
      if (!consistent) return path;
      // TUF 5.7.3: consistent targets are fetched as <dir>/<hash>.<basename>.
      const cut = path.lastIndexOf('/');
      const hash = Object.values(info.hashes)[0] as string;
      return `${path.slice(0, cut + 1)}${hash}.${path.slice(cut + 1)}`;
    };
    // Incremental: a file verified before is downloaded again only when its metadata or the
    // host's validators changed, or when the rolling re-hash reaches it: the host can replace
    // bytes without telling (a kept ETag, no validators at all), so known good is never forever.
    const probes = await this.#probeTargets(source, fileName);
    const plan = planTargetHashes(
      [...this.#resolved].map(([path, { info }]) => ({
        path,
        length: info.length,
        key: targetKey(info),
      })),
      this.#o.verifiedTargets,
      probes,
      this.#now,
      this.#o.targetReverify,
    );
    for (const [path, verified] of plan.keep) setOwn(this.#verifiedTargets, path, verified);
    const validatorsOf = (path: string): FileValidators | undefined => {
      const probe = probes.get(path);
      return probe === 'failed' ? undefined : probe;
    };
    const entries = [...this.#resolved.entries()].filter(([path]) => plan.hash.has(path));
    for (const [path, reason] of plan.hash) setOwn(this.#hashedTargets, path, reason);
    if (entries.length === 0) return;

    let index = 0;
    // Files an earlier run verified at this base are published here: one gone is missing,
    // not a sign that the files live elsewhere.
    const publishedHere = (this.#o.verifiedTargets?.size ?? 0) > 0;
    if (mode === 'auto' && !publishedHere) {
      const [path, { role, info }] = entries[0] as [string, { role: string; info: TargetFile }];
      const first = await this.#checkTargetFile(
        source,
        fileName(path, info),
        path,
        role,
        info,
        true,
        validatorsOf(path),
      );
      if (first.status === 'missing') {
        this.#verifiedTargets = undefined;
        this.#hashedTargets = undefined;
        this.#add(
          finding(
            'TARGETS_NOT_PRESENT',
            `target files are not at ${source.location} (first: ${path}); only metadata was verified`,
            {
              target: path,
            },
          ),
        );
        return;
      }
      this.#add(...first.findings);
      index = 1;
    }
    // Files finish in any order; their findings are kept per entry so the report reads the same every run.
    const byEntry: Finding[][] = [];
    const workers = Array.from({ length: this.#o.targetConcurrency ?? 8 }, async () => {
      while (index < entries.length) {
        const at = index++;
        const [path, { role, info }] = entries[at] as [string, { role: string; info: TargetFile }];
        const checked = await this.#checkTargetFile(
          source,
          fileName(path, info),
          path,
          role,
          info,
          false,
          validatorsOf(path),
        );
        byEntry[at] = checked.findings;
      }
    });
    await Promise.all(workers);
    for (const found of byEntry) if (found !== undefined) this.#add(...found);
  }

  /**
   * Asks the host for every target file's validators (HEAD), when the source can
   * and files are known from an earlier run: that is what a change is measured
   * against. The validators recorded with a hash are those read before the
   * download, so a replacement between the two shows as a change next run.
   */
  async #probeTargets(
    source: MetadataSource,
    fileName: (path: string, info: TargetFile) => string,
  ): Promise<Map<string, ProbeResult>> {
    const probes = new Map<string, ProbeResult>();
    if (source.probe === undefined || this.#o.targetReverify === undefined) return probes;
    const probe = source.probe.bind(source);
    const entries = [...this.#resolved];
    let index = 0;
    const workers = Array.from({ length: this.#o.targetConcurrency ?? 8 }, async () => {
      while (index < entries.length) {
        const [path, { info }] = entries[index++] as [string, { info: TargetFile }];
        // Any failure, a 404 included, means hashing: the download then reports what it is.
        const result = await probe(fileName(path, info)).catch((): ProbeResult => 'failed');
        probes.set(path, result);
      }
    });
    await Promise.all(workers);
    return probes;
  }

  /** TUF 5.7.3: a target file matches its trusted length and hashes, read with a cap of that length. */
  async #checkTargetFile(
    source: MetadataSource,
    file: string,
    target: string,
    role: string,
    info: TargetFile,
    probing: boolean,
    validators: FileValidators | undefined,
  ): Promise<{ status: 'ok' | 'missing' | 'bad'; findings: Finding[] }> {
    const hashers = new Map(
      Object.keys(info.hashes)
        .filter(isSupportedHash)
        .map((alg) => [alg, createHash(alg)]),
    );
    let length = 0;
    try {
      for await (const chunk of source.stream(file, info.length)) {
        length += chunk.byteLength;
        for (const h of hashers.values()) h.update(chunk);
      }
    } catch (err) {
      if (err instanceof TufError && err.code === 'METADATA_MISSING') {
        if (probing) return { status: 'missing', findings: [] };
        const missing = finding('TARGET_MISSING', `target ${target} is not at ${source.location}`, {
          role,
          target,
          file,
        });
        return { status: 'missing', findings: [missing] };
      }
      if (err instanceof TufError && err.code === 'SIZE_LIMIT_EXCEEDED') {
        const tooLong = finding(
          'TARGET_HASH_MISMATCH',
          `target ${target} is longer than the ${info.length} bytes its metadata lists`,
          { role, target, expected: info.length },
        );
        return { status: 'bad', findings: [tooLong] };
      }
      return { status: 'bad', findings: [asFinding(err, { role, target, file })] };
    }
    const findings: Finding[] = [];
    if (length !== info.length) {
      findings.push(
        finding(
          'TARGET_HASH_MISMATCH',
          `target ${target} is ${length} bytes, its metadata lists ${info.length}`,
          {
            role,
            target,
            expected: info.length,
            actual: length,
          },
        ),
      );
    } else {
      findings.push(
        ...checkHashes(
          info.hashes,
          (alg) => (hashers.get(alg) as ReturnType<typeof createHash>).digest('hex'),
          { role, target },
          'TARGET_HASH_MISMATCH',
        ),
      );
    }
    if (findings.length > 0) return { status: 'bad', findings };
    setOwn(this.#verifiedTargets as Record<string, VerifiedTarget>, target, {
      key: targetKey(info),
      hashedAt: this.#now.toISOString(),
      ...(validators !== undefined && { validators }),
    });
    return { status: 'ok', findings };
  }

  // --- Key hygiene -----------------------------------------------------------

  #checkKeyHygiene(root: Root): void {
    this.#checkKeyIds(root.keys, 'root');
    const identityOf = (keyid: string): string | undefined => {
      const key = own(root.keys, keyid);
      const imported = key && this.#cache.get(key, keyid);
      return imported === undefined || imported instanceof Error ? undefined : imported.identity;
    };
    const rootKeyIds = root.roles.root.keyids;
    const rootIdentities = new Set(rootKeyIds.map(identityOf));
    for (const role of ONLINE_ROLES) {
      for (const keyid of root.roles[role].keyids) {
        const identity = identityOf(keyid);
        if (identity !== undefined && rootIdentities.has(identity)) {
          this.#add(
            finding(
              'ONLINE_KEY_SHARED_WITH_ROOT',
              `${role} key ${keyid} is also a root key: stealing the online key steals root`,
              {
                role,
                keyid,
              },
            ),
          );
        }
      }
    }
    const used = new Set(TOP_LEVEL_ROLES.flatMap((r) => root.roles[r].keyids));
    for (const keyid of Object.keys(root.keys)) {
      if (!used.has(keyid))
        this.#add(
          finding('UNUSED_KEY', `root lists key ${keyid} but no role uses it`, {
            role: 'root',
            keyid,
          }),
        );
    }
    const threshold = root.roles.root.threshold;
    if (threshold === 1) {
      this.#add(
        finding(
          'WEAK_ROOT_THRESHOLD',
          'root threshold is 1: one stolen root key can replace every key of the repository',
          {
            role: 'root',
            threshold,
          },
        ),
      );
    }
  }

  #checkKeyIds(keys: Readonly<Record<string, TufKey>>, role: string): void {
    for (const [keyid, key] of Object.entries(keys)) {
      const expected = expectedKeyIds(key);
      if (!expected.includes(keyid)) {
        this.#add(
          finding(
            'KEYID_MISMATCH',
            `${role}: keyid ${keyid} is not the sha256 of its canonical key`,
            {
              role,
              keyid,
              expected: expected[0],
              actual: keyid,
            },
          ),
        );
      }
    }
  }

  // --- Against the published repository or a previous run (TUF 5.4.3, 5.5.5) --

  /**
   * The published repository's roles: the state the staged one moves from. Not
   * reached is an error: the transition could not be checked (fail closed). A
   * published file that is broken (unreadable as metadata, or not checking out)
   * is what clients are served now, not a fault of the staged repository that
   * may repair it: a warning, and no comparison with it.
   */
  async #publishedRoles(published: MetadataSource): Promise<Record<string, RoleSummary>> {
    const live = await verifyRepository({
      repository: published,
      trustedRoot: this.#o.trustedRoot,
      now: this.#now,
      limits: this.#limits,
      horizons: this.#horizons,
      targetsMode: 'skip',
    });
    const where = `published repository at ${published.location}`;
    const broken = new Map<string, Finding>();
    for (const f of live.findings) {
      if (f.code === 'FETCH_FAILED') {
        this.#add({ ...f, published: true, message: `${where}: ${f.message}` });
      } else if (
        f.severity === 'error' &&
        f.role !== undefined &&
        !TRUST_KEEPING_ERRORS.has(f.code) &&
        !broken.has(f.role)
      ) {
        broken.set(f.role, f);
      }
    }
    for (const [role, f] of broken) {
      this.#add(
        finding(
          'PUBLISHED_METADATA_INVALID',
          `${where}: the published ${role} is broken (${f.code}: ${f.message}); the transition from it was not checked`,
          { role, published: true, actual: f.code, ...(f.file !== undefined && { file: f.file }) },
        ),
      );
    }
    // Roles that did not check out (or did not load) are no baseline: only what clients could trust is.
    return Object.fromEntries(Object.entries(live.roles).filter(([role]) => !broken.has(role)));
  }

  #compareWithPrevious(previous: Readonly<Record<string, RoleSummary>>): void {
    // Keys rotate only along one root chain: the old state's root must be a link of the chain walked here.
    const before = own(previous, 'root');
    const continues =
      before !== undefined &&
      !this.#untrusted.has('root') &&
      this.#rootChain.get(before.version) === before.signedSha256;
    this.#add(...compareStates(previous, this.#roles, continues));
  }
}

/** A succinct bin's name ends in the hex of its number: its paths are the hashes with that prefix (TAP 15). */
function succinctBin(bitLength: number, name: string): DelegatedRole {
  const suffix = name.slice(name.lastIndexOf('-') + 1);
  const bin = parseInt(suffix, 16);
  // The bin covers hashes whose first `bitLength` bits equal `bin`; list the hex prefixes of that range.
  const extraBits = Math.ceil(bitLength / 4) * 4 - bitLength;
  const width = Math.ceil(bitLength / 4);
  const prefixes: string[] = [];
  for (let i = 0; i < 2 ** extraBits; i++)
    prefixes.push(((bin << extraBits) | i).toString(16).padStart(width, '0'));
  return { name, keyids: [], threshold: 1, terminating: true, path_hash_prefixes: prefixes };
}

/** Why a threshold was not met: too few keys, or (with enough) a keyid signing twice, which refuses the file. */
function countOrDuplicate(result: ThresholdResult): string {
  const count = `${result.validKeys.length} of ${result.threshold}`;
  return result.validKeys.length >= result.threshold
    ? `${count}, but a keyid signs twice (DUPLICATE_SIGNATURE)`
    : count;
}

function asFinding(err: unknown, details: Partial<Finding>): Finding {
  if (err instanceof TufError) return { ...details, ...err.toFinding() };
  return finding('FETCH_FAILED', `unexpected failure: ${String(err)}`, details);
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = JSON.stringify(f);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

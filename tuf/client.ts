/**
 * The TUF client workflow (specification section 5, "Detailed client
 * workflow"), following python-tuf's ngclient (`TrustedMetadataSet` and
 * `Updater`), the reference implementation the tuf-conformance suite checks
 * other clients against.
 *
 * Pure except through ports: a `MetadataSource` for remote metadata, one for
 * target files, and a `LocalStore` for the metadata the client trusts. The
 * reference time and the limits are passed in. Every failure is a TufError
 * whose code is a finding code (tuf/findings.ts); the first error stops the
 * workflow.
 */
import {
  DelegationIndex,
  namedLikeTopLevelRole,
  quoteName,
  roleFileName,
  succinctRoleForTarget,
} from './delegations.js';
import { TufError } from './errors.js';
import type { Finding, FindingDetails } from './findings.js';
import { KeyCache, type TufKey } from './keys.js';
import { DEFAULT_HORIZONS, DEFAULT_LIMITS, maxBytesForRole, type Limits } from './limits.js';
import {
  parseMetadata,
  type DelegatedRole,
  type MetaFile,
  type Metadata,
  type RoleKeys,
  type Targets,
} from './metadata.js';
import { own, setOwn } from './records.js';
import {
  checkExpiry,
  checkFileAgainstMeta,
  checkHashes,
  checkVersionAgainstMeta,
  digest,
  metadataFileName,
} from './rules.js';
import { verifyThreshold } from './signatures.js';
import type { MetadataSource } from './source.js';

/**
 * Where the client keeps the metadata it trusts, under non-versioned names
 * (`root.json`, `timestamp.json`, `snapshot.json`, `targets.json`, and
 * `<quoteName(role)>.json` for delegated roles). Names never contain '/'.
 */
export interface LocalStore {
  /** The bytes stored under `name`, or undefined when nothing is stored there. */
  read(name: string): Promise<Uint8Array | undefined>;
  /** Replaces what is stored under `name`; a reader never sees a partial file. */
  write(name: string, bytes: Uint8Array): Promise<void>;
}

export interface TufClientOptions {
  /** The metadata base: where `timestamp.json` and `N.root.json` are. */
  metadata: MetadataSource;
  /** The base of target files; needed only by `downloadTarget`. */
  targets?: MetadataSource | undefined;
  store: LocalStore;
  /** The one reference time of this run (TUF 5.1). */
  now: Date;
  limits?: Limits | undefined;
}

/** A target file as trusted metadata describes it. */
export interface TargetInfo {
  /** The target path, as the metadata lists it. */
  path: string;
  /** The role whose metadata lists the target. */
  role: string;
  length: number;
  hashes: Record<string, string>;
  custom?: unknown;
}

/** Stored metadata that was not used, and why (fast-forward recovery, a newer version, ...). */
export interface LocalMetadataNote {
  file: string;
  error: unknown;
}

export { quoteName } from './delegations.js';

/** How to verify one targets role: its name, who delegates it, and the keys its delegator gave it. */
interface Delegation {
  name: string;
  /** The role whose delegation this is ('root' for top-level targets). */
  delegator: string;
  keys: Readonly<Record<string, TufKey>>;
  roleKeys: RoleKeys;
}

const TOP_LEVEL = {
  root: 'root.json',
  timestamp: 'timestamp.json',
  snapshot: 'snapshot.json',
} as const;

export class TufClient {
  readonly #metadata: MetadataSource;
  readonly #targetSource: MetadataSource | undefined;
  readonly #store: LocalStore;
  readonly #now: Date;
  readonly #limits: Limits;
  readonly #cache: KeyCache;
  readonly #notes: LocalMetadataNote[] = [];
  #root: Metadata<'root'>;
  #timestamp: Metadata<'timestamp'> | undefined;
  #snapshot: Metadata<'snapshot'> | undefined;
  readonly #targets = new Map<string, Metadata<'targets'>>();
  /**
   * Delegations (`delegator -> role`) whose keys and threshold the loaded
   * role met. A role reached through two delegators is trusted for a lookup
   * only through the delegation that lookup followed (tuf-conformance
   * test_cached_role_is_verified_against_current_delegator).
   */
  readonly #verifiedDelegations = new Set<string>();
  /** The delegations of each loaded role, indexed for path lookups. */
  readonly #indexes = new Map<string, DelegationIndex<DelegatedRole>>();
  #refreshed: Promise<Metadata<'snapshot'>> | undefined;

  private constructor(options: TufClientOptions, root: Metadata<'root'>, cache: KeyCache) {
    this.#metadata = options.metadata;
    this.#targetSource = options.targets;
    this.#store = options.store;
    this.#now = options.now;
    this.#limits = options.limits ?? DEFAULT_LIMITS;
    this.#cache = cache;
    this.#root = root;
  }

  /**
   * TUF 5.2: loads the trusted root from the store. It must be signed by a
   * threshold of its own root keys; it may be expired (only the final root,
   * after rotation, may not). No request is made.
   */
  static async open(options: TufClientOptions): Promise<TufClient> {
    const bytes = await options.store.read(TOP_LEVEL.root);
    if (bytes === undefined) {
      throw new TufError('METADATA_MISSING', 'no trusted root.json in the local metadata store', {
        role: 'root',
        file: TOP_LEVEL.root,
      });
    }
    const root = parseMetadata(bytes, 'root');
    const cache = new KeyCache();
    assertSigned(root, root.signed.keys, topRole(root, 'root'), cache);
    return new TufClient(options, root, cache);
  }

  /**
   * TUF 5.3-5.6 for the top-level roles: root rotation, timestamp, snapshot,
   * targets. Runs once per client: the trusted state only moves forward, so a
   * second call returns the first outcome (python-tuf's Updater does the same).
   */
  async refresh(): Promise<void> {
    await this.#refresh();
  }

  /**
   * TUF 5.6.7: finds a target by a pre-order depth-first search of the
   * delegation graph (python-tuf `_preorder_depth_first_walk`), loading each
   * role's metadata as it is visited. Refreshes first if that was not done.
   * Undefined when no role that may list the path lists it. Throws TufError
   * SIZE_LIMIT_EXCEEDED when the search would visit more than
   * `limits.maxDelegations` delegated roles: not found is not what it knows.
   */
  async getTargetInfo(targetPath: string): Promise<TargetInfo | undefined> {
    const snapshot = await this.#refresh();
    const root = this.#root;
    const stack: Delegation[] = [topLevelTargets(root)];
    const visited = new Set<string>();
    while (stack.length > 0) {
      const delegation = stack.pop()!;
      // The top-level targets plus at most maxDelegations delegated roles.
      if (visited.size > this.#limits.maxDelegations && !visited.has(delegation.name)) {
        throw new TufError(
          'SIZE_LIMIT_EXCEEDED',
          `${targetPath}: the search reached ${delegation.name} after ${this.#limits.maxDelegations} delegated roles, the most one search may visit`,
          { role: delegation.name, target: targetPath, expected: this.#limits.maxDelegations },
        );
      }
      // A role reached twice (a cycle, or two delegators) is searched once.
      if (visited.has(delegation.name)) continue;
      const md = await this.#loadTargets(delegation, snapshot);
      const target = own(md.signed.targets, targetPath);
      if (target !== undefined) {
        return {
          path: targetPath,
          role: delegation.name,
          length: target.length,
          hashes: target.hashes,
          custom: target.custom,
        };
      }
      visited.add(delegation.name);
      const { children, terminating } = this.#delegationsFor(
        delegation.name,
        md.signed,
        targetPath,
      );
      // A terminating delegation ends the search outside its subtree.
      if (terminating) stack.length = 0;
      // Pushed in reverse so that the first listed delegation is searched first.
      stack.push(...children.reverse());
    }
    return undefined;
  }

  /**
   * TUF 5.7: downloads a target file, reading at most its trusted length, and
   * returns its bytes only once the length and every listed hash we support
   * match. With consistent snapshots the file name is `<dir>/<hash>.<basename>`.
   * Refreshes first if that was not done.
   */
  async downloadTarget(target: TargetInfo): Promise<Uint8Array> {
    // The final root decides the file name (consistent snapshots).
    await this.#refresh();
    const source = this.#targetSource;
    if (source === undefined) {
      throw new TufError('FETCH_FAILED', `${target.path}: no target base was given`, {
        target: target.path,
      });
    }
    const name = this.#root.signed.consistent_snapshot ? hashPrefixedName(target) : target.path;
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for await (const chunk of source.stream(name, target.length)) {
        total += chunk.byteLength;
        // Sources enforce the cap as well; counting here does not depend on them.
        if (total > target.length) throw tooLong(target, name);
        chunks.push(chunk);
      }
    } catch (err) {
      throw asTargetError(err, target, name);
    }
    const bytes = Buffer.concat(chunks);
    verifyTarget(target, bytes);
    return bytes;
  }

  /** The version of every role trusted so far, by role name. */
  trustedVersions(): Record<string, number> {
    const versions: Record<string, number> = { root: this.#root.signed.version };
    if (this.#timestamp !== undefined) versions.timestamp = this.#timestamp.signed.version;
    if (this.#snapshot !== undefined) versions.snapshot = this.#snapshot.signed.version;
    for (const [role, md] of this.#targets) setOwn(versions, role, md.signed.version);
    return versions;
  }

  /**
   * When each top-level role trusted so far expires (the parsed `expires`), by
   * role name: the earliest is when a client holding this state stops updating.
   */
  trustedExpiries(): Record<string, { version: number; expires: Date }> {
    const roles: Record<string, { version: number; expires: Date }> = {};
    const add = (md: Metadata | undefined): void => {
      if (md !== undefined) roles[md.role] = { version: md.signed.version, expires: md.expires };
    };
    add(this.#root);
    add(this.#timestamp);
    add(this.#snapshot);
    add(this.#targets.get('targets'));
    return roles;
  }

  /** Stored metadata that was not used during this run, with the reason. */
  get localNotes(): readonly LocalMetadataNote[] {
    return this.#notes;
  }

  #refresh(): Promise<Metadata<'snapshot'>> {
    this.#refreshed ??= this.#runRefresh();
    return this.#refreshed;
  }

  async #runRefresh(): Promise<Metadata<'snapshot'>> {
    await this.#updateRoot();
    const timestamp = await this.#updateTimestamp();
    const snapshot = await this.#updateSnapshot(timestamp);
    await this.#loadTargets(topLevelTargets(this.#root), snapshot);
    return snapshot;
  }

  // --- TUF 5.3: root -----------------------------------------------------------

  async #updateRoot(): Promise<void> {
    const first = this.#root.signed.version + 1;
    for (let version = first; version < first + this.#limits.maxRootRotations; version++) {
      const file = `${version}.root.json`;
      let bytes: Uint8Array;
      try {
        bytes = await this.#metadata.read(file, maxBytesForRole(this.#limits, 'root'));
      } catch (err) {
        // TUF 5.3.3: not found (HTTP 403/404) means the trusted root is the newest.
        // Any other failure is not an answer, and fails the update.
        if (err instanceof TufError && err.code === 'METADATA_MISSING') break;
        throw err;
      }
      this.#root = this.#verifyNextRoot(bytes, file, version);
      // TUF 5.3.8: persist each new root as soon as it is trusted.
      await this.#store.write(TOP_LEVEL.root, bytes);
    }
    // TUF 5.3.10: the final root must not be expired; intermediate ones may be.
    assertNotExpired(this.#root, this.#now);
  }

  #verifyNextRoot(bytes: Uint8Array, file: string, version: number): Metadata<'root'> {
    const trusted = this.#root;
    const next = parseMetadata(bytes, 'root');
    // TUF 5.3.4: signed by a threshold of the keys the trusted root lists for root...
    this.#assertRotationSigned(next, trusted, file, `trusted root v${trusted.signed.version}`);
    // TUF 5.3.5: exactly the next version: no rollback, no skipped version.
    if (next.signed.version !== version) {
      throw new TufError(
        'ROOT_ROTATION_INVALID',
        `${file} has version ${next.signed.version}, expected ${version}`,
        { role: 'root', file, expected: version, actual: next.signed.version },
      );
    }
    // ...and by a threshold of its own root keys.
    this.#assertRotationSigned(next, next, file, 'the new root itself');
    return next;
  }

  #assertRotationSigned(
    next: Metadata<'root'>,
    signer: Metadata<'root'>,
    file: string,
    signerName: string,
  ): void {
    const problem = thresholdProblem(
      next,
      signer.signed.keys,
      topRole(signer, 'root'),
      this.#cache,
    );
    if (problem === undefined) return;
    const { code: _code, severity: _severity, message, ...details } = problem;
    throw new TufError(
      'ROOT_ROTATION_INVALID',
      `${file} is not signed by a threshold of the root keys of ${signerName}: ${message}`,
      { ...details, file },
    );
  }

  // --- TUF 5.4: timestamp ------------------------------------------------------

  async #updateTimestamp(): Promise<Metadata<'timestamp'>> {
    // The stored timestamp is the base of the rollback checks, if it still
    // verifies under the (possibly rotated) root. One that does not is
    // ignored: TUF 5.3.11 fast-forward recovery, as python-tuf does it. An
    // expired one still serves (python-tuf "intermediate metadata").
    await this.#loadLocal(TOP_LEVEL.timestamp, (bytes) => this.#applyTimestamp(bytes));
    const bytes = await this.#metadata.read(
      TOP_LEVEL.timestamp,
      maxBytesForRole(this.#limits, 'timestamp'),
    );
    const trusted = this.#applyTimestamp(bytes);
    if (trusted === 'new') await this.#store.write(TOP_LEVEL.timestamp, bytes);
    // Either the new timestamp or an equal-version trusted one (never undefined here).
    return this.#timestamp!;
  }

  #applyTimestamp(bytes: Uint8Array): 'new' | 'kept' {
    const next = parseMetadata(bytes, 'timestamp');
    // TUF 5.4.2
    assertSigned(next, this.#root.signed.keys, topRole(this.#root, 'timestamp'), this.#cache);
    const trusted = this.#timestamp;
    if (trusted !== undefined) {
      // TUF 5.4.3.1
      assertNoRollback('timestamp', 'timestamp', trusted.signed.version, next.signed.version);
      // An equal version keeps the trusted timestamp, even if the content
      // differs (python-tuf EqualVersionNumberError; tuf-conformance
      // test_timestamp_eq_versions_check).
      if (next.signed.version === trusted.signed.version) return 'kept';
      // TUF 5.4.3.2
      assertNoRollback(
        'snapshot',
        'the snapshot version the timestamp lists',
        snapshotMeta(trusted).version,
        snapshotMeta(next).version,
      );
    }
    this.#timestamp = next;
    // TUF 5.4.4: an expired timestamp (freeze attack) fails, but stays loaded
    // so that a newer one is still checked against it.
    assertNotExpired(next, this.#now);
    return 'new';
  }

  // --- TUF 5.5: snapshot -------------------------------------------------------

  async #updateSnapshot(timestamp: Metadata<'timestamp'>): Promise<Metadata<'snapshot'>> {
    // A stored snapshot that is the one the timestamp lists is used as it is,
    // without a request; any other that verifies is the base of rollback checks.
    const local = await this.#loadLocal(TOP_LEVEL.snapshot, (bytes) =>
      this.#applySnapshot(bytes, timestamp, 'stored'),
    );
    if (local !== undefined) return local;
    const meta = snapshotMeta(timestamp);
    const bytes = await this.#metadata.read(
      metadataFileName('snapshot', meta.version, this.#root.signed.consistent_snapshot),
      cap(meta, maxBytesForRole(this.#limits, 'snapshot')),
    );
    const snapshot = this.#applySnapshot(bytes, timestamp, 'fetched');
    await this.#store.write(TOP_LEVEL.snapshot, bytes);
    return snapshot;
  }

  #applySnapshot(
    bytes: Uint8Array,
    timestamp: Metadata<'timestamp'>,
    origin: 'stored' | 'fetched',
  ): Metadata<'snapshot'> {
    // TUF 5.4.4: nothing is loaded on an expired timestamp (the equal-version case).
    assertNotExpired(timestamp, this.#now);
    const meta = snapshotMeta(timestamp);
    // TUF 5.5.2: length and hashes as the timestamp lists them. A stored
    // snapshot was checked when it was fetched, and may be older than this
    // timestamp: it is still needed for rollback checks (python-tuf
    // `trusted=True`; tuf-conformance test_snapshot_rollback "with hashes").
    if (origin === 'fetched') {
      throwFirstError(checkFileAgainstMeta('snapshot', TOP_LEVEL.snapshot, bytes, meta));
    }
    const next = parseMetadata(bytes, 'snapshot');
    // TUF 5.5.3
    assertSigned(next, this.#root.signed.keys, topRole(this.#root, 'snapshot'), this.#cache);
    const trusted = this.#snapshot;
    if (trusted !== undefined) {
      // TUF 5.5.5: no targets metadata file removed, no version going backwards.
      for (const [file, info] of Object.entries(trusted.signed.meta)) {
        const now = own(next.signed.meta, file);
        if (now === undefined) {
          throw new TufError(
            'VERSION_ROLLBACK',
            `snapshot v${next.signed.version} no longer lists ${file} (trusted snapshot v${trusted.signed.version} lists version ${info.version})`,
            { role: 'snapshot', file, expected: info.version },
          );
        }
        assertNoRollback('snapshot', `${file} in the snapshot`, info.version, now.version, file);
      }
    }
    this.#snapshot = next;
    // TUF 5.5.6, then 5.5.4 (python-tuf checks these last, so that a snapshot
    // that fails them still serves rollback checks within this run).
    assertNotExpired(next, this.#now);
    throwFirstError(checkVersionAgainstMeta(next, meta, 'timestamp'));
    return next;
  }

  // --- TUF 5.6: targets and delegated targets ----------------------------------

  async #loadTargets(
    delegation: Delegation,
    snapshot: Metadata<'snapshot'>,
  ): Promise<Metadata<'targets'>> {
    const { name } = delegation;
    const loaded = this.#targets.get(name);
    if (loaded !== undefined) {
      // TUF 5.6.3: loaded through another delegation, it must meet this one's keys too.
      if (!this.#verifiedDelegations.has(delegationKey(delegation))) {
        assertSigned(loaded, delegation.keys, delegation.roleKeys, this.#cache);
        this.#verifiedDelegations.add(delegationKey(delegation));
      }
      return loaded;
    }
    // Role names are data: quoteName makes any of them one file name. A
    // delegated role named like a top-level one is refused: its stored file
    // would replace the top-level one (`Root.json` is `root.json` on a
    // case-insensitive file system).
    if (name !== 'targets' && namedLikeTopLevelRole(name)) {
      throw new TufError(
        'DELEGATION_INVALID',
        `role ${JSON.stringify(name)} cannot be fetched: a delegated role may not be named like a top-level role`,
        { role: name },
      );
    }
    const localFile = `${quoteName(name)}.json`;
    const meta = own(snapshot.signed.meta, `${name}.json`);
    if (meta === undefined) {
      throw new TufError(
        'METADATA_MISSING',
        `role ${name} is delegated, but the snapshot does not list ${name}.json`,
        { role: name, file: `${name}.json` },
      );
    }
    // A stored file that still matches the snapshot is used without a request.
    const local = await this.#loadLocal(localFile, (bytes) =>
      this.#applyTargets(bytes, delegation, meta),
    );
    if (local !== undefined) return local;
    const bytes = await this.#metadata
      .read(
        roleFileName(name, meta.version, this.#root.signed.consistent_snapshot),
        cap(meta, this.#limits.maxTargetsBytes),
      )
      .catch((err: unknown) => {
        // Say which role could not be fetched: its file name is quoted.
        throw err instanceof TufError
          ? new TufError(err.code, err.message, { role: name, ...err.details }, { cause: err })
          : err;
      });
    const md = this.#applyTargets(bytes, delegation, meta);
    await this.#store.write(localFile, bytes);
    return md;
  }

  #applyTargets(bytes: Uint8Array, delegation: Delegation, meta: MetaFile): Metadata<'targets'> {
    const { name } = delegation;
    // TUF 5.6.2
    throwFirstError(checkFileAgainstMeta(name, `${name}.json`, bytes, meta));
    const md = parseMetadata(bytes, 'targets', name);
    // TUF 5.6.3: signed by a threshold of the keys its delegator gave it.
    assertSigned(md, delegation.keys, delegation.roleKeys, this.#cache);
    // TUF 5.6.4: the version the snapshot lists (mix-and-match).
    throwFirstError(checkVersionAgainstMeta(md, meta, 'snapshot'));
    // TUF 5.6.5
    assertNotExpired(md, this.#now);
    this.#targets.set(name, md);
    this.#verifiedDelegations.add(delegationKey(delegation));
    return md;
  }

  /**
   * The roles a targets role delegates `targetPath` to, in the order listed,
   * as python-tuf's `Delegations.get_roles_for_target`: up to and including
   * the first terminating one. Succinct hash bins (TAP 15) are one
   * terminating role. The delegations of a role are indexed once.
   */
  #delegationsFor(
    delegator: string,
    targets: Targets,
    targetPath: string,
  ): { children: Delegation[]; terminating: boolean } {
    const delegations = targets.delegations;
    if (delegations === undefined) return { children: [], terminating: false };
    const { keys, succinct_roles: succinct } = delegations;
    if (succinct !== undefined) {
      return {
        children: [
          {
            name: succinctRoleForTarget(succinct, targetPath),
            delegator,
            keys,
            roleKeys: { keyids: succinct.keyids, threshold: succinct.threshold },
          },
        ],
        terminating: true,
      };
    }
    let index = this.#indexes.get(delegator);
    if (index === undefined) {
      index = new DelegationIndex(delegations.roles ?? [], (role) => role);
      this.#indexes.set(delegator, index);
    }
    const { roles, terminating } = index.rolesFor(targetPath, (role) => role.terminating);
    return {
      children: roles.map((role) => ({ name: role.name, delegator, keys, roleKeys: role })),
      terminating,
    };
  }

  /**
   * Reads and applies a stored file. Any failure means the file is not used:
   * it is noted, never fatal (python-tuf loads local metadata in try/except).
   */
  async #loadLocal<T>(file: string, apply: (bytes: Uint8Array) => T): Promise<T | undefined> {
    try {
      const bytes = await this.#store.read(file);
      return bytes === undefined ? undefined : apply(bytes);
    } catch (error) {
      this.#notes.push({ file, error });
      return undefined;
    }
  }
}

/**
 * TUF 5.7.3: the bytes of a target file have its trusted length and every
 * listed hash we can compute; a target none of whose hashes we support is
 * refused. Throws TufError TARGET_HASH_MISMATCH.
 */
export function verifyTarget(target: TargetInfo, bytes: Uint8Array): void {
  if (bytes.byteLength !== target.length) {
    throw new TufError(
      'TARGET_HASH_MISMATCH',
      `${target.path} is ${bytes.byteLength} bytes, its trusted length is ${target.length}`,
      {
        role: target.role,
        target: target.path,
        expected: target.length,
        actual: bytes.byteLength,
      },
    );
  }
  throwFirstError(
    checkHashes(
      target.hashes,
      (alg) => digest(alg, bytes),
      { role: target.role, target: target.path },
      'TARGET_HASH_MISMATCH',
    ),
  );
}

/** `<dir>/<hash>.<basename>`, with the first listed hash as python-tuf does (TUF 5.7.3). */
function hashPrefixedName(target: TargetInfo): string {
  const slash = target.path.lastIndexOf('/');
  // parseMetadata makes sure a target lists at least one hash.
  const hash = Object.values(target.hashes)[0]!;
  return `${target.path.slice(0, slash + 1)}${hash}.${target.path.slice(slash + 1)}`;
}

function tooLong(target: TargetInfo, file: string): TufError {
  return new TufError(
    'TARGET_HASH_MISMATCH',
    `${target.path} is longer than its trusted length of ${target.length} bytes`,
    { role: target.role, target: target.path, file, expected: target.length },
  );
}

/** A missing target file is TARGET_MISSING; one over its cap does not match its length. */
function asTargetError(err: unknown, target: TargetInfo, file: string): unknown {
  if (!(err instanceof TufError)) return err;
  if (err.code === 'METADATA_MISSING') {
    return new TufError(
      'TARGET_MISSING',
      `${target.path}: ${err.message}`,
      { role: target.role, target: target.path, file },
      { cause: err },
    );
  }
  return err.code === 'SIZE_LIMIT_EXCEEDED' ? tooLong(target, file) : err;
}

/** The read cap for a file its parent lists: the listed length, never above the role's limit. */
function cap(meta: MetaFile, limit: number): number {
  return Math.min(meta.length ?? limit, limit);
}

function topLevelTargets(root: Metadata<'root'>): Delegation {
  return {
    name: 'targets',
    delegator: 'root',
    keys: root.signed.keys,
    roleKeys: topRole(root, 'targets'),
  };
}

/**
 * Names one delegation: its delegator, the role, and the keyids and threshold
 * it requires (a delegator that lists a role twice may list different keys).
 * The keys themselves are the delegator's, fixed once it is loaded.
 */
function delegationKey({ delegator, name, roleKeys }: Delegation): string {
  return JSON.stringify([delegator, name, roleKeys.threshold, roleKeys.keyids]);
}

function topRole(
  root: Metadata<'root'>,
  role: 'root' | 'timestamp' | 'snapshot' | 'targets',
): RoleKeys {
  // parseMetadata makes sure every top-level role is present.
  return root.signed.roles[role];
}

function snapshotMeta(timestamp: Metadata<'timestamp'>): MetaFile {
  // parseMetadata makes sure the timestamp lists snapshot.json (TUF 4.6).
  return timestamp.signed.meta['snapshot.json']!;
}

function throwFirstError(findings: readonly Finding[]): void {
  const error = findings.find((f) => f.severity === 'error');
  if (error !== undefined) throw TufError.fromFinding(error);
}

function assertNotExpired(md: Metadata, now: Date): void {
  // Only METADATA_EXPIRED is an error; "expiring soon" warnings are for `verify`.
  throwFirstError(checkExpiry(md, now, DEFAULT_HORIZONS));
}

function assertNoRollback(
  role: string,
  what: string,
  trusted: number,
  actual: number,
  file?: string,
): void {
  if (actual >= trusted) return;
  const details: FindingDetails = { role, expected: trusted, actual };
  if (file !== undefined) details.file = file;
  throw new TufError(
    'VERSION_ROLLBACK',
    `${what}: version ${actual} is lower than the trusted version ${trusted}`,
    details,
  );
}

/**
 * Why `md` is not signed by a threshold of `roleKeys`, or undefined if it is.
 * A threshold that can never be met (below 1, above the usable keys) is
 * reported as INVALID_THRESHOLD; otherwise SIGNATURE_THRESHOLD_NOT_MET.
 */
function thresholdProblem(
  md: Metadata,
  keys: Readonly<Record<string, TufKey>>,
  roleKeys: RoleKeys,
  cache: KeyCache,
): Finding | undefined {
  const result = verifyThreshold({
    role: md.role,
    signedBytes: md.signedBytes,
    signatures: md.signatures,
    keys,
    roleKeys,
    cache,
  });
  if (result.met) return undefined;
  // verifyThreshold always reports SIGNATURE_THRESHOLD_NOT_MET when the threshold is not met,
  // and DUPLICATE_SIGNATURE when a keyid signs twice (refused even with the threshold met).
  return (
    result.findings.find(
      (f) => f.code === 'INVALID_THRESHOLD' || f.code === 'SIGNATURE_THRESHOLD_NOT_MET',
    ) ?? result.findings.find((f) => f.code === 'DUPLICATE_SIGNATURE')!
  );
}

function assertSigned(
  md: Metadata,
  keys: Readonly<Record<string, TufKey>>,
  roleKeys: RoleKeys,
  cache: KeyCache,
): void {
  const problem = thresholdProblem(md, keys, roleKeys, cache);
  if (problem !== undefined) throw TufError.fromFinding(problem);
}

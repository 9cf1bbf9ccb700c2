/**
 * Builds real, signed TUF repositories (spec 1.0.x, laid out as go-tuf and
 * python-tuf publish them) so that tests, the benchmark and the demo can make
 * valid repositories and attack variants without hand-editing JSON.
 *
 * Signatures are real (node:crypto) over OLPC canonical JSON, the bytes every
 * TUF 1.0 implementation signs. Nothing here reads the wall clock: expiries
 * default to one year after the `now` the caller passes.
 *
 * Dependency-free on purpose (node:crypto, node:fs, node:path and
 * @tufjs/canonical-json only), so that scripts can reuse it.
 */
import { canonicalize } from '@tufjs/canonical-json';
import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { quoteName } from '../../tuf/delegations.js';

// ---------------------------------------------------------------------------
// Keys

export type KeyType = 'ed25519' | 'ecdsa' | 'ecdsa-hex' | 'rsa';

/** A public key as TUF metadata lists it under `keys`. */
export interface TufPublicKey {
  keytype: string;
  scheme: string;
  keyval: { public: string };
  /** go-tuf v0 legacy field; the keyid covers it. */
  keyid_hash_algorithms?: string[];
}

export interface TestKey {
  readonly keyid: string;
  readonly type: KeyType;
  readonly publicKey: TufPublicKey;
  readonly privateKey: KeyObject;
  /** Hex signature over `data`: ed25519 raw, ECDSA DER, RSA-PSS with salt length 32. */
  sign(data: Uint8Array): string;
}

export interface KeyOptions {
  /** Add go-tuf v0's `keyid_hash_algorithms: ['sha256', 'sha512']` to the key object. */
  legacyKeyidHashAlgorithms?: boolean;
  /** Use this keyid instead of the computed one (a keyid that does not match its key). */
  keyid?: string;
}

interface KeyScheme {
  generate(): KeyObject;
  publicKey(key: KeyObject): TufPublicKey;
  sign(key: KeyObject, data: Uint8Array): Buffer;
}

const spkiPem = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }).toString();
/** The SPKI DER of ed25519 and P-256 keys ends with the raw public key (RFC 8410, SEC 1 point). */
const spkiTailHex = (key: KeyObject, bytes: number): string =>
  key.export({ type: 'spki', format: 'der' }).subarray(-bytes).toString('hex');
const generateP256 = (): KeyObject =>
  crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const signEcdsa = (key: KeyObject, data: Uint8Array): Buffer => crypto.sign('sha256', data, key);

const SCHEMES: Record<KeyType, KeyScheme> = {
  ed25519: {
    generate: () => crypto.generateKeyPairSync('ed25519').privateKey,
    publicKey: (key) => ({
      keytype: 'ed25519',
      scheme: 'ed25519',
      keyval: { public: spkiTailHex(key, 32) },
    }),
    sign: (key, data) => crypto.sign(null, data, key),
  },
  // python-tuf / securesystemslib: PEM public key, DER signature.
  ecdsa: {
    generate: generateP256,
    publicKey: (key) => ({
      keytype: 'ecdsa',
      scheme: 'ecdsa-sha2-nistp256',
      keyval: { public: spkiPem(key) },
    }),
    sign: signEcdsa,
  },
  // go-tuf v0: uncompressed point in hex, keytype named after the scheme.
  'ecdsa-hex': {
    generate: generateP256,
    publicKey: (key) => ({
      keytype: 'ecdsa-sha2-nistp256',
      scheme: 'ecdsa-sha2-nistp256',
      keyval: { public: spkiTailHex(key, 65) },
    }),
    sign: signEcdsa,
  },
  rsa: {
    generate: () => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
    publicKey: (key) => ({
      keytype: 'rsa',
      scheme: 'rsassa-pss-sha256',
      keyval: { public: spkiPem(key) },
    }),
    sign: (key, data) =>
      crypto.sign('sha256', data, {
        key,
        padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32, // salt length = digest length, as securesystemslib signs
      }),
  },
};

const sha256Hex = (data: string | Uint8Array): string =>
  crypto.createHash('sha256').update(data).digest('hex');

/** Wraps an existing private key, e.g. to list one key under a second keyid. */
export function importKey(privateKey: KeyObject, type: KeyType, options: KeyOptions = {}): TestKey {
  const scheme = SCHEMES[type];
  const publicKey = scheme.publicKey(crypto.createPublicKey(privateKey));
  if (options.legacyKeyidHashAlgorithms === true) {
    publicKey.keyid_hash_algorithms = ['sha256', 'sha512'];
  }
  // TUF 1.0 (KEYID): hex SHA-256 of the canonical JSON of the key object.
  const keyid = options.keyid ?? sha256Hex(canonicalize(publicKey));
  return {
    keyid,
    type,
    publicKey,
    privateKey,
    sign: (data) => scheme.sign(privateKey, data).toString('hex'),
  };
}

export function generateKey(type: KeyType = 'ed25519', options: KeyOptions = {}): TestKey {
  return importKey(SCHEMES[type].generate(), type, options);
}

// ---------------------------------------------------------------------------
// Envelopes

export interface Signature {
  keyid: string;
  sig: string;
}

export interface Envelope<T extends object = object> {
  signed: T;
  signatures: Signature[];
}

/** 'indent': tab-indented, as go-tuf's `NewRepoIndent(store, "", "\t")`; 'compact': one line. */
export type JsonStyle = 'indent' | 'compact';

export function signEnvelope<T extends object>(signed: T, keys: readonly TestKey[]): Envelope<T> {
  const bytes = Buffer.from(canonicalize(signed), 'utf8');
  return { signed, signatures: keys.map((key) => ({ keyid: key.keyid, sig: key.sign(bytes) })) };
}

export function serialize(envelope: object, style: JsonStyle = 'indent'): Buffer {
  const text = style === 'indent' ? JSON.stringify(envelope, null, '\t') : JSON.stringify(envelope);
  return Buffer.from(text, 'utf8');
}

/** TUF's expiry format: RFC 3339 in UTC, whole seconds. */
export function tufTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------------------
// The signed shapes hooks receive. Index signatures let hooks add fields.

export type TopRole = 'root' | 'timestamp' | 'snapshot' | 'targets';
export const TOP_ROLES: readonly TopRole[] = ['root', 'timestamp', 'snapshot', 'targets'];

export interface SignedCommon {
  _type: string;
  spec_version: string;
  version: number;
  expires: string;
  [field: string]: unknown;
}

export interface RoleEntry {
  keyids: string[];
  threshold: number;
  [field: string]: unknown;
}

export interface RootSigned extends SignedCommon {
  consistent_snapshot: boolean;
  keys: Record<string, TufPublicKey>;
  roles: Record<TopRole, RoleEntry>;
}

export interface MetaFileInfo {
  version: number;
  length?: number;
  hashes?: Record<string, string>;
  [field: string]: unknown;
}

export interface TimestampSigned extends SignedCommon {
  meta: Record<string, MetaFileInfo>;
}

export type SnapshotSigned = TimestampSigned;

export interface TargetFileInfo {
  length: number;
  hashes: Record<string, string>;
  custom?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface DelegatedRoleEntry extends RoleEntry {
  name: string;
  terminating: boolean;
  paths?: string[];
  path_hash_prefixes?: string[];
}

export interface TargetsSigned extends SignedCommon {
  targets: Record<string, TargetFileInfo>;
  delegations?: { keys: Record<string, TufPublicKey>; roles: DelegatedRoleEntry[] };
}

/** The `signed` type of a role: any name but the three top-level ones is a targets role. */
export type SignedFor<R extends string> = R extends 'root'
  ? RootSigned
  : R extends 'timestamp'
    ? TimestampSigned
    : R extends 'snapshot'
      ? SnapshotSigned
      : TargetsSigned;

// ---------------------------------------------------------------------------
// Repository builder

export interface RoleKeysInput {
  /** Defaults to `threshold` fresh keys of the builder's key type. */
  keys?: readonly TestKey[];
  /** Defaults to 1. */
  threshold?: number;
}

export interface RepoOptions {
  /** Reference time; default expiries are one year after it. */
  now: Date;
  roles?: Partial<Record<TopRole, RoleKeysInput>>;
  /** Type of the keys the builder generates. Default 'ed25519'. */
  keyType?: KeyType;
  /** Default false. */
  consistentSnapshot?: boolean;
  expires?: Partial<Record<TopRole, Date>>;
  /** Hashes of target files. Default ['sha256']; Fleet uses ['sha512']. */
  hashAlgorithms?: readonly string[];
  /** Hashes of metadata files in timestamp (and snapshot when 'full'). Default ['sha256']. */
  metaHashAlgorithms?: readonly string[];
  /** What snapshot lists per targets role: 'version' (python-tuf) or 'full' (go-tuf: + length, hashes). */
  snapshotFileInfo?: 'version' | 'full';
  /** Default '1.0.31'. */
  specVersion?: string;
  style?: JsonStyle;
}

export interface RotateRootOptions {
  /** Roles whose keys change; the others keep the previous root's keys. */
  roles?: Partial<Record<TopRole, RoleKeysInput>>;
  /**
   * Who signs the new root. 'both' (default, TUF 5.3.4 and 5.3.5): every key of
   * the previous and of the new root role; 'old' or 'new' only; or these keys.
   */
  signers?: 'both' | 'old' | 'new' | readonly TestKey[];
  /** Default: previous version + 1. Pass more to skip a version. */
  version?: number;
  expires?: Date;
  consistentSnapshot?: boolean;
}

export interface DelegationSpec extends RoleKeysInput {
  name: string;
  /** Default ['*'] when `pathHashPrefixes` is not given either. */
  paths?: readonly string[];
  pathHashPrefixes?: readonly string[];
  terminating?: boolean;
  targets?: Record<string, string | Uint8Array>;
  /** Roles this role delegates to in turn. */
  delegations?: readonly DelegationSpec[];
  /** Default: the expiry of top-level targets. */
  expires?: Date;
}

export interface TargetOptions {
  custom?: Record<string, unknown>;
  /** The targets role that lists the file. Default 'targets'. */
  role?: string;
}

interface RoleKeys {
  keys: readonly TestKey[];
  threshold: number;
}

interface RootVersion {
  version: number;
  roles: Record<TopRole, RoleKeys>;
  consistentSnapshot: boolean;
  expires: Date;
  signers: readonly TestKey[];
}

interface Delegation extends RoleKeys {
  name: string;
  paths: readonly string[] | undefined;
  pathHashPrefixes: readonly string[] | undefined;
  terminating: boolean;
}

interface TargetsRole {
  targets: Map<string, { content: Buffer; custom: Record<string, unknown> | undefined }>;
  delegations: Delegation[];
  expires: Date;
  /** Keys of every delegation to this role (unused for top-level targets). */
  signers: readonly TestKey[];
}

type SignedHook = (signed: SignedCommon) => void;
type SignaturesHook = (signatures: Signature[], signed: SignedCommon) => Signature[];
interface Hooks {
  before: SignedHook[];
  after: SignedHook[];
  signatures: SignaturesHook[];
}

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
const NO_HOOKS: Hooks = { before: [], after: [], signatures: [] };

function uniqueKeys(keys: readonly TestKey[]): TestKey[] {
  return [...new Map(keys.map((key) => [key.keyid, key])).values()];
}

/** Copies, so that hooks editing `keys` cannot change the builder's keys. */
function keyMap(keys: readonly TestKey[]): Record<string, TufPublicKey> {
  return Object.fromEntries(keys.map((key) => [key.keyid, structuredClone(key.publicKey)]));
}

function roleEntry(role: RoleKeys): RoleEntry {
  return { keyids: role.keys.map((key) => key.keyid), threshold: role.threshold };
}

function delegatedRoleEntry(d: Delegation): DelegatedRoleEntry {
  const entry: DelegatedRoleEntry = {
    name: d.name,
    keyids: d.keys.map((key) => key.keyid),
    threshold: d.threshold,
    terminating: d.terminating,
  };
  if (d.pathHashPrefixes !== undefined) entry.path_hash_prefixes = [...d.pathHashPrefixes];
  if (d.paths !== undefined || d.pathHashPrefixes === undefined)
    entry.paths = [...(d.paths ?? ['*'])];
  return entry;
}

function hashes(data: Uint8Array, algorithms: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    algorithms.map((alg) => [alg, crypto.createHash(alg).update(data).digest('hex')]),
  );
}

/**
 * Builds a repository from role keys, targets and delegations; `build()`
 * returns every file as a static host serves it.
 *
 * Hooks run in this order for each metadata file: `mutateSigned` (before
 * signing), signing, `tamper` (after signing), `editSignatures`. A hook
 * changes only the file it names: snapshot and timestamp list the versions
 * the builder assigned, and the lengths and hashes of the bytes it serves.
 * Hooks on 'root' run for every root version (read `signed.version`).
 */
export class RepoBuilder {
  private readonly now: Date;
  private readonly keyType: KeyType;
  private readonly expires: Partial<Record<TopRole, Date>>;
  private readonly hashAlgorithms: readonly string[];
  private readonly metaHashAlgorithms: readonly string[];
  private readonly snapshotFileInfo: 'version' | 'full';
  private readonly specVersion: string;
  private readonly style: JsonStyle;
  private readonly roots: RootVersion[] = [];
  private current: RootVersion;
  private readonly targetsRoles = new Map<string, TargetsRole>();
  private readonly versions = new Map<string, number>();
  private readonly hooks = new Map<string, Hooks>();
  private readonly omitted = new Set<string>();

  constructor(options: RepoOptions) {
    this.now = options.now;
    this.keyType = options.keyType ?? 'ed25519';
    this.expires = options.expires ?? {};
    this.hashAlgorithms = options.hashAlgorithms ?? ['sha256'];
    this.metaHashAlgorithms = options.metaHashAlgorithms ?? ['sha256'];
    this.snapshotFileInfo = options.snapshotFileInfo ?? 'version';
    this.specVersion = options.specVersion ?? '1.0.31';
    this.style = options.style ?? 'indent';
    const input = options.roles ?? {};
    const roles = {
      root: this.resolveKeys(input.root),
      timestamp: this.resolveKeys(input.timestamp),
      snapshot: this.resolveKeys(input.snapshot),
      targets: this.resolveKeys(input.targets),
    };
    this.current = {
      version: 1,
      roles,
      consistentSnapshot: options.consistentSnapshot ?? false,
      expires: this.expiry('root'),
      signers: roles.root.keys,
    };
    this.roots.push(this.current);
    this.targetsRoles.set('targets', {
      targets: new Map(),
      delegations: [],
      expires: this.expiry('targets'),
      signers: [],
    });
  }

  /** The keys of a role: top-level ones from the latest root, delegated ones from their delegations. */
  keysOf(role: string): readonly TestKey[] {
    if ((TOP_ROLES as readonly string[]).includes(role))
      return this.current.roles[role as TopRole].keys;
    return this.targetsRole(role).signers;
  }

  addTarget(targetPath: string, content: string | Uint8Array, options: TargetOptions = {}): this {
    this.targetsRole(options.role ?? 'targets').targets.set(targetPath, {
      content: typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content),
      custom: options.custom,
    });
    return this;
  }

  /**
   * Delegates from `parent` to `spec.name`, in order (TUF 5.6.7: earlier
   * delegations are trusted first). A role delegated from two parents is
   * signed by the keys of both delegations.
   */
  addDelegation(spec: DelegationSpec, parent = 'targets'): this {
    const parentRole = this.targetsRole(parent);
    const { keys, threshold } = this.resolveKeys(spec);
    parentRole.delegations.push({
      name: spec.name,
      keys,
      threshold,
      paths: spec.paths,
      pathHashPrefixes: spec.pathHashPrefixes,
      terminating: spec.terminating ?? false,
    });
    let role = this.targetsRoles.get(spec.name);
    if (role === undefined) {
      role = {
        targets: new Map(),
        delegations: [],
        expires: spec.expires ?? this.expiry('targets'),
        signers: [],
      };
      this.targetsRoles.set(spec.name, role);
    }
    role.signers = uniqueKeys([...role.signers, ...keys]);
    for (const [targetPath, content] of Object.entries(spec.targets ?? {})) {
      this.addTarget(targetPath, content, { role: spec.name });
    }
    for (const child of spec.delegations ?? []) this.addDelegation(child, spec.name);
    return this;
  }

  /** Publishes the next root version (TUF 5.3: N.root.json, N+1.root.json, ...). */
  rotateRoot(options: RotateRootOptions = {}): this {
    const previous = this.current;
    const roles = { ...previous.roles };
    for (const role of TOP_ROLES) {
      const input = options.roles?.[role];
      if (input !== undefined) roles[role] = this.resolveKeys(input);
    }
    const signers = options.signers ?? 'both';
    const named = {
      old: previous.roles.root.keys,
      new: roles.root.keys,
      both: uniqueKeys([...previous.roles.root.keys, ...roles.root.keys]),
    };
    this.current = {
      version: options.version ?? previous.version + 1,
      roles,
      consistentSnapshot: options.consistentSnapshot ?? previous.consistentSnapshot,
      expires: options.expires ?? this.expiry('root'),
      signers: typeof signers === 'string' ? named[signers] : signers,
    };
    this.roots.push(this.current);
    return this;
  }

  /** Version of a non-root role (default 1). Root versions come from `rotateRoot`. */
  setVersion(role: string, version: number): this {
    if (role === 'root') throw new Error('root versions are set by rotateRoot');
    this.versions.set(role, version);
    return this;
  }

  /** Edits `signed` before it is signed: the signatures stay valid. */
  mutateSigned<R extends string>(role: R, fn: (signed: SignedFor<R>) => void): this {
    this.hooksFor(role).before.push(fn as SignedHook);
    return this;
  }

  /** Edits `signed` after it is signed: the signatures no longer match. */
  tamper<R extends string>(role: R, fn: (signed: SignedFor<R>) => void): this {
    this.hooksFor(role).after.push(fn as SignedHook);
    return this;
  }

  /** Replaces the signature list (repeat, drop, add signatures by `signEnvelope(signed, keys)`). */
  editSignatures<R extends string>(
    role: R,
    fn: (signatures: Signature[], signed: SignedFor<R>) => Signature[],
  ): this {
    this.hooksFor(role).signatures.push(fn as SignaturesHook);
    return this;
  }

  /** Leaves files out of the published repository, e.g. 'timestamp.json' or '2.root.json'. */
  omit(...files: string[]): this {
    for (const file of files) this.omitted.add(file);
    return this;
  }

  /** Every file of the repository, by path relative to its root. Each call signs afresh. */
  build(): Map<string, Buffer> {
    const files = new Map<string, Buffer>();
    const latest = this.current;
    const consistent = latest.consistentSnapshot;
    const publish = (name: string, version: number, bytes: Buffer): void => {
      files.set(name, bytes);
      // TUF 5.5.1 / 5.6.1: with consistent snapshots clients fetch VERSION.ROLE.json.
      if (consistent) files.set(`${version}.${name}`, bytes);
    };

    for (const root of this.roots) {
      const bytes = this.render('root', this.rootSigned(root), root.signers);
      files.set(`${root.version}.root.json`, bytes);
      files.set('root.json', bytes);
    }

    const meta: Record<string, MetaFileInfo> = {};
    for (const [name, role] of this.targetsRoles) {
      const version = this.versionOf(name);
      const signers = name === 'targets' ? latest.roles.targets.keys : role.signers;
      const bytes = this.render(name, this.targetsSigned(role, version), signers);
      // As python-tuf names role files: `quote(role, '')` (tuf/delegations.ts quoteName).
      publish(`${quoteName(name)}.json`, version, bytes);
      meta[`${name}.json`] = this.fileInfo(version, bytes, this.snapshotFileInfo === 'full');
      for (const [targetPath, { content }] of role.targets) {
        files.set(`targets/${targetPath}`, content);
        if (consistent) {
          // TUF 5.7.3: targets/DIR/HASH.BASENAME, one file per listed hash.
          const slash = targetPath.lastIndexOf('/');
          const dir = targetPath.slice(0, slash + 1);
          const base = targetPath.slice(slash + 1);
          for (const hash of Object.values(hashes(content, this.hashAlgorithms))) {
            files.set(`targets/${dir}${hash}.${base}`, content);
          }
        }
      }
    }

    const snapshotVersion = this.versionOf('snapshot');
    const snapshot: SnapshotSigned = {
      ...this.common('snapshot', snapshotVersion, this.expiry('snapshot')),
      meta,
    };
    const snapshotBytes = this.render('snapshot', snapshot, latest.roles.snapshot.keys);
    publish('snapshot.json', snapshotVersion, snapshotBytes);

    const timestamp: TimestampSigned = {
      ...this.common('timestamp', this.versionOf('timestamp'), this.expiry('timestamp')),
      meta: { 'snapshot.json': this.fileInfo(snapshotVersion, snapshotBytes, true) },
    };
    files.set('timestamp.json', this.render('timestamp', timestamp, latest.roles.timestamp.keys));

    for (const file of this.omitted) files.delete(file);
    return files;
  }

  private resolveKeys(input: RoleKeysInput | undefined): RoleKeys {
    const threshold = input?.threshold ?? 1;
    const keys = input?.keys ?? Array.from({ length: threshold }, () => generateKey(this.keyType));
    return { keys, threshold };
  }

  private expiry(role: TopRole): Date {
    return this.expires[role] ?? new Date(this.now.getTime() + YEAR_MS);
  }

  private versionOf(role: string): number {
    return this.versions.get(role) ?? 1;
  }

  private targetsRole(name: string): TargetsRole {
    const role = this.targetsRoles.get(name);
    if (role === undefined) throw new Error(`unknown targets role: ${name}`);
    return role;
  }

  private hooksFor(role: string): Hooks {
    let hooks = this.hooks.get(role);
    if (hooks === undefined) {
      hooks = { before: [], after: [], signatures: [] };
      this.hooks.set(role, hooks);
    }
    return hooks;
  }

  private common(type: string, version: number, expires: Date): SignedCommon {
    return { _type: type, spec_version: this.specVersion, version, expires: tufTime(expires) };
  }

  private rootSigned(root: RootVersion): RootSigned {
    return {
      ...this.common('root', root.version, root.expires),
      consistent_snapshot: root.consistentSnapshot,
      keys: keyMap(TOP_ROLES.flatMap((role) => root.roles[role].keys)),
      roles: {
        root: roleEntry(root.roles.root),
        timestamp: roleEntry(root.roles.timestamp),
        snapshot: roleEntry(root.roles.snapshot),
        targets: roleEntry(root.roles.targets),
      },
    };
  }

  private targetsSigned(role: TargetsRole, version: number): TargetsSigned {
    // fromEntries defines own keys: a target path `__proto__` stays a target.
    const targets = Object.fromEntries(
      [...role.targets].map(([targetPath, { content, custom }]) => [
        targetPath,
        {
          length: content.length,
          hashes: hashes(content, this.hashAlgorithms),
          ...(custom === undefined ? {} : { custom: structuredClone(custom) }),
        },
      ]),
    );
    const signed: TargetsSigned = { ...this.common('targets', version, role.expires), targets };
    if (role.delegations.length > 0) {
      signed.delegations = {
        keys: keyMap(role.delegations.flatMap((d) => d.keys)),
        roles: role.delegations.map(delegatedRoleEntry),
      };
    }
    return signed;
  }

  private fileInfo(version: number, bytes: Buffer, full: boolean): MetaFileInfo {
    if (!full) return { version };
    return { version, length: bytes.length, hashes: hashes(bytes, this.metaHashAlgorithms) };
  }

  private render(role: string, signed: SignedCommon, signers: readonly TestKey[]): Buffer {
    const hooks = this.hooks.get(role) ?? NO_HOOKS;
    for (const fn of hooks.before) fn(signed);
    const envelope = signEnvelope(signed, signers);
    for (const fn of hooks.after) fn(envelope.signed);
    let signatures = envelope.signatures;
    for (const fn of hooks.signatures) signatures = fn(signatures, envelope.signed);
    return serialize({ signed: envelope.signed, signatures }, this.style);
  }
}

/** Writes `build()` output under `dir`, creating subdirectories. */
export function writeRepo(files: ReadonlyMap<string, Uint8Array>, dir: string): void {
  for (const [name, bytes] of files) {
    const file = path.join(dir, ...name.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
  }
}

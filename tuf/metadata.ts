import { messageOf, TufError } from './errors.js';
import { canonicalBytes, plainCanonicalBytes } from './canonical.js';
import { readJson, type JsonValue } from './json.js';
import type { TufKey } from './keys.js';
import { parseRfc3339 } from './time.js';

/**
 * Typed TUF metadata, parsed from untrusted bytes. Objects are the parsed JSON
 * itself (json.ts: one reading of the text, integers exact), narrowed by
 * guards: unknown fields stay, since signatures cover them. The fields typed
 * `number` are safe integers; an integer beyond 2^53 in an unknown field is a
 * bigint.
 */
export type RoleType = 'root' | 'timestamp' | 'snapshot' | 'targets';
export const TOP_LEVEL_ROLES = ['root', 'timestamp', 'snapshot', 'targets'] as const;

export interface Signature {
  keyid: string;
  sig: string;
}

export interface RoleKeys {
  keyids: string[];
  threshold: number;
}

interface SignedCommon {
  _type: RoleType;
  spec_version: string;
  version: number;
  expires: string;
  [field: string]: unknown;
}

export interface Root extends SignedCommon {
  _type: 'root';
  consistent_snapshot: boolean;
  keys: Record<string, TufKey>;
  /** The four top-level roles are guaranteed by parsing; others are kept as found. */
  roles: Record<'root' | 'timestamp' | 'snapshot' | 'targets', RoleKeys> &
    Record<string, RoleKeys | undefined>;
}

export interface MetaFile {
  version: number;
  length?: number;
  hashes?: Record<string, string>;
  [field: string]: unknown;
}

export interface Timestamp extends SignedCommon {
  _type: 'timestamp';
  meta: Record<string, MetaFile>;
}

export interface Snapshot extends SignedCommon {
  _type: 'snapshot';
  meta: Record<string, MetaFile>;
}

export interface TargetFile {
  length: number;
  hashes: Record<string, string>;
  custom?: unknown;
  [field: string]: unknown;
}

export interface DelegatedRole extends RoleKeys {
  name: string;
  terminating: boolean;
  paths?: string[];
  path_hash_prefixes?: string[];
  [field: string]: unknown;
}

export interface SuccinctRolesSpec extends RoleKeys {
  bit_length: number;
  name_prefix: string;
}

export interface Delegations {
  keys: Record<string, TufKey>;
  roles?: DelegatedRole[];
  succinct_roles?: SuccinctRolesSpec;
  [field: string]: unknown;
}

export interface Targets extends SignedCommon {
  _type: 'targets';
  targets: Record<string, TargetFile>;
  delegations?: Delegations;
}

export type SignedFor<T extends RoleType> = T extends 'root'
  ? Root
  : T extends 'timestamp'
    ? Timestamp
    : T extends 'snapshot'
      ? Snapshot
      : Targets;

/** One parsed metadata file with what verification needs beside it. */
export interface Metadata<T extends RoleType = RoleType> {
  /** The role name: `root`, ..., or a delegated role's name. */
  role: string;
  signed: SignedFor<T>;
  signatures: Signature[];
  /** OLPC canonical bytes of `signed`: what the signatures cover. */
  signedBytes: Buffer;
  expires: Date;
  /** Length of the file as fetched. */
  length: number;
}

type Obj = Record<string, unknown>;

/** Collects every bad field path, reported together (sigstore-js bundle validation). */
class Problems {
  readonly list: string[] = [];
  add(path: string, problem: string): void {
    this.list.push(`${path}: ${problem}`);
  }
  object(value: unknown, path: string): Obj | undefined {
    if (isObject(value)) return value;
    this.add(path, 'must be an object');
    return undefined;
  }
  string(value: unknown, path: string): value is string {
    if (typeof value === 'string') return true;
    this.add(path, 'must be a string');
    return false;
  }
  integer(value: unknown, path: string, min: number): value is number {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return true;
    this.add(
      path,
      typeof value === 'bigint' ? 'must be at most 2^53 - 1' : `must be an integer >= ${min}`,
    );
    return false;
  }
  stringArray(value: unknown, path: string): value is string[] {
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return true;
    this.add(path, 'must be an array of strings');
    return false;
  }
}

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Hex digests only: a hash value is compared as text, so its form is fixed here. */
const HEX_DIGEST = /^[0-9a-f]+$/;

function checkHashes(p: Problems, value: unknown, path: string): void {
  const hashes = p.object(value, path);
  if (hashes === undefined) return;
  if (Object.keys(hashes).length === 0) p.add(path, 'must list at least one hash');
  for (const [alg, digest] of Object.entries(hashes)) {
    if (typeof digest !== 'string' || !HEX_DIGEST.test(digest))
      p.add(`${path}.${alg}`, 'must be a lowercase hex digest');
  }
}

/** The same rules as the checks below, without building field paths. */
function isWellFormedTarget(target: unknown): boolean {
  if (!isObject(target)) return false;
  const { length, hashes } = target;
  if (!Number.isSafeInteger(length) || (length as number) < 0) return false;
  if (!isObject(hashes)) return false;
  let count = 0;
  for (const alg in hashes) {
    const digest = hashes[alg];
    if (typeof digest !== 'string' || !HEX_DIGEST.test(digest)) return false;
    count++;
  }
  return count > 0;
}

function checkKeys(p: Problems, value: unknown, path: string): void {
  const keys = p.object(value, path);
  if (keys === undefined) return;
  for (const [keyid, key] of Object.entries(keys)) {
    const k = p.object(key, `${path}.${keyid}`);
    if (k === undefined) continue;
    p.string(k.keytype, `${path}.${keyid}.keytype`);
    p.string(k.scheme, `${path}.${keyid}.scheme`);
    p.object(k.keyval, `${path}.${keyid}.keyval`);
  }
}

function checkRoleKeys(p: Problems, role: Obj, path: string): void {
  p.stringArray(role.keyids, `${path}.keyids`);
  // A threshold below 1 is parsed here and reported as INVALID_THRESHOLD by verification.
  if (typeof role.threshold !== 'number' || !Number.isSafeInteger(role.threshold)) {
    p.add(`${path}.threshold`, 'must be an integer');
  }
}

function checkMetaFiles(p: Problems, value: unknown, path: string): void {
  const meta = p.object(value, path);
  if (meta === undefined) return;
  for (const [name, entry] of Object.entries(meta)) {
    const e = p.object(entry, `${path}.${name}`);
    if (e === undefined) continue;
    p.integer(e.version, `${path}.${name}.version`, 1);
    if (e.length !== undefined) p.integer(e.length, `${path}.${name}.length`, 0);
    if (e.hashes !== undefined) checkHashes(p, e.hashes, `${path}.${name}.hashes`);
  }
}

function checkRoot(p: Problems, s: Obj): void {
  if (typeof s.consistent_snapshot !== 'boolean')
    p.add('signed.consistent_snapshot', 'must be a boolean');
  checkKeys(p, s.keys, 'signed.keys');
  const roles = p.object(s.roles, 'signed.roles');
  if (roles === undefined) return;
  for (const name of ['root', 'timestamp', 'snapshot', 'targets']) {
    const role = p.object(roles[name], `signed.roles.${name}`);
    if (role !== undefined) checkRoleKeys(p, role, `signed.roles.${name}`);
  }
}

function checkTimestamp(p: Problems, s: Obj): void {
  checkMetaFiles(p, s.meta, 'signed.meta');
  if (!isObject(s.meta)) return;
  // TUF 4.6: the timestamp lists exactly the snapshot. python-tuf reads only
  // snapshot.json and re-serializes without the rest, so its signature check fails.
  if (!isObject(s.meta['snapshot.json'])) p.add('signed.meta', 'must list snapshot.json');
  for (const name of Object.keys(s.meta)) {
    if (name !== 'snapshot.json')
      p.add(`signed.meta.${name}`, 'timestamp lists only snapshot.json');
  }
}

function checkTargets(p: Problems, s: Obj): void {
  const targets = p.object(s.targets, 'signed.targets');
  if (targets !== undefined) {
    for (const [path, target] of Object.entries(targets)) {
      // Fleet-sized targets (100k entries) are well formed: test cheaply, and build paths only for problems.
      if (isWellFormedTarget(target)) continue;
      const t = p.object(target, `signed.targets.${path}`);
      if (t === undefined) continue;
      p.integer(t.length, `signed.targets.${path}.length`, 0);
      checkHashes(p, t.hashes, `signed.targets.${path}.hashes`);
    }
  }
  if (s.delegations === undefined) return;
  const d = p.object(s.delegations, 'signed.delegations');
  if (d === undefined) return;
  checkKeys(p, d.keys, 'signed.delegations.keys');
  if (d.roles !== undefined && d.succinct_roles !== undefined) {
    p.add('signed.delegations', 'roles and succinct_roles are mutually exclusive');
  }
  if (d.roles !== undefined) {
    if (!Array.isArray(d.roles)) {
      p.add('signed.delegations.roles', 'must be an array');
    } else {
      d.roles.forEach((entry, i) => {
        const path = `signed.delegations.roles[${i}]`;
        const r = p.object(entry, path);
        if (r === undefined) return;
        p.string(r.name, `${path}.name`);
        checkRoleKeys(p, r, path);
        if (typeof r.terminating !== 'boolean') p.add(`${path}.terminating`, 'must be a boolean');
        if (r.paths !== undefined) p.stringArray(r.paths, `${path}.paths`);
        if (r.path_hash_prefixes !== undefined)
          p.stringArray(r.path_hash_prefixes, `${path}.path_hash_prefixes`);
        if (r.paths !== undefined && r.path_hash_prefixes !== undefined) {
          p.add(path, 'paths and path_hash_prefixes are mutually exclusive');
        }
      });
    }
  }
  if (d.succinct_roles !== undefined) {
    const sr = p.object(d.succinct_roles, 'signed.delegations.succinct_roles');
    if (sr !== undefined) {
      checkRoleKeys(p, sr, 'signed.delegations.succinct_roles');
      p.integer(sr.bit_length, 'signed.delegations.succinct_roles.bit_length', 1);
      p.string(sr.name_prefix, 'signed.delegations.succinct_roles.name_prefix');
    }
  }
}

const CHECK_BY_TYPE: Record<RoleType, (p: Problems, s: Obj) => void> = {
  root: checkRoot,
  timestamp: checkTimestamp,
  snapshot: (p, s) => checkMetaFiles(p, s.meta, 'signed.meta'),
  targets: checkTargets,
};

/**
 * Parses one metadata file. `role` is the role name (a delegated role's name
 * for delegated targets); `type` the `_type` it must have.
 * Throws TufError MALFORMED_METADATA (with every bad field in `problems`),
 * WRONG_METADATA_TYPE or UNSUPPORTED_SPEC_VERSION.
 */
export function parseMetadata<T extends RoleType>(
  bytes: Uint8Array,
  type: T,
  role: string = type,
): Metadata<T> {
  const text = decodeUtf8(bytes, role);
  let json: unknown;
  let plain: boolean;
  try {
    ({ value: json, plain } = readJson(text));
  } catch (cause) {
    const why = messageOf(cause);
    throw new TufError(
      'MALFORMED_METADATA',
      `${role}: not valid TUF JSON: ${why}`,
      { role, problems: [`$: ${why}`] },
      { cause },
    );
  }
  const p = new Problems();
  const envelope = p.object(json, '$');
  const signed = envelope === undefined ? undefined : p.object(envelope.signed, 'signed');
  if (envelope === undefined || signed === undefined) throw malformed(role, p);
  if (signed._type !== type) {
    throw new TufError(
      'WRONG_METADATA_TYPE',
      `${role}: _type is ${describe(signed._type)}, expected "${type}"`,
      {
        role,
        expected: type,
        actual: jsonSafe(signed._type),
      },
    );
  }
  const signatures = checkSignatures(p, envelope.signatures);
  if (
    p.string(signed.spec_version, 'signed.spec_version') &&
    !/^1\.\d+(\.\d+)?$/.test(signed.spec_version)
  ) {
    throw new TufError(
      'UNSUPPORTED_SPEC_VERSION',
      `${role}: spec_version ${signed.spec_version} is not 1.x`,
      {
        role,
        actual: signed.spec_version,
      },
    );
  }
  p.integer(signed.version, 'signed.version', 1);
  let expires: Date | undefined;
  if (p.string(signed.expires, 'signed.expires')) {
    expires = parseRfc3339(signed.expires);
    if (expires === undefined) p.add('signed.expires', 'must be an RFC 3339 date-time');
  }
  CHECK_BY_TYPE[type](p, signed);
  if (p.list.length > 0 || expires === undefined) throw malformed(role, p);
  return {
    role,
    signed: signed as unknown as SignedFor<T>,
    signatures,
    // A file already in canonical order (go-tuf, python-tuf) needs no canonicalizing walk.
    signedBytes: plain ? plainCanonicalBytes(signed as JsonValue) : canonicalBytes(signed, role),
    expires,
    length: bytes.byteLength,
  };
}

function checkSignatures(p: Problems, value: unknown): Signature[] {
  if (!Array.isArray(value)) {
    p.add('signatures', 'must be an array');
    return [];
  }
  value.forEach((s, i) => {
    const sig = p.object(s, `signatures[${i}]`);
    if (sig === undefined) return;
    p.string(sig.keyid, `signatures[${i}].keyid`);
    p.string(sig.sig, `signatures[${i}].sig`);
  });
  return value as Signature[];
}

/** A parsed value in a message. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  return value !== null && typeof value === 'object' ? 'an object' : String(value);
}

/** A parsed value as a finding field: findings are JSON, and JSON.stringify throws on a bigint, also one nested. */
function jsonSafe(value: unknown): unknown {
  return typeof value === 'bigint' || (typeof value === 'object' && value !== null)
    ? describe(value)
    : value;
}

function malformed(role: string, p: Problems): TufError {
  return new TufError('MALFORMED_METADATA', `${role}: ${p.list.join('; ')}`, {
    role,
    problems: p.list,
  });
}

// ignoreBOM keeps a byte order mark in the text, so JSON.parse rejects it as go-tuf (Orbit),
// python-tuf and tuf-js do: a file every client refuses must not verify here.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeUtf8(bytes: Uint8Array, role: string): string {
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new TufError('MALFORMED_METADATA', `${role}: not UTF-8`, { role }, { cause });
  }
}

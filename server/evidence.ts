import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { CheckStatus } from '../checks/types.js';

/*
 * The evidence record, its hash chain and the signatures over it: the one place
 * their format is defined (README, "Evidence"). Pure: no file, no database, no
 * clock; `tufwatch evidence verify` runs on this module alone.
 *
 * A record is hashed as sha256 over its RFC 8785 (JCS) canonical form, computed
 * by the `canonicalize` package: tufwatch's own records are not TUF metadata,
 * so the OLPC canonical JSON of tuf/ does not apply (DESIGN.md).
 */

/** Version of the record, checkpoint and bundle formats below. A new format gets a new number. */
export const EVIDENCE_FORMAT_VERSION = 1;
/** `prevHash` of the first record of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

const HEX64 = /^[0-9a-f]{64}$/;
export const isHash = (value: unknown): value is string =>
  typeof value === 'string' && HEX64.test(value);

/**
 * A check result in the chain: exactly what the store keeps of it, plus its
 * place (`seq`, `prevHash`). `durationMs` is left out: it is telemetry, not evidence.
 */
export interface CheckRecord {
  v: 1;
  kind: 'check';
  /** Position in the chain: 1, 2, 3, ... with no gap, across every kind of record. */
  seq: number;
  runId: number;
  checkId: string;
  status: CheckStatus;
  message: string;
  /** As stored (JSON), read back; lone UTF-16 surrogates become U+FFFD (see `sanitizeJson`). */
  evidence: Record<string, unknown>;
  /** ISO 8601 UTC with milliseconds. */
  evaluatedAt: string;
  /** `hash` of record `seq - 1`, or of the checkpoint or genesis before it. */
  prevHash: string;
}

/** Why a signing key became the active one. */
export type KeyReason =
  /** tufwatch created it in the data directory (first start). */
  | 'created'
  /** `tufwatch evidence rotate-key` replaced the previous one. */
  | 'rotated'
  /** A key file tufwatch had not recorded yet was found (put in place by hand, restored, upgraded). */
  | 'adopted';
export const KEY_REASONS: readonly KeyReason[] = ['created', 'rotated', 'adopted'];

/** A signing key became active: key changes are evidence too. */
export interface SigningKeyRecord {
  v: 1;
  kind: 'signing-key';
  seq: number;
  at: string;
  fingerprint: string;
  /** SPKI PEM. */
  publicKey: string;
  previousFingerprint: string | null;
  reason: KeyReason;
  prevHash: string;
}

export type RecordBody = CheckRecord | SigningKeyRecord;
/** A record with its hash: sha256 hex of the RFC 8785 form of the body (every field but `hash`). */
export type SealedRecord = RecordBody & { hash: string };

/** RFC 8785 canonical JSON. Throws on values JSON cannot carry (NaN, lone surrogates, cycles). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('undefined has no canonical JSON form');
  return text;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function recordHash(body: RecordBody): string {
  return sha256Hex(canonicalJson(body));
}

/** The record with its hash; `hash` is recomputed, never taken from the input. */
export function sealRecord(body: RecordBody): SealedRecord {
  const { hash: _ignored, ...fields } = body as SealedRecord;
  return { ...fields, hash: recordHash(fields) };
}

/**
 * The canonical forms of a record's body (what its hash covers) and of the
 * sealed record (what the records digest covers), with one canonicalization.
 * The sealed form is the body's with `"hash":"<hex>",` inserted before the
 * top-level `"kind":` key, which is where RFC 8785's key order puts it: no body
 * key sorts between "hash" and "kind". The top-level `"kind":` is the last
 * occurrence of that text: only scalars follow it, and inside a string literal
 * every `"` is escaped. Tests hold this equal to canonicalizing the sealed record.
 */
export function canonicalForms(record: SealedRecord): { body: string; sealed: string } {
  const { hash, ...fields } = record;
  const body = canonicalJson(fields);
  const at = body.lastIndexOf('"kind":');
  const sealed = `${body.slice(0, at)}"hash":${JSON.stringify(hash)},${body.slice(at)}`;
  return { body, sealed };
}

/** When the record's fact was established: a check's evaluation, a key's activation. */
export function recordTime(record: RecordBody): string {
  return record.kind === 'check' ? record.evaluatedAt : record.at;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** JSON text escapes of UTF-16 surrogates: the only way JSON text can carry a lone one. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** The string with lone UTF-16 surrogates replaced by U+FFFD: RFC 8785 refuses them. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * Parses stored evidence JSON to the value that is hashed and exported. Check
 * evidence quotes repository content, which may hold `"\ud800"`; such strings
 * (and keys) are made well-formed so that the record can be canonicalized: a
 * hostile repository must not be able to make a run unstorable.
 */
export function parseEvidenceJson(text: string): unknown {
  const value = JSON.parse(text) as unknown;
  return SURROGATE_ESCAPE.test(text) ? sanitizeJson(value) : value;
}

export function sanitizeJson(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (Array.isArray(value)) return value.map(sanitizeJson);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [wellFormed(k), sanitizeJson(v)]),
    );
  }
  return value;
}

// --- Keys and signatures --------------------------------------------------

/** What signs: the instance's Ed25519 key (server/evidence-keys.ts holds the file). */
export interface SigningKey {
  /** sha256 hex of the public key's SPKI DER encoding. */
  fingerprint: string;
  /** SPKI PEM. */
  publicKey: string;
  /** Ed25519 signature of the UTF-8 text, base64. */
  sign(message: string): string;
}

/** A signature as bundles and checkpoints carry it. */
export interface Signature {
  algorithm: 'ed25519';
  keyFingerprint: string;
  /** base64 of the 64-byte Ed25519 signature. */
  value: string;
}

export function publicKeyFingerprint(key: KeyObject): string {
  return sha256Hex(key.export({ type: 'spki', format: 'der' }));
}

/** An Ed25519 public key from SPKI PEM (`-----BEGIN PUBLIC KEY-----`); undefined for anything else. */
export function parsePublicKey(pem: string): KeyObject | undefined {
  if (!pem.includes('-----BEGIN PUBLIC KEY-----')) return undefined;
  try {
    const key = createPublicKey({ key: pem, format: 'pem' });
    return key.asymmetricKeyType === 'ed25519' ? key : undefined;
  } catch {
    // Not PEM, or not a key: the caller reports it as such.
    return undefined;
  }
}

// 64 bytes: 86 characters, the last of which carries 2 bits and 4 zero bits, then `==`.
const BASE64_SIGNATURE = /^[A-Za-z0-9+/]{85}[AQgw]==$/;

/** Whether `signature` (base64) is a valid Ed25519 signature of the UTF-8 text by `key`. */
export function verifySignature(key: KeyObject, message: string, signature: string): boolean {
  // One encoding per signature: no padding variants, no whitespace, no nonzero unused bits.
  if (!BASE64_SIGNATURE.test(signature)) return false;
  return verify(null, Buffer.from(message, 'utf8'), key, Buffer.from(signature, 'base64'));
}

// --- Checkpoints ------------------------------------------------------------

/**
 * What pruning leaves of the records it deletes: enough to continue the chain
 * (the hash of the last one) and to show what was there (how many, when),
 * signed by the instance key.
 */
export interface CheckpointBody {
  v: 1;
  kind: 'checkpoint';
  firstSeq: number;
  lastSeq: number;
  /** `hash` of record `lastSeq`: the `prevHash` of record `lastSeq + 1`. */
  lastHash: string;
  /** Records covered: lastSeq - firstSeq + 1. */
  count: number;
  /** Time of the earliest and the latest record covered. */
  from: string;
  to: string;
  /** The retention cutoff that pruned them. */
  before: string;
  createdAt: string;
  /** sha256 hex of the canonical previous checkpoint (with its signature), or null for the first. */
  previous: string | null;
  keyFingerprint: string;
}

export type Checkpoint = CheckpointBody & { signature: string };

export function signCheckpoint(body: CheckpointBody, key: SigningKey): Checkpoint {
  return { ...body, signature: key.sign(canonicalJson(body)) };
}

export function checkpointDigest(checkpoint: Checkpoint): string {
  return sha256Hex(canonicalJson(checkpoint));
}

/** Where a bundle's records start: the hash that its first record's `prevHash` must equal. */
export type ChainAnchor =
  | { kind: 'genesis'; seq: 0; hash: string }
  | { kind: 'record'; seq: number; hash: string }
  | { kind: 'checkpoint'; seq: number; hash: string; checkpoint: Checkpoint };

export const GENESIS_ANCHOR: ChainAnchor = Object.freeze({
  kind: 'genesis',
  seq: 0,
  hash: GENESIS_HASH,
});

/** A signing key of the instance's history, as `signingKeys()`, the API and bundles list it. */
export interface SigningKeyInfo {
  fingerprint: string;
  publicKey: string;
  activatedAt: string;
  /** When the next key took over; null for the active key. */
  retiredAt: string | null;
  reason: KeyReason;
  /** Its `signing-key` record in the chain. */
  seq: number;
}

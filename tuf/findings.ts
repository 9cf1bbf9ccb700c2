/**
 * The closed set of finding codes that `verify`, the client and the checks report.
 * Codes are a public contract (DESIGN.md): add, never rename.
 */
export type Severity = 'error' | 'warning' | 'info';

export const FINDING_CODES = {
  MALFORMED_METADATA: {
    severity: 'error',
    summary: 'metadata is not valid JSON or lacks required fields',
  },
  WRONG_METADATA_TYPE: { severity: 'error', summary: '_type is not the role that was expected' },
  UNSUPPORTED_SPEC_VERSION: { severity: 'error', summary: 'spec_version major is not 1' },
  SIGNATURE_THRESHOLD_NOT_MET: {
    severity: 'error',
    summary: 'fewer distinct keys signed than the threshold',
  },
  SIGNATURE_INVALID: {
    severity: 'warning',
    summary: 'a listed key has a signature that does not verify',
  },
  DUPLICATE_SIGNATURE: {
    severity: 'error',
    summary: 'one keyid signs more than once: the metadata is refused (TUF: keyids MUST be unique)',
  },
  INVALID_THRESHOLD: {
    severity: 'error',
    summary: 'threshold is below 1 or above the number of keys',
  },
  DUPLICATE_KEY: { severity: 'warning', summary: 'one public key is listed under several keyids' },
  UNKNOWN_KEY_TYPE: {
    severity: 'warning',
    summary: 'a key type or scheme that cannot be verified',
  },
  KEY_TOO_SMALL: {
    severity: 'warning',
    summary: 'an RSA key under 2048 bits: it never counts toward a threshold',
  },
  KEYID_MISMATCH: { severity: 'warning', summary: 'keyid is not the sha256 of the canonical key' },
  ONLINE_KEY_SHARED_WITH_ROOT: {
    severity: 'warning',
    summary: 'timestamp or snapshot uses a root key',
  },
  UNUSED_KEY: { severity: 'info', summary: 'a key is listed but no role uses it' },
  WEAK_ROOT_THRESHOLD: { severity: 'warning', summary: 'one stolen key can rotate root' },
  METADATA_EXPIRED: { severity: 'error', summary: 'metadata expired at the reference time' },
  METADATA_EXPIRING_SOON: {
    severity: 'warning',
    summary: 'metadata expires within the warning horizon',
  },
  ROOT_ROTATION_INVALID: {
    severity: 'error',
    summary: 'a new root is not signed by the old and new thresholds, or skips a version',
  },
  VERSION_ROLLBACK: {
    severity: 'error',
    summary: 'a version went backwards against trusted state',
  },
  FAST_FORWARD_RECOVERY: {
    severity: 'warning',
    summary:
      'a version went backwards after root rotated the keys that vouched for the old one (TUF 5.3.11)',
  },
  PUBLISHED_METADATA_INVALID: {
    severity: 'warning',
    summary: 'the published copy of a role is broken: the transition from it could not be checked',
  },
  VERSION_MISMATCH: {
    severity: 'error',
    summary: 'a version differs from the one its parent lists',
  },
  LENGTH_MISMATCH: {
    severity: 'error',
    summary: 'a file length differs from the one its parent lists',
  },
  HASH_MISMATCH: {
    severity: 'error',
    summary: 'a file hash differs from the one its parent lists',
  },
  METADATA_MISSING: { severity: 'error', summary: 'a metadata file that must exist was not found' },
  TARGET_MISSING: { severity: 'error', summary: 'a target file listed in metadata was not found' },
  TARGET_HASH_MISMATCH: {
    severity: 'error',
    summary: 'a target file does not match its length or hashes',
  },
  TARGETS_NOT_PRESENT: {
    severity: 'info',
    summary: 'target files are not at the targets base; only metadata was verified',
  },
  FETCH_FAILED: { severity: 'error', summary: 'a file could not be fetched' },
  SIZE_LIMIT_EXCEEDED: { severity: 'error', summary: 'a file is larger than its size limit' },
  DELEGATION_INVALID: {
    severity: 'error',
    summary: 'a delegation is malformed or a role signs outside its paths',
  },
  TRUST_NOT_ANCHORED: {
    severity: 'info',
    summary: "no trusted root given: only the repository's self-consistency is shown",
  },
} as const satisfies Record<string, { severity: Severity; summary: string }>;

export type FindingCode = keyof typeof FINDING_CODES;

/** Structured details: nothing downstream parses a message. */
export interface FindingDetails {
  role?: string;
  expected?: unknown;
  actual?: unknown;
  threshold?: number;
  validKeys?: string[];
  keyid?: string;
  keyids?: string[];
  file?: string;
  target?: string;
  version?: number;
  expires?: string;
  problems?: string[];
  /** The finding is about what the published repository serves now, not about the staged one. */
  published?: boolean;
  /** The role whose delegation a finding about a delegated role is about (a role may be delegated twice). */
  delegator?: string;
  /** SIZE_LIMIT_EXCEEDED on the delegation graph: delegated roles known but not verified. */
  rolesNotVerified?: number;
  /** SIZE_LIMIT_EXCEEDED on the delegation graph: listed target paths not resolved or checked. */
  targetsNotVerified?: number;
}

export interface Finding extends FindingDetails {
  code: FindingCode;
  severity: Severity;
  message: string;
}

export function finding(code: FindingCode, message: string, details: FindingDetails = {}): Finding {
  return { code, severity: FINDING_CODES[code].severity, message, ...details };
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

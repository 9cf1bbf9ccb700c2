import { createHash } from 'node:crypto';
import { finding, type Finding } from './findings.js';
import type { Horizons } from './limits.js';
import type { MetaFile, Metadata } from './metadata.js';

/**
 * The rules shared by the client workflow (which stops at the first error) and
 * repository verification (which collects every finding). Each returns findings.
 */

/** Algorithms we can compute. A file whose listed hashes are all unknown cannot be checked: fail closed. */
const SUPPORTED_HASHES = new Set(['sha256', 'sha384', 'sha512']);

export function isSupportedHash(alg: string): boolean {
  return SUPPORTED_HASHES.has(alg);
}

/** TUF 5.3.10 / 5.4.4 / 5.5.6 / 5.6.6: expired at `now`; within the horizon is a warning. */
export function checkExpiry(md: Metadata, now: Date, horizons: Horizons): Finding[] {
  const details = { role: md.role, expires: md.signed.expires, version: md.signed.version };
  const left = md.expires.getTime() - now.getTime();
  if (left <= 0) {
    return [
      finding(
        'METADATA_EXPIRED',
        `${md.role} v${md.signed.version} expired at ${md.signed.expires}`,
        details,
      ),
    ];
  }
  const horizon =
    md.role === 'timestamp' ? horizons.timestampWarnSeconds : horizons.otherWarnSeconds;
  if (left < horizon * 1000) {
    const days = (left / 86_400_000).toFixed(1);
    return [
      finding(
        'METADATA_EXPIRING_SOON',
        `${md.role} expires in ${days} days (${md.signed.expires})`,
        details,
      ),
    ];
  }
  return [];
}

/**
 * TUF 5.5.2 / 5.6.2: the bytes of a file match the length and hashes its parent
 * lists. `file` names the file for messages; `role` the role it holds.
 */
export function checkFileAgainstMeta(
  role: string,
  file: string,
  bytes: Uint8Array,
  meta: MetaFile,
): Finding[] {
  const findings: Finding[] = [];
  if (meta.length !== undefined && meta.length !== bytes.byteLength) {
    findings.push(
      finding(
        'LENGTH_MISMATCH',
        `${file} is ${bytes.byteLength} bytes, its parent lists ${meta.length}`,
        {
          role,
          file,
          expected: meta.length,
          actual: bytes.byteLength,
        },
      ),
    );
  }
  if (meta.hashes !== undefined)
    findings.push(
      ...checkHashes(meta.hashes, (alg) => digest(alg, bytes), { role, file }, 'HASH_MISMATCH'),
    );
  return findings;
}

export function digest(alg: string, bytes: Uint8Array): string {
  return createHash(alg).update(bytes).digest('hex');
}

/**
 * Compares every listed hash we can compute. `compute` is called only for
 * supported algorithms. No supported algorithm at all is a mismatch: a file that
 * cannot be checked is not trusted.
 */
export function checkHashes(
  expected: Readonly<Record<string, string>>,
  compute: (alg: string) => string,
  where: { role: string; file?: string; target?: string },
  code: 'HASH_MISMATCH' | 'TARGET_HASH_MISMATCH',
): Finding[] {
  const name = where.target ?? where.file ?? where.role;
  const algs = Object.keys(expected).filter(isSupportedHash);
  if (algs.length === 0) {
    return [
      finding(
        code,
        `${name}: none of the listed hash algorithms (${Object.keys(expected).join(', ')}) is supported`,
        {
          ...where,
          expected: Object.keys(expected),
        },
      ),
    ];
  }
  const findings: Finding[] = [];
  for (const alg of algs) {
    const actual = compute(alg);
    if (actual !== expected[alg]) {
      findings.push(
        finding(code, `${name}: ${alg} is ${actual}, expected ${expected[alg]}`, {
          ...where,
          expected: expected[alg],
          actual,
        }),
      );
    }
  }
  return findings;
}

/** TUF 5.5.5 / 5.6.4: the version a parent lists is the version the file has. */
export function checkVersionAgainstMeta(md: Metadata, meta: MetaFile, parent: string): Finding[] {
  if (md.signed.version === meta.version) return [];
  return [
    finding(
      'VERSION_MISMATCH',
      `${md.role} is version ${md.signed.version}, ${parent} lists ${meta.version}`,
      {
        role: md.role,
        expected: meta.version,
        actual: md.signed.version,
      },
    ),
  ];
}

/** The file name of a role's metadata: versioned when the root asks for consistent snapshots (TUF 5.5.1, 5.6.1). */
export function metadataFileName(
  role: string,
  version: number | undefined,
  consistentSnapshot: boolean,
): string {
  return consistentSnapshot && version !== undefined ? `${version}.${role}.json` : `${role}.json`;
}

import { finding, type Finding } from './findings.js';
import { KeyCache, type TufKey } from './keys.js';
import type { RoleKeys, Signature } from './metadata.js';
import { own } from './records.js';

export interface ThresholdResult {
  threshold: number;
  /** Keyids whose signature verified, one per distinct public key. */
  validKeys: string[];
  /** The signatures are accepted: `threshold` distinct keys signed, and no keyid signs twice. */
  met: boolean;
  findings: Finding[];
}

/**
 * TUF 5.3.4 / 5.4.3 / 5.5.3 / 5.6.3: is `signedBytes` signed by `threshold`
 * distinct keys of the role? Signers are counted by public key, not by keyid or
 * signature entry: the same key under two keyids, or one keyid signing twice,
 * counts once (python-tuf CVE-2020-6174, go-tuf GHSA-3633-5h82-39pq, tough
 * GHSA-5q2r-92f9-4m49). A threshold below 1 is never met (go-tuf CVE-2026-23992).
 * A keyid that signs twice refuses the metadata even when the threshold is
 * met: the keyid MUST be unique in `signatures` (TUF 4.2), and python-tuf and
 * tuf-js refuse such metadata (tuf-conformance `test_duplicate_sig_keyids`).
 */
export function verifyThreshold(args: {
  role: string;
  signedBytes: Buffer;
  signatures: readonly Signature[];
  keys: Readonly<Record<string, TufKey>>;
  roleKeys: RoleKeys;
  cache: KeyCache;
}): ThresholdResult {
  const { role, signedBytes, signatures, keys, roleKeys, cache } = args;
  const findings: Finding[] = [];
  const threshold = roleKeys.threshold;
  const authorized = new Set(roleKeys.keyids);

  if (threshold < 1) {
    findings.push(
      finding('INVALID_THRESHOLD', `${role}: threshold ${threshold} is below 1`, {
        role,
        threshold,
        actual: threshold,
      }),
    );
  }
  if (authorized.size !== roleKeys.keyids.length) {
    findings.push(
      finding('DUPLICATE_KEY', `${role}: a keyid is listed twice`, {
        role,
        keyids: roleKeys.keyids,
      }),
    );
  }

  // Identity (normalized public key) -> first keyid seen with it.
  const identities = new Map<string, string>();
  for (const keyid of authorized) {
    const key = own(keys, keyid);
    if (key === undefined) {
      findings.push(
        finding('DELEGATION_INVALID', `${role}: keyid ${keyid} is not among the keys`, {
          role,
          keyid,
        }),
      );
      continue;
    }
    const imported = cache.get(key, keyid);
    if (imported instanceof Error) {
      findings.push({ ...imported.toFinding(), role });
      continue;
    }
    const twin = identities.get(imported.identity);
    if (twin !== undefined) {
      findings.push(
        finding(
          'DUPLICATE_KEY',
          `${role}: keyids ${twin} and ${keyid} are the same public key; it counts once`,
          {
            role,
            keyids: [twin, keyid],
          },
        ),
      );
    } else {
      identities.set(imported.identity, keyid);
    }
  }
  const usable = identities.size;
  if (threshold > usable) {
    findings.push(
      finding(
        'INVALID_THRESHOLD',
        `${role}: threshold ${threshold} exceeds the ${usable} usable distinct keys`,
        {
          role,
          threshold,
          actual: usable,
        },
      ),
    );
  }

  const signedBy = new Map<string, string>();
  const seenKeyids = new Set<string>();
  for (const { keyid, sig } of signatures) {
    if (seenKeyids.has(keyid)) {
      findings.push(
        finding('DUPLICATE_SIGNATURE', `${role}: keyid ${keyid} signs more than once`, {
          role,
          keyid,
        }),
      );
      continue;
    }
    seenKeyids.add(keyid);
    const key = own(keys, keyid);
    // Signatures by keys outside the role are ignored (Fleet's root v4 carries 6 such).
    if (!authorized.has(keyid) || key === undefined) continue;
    const imported = cache.get(key, keyid);
    if (imported instanceof Error) continue;
    if (!imported.verify(signedBytes, sig)) {
      findings.push(
        finding('SIGNATURE_INVALID', `${role}: signature by ${keyid} does not verify`, {
          role,
          keyid,
        }),
      );
      continue;
    }
    if (!signedBy.has(imported.identity)) signedBy.set(imported.identity, keyid);
  }

  const validKeys = [...signedBy.values()];
  const counted = threshold >= 1 && validKeys.length >= threshold;
  if (!counted) {
    findings.push(
      finding(
        'SIGNATURE_THRESHOLD_NOT_MET',
        `${role}: ${validKeys.length} distinct valid signature(s), threshold ${threshold}`,
        { role, threshold, validKeys, expected: threshold, actual: validKeys.length },
      ),
    );
  }
  const met = counted && seenKeyids.size === signatures.length;
  return { threshold, validKeys, met, findings };
}

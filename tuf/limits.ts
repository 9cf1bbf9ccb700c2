/**
 * Safety knobs of the TUF core, in one documented object, safe by default
 * (as AWS tough's `Limits`). Callers override fields from config.
 */
export interface Limits {
  /** Bytes, per role file. python-tuf's and tuf-js's defaults. */
  maxRootBytes: number;
  maxTimestampBytes: number;
  maxSnapshotBytes: number;
  /** Applies to targets.json and every delegated role. */
  maxTargetsBytes: number;
  /** Root versions walked in one update (python-tuf: 256). Stops an endless chain. */
  maxRootRotations: number;
  /** Delegated roles visited in one target search (TUF 5.6.7: 32 in python-tuf). */
  maxDelegations: number;
  /** Delegated roles verified in one repository verification. */
  maxRolesVerified: number;
  /** Cap for a target file download whose metadata length is not trusted yet. */
  maxTargetBytes: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxRootBytes: 512_000,
  maxTimestampBytes: 16_384,
  maxSnapshotBytes: 2_000_000,
  maxTargetsBytes: 5_000_000,
  maxRootRotations: 256,
  maxDelegations: 32,
  maxRolesVerified: 10_000,
  maxTargetBytes: 1_073_741_824,
});

/** When a role counts as expiring soon. Fleet's own watch uses these. */
export interface Horizons {
  timestampWarnSeconds: number;
  otherWarnSeconds: number;
}

export const DEFAULT_HORIZONS: Readonly<Horizons> = Object.freeze({
  timestampWarnSeconds: 4 * 24 * 3600,
  otherWarnSeconds: 30 * 24 * 3600,
});

export function maxBytesForRole(limits: Limits, role: string): number {
  switch (role) {
    case 'root':
      return limits.maxRootBytes;
    case 'timestamp':
      return limits.maxTimestampBytes;
    case 'snapshot':
      return limits.maxSnapshotBytes;
    default:
      return limits.maxTargetsBytes;
  }
}

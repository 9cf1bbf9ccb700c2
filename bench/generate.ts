/**
 * Generates a Fleet-like TUF repository of any size, metadata only, for the
 * benchmark (`bench/run.ts`). What it imitates is what is known of Fleet's
 * repository (test/fixtures/README.md): go-tuf v0 output, ed25519 keys in
 * hex with the legacy `keyid_hash_algorithms`, `consistent_snapshot: false`,
 * sha512-only target hashes, `custom: {"version": ...}` on every target, paths
 * `<component>/<platform>/<version|major.minor|major|stable|edge>/<file>` where
 * the channel paths carry the same bytes (so the same length and hash) as the
 * version they point at, and fleetctl's expiries.
 *
 * No target file is written: the benchmark measures metadata verification.
 * Lengths and hashes describe synthetic content (hash of a seed string, a
 * plausible binary size), which only `targetsMode: 'skip'` verification accepts.
 *
 * Usage (for profiling by hand): node <out>/bench/generate.js DIR TARGETS
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  generateKey,
  serialize,
  signEnvelope,
  tufTime,
  writeRepo,
  type Envelope,
  type TestKey,
  type TufPublicKey,
} from '../test/support/builder.js';

/** Platforms Fleet publishes each component for, and the file name on each. */
const COMPONENTS: readonly { name: string; major: number; files: Record<string, string> }[] = [
  {
    name: 'orbit',
    major: 1,
    files: {
      macos: 'orbit',
      linux: 'orbit',
      'linux-arm64': 'orbit',
      windows: 'orbit.exe',
      'windows-arm64': 'orbit.exe',
    },
  },
  {
    name: 'osqueryd',
    major: 5,
    files: {
      macos: 'osqueryd',
      'macos-app': 'osqueryd.app.tar.gz',
      linux: 'osqueryd',
      'linux-arm64': 'osqueryd',
      windows: 'osqueryd.exe',
      'windows-arm64': 'osqueryd.exe',
    },
  },
  {
    name: 'desktop',
    major: 1,
    files: {
      macos: 'desktop.app.tar.gz',
      linux: 'desktop.tar.gz',
      'linux-arm64': 'desktop.tar.gz',
      windows: 'fleet-desktop.exe',
      'windows-arm64': 'fleet-desktop.exe',
    },
  },
  { name: 'nudge', major: 1, files: { macos: 'nudge.app.tar.gz' } },
  { name: 'swiftDialog', major: 2, files: { macos: 'swiftDialog.app.tar.gz' } },
  { name: 'escrowBuddy', major: 1, files: { macos: 'escrowBuddy.pkg' } },
  {
    name: 'extensions/macadmins_extension',
    major: 1,
    files: {
      macos: 'macadmins_extension.ext',
      linux: 'macadmins_extension.ext',
      windows: 'macadmins_extension.exe',
    },
  },
];

const DAY_MS = 24 * 60 * 60 * 1000;
/** fleetctl's expiries: timestamp re-signed weekly with 14 days, snapshot and targets 3 years, root 10. */
const EXPIRY_DAYS = { root: 3650, timestamp: 14, snapshot: 3 * 365, targets: 3 * 365 } as const;
/** Key counts per role as in Fleet's root v6 (updates.fleetdm.com), every threshold 1. */
const KEY_COUNTS = { root: 3, timestamp: 5, snapshot: 3, targets: 3 } as const;
type Role = keyof typeof KEY_COUNTS;
const ROLES: readonly Role[] = ['root', 'snapshot', 'targets', 'timestamp'];

interface TargetInfo {
  custom: { version: string };
  hashes: { sha512: string };
  length: number;
}

export interface GenerateOptions {
  /** Number of target paths in targets.json, exactly. */
  targets: number;
  /** The reference time verification will use; metadata is signed one day before it. */
  now: Date;
}

export interface GeneratedRepository {
  dir: string;
  targets: number;
  /** Bytes of each metadata file written. */
  sizes: Record<string, number>;
}

/** Versions of release `n` of a component: 20 patches per minor, 20 minors per major. */
function versionOf(major: number, n: number): { full: string; minor: string; major: string } {
  const maj = major + Math.floor(n / 400);
  const min = Math.floor(n / 20) % 20;
  return { full: `${maj}.${min}.${n % 20}`, minor: `${maj}.${min}`, major: `${maj}` };
}

/** Synthetic content: a plausible binary size and the sha512 of a seed that stands for the bytes. */
function syntheticFile(seed: string, version: string): TargetInfo {
  const digest = crypto.createHash('sha512').update(seed).digest();
  return {
    custom: { version },
    hashes: { sha512: digest.toString('hex') },
    length: 5_000_000 + (digest.readUInt32BE(0) % 60_000_000),
  };
}

/**
 * Fleet's release flow, one release of every component/platform at a time:
 * the version path, then major.minor, major and edge re-pointed at it, and
 * stable at the release before. Stops at exactly `count` distinct paths.
 */
export function fleetTargets(count: number): {
  targets: Map<string, TargetInfo>;
  releases: number;
} {
  const targets = new Map<string, TargetInfo>();
  const previous = new Map<string, TargetInfo>();
  let release = 0;
  for (; targets.size < count; release++) {
    for (const component of COMPONENTS) {
      const v = versionOf(component.major, release);
      for (const [platform, file] of Object.entries(component.files)) {
        const base = `${component.name}/${platform}`;
        const info = syntheticFile(`${base}/${v.full}/${file}`, v.full);
        const stable = previous.get(base);
        previous.set(base, info);
        const paths: [string, TargetInfo][] = [
          [`${base}/${v.full}/${file}`, info],
          [`${base}/${v.minor}/${file}`, info],
          [`${base}/${v.major}/${file}`, info],
          [`${base}/edge/${file}`, info],
        ];
        if (stable !== undefined) paths.push([`${base}/stable/${file}`, stable]);
        for (const [targetPath, entry] of paths) {
          targets.set(targetPath, entry);
          if (targets.size === count) return { targets, releases: release + 1 };
        }
      }
    }
  }
  return { targets, releases: release };
}

/** go-tuf v0 writes `signed` as canonical JSON: keys in sorted order, which insertion order gives here. */
function sorted<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  ) as T;
}

function sha512Hex(bytes: Uint8Array): string {
  return crypto.createHash('sha512').update(bytes).digest('hex');
}

/** go-tuf v0 envelope order (`signatures` before `signed`), indented. */
function render(envelope: Envelope): Buffer {
  return serialize({ signatures: envelope.signatures, signed: envelope.signed });
}

/** Writes root.json, 1.root.json, timestamp.json, snapshot.json and targets.json into `dir`. */
export function generateFleetRepository(
  dir: string,
  options: GenerateOptions,
): GeneratedRepository {
  const issued = options.now.getTime() - DAY_MS;
  const expires = (role: Role): string => tufTime(new Date(issued + EXPIRY_DAYS[role] * DAY_MS));
  const keys = Object.fromEntries(
    ROLES.map((role) => [
      role,
      Array.from({ length: KEY_COUNTS[role] }, () =>
        generateKey('ed25519', { legacyKeyidHashAlgorithms: true }),
      ),
    ]),
  ) as Record<Role, TestKey[]>;
  // Fleet signs each role with one of its keys (threshold 1).
  const signer = (role: Role): TestKey[] => keys[role].slice(0, 1);

  const publicKeys: Record<string, TufPublicKey> = {};
  for (const key of ROLES.flatMap((role) => keys[role])) {
    publicKeys[key.keyid] = sorted({ ...key.publicKey });
  }
  const root = signEnvelope(
    {
      _type: 'root',
      consistent_snapshot: false,
      expires: expires('root'),
      keys: sorted(publicKeys),
      roles: sorted(
        Object.fromEntries(
          ROLES.map((role) => [role, { keyids: keys[role].map((key) => key.keyid), threshold: 1 }]),
        ),
      ),
      spec_version: '1.0',
      version: 1,
    },
    signer('root'),
  );

  const { targets, releases } = fleetTargets(options.targets);
  const targetsBytes = render(
    signEnvelope(
      {
        _type: 'targets',
        delegations: { keys: {}, roles: [] },
        expires: expires('targets'),
        spec_version: '1.0',
        targets: Object.fromEntries([...targets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
        version: releases,
      },
      signer('targets'),
    ),
  );

  const fileInfo = (version: number, bytes: Buffer) => ({
    hashes: { sha512: sha512Hex(bytes) },
    length: bytes.length,
    version,
  });
  const snapshotBytes = render(
    signEnvelope(
      {
        _type: 'snapshot',
        expires: expires('snapshot'),
        meta: { 'targets.json': fileInfo(releases, targetsBytes) },
        spec_version: '1.0',
        version: releases,
      },
      signer('snapshot'),
    ),
  );
  const timestampBytes = render(
    signEnvelope(
      {
        _type: 'timestamp',
        expires: expires('timestamp'),
        meta: { 'snapshot.json': fileInfo(releases, snapshotBytes) },
        spec_version: '1.0',
        // Timestamp versions run into the thousands: re-signed weekly besides every release.
        version: 4000 + releases,
      },
      signer('timestamp'),
    ),
  );

  const rootBytes = render(root);
  const files = new Map<string, Buffer>([
    ['1.root.json', rootBytes],
    ['root.json', rootBytes],
    ['timestamp.json', timestampBytes],
    ['snapshot.json', snapshotBytes],
    ['targets.json', targetsBytes],
  ]);
  writeRepo(files, dir);
  return {
    dir,
    targets: targets.size,
    sizes: Object.fromEntries([...files].map(([name, bytes]) => [name, bytes.length])),
  };
}

/** The reference time of every benchmark run: fixed, so that expiries never drift into warnings. */
export const BENCH_NOW = new Date('2030-01-01T00:00:00Z');

// Command-line entry, to generate a repository for profiling by hand.
if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  const [dir, count] = process.argv.slice(2);
  if (dir === undefined || count === undefined || !/^\d+$/.test(count)) {
    console.error('usage: generate.js DIR TARGETS');
    process.exit(2);
  }
  const repo = generateFleetRepository(dir, {
    targets: Number(count),
    now: BENCH_NOW,
  });
  console.log(JSON.stringify(repo));
}

import type { TargetFile } from '../../tuf/metadata.js';
import type { CheckDefinition, OrbitLayout } from '../types.js';
import { evaluateRepositories } from './common.js';

/** A release directory: `1.38.0`, `5.12.1-rc.1`; not the `1.38` and `1` aliases, nor channels. */
const RELEASE_VERSION = /^\d+\.\d+\.\d+(?:[-+.][0-9A-Za-z.+-]*)?$/;

interface ChannelEvidence {
  status: 'ok' | 'missing' | 'unreleased';
  /** The newest versioned release with the same bytes. */
  version?: string;
  /** Every versioned release with the same bytes. */
  versions?: string[];
}

/**
 * Orbit's layout (fleetctl `updates add`): every file is published under
 * `<component>/<platform>/<version>/<file>` and the same bytes under its
 * aliases, channels among them. A channel whose bytes no versioned release has
 * is how a bad push to `stable` looks.
 */
export const orbitLayoutCheck: CheckDefinition = {
  id: 'tuf.orbit-layout',
  title: 'Every Orbit channel points at a signed, versioned release',
  component: 'tuf-repository',
  severity: 'high',
  criteria: ['CC8.1', 'PI1.5'],
  remediation:
    'Missing: agents on that channel cannot update that component; publish it with `fleetctl updates add --target <file> --name <component> --platform <platform> --version <x.y.z> -t <x.y> -t <x> -t <channel>`. ' +
    "Points at no versioned release: the channel serves bytes that were never released as a version. Find who pushed it (CloudTrail), and if it was not an intended release, re-point the channel at the last good version with the same command and that version's file. " +
    'If nobody on the team pushed it, treat the targets key as compromised and rotate it (`fleetctl updates rotate targets`).',
  evaluate: (data) =>
    evaluateRepositories(
      {
        roles: ['targets'],
        // Channels read from a forged targets.json say nothing about what agents install.
        readsContentOf: ['targets'],
        notApplicable({ orbit }) {
          if (orbit === undefined) return 'no Orbit layout is configured for this repository';
          if (orbit.channels.length === 0 || Object.keys(orbit.components).length === 0)
            return 'the Orbit layout lists no component or no channel';
          return undefined;
        },
        evaluate(repo) {
          // notApplicable let only repositories with a layout through.
          const orbit = repo.orbit as OrbitLayout;
          const targets = repo.targets ?? repo.report.targets;
          if (targets === undefined) {
            return {
              status: 'error',
              problems: ['the trusted targets were not collected'],
              evidence: {},
            };
          }
          const channels: Record<string, ChannelEvidence> = {};
          const problems: string[] = [];
          for (const [component, platforms] of Object.entries(orbit.components)) {
            for (const [platform, file] of Object.entries(platforms)) {
              const releases = versionedReleases(targets, `${component}/${platform}/`, `/${file}`);
              for (const channel of orbit.channels) {
                const path = `${component}/${platform}/${channel}/${file}`;
                const info = Object.hasOwn(targets, path) ? targets[path] : undefined;
                if (info === undefined) {
                  channels[path] = { status: 'missing' };
                  problems.push(`${path} is missing`);
                  continue;
                }
                const versions = releases
                  .filter((r) => sameBytes(r.info, info))
                  .map((r) => r.version)
                  .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
                const version = versions.at(-1);
                if (version === undefined) {
                  channels[path] = { status: 'unreleased', versions: [] };
                  problems.push(`${path} points at bytes no versioned release has`);
                } else {
                  channels[path] = { status: 'ok', version, versions };
                }
              }
            }
          }
          return {
            status: problems.length > 0 ? 'fail' : 'pass',
            problems,
            evidence: { channels },
            summary: `${Object.keys(channels).length} channel targets point at versioned releases`,
          };
        },
      },
      data,
    ),
};

function versionedReleases(
  targets: Readonly<Record<string, TargetFile>>,
  prefix: string,
  suffix: string,
): { version: string; info: TargetFile }[] {
  const releases: { version: string; info: TargetFile }[] = [];
  for (const [path, info] of Object.entries(targets)) {
    if (!path.startsWith(prefix) || !path.endsWith(suffix)) continue;
    const version = path.slice(prefix.length, path.length - suffix.length);
    if (RELEASE_VERSION.test(version)) releases.push({ version, info });
  }
  return releases;
}

/** Same length, and every hash both list is equal (at least one). */
function sameBytes(a: TargetFile, b: TargetFile): boolean {
  if (a.length !== b.length) return false;
  const common = Object.keys(a.hashes).filter((alg) => Object.hasOwn(b.hashes, alg));
  return common.length > 0 && common.every((alg) => a.hashes[alg] === b.hashes[alg]);
}

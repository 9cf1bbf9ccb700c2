import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTROL_CATALOG } from '../../checks/controls.js';
import { DEFAULT_CHECK_SETTINGS } from '../../checks/types.js';
import type { RepositoryConfig, TufwatchConfig } from '../../server/types.js';
import { DEFAULT_HORIZONS, DEFAULT_LIMITS } from '../../tuf/limits.js';
import { RepoBuilder, writeRepo } from './builder.js';

export const NOW = new Date('2030-01-01T00:00:00Z');

/** A clean Orbit-like repository written to a temp dir, with its builder for later versions. */
export function orbitRepository(now = NOW): {
  builder: RepoBuilder;
  dir: string;
  config: RepositoryConfig;
} {
  const builder = new RepoBuilder({
    now,
    roles: { root: { threshold: 2 } },
    hashAlgorithms: ['sha512'],
  });
  for (const channel of ['1.2.3', 'stable']) {
    builder.addTarget(`orbit/macos/${channel}/orbit`, 'orbit 1.2.3', {
      custom: { version: '1.2.3' },
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'tufwatch-repo-'));
  const files = builder.build();
  writeRepo(files, dir);
  return {
    builder,
    dir,
    config: {
      name: 'orbit',
      url: dir,
      targetsUrl: join(dir, 'targets'),
      trustedRoot: join(dir, '1.root.json'),
      trustedRootBytes: files.get('1.root.json') as Uint8Array,
      checkTargets: true,
      orbit: { components: { orbit: { macos: 'orbit' } }, channels: ['stable'] },
      // An agent release that embeds the first root (tuf.agent-roots).
      agentRoots: [
        {
          name: 'fleetd-1',
          root: join(dir, '1.root.json'),
          rootBytes: files.get('1.root.json') as Uint8Array,
        },
      ],
    },
  };
}

/** A complete service config around the given repositories, stored in memory. */
export function serviceConfig(
  repositories: RepositoryConfig[],
  overrides: Partial<TufwatchConfig> = {},
): TufwatchConfig {
  return {
    system: { name: 'Test update service', description: 'An Orbit-like repository for tests' },
    repositories,
    storage: { path: ':memory:' },
    server: { host: '127.0.0.1', port: 0 },
    schedule: { intervalSeconds: 60, checkTimeoutSeconds: 30 },
    auth: { tokens: ['test-token-0123456789abcdef'], metricsAuth: false },
    verification: { horizons: { ...DEFAULT_HORIZONS }, limits: { ...DEFAULT_LIMITS } },
    checks: { ...DEFAULT_CHECK_SETTINGS },
    controls: [...CONTROL_CATALOG],
    maxUploadBytes: 1_000_000,
    evidence: { retentionDays: 400 },
    ...overrides,
  };
}

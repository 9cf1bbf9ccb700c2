import { spawnSync } from 'node:child_process';

/**
 * promtool, from the Prometheus release (Debian/Ubuntu: `apt-get install
 * prometheus`). Tests that need it are skipped when it is missing on a
 * developer machine; under CI (the CI variable set) they run and fail instead,
 * so a CI image without it cannot pass silently.
 */
export const PROMTOOL = process.env.PROMTOOL ?? 'promtool';

const probe = spawnSync(PROMTOOL, ['--version'], { encoding: 'utf8' });

/** A tap `skip` value: false, or why the test is skipped. */
export const promtoolMissing: string | false =
  probe.error === undefined || process.env.CI !== undefined
    ? false
    : `${PROMTOOL} is not installed (apt-get install prometheus, or set PROMTOOL); CI installs it`;

export interface PromtoolResult {
  status: number | null;
  /** stdout and stderr together, for the test log. */
  output: string;
}

export function promtool(
  args: string[],
  options: { input?: string; cwd?: string } = {},
): PromtoolResult {
  const result = spawnSync(PROMTOOL, args, {
    encoding: 'utf8',
    input: options.input ?? '',
    cwd: options.cwd,
    timeout: 60_000,
  });
  const spawnError = result.error === undefined ? '' : `spawn failed: ${result.error.message}\n`;
  return { status: result.status, output: spawnError + result.stdout + result.stderr };
}

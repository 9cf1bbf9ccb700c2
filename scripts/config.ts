import {
  parseVerificationConfig,
  readConfigFile,
  type ConfigError,
  type VerificationConfig,
} from '../server/config.js';
import { DEFAULT_HORIZONS, DEFAULT_LIMITS } from '../tuf/limits.js';
import { UsageError } from './io.js';

export type { VerificationConfig };

/**
 * Reads the config file's `verification` section with the service's own
 * validation; other sections belong to the service. Every bad field is named,
 * and any problem is a UsageError (exit 2) whose cause is the ConfigError.
 */
export async function loadVerificationConfig(
  path: string | undefined,
): Promise<VerificationConfig> {
  if (path === undefined)
    return { horizons: { ...DEFAULT_HORIZONS }, limits: { ...DEFAULT_LIMITS } };
  try {
    return parseVerificationConfig(await readConfigFile(path), path);
  } catch (err) {
    // Both throw only ConfigError, whose message names the file and every problem.
    throw new UsageError((err as ConfigError).message, { cause: err });
  }
}

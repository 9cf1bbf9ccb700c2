import { readFile } from 'node:fs/promises';
import { DEFAULT_HORIZONS, DEFAULT_LIMITS, type Horizons, type Limits } from '../tuf/limits.js';
import { UsageError } from './io.js';

/** The `verification` section of the config file: expiry horizons and size limits. */
export interface VerificationConfig {
  horizons: Horizons;
  limits: Limits;
}

/**
 * Reads the config file's `verification` section; other sections belong to the
 * service. Every bad field is named, and any problem is a UsageError (exit 2).
 */
export async function loadVerificationConfig(
  path: string | undefined,
): Promise<VerificationConfig> {
  if (path === undefined)
    return { horizons: { ...DEFAULT_HORIZONS }, limits: { ...DEFAULT_LIMITS } };
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`config ${path}: ${(err as Error).message}`);
  }
  const problems: string[] = [];
  const section = isObject(json) ? json.verification : undefined;
  if (!isObject(json)) problems.push('$: must be an object');
  const horizons = pick(section, 'horizons', DEFAULT_HORIZONS, problems);
  const limits = pick(section, 'limits', DEFAULT_LIMITS, problems);
  if (problems.length > 0) throw new UsageError(`config ${path}: ${problems.join('; ')}`);
  return { horizons, limits };
}

function pick<T extends object>(
  section: unknown,
  name: string,
  defaults: Readonly<T>,
  problems: string[],
): T {
  const out = { ...defaults };
  if (section === undefined) return out;
  if (!isObject(section)) {
    problems.push('verification: must be an object');
    return out;
  }
  const given = section[name];
  if (given === undefined) return out;
  if (!isObject(given)) {
    problems.push(`verification.${name}: must be an object`);
    return out;
  }
  for (const [field, value] of Object.entries(given)) {
    if (!(field in defaults)) {
      problems.push(`verification.${name}.${field}: unknown field`);
    } else if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      problems.push(`verification.${name}.${field}: must be a non-negative integer`);
    } else {
      (out as Record<string, number>)[field] = value;
    }
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

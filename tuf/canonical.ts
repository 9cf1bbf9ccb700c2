import { canonicalize } from '@tufjs/canonical-json';
import { TufError } from './errors.js';

/**
 * The bytes TUF signs: OLPC canonical JSON of the `signed` object (DESIGN.md:
 * not RFC 8785, which escapes the newlines inside PEM keys).
 * A float, or nesting too deep to encode, makes the metadata malformed.
 */
export function canonicalBytes(value: unknown, role?: string): Buffer {
  try {
    return Buffer.from(canonicalize(value), 'utf8');
  } catch (cause) {
    throw new TufError(
      'MALFORMED_METADATA',
      `signed content cannot be canonicalized (floats and non-JSON values are not allowed): ${String(cause)}`,
      role === undefined ? {} : { role },
      { cause },
    );
  }
}

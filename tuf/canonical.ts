import { TufError } from './errors.js';
import { isWellFormed, type JsonValue } from './json.js';

/**
 * The bytes TUF signs: OLPC canonical JSON of the `signed` object (DESIGN.md:
 * not RFC 8785, which escapes the newlines inside PEM keys).
 * A float, a string with no UTF-8 encoding (a lone surrogate), or nesting too
 * deep to encode makes the metadata malformed.
 */
export function canonicalBytes(value: unknown, role?: string): Buffer {
  try {
    return Buffer.from(canonicalText(value), 'utf8');
  } catch (cause) {
    throw new TufError(
      'MALFORMED_METADATA',
      `signed content cannot be canonicalized (floats, lone surrogates and non-JSON values are not allowed): ${String(cause)}`,
      role === undefined ? {} : { role },
      { cause },
    );
  }
}

/**
 * canonicalBytes of a value that readJson found plain (json.ts): JSON.stringify
 * writes it in canonical form, so the walk that would prove it is skipped.
 */
export function plainCanonicalBytes(value: JsonValue): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/**
 * OLPC canonical JSON as go-tuf and python-tuf write it: no whitespace, only
 * `"` and `\` escaped, integers only, object keys in code point order. A
 * bigint is an integer beyond 2^53 as parseJson read it: written digit for digit.
 *
 * Why not @tufjs/canonical-json (still the test oracle): it sorts keys by
 * UTF-16 code unit, Go sorts UTF-8 bytes and Python sorts code points, and
 * the two orders differ for keys that mix characters above U+FFFF (emoji in a
 * target path) with U+E000..U+FFFF. Go-signed metadata with such keys would
 * not verify. Throws on values OLPC cannot encode.
 */
export function canonicalText(value: unknown): string {
  const text = fastCanonical(value) ?? encode(value);
  // UTF-8 would turn a lone surrogate into U+FFFD: two strings, one signature.
  if (!isWellFormed(text)) throw new TypeError('a string holds a lone surrogate (no UTF-8 form)');
  return text;
}

function encode(value: unknown): string {
  if (typeof value === 'string') return encodeString(value);
  if (typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new TypeError(`cannot encode the number ${value}`);
    return JSON.stringify(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(encode).join(',')}]`;
  if (typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const members = Object.keys(object)
      .sort(compareCodePoints)
      .map((key) => `${encodeString(key)}:${encode(object[key])}`);
    return `{${members.join(',')}}`;
  }
  throw new TypeError(`cannot encode a value of type ${typeof value}`);
}

function encodeString(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/** Orders strings by code point: UTF-16 units U+E000..U+FFFF move below the surrogates that encode U+10000 and up. */
export function compareCodePoints(a: string, b: string): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/**
 * go-tuf and python-tuf write keys already sorted. For such a value with only
 * integers, JSON.stringify produces the canonical form byte for byte, unless it
 * escaped something OLPC leaves raw (control characters, lone surrogates): any
 * backslash not followed by `"` or `\` sends the value to the general encoder,
 * and so does any unit from U+D800 up, where UTF-16 order and code point order
 * part. A 100k-target Fleet repository spends a third of its verification here
 * otherwise (npm run bench). Returns undefined when the fast path does not apply.
 */
function fastCanonical(value: unknown): string | undefined {
  if (!sortedWithIntegersOnly(value)) return undefined;
  const text = JSON.stringify(value);
  return NOT_FOR_THE_FAST_PATH.test(text) ? undefined : text;
}

// A conservative test: `\\n` (an escaped backslash, then n) also matches, which only costs the fast path.
const NOT_FOR_THE_FAST_PATH = /\\[^"\\]|[\ud800-\uffff]/;

/** Every object's own keys in ascending UTF-16 order (code point order below U+D800), every number an integer. */
function sortedWithIntegersOnly(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'number') {
      if (!Number.isInteger(value)) return false;
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else if (typeof value === 'object' && value !== null) {
      let previous: string | undefined;
      for (const key in value) {
        if (previous !== undefined && !(previous < key)) return false;
        previous = key;
        pending.push((value as Record<string, unknown>)[key]);
      }
    } else if (typeof value !== 'string' && typeof value !== 'boolean' && value !== null) {
      // bigints: JSON.stringify throws on them, the encoder writes their digits.
      // undefined, functions: JSON.stringify would drop them; the encoder refuses them.
      return false;
    }
  }
  return true;
}

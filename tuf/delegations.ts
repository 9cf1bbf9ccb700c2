/**
 * Which delegated role is trusted for which target path: path patterns, hash
 * prefixes (TUF spec 4.5, "delegations"), succinct hash bins (TAP 15), and the
 * role names that may become file names.
 *
 * Pure computation: no fs, no network, no clock. The semantics follow
 * python-tuf's `DelegatedRole.is_delegated_path` and `SuccinctRoles`, the
 * reference implementation the spec points to.
 */
import { createHash } from 'node:crypto';

import { TufError } from './errors.js';
import { TOP_LEVEL_ROLES } from './metadata.js';

// --- Path patterns --------------------------------------------------------

/**
 * One compiled element of a pattern segment. Every kind except `star`
 * consumes exactly one character, which is what makes the linear-backtracking
 * matcher below correct.
 */
type Token =
  | { readonly kind: 'star' }
  | { readonly kind: 'any' }
  | { readonly kind: 'literal'; readonly cp: number }
  | {
      readonly kind: 'class';
      readonly negated: boolean;
      /** Inclusive code point ranges; a single member is [c, c]. */
      readonly ranges: readonly (readonly [number, number])[];
    };

const STAR = 0x2a; // *
const QUESTION = 0x3f; // ?
const LBRACKET = 0x5b; // [
const RBRACKET = 0x5d; // ]
const EXCLAMATION = 0x21; // !
const HYPHEN = 0x2d; // -

/**
 * Code points, not UTF-16 units: Python's fnmatch works on code points, so
 * `?` must match one 'ö' or one '😀', and class ranges compare code points.
 */
function codePoints(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) {
    // for..of yields whole code points, so codePointAt(0) is always defined.
    out.push(ch.codePointAt(0)!);
  }
  return out;
}

/**
 * Parses a `[...]` class whose '[' is just before `start`, with the rules of
 * CPython's `fnmatch.translate`: a leading '!' negates; a ']' right after '['
 * or '[!' is a member; `a-z` is a range, a '-' first or last is literal, and
 * a '-' right after a range is literal; a range whose ends are reversed
 * matches nothing (CPython drops it); everything else, '\\' and '^' included,
 * is literal. Returns undefined when there is no closing ']', in which case
 * fnmatch treats the '[' as a literal character.
 *
 * One deliberate difference: after dropping a reversed range at the start
 * (`[z-a!]`), CPython's translation begins with the next member and, if that
 * is '!', reads it as a negation. Here a '!' that is not first stays a
 * literal member, as POSIX and fnmatch's documentation say.
 */
function parseClass(
  pattern: readonly number[],
  start: number,
): { token: Token; next: number } | undefined {
  let j = start;
  const negated = pattern[j] === EXCLAMATION;
  if (negated) j++;
  const first = j;
  if (pattern[j] === RBRACKET) j++;
  while (j < pattern.length && pattern[j] !== RBRACKET) j++;
  if (j >= pattern.length) return undefined;

  const members = pattern.slice(first, j);
  const ranges: [number, number][] = [];
  let k = 0;
  for (let lo = members[k]; lo !== undefined; lo = members[k]) {
    const hi = members[k + 2];
    if (members[k + 1] === HYPHEN && hi !== undefined) {
      ranges.push([lo, hi]);
      k += 3;
    } else {
      ranges.push([lo, lo]);
      k += 1;
    }
  }
  return { token: { kind: 'class', negated, ranges }, next: j + 1 };
}

function compileSegment(pattern: readonly number[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  for (let c = pattern[i]; c !== undefined; c = pattern[i]) {
    i++;
    if (c === STAR) {
      tokens.push({ kind: 'star' });
    } else if (c === QUESTION) {
      tokens.push({ kind: 'any' });
    } else {
      const cls = c === LBRACKET ? parseClass(pattern, i) : undefined;
      if (cls === undefined) {
        // Everything else is literal: '.', '+', '(', '^', '$', '{', '\\', ...
        tokens.push({ kind: 'literal', cp: c });
      } else {
        tokens.push(cls.token);
        i = cls.next;
      }
    }
  }
  return tokens;
}

function matchesOne(token: Exclude<Token, { kind: 'star' }>, cp: number): boolean {
  switch (token.kind) {
    case 'any':
      return true;
    case 'literal':
      return token.cp === cp;
    case 'class':
      return token.ranges.some(([lo, hi]) => cp >= lo && cp <= hi) !== token.negated;
  }
}

/**
 * Wildcard matching without regexes built from untrusted patterns, so no
 * ReDoS: on a mismatch only the most recent '*' is retried one character
 * further. Because every other token consumes exactly one character, that
 * suffices, and the work is bounded by O(|text| * |tokens|).
 */
function matchSegment(tokens: readonly Token[], text: readonly number[]): boolean {
  let t = 0;
  let p = 0;
  let starP = -1; // index of the last '*' seen, -1 before any
  let starT = 0; // text index that '*' was last tried to end at
  for (let cp = text[t]; cp !== undefined; cp = text[t]) {
    const token = tokens[p];
    if (token?.kind === 'star') {
      starP = p;
      starT = t;
      p++;
    } else if (token !== undefined && matchesOne(token, cp)) {
      p++;
      t++;
    } else if (starP >= 0) {
      // Let the last '*' swallow one more character and retry after it.
      starT++;
      t = starT;
      p = starP + 1;
    } else {
      return false;
    }
  }
  // The text is used up: only '*'s, which match the empty string, may remain.
  while (tokens[p]?.kind === 'star') p++;
  return p === tokens.length;
}

/**
 * TUF spec 4.5 (`paths`): a target path matches a delegated path pattern
 * when both have the same number of '/'-separated parts and each part
 * matches with shell-style wildcards, as python-tuf's
 * `DelegatedRole._is_target_in_pathpattern` implements it (`fnmatch` per
 * part). So '*' never crosses a '/', '?' is exactly one character, `[seq]`
 * and `[!seq]` are classes, and everything else is literal. Matching is
 * case-sensitive (`fnmatchcase`, as on POSIX), and paths are taken as given:
 * no normalization of '//', leading '/' or '..'.
 */
export function matchesPathPattern(pattern: string, targetPath: string): boolean {
  const patternParts = pattern.split('/');
  const targetParts = targetPath.split('/');
  if (patternParts.length !== targetParts.length) return false;
  return patternParts.every((part, i) =>
    // The lengths are equal, so targetParts[i] exists.
    matchSegment(compileSegment(codePoints(part)), codePoints(targetParts[i]!)),
  );
}

// --- Hash prefixes ----------------------------------------------------------

/** TUF spec 4.5 (`path_hash_prefixes`): lowercase hex SHA-256 of the UTF-8 target path. */
export function targetPathHash(targetPath: string): string {
  return createHash('sha256').update(targetPath, 'utf8').digest('hex');
}

/** The two ways a delegation (TUF spec 4.5) names the targets it covers. */
export interface DelegatedPaths {
  paths?: readonly string[];
  path_hash_prefixes?: readonly string[];
}

/**
 * TUF spec 4.5 and 5.6.7.2: whether `role` is trusted for `targetPath`.
 * True when any path pattern matches or the path's hash starts with any
 * prefix. The spec allows only one of the two fields on a role; refusing a
 * role with both is the parser's job (DELEGATION_INVALID), so here they are
 * simply or-ed. A role with neither, or with empty lists, is delegated
 * nothing. Prefixes are compared as given (lowercase hex, as python-tuf does).
 */
export function isDelegatedPath(role: DelegatedPaths, targetPath: string): boolean {
  if (role.paths?.some((pattern) => matchesPathPattern(pattern, targetPath))) return true;
  const prefixes = role.path_hash_prefixes;
  if (prefixes === undefined || prefixes.length === 0) return false;
  const hash = targetPathHash(targetPath);
  return prefixes.some((prefix) => hash.startsWith(prefix));
}

// --- Succinct hash bins (TAP 15) --------------------------------------------

/** TAP 15 `succinct_roles`: 2^bit_length terminating bins sharing keys and threshold. */
export interface SuccinctRoles {
  bit_length: number;
  name_prefix: string;
  keyids: string[];
  threshold: number;
}

/** TAP 15: bit_length is between 1 and 32, so a bin number fits 4 hash bytes. */
const MAX_BIT_LENGTH = 32;

/**
 * Problems with a succinct delegation that make its bins unnameable, each
 * starting with the field it is about. Threshold and keyids are checked where
 * every role's are (INVALID_THRESHOLD), not here.
 */
export function validateSuccinct(s: SuccinctRoles): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(s.bit_length) || s.bit_length < 1 || s.bit_length > MAX_BIT_LENGTH) {
    problems.push(
      `bit_length: must be an integer from 1 to ${MAX_BIT_LENGTH}, got ${String(s.bit_length)}`,
    );
  }
  // Bin names become file names; '-0' stands for any suffix, which is hex.
  const nameProblem = validateRoleName(`${s.name_prefix}-0`);
  if (nameProblem !== undefined) problems.push(`name_prefix: ${nameProblem}`);
  return problems;
}

function assertValidSuccinct(s: SuccinctRoles): void {
  const problems = validateSuccinct(s);
  if (problems.length > 0) {
    throw new TufError('DELEGATION_INVALID', `invalid succinct_roles: ${problems.join('; ')}`, {
      problems,
    });
  }
}

/** TAP 15: the bin suffix is hex, zero-padded to the width of the last bin's number. */
function binName(s: SuccinctRoles, bin: number): string {
  const width = Math.ceil(s.bit_length / 4);
  return `${s.name_prefix}-${bin.toString(16).padStart(width, '0')}`;
}

/**
 * Default cap on the names `succinctRoleNames` builds. A valid bit_length of
 * 32 means 4 294 967 296 bins, more than an array can hold; 2^16 is the
 * largest that python-tuf's own tests enumerate.
 */
export const DEFAULT_MAX_SUCCINCT_NAMES = 65_536;

/**
 * TAP 15: the names of all 2^bit_length bins, in bin order
 * (`${name_prefix}-${hex}`). Throws TufError DELEGATION_INVALID for an invalid
 * config, and SIZE_LIMIT_EXCEEDED when there are more than `maxNames` bins
 * (details: expected = the cap, actual = the bin count); callers that verify
 * every role pass their role budget here.
 */
export function succinctRoleNames(
  s: SuccinctRoles,
  maxNames: number = DEFAULT_MAX_SUCCINCT_NAMES,
): string[] {
  assertValidSuccinct(s);
  const count = 2 ** s.bit_length;
  if (count > maxNames) {
    throw new TufError(
      'SIZE_LIMIT_EXCEEDED',
      `succinct_roles has ${count} bins, more than the ${maxNames} that may be listed`,
      { expected: maxNames, actual: count },
    );
  }
  return Array.from({ length: count }, (_, bin) => binName(s, bin));
}

/**
 * TAP 15: the bin for a target is the first bit_length bits of the SHA-256 of
 * its UTF-8 path, read big-endian (python-tuf `get_role_for_target`). Throws
 * TufError DELEGATION_INVALID for an invalid config.
 */
export function succinctRoleForTarget(s: SuccinctRoles, targetPath: string): string {
  assertValidSuccinct(s);
  const digest = createHash('sha256').update(targetPath, 'utf8').digest();
  // `>>>` keeps the result unsigned; a shift of 0 (bit_length 32) is a no-op.
  const bin = digest.readUInt32BE(0) >>> (MAX_BIT_LENGTH - s.bit_length);
  return binName(s, bin);
}

// --- Role names ---------------------------------------------------------------

/**
 * A problem with a delegated role name used as a metadata file name
 * (`<role>.json`, TUF spec 5.6), or undefined if it may be used. Refused:
 * empty and '.', which name no role file of their own, and any '/', '\\' or
 * NUL, which would change the directory or end the name early (a path
 * separator on Windows; a C string terminator). Everything else is allowed,
 * '..' and non-ASCII included: python-tuf's fishy_rolenames fixture uses
 * them, because clients URL-encode names when fetching (the source adapters
 * do).
 */
/**
 * A delegated role named like a top-level role, in any case: its file would
 * replace `root.json` and the like (`Root.json` is `root.json` on a
 * case-insensitive file system, as on macOS and Windows agents).
 */
export function namedLikeTopLevelRole(name: string): boolean {
  return TOP_LEVEL_NAMES.has(name.toLowerCase());
}

const TOP_LEVEL_NAMES: ReadonlySet<string> = new Set(TOP_LEVEL_ROLES);

export function validateRoleName(name: string): string | undefined {
  if (name === '') return 'role name is empty';
  if (name === '.') return "role name is '.'";
  if (name.includes('/')) return "role name contains '/'";
  if (name.includes('\\')) return "role name contains '\\'";
  if (name.includes('\0')) return 'role name contains NUL';
  return undefined;
}

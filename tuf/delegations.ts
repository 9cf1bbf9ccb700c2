/**
 * Which delegated role is trusted for which target path: path patterns, hash
 * prefixes (TUF spec 4.5, "delegations"), succinct hash bins (TAP 15), an
 * index that finds the delegations of a path without trying every one, and
 * the file names of role metadata.
 *
 * Pure computation: no fs, no network, no clock. The semantics follow
 * python-tuf's `DelegatedRole.is_delegated_path` and `SuccinctRoles`, the
 * reference implementation the spec points to.
 */
import { createHash } from 'node:crypto';

import { TufError } from './errors.js';
import { TOP_LEVEL_ROLES } from './metadata.js';

// --- Path patterns --------------------------------------------------------

/** One element of a pattern segment that consumes exactly one character. */
type CharToken =
  | { readonly kind: 'any' }
  | { readonly kind: 'literal'; readonly cp: number }
  | {
      readonly kind: 'class';
      readonly negated: boolean;
      /** Inclusive code point ranges; a single member is [c, c]. */
      readonly ranges: readonly (readonly [number, number])[];
    };

/**
 * A run of one-character tokens between two '*'s, with what finding it in a
 * text needs: code points for KMP when every token is a literal, else the
 * token positions for a bit-parallel (Shift-And) search.
 */
interface Chunk {
  readonly tokens: readonly CharToken[];
  /** Set when every token is a literal: their code points and the KMP failure table. */
  readonly literal: { readonly cps: Int32Array; readonly failure: Int32Array } | undefined;
}

/**
 * A compiled pattern segment: the chunks its '*'s separate. Without a '*'
 * there is one chunk that must match the whole text; with '*'s the first
 * chunk is anchored at the start, the last at the end, and the ones between
 * may float.
 */
interface CompiledSegment {
  readonly chunks: readonly Chunk[];
  readonly starred: boolean;
}

/**
 * Counts the elementary steps of matching (a character compared, a KMP or
 * Shift-And step): tests use it to prove the work is linear without timing.
 */
export interface MatchSteps {
  count: number;
}

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
): { token: CharToken; next: number } | undefined {
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

/** KMP failure table: for each prefix, the length of its longest proper border. */
function failureTable(cps: Int32Array): Int32Array {
  const failure = new Int32Array(cps.length);
  let k = 0;
  for (let i = 1; i < cps.length; i++) {
    while (k > 0 && cps[i] !== cps[k]) k = failure[k - 1]!;
    if (cps[i] === cps[k]) k++;
    failure[i] = k;
  }
  return failure;
}

function makeChunk(tokens: CharToken[]): Chunk {
  if (!tokens.every((token) => token.kind === 'literal')) return { tokens, literal: undefined };
  const cps = Int32Array.from(tokens, (token) => (token as { cp: number }).cp);
  return { tokens, literal: { cps, failure: failureTable(cps) } };
}

function compileSegment(pattern: readonly number[]): CompiledSegment {
  const chunks: Chunk[] = [];
  let tokens: CharToken[] = [];
  let i = 0;
  for (let c = pattern[i]; c !== undefined; c = pattern[i]) {
    i++;
    if (c === STAR) {
      // Consecutive '*'s are one: the chunk between them is empty.
      chunks.push(makeChunk(tokens));
      tokens = [];
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
  chunks.push(makeChunk(tokens));
  return { chunks, starred: chunks.length > 1 };
}

function matchesOne(token: CharToken, cp: number): boolean {
  switch (token.kind) {
    case 'any':
      return true;
    case 'literal':
      return token.cp === cp;
    case 'class':
      return token.ranges.some(([lo, hi]) => cp >= lo && cp <= hi) !== token.negated;
  }
}

/** Whether `chunk` matches `text` at `at` exactly (the caller checked the length fits). */
function matchesAt(chunk: Chunk, text: readonly number[], at: number, steps: MatchSteps): boolean {
  const { tokens } = chunk;
  for (let j = 0; j < tokens.length; j++) {
    steps.count++;
    if (!matchesOne(tokens[j]!, text[at + j]!)) return false;
  }
  return true;
}

/** KMP: the first index in [from, to) where the literal chunk starts, or -1. O(to - from). */
function findLiteral(
  literal: NonNullable<Chunk['literal']>,
  text: readonly number[],
  from: number,
  to: number,
  steps: MatchSteps,
): number {
  const { cps, failure } = literal;
  let k = 0;
  for (let i = from; i < to; i++) {
    const cp = text[i];
    // Each step either advances i or shrinks k, so the total is at most 2 * (to - from).
    while (k > 0 && cps[k] !== cp) {
      steps.count++;
      k = failure[k - 1]!;
    }
    steps.count++;
    if (cps[k] === cp) k++;
    if (k === cps.length) return i - k + 1;
  }
  return -1;
}

/**
 * Shift-And: the first index in [from, to) where a chunk with '?' or classes
 * starts, or -1. The state is one bit per chunk token, so the work is
 * (to - from) * ceil(tokens / 32) word steps, plus one table row per distinct
 * code point of the text.
 */
function findWithWildcards(
  chunk: Chunk,
  text: readonly number[],
  from: number,
  to: number,
  steps: MatchSteps,
): number {
  const { tokens } = chunk;
  const words = Math.ceil(tokens.length / 32);
  const rows = new Map<number, Uint32Array>();
  const rowFor = (cp: number): Uint32Array => {
    let row = rows.get(cp);
    if (row === undefined) {
      row = new Uint32Array(words);
      for (let j = 0; j < tokens.length; j++) {
        steps.count++;
        if (matchesOne(tokens[j]!, cp)) row[j >>> 5]! |= 1 << (j & 31);
      }
      rows.set(cp, row);
    }
    return row;
  };
  const state = new Uint32Array(words);
  const lastWord = (tokens.length - 1) >>> 5;
  const lastBit = 1 << ((tokens.length - 1) & 31);
  for (let i = from; i < to; i++) {
    const row = rowFor(text[i]!);
    // state = ((state << 1) | 1) & row, across words: bit j set when the first j+1 tokens end at i.
    let carry = 1;
    for (let w = 0; w < words; w++) {
      steps.count++;
      const word = state[w]!;
      state[w] = ((word << 1) | carry) & row[w]!;
      carry = word >>> 31;
    }
    if ((state[lastWord]! & lastBit) !== 0) return i - tokens.length + 1;
  }
  return -1;
}

/**
 * fnmatch of one compiled segment against one text segment, in time linear
 * in both for every chunk of literals (Knuth-Morris-Pratt), and linear in the
 * text times a 32nd of the chunk for chunks with '?' or classes (Shift-And):
 * no backtracking. Correct because each '*' absorbs anything: the anchored
 * first and last chunks must sit at the ends, and taking every floating chunk
 * at its leftmost place leaves the most room for the ones after it.
 */
function matchSegment(
  segment: CompiledSegment,
  text: readonly number[],
  steps: MatchSteps,
): boolean {
  const { chunks } = segment;
  const first = chunks[0]!;
  if (!segment.starred) {
    return text.length === first.tokens.length && matchesAt(first, text, 0, steps);
  }
  const last = chunks[chunks.length - 1]!;
  const end = text.length - last.tokens.length;
  if (first.tokens.length > end) return false;
  if (!matchesAt(first, text, 0, steps) || !matchesAt(last, text, end, steps)) return false;
  let at = first.tokens.length;
  for (let c = 1; c < chunks.length - 1; c++) {
    const chunk = chunks[c]!;
    if (chunk.tokens.length === 0) continue;
    const found =
      chunk.literal === undefined
        ? findWithWildcards(chunk, text, at, end, steps)
        : findLiteral(chunk.literal, text, at, end, steps);
    if (found < 0) return false;
    at = found + chunk.tokens.length;
  }
  return true;
}

/** A target path split as pattern matching needs it, each part converted once. */
class TargetPath {
  readonly path: string;
  readonly parts: readonly string[];
  readonly #codePoints: (number[] | undefined)[];
  #hash: string | undefined;

  constructor(path: string) {
    this.path = path;
    this.parts = path.split('/');
    this.#codePoints = new Array<number[] | undefined>(this.parts.length);
  }

  codePointsOf(i: number): number[] {
    return (this.#codePoints[i] ??= codePoints(this.parts[i]!));
  }

  get hash(): string {
    return (this.#hash ??= targetPathHash(this.path));
  }
}

/**
 * A compiled path pattern (TUF spec 4.5, `paths`): both have the same number
 * of '/'-separated parts and each part matches with shell-style wildcards,
 * as python-tuf's `DelegatedRole._is_target_in_pathpattern` implements it
 * (`fnmatch` per part). So '*' never crosses a '/', '?' is exactly one
 * character, `[seq]` and `[!seq]` are classes, and everything else is
 * literal. Matching is case-sensitive (`fnmatchcase`, as on POSIX), and paths
 * are taken as given: no normalization of '//', leading '/' or '..'.
 */
export class PathPattern {
  readonly pattern: string;
  readonly #segments: readonly CompiledSegment[];
  /** The first part when it has no wildcard: the key under which an index files this pattern. */
  readonly literalHead: string | undefined;

  constructor(pattern: string) {
    this.pattern = pattern;
    const parts = pattern.split('/');
    this.#segments = parts.map((part) => compileSegment(codePoints(part)));
    const head = this.#segments[0]!;
    this.literalHead =
      !head.starred && head.chunks[0]!.literal !== undefined ? parts[0] : undefined;
  }

  get partCount(): number {
    return this.#segments.length;
  }

  matches(targetPath: string, steps: MatchSteps = { count: 0 }): boolean {
    return this.matchesPath(new TargetPath(targetPath), steps);
  }

  /** @internal */
  matchesPath(target: TargetPath, steps: MatchSteps): boolean {
    if (target.parts.length !== this.#segments.length) return false;
    return this.#segments.every((segment, i) =>
      matchSegment(segment, target.codePointsOf(i), steps),
    );
  }
}

/** TUF spec 4.5 (`paths`): see PathPattern. */
export function matchesPathPattern(
  pattern: string,
  targetPath: string,
  steps?: MatchSteps,
): boolean {
  return new PathPattern(pattern).matches(targetPath, steps);
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
 * One delegation's paths, compiled once (TUF spec 4.5 and 5.6.7.2): trusted
 * for a target when any path pattern matches or the path's hash starts with
 * any prefix. The spec allows only one of the two fields on a role; refusing
 * a role with both is the parser's job (DELEGATION_INVALID), so here they are
 * simply or-ed. A role with neither, or with empty lists, is delegated
 * nothing. Prefixes are compared as given (lowercase hex, as python-tuf does).
 */
export class DelegatedPathsMatcher {
  readonly patterns: readonly PathPattern[];
  readonly prefixes: readonly string[];

  constructor(role: DelegatedPaths) {
    this.patterns = (role.paths ?? []).map((pattern) => new PathPattern(pattern));
    this.prefixes = role.path_hash_prefixes ?? [];
  }

  matches(targetPath: string, steps: MatchSteps = { count: 0 }): boolean {
    return this.matchesPath(new TargetPath(targetPath), steps);
  }

  /** @internal */
  matchesPath(target: TargetPath, steps: MatchSteps): boolean {
    if (this.patterns.some((pattern) => pattern.matchesPath(target, steps))) return true;
    if (this.prefixes.length === 0) return false;
    const hash = target.hash;
    return this.prefixes.some((prefix) => hash.startsWith(prefix));
  }
}

/** TUF spec 4.5 and 5.6.7.2: whether `role` is trusted for `targetPath` (see DelegatedPathsMatcher). */
export function isDelegatedPath(role: DelegatedPaths, targetPath: string): boolean {
  return new DelegatedPathsMatcher(role).matches(targetPath);
}

/**
 * The delegations of one targets role, indexed so that finding those trusted
 * for a path does not try every one (issue: a role with many delegations and
 * many targets cost delegations x targets pattern matches). Patterns are
 * filed by their part count and, when it has no wildcard, their first part;
 * hash prefixes by the prefix. A lookup tries only the delegations filed
 * under the path's own keys, then keeps the listed order (TUF 5.6.7.2: the
 * first listed is the most trusted).
 */
export class DelegationIndex<T> {
  readonly #roles: readonly T[];
  readonly #matchers: readonly DelegatedPathsMatcher[];
  /** `${partCount}/${literal first part}` or `${partCount}` (wildcard first part) -> role indexes. */
  readonly #byPattern = new Map<string, number[]>();
  readonly #byPrefix = new Map<string, number[]>();
  /** Distinct prefix lengths, so that a lookup slices the path hash once per length. */
  readonly #prefixLengths: readonly number[];

  /** `pathsOf` gives the paths of each delegation (a DelegatedRole is its own). */
  constructor(roles: readonly T[], pathsOf: (role: T) => DelegatedPaths) {
    this.#roles = roles;
    this.#matchers = roles.map((role) => new DelegatedPathsMatcher(pathsOf(role)));
    const lengths = new Set<number>();
    this.#matchers.forEach((matcher, index) => {
      for (const pattern of matcher.patterns) {
        const key =
          pattern.literalHead === undefined
            ? String(pattern.partCount)
            : `${pattern.partCount}/${pattern.literalHead}`;
        fileUnder(this.#byPattern, key, index);
      }
      for (const prefix of matcher.prefixes) {
        fileUnder(this.#byPrefix, prefix, index);
        lengths.add(prefix.length);
      }
    });
    this.#prefixLengths = [...lengths];
  }

  /**
   * The delegations trusted for `targetPath`, in listed order, up to and
   * including the first terminating one (python-tuf
   * `Delegations.get_roles_for_target`). `steps` counts pattern work.
   */
  rolesFor(
    targetPath: string,
    isTerminating: (role: T) => boolean,
    steps: MatchSteps = { count: 0 },
  ): { roles: T[]; terminating: boolean } {
    const target = new TargetPath(targetPath);
    const candidates = new Set<number>();
    const add = (indexes: readonly number[] | undefined): void => {
      for (const index of indexes ?? []) candidates.add(index);
    };
    const parts = target.parts.length;
    add(this.#byPattern.get(String(parts)));
    add(this.#byPattern.get(`${parts}/${target.parts[0]!}`));
    for (const length of this.#prefixLengths) {
      add(this.#byPrefix.get(target.hash.slice(0, length)));
    }
    const roles: T[] = [];
    for (const index of [...candidates].sort((a, b) => a - b)) {
      if (!this.#matchers[index]!.matchesPath(target, steps)) continue;
      const role = this.#roles[index]!;
      roles.push(role);
      if (isTerminating(role)) return { roles, terminating: true };
    }
    return { roles, terminating: false };
  }
}

function fileUnder(map: Map<string, number[]>, key: string, index: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [index]);
  // A role with two patterns under one key is filed once: the list is in index order.
  else if (list[list.length - 1] !== index) list.push(index);
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
 * every role's are (INVALID_THRESHOLD), not here. Any name_prefix is allowed:
 * bin names are data, made safe as file names by `quoteName`.
 */
export function validateSuccinct(s: SuccinctRoles): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(s.bit_length) || s.bit_length < 1 || s.bit_length > MAX_BIT_LENGTH) {
    problems.push(
      `bit_length: must be an integer from 1 to ${MAX_BIT_LENGTH}, got ${String(s.bit_length)}`,
    );
  }
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
 * A delegated role named like a top-level role, in any case: its stored file
 * would replace `root.json` and the like (`Root.json` is `root.json` on a
 * case-insensitive file system, as on macOS and Windows agents).
 */
export function namedLikeTopLevelRole(name: string): boolean {
  return TOP_LEVEL_NAMES.has(name.toLowerCase());
}

const TOP_LEVEL_NAMES: ReadonlySet<string> = new Set(TOP_LEVEL_ROLES);

const NOT_ENCODED_BY_PYTHON_QUOTE = /[!'()*]/g;

/**
 * A name as one file name: python's `urllib.parse.quote(name, '')`, which
 * python-tuf uses for the metadata file of a role, both to fetch it and to
 * store it. Everything but A-Za-z0-9 and `_.-~` is percent-encoded as UTF-8,
 * '/' and '%' included, so no role name can reach another directory
 * (`../x` is `..%2Fx`). Names are data: none is refused. Throws TufError
 * MALFORMED_METADATA for a string with lone surrogates, which has no UTF-8 form.
 */
export function quoteName(name: string): string {
  if (/\p{Cs}/u.test(name)) {
    throw new TufError('MALFORMED_METADATA', `${JSON.stringify(name)} is not well-formed Unicode`);
  }
  // encodeURIComponent also leaves !'()* alone; quote(name, '') does not.
  return encodeURIComponent(name).replace(
    NOT_ENCODED_BY_PYTHON_QUOTE,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The file that holds a role's metadata (TUF 5.5.1, 5.6.1): `<quoted role>.json`,
 * or `<version>.<quoted role>.json` with consistent snapshots, as python-tuf's
 * `Updater._download_metadata` builds it. The names '.' and '..' need nothing
 * more: `..json` and `1...json` are plain file names. The snapshot lists the
 * role as `<role>.json`, unquoted (TUF 4.4).
 */
export function roleFileName(
  role: string,
  version: number | undefined,
  consistentSnapshot: boolean,
): string {
  const name = `${quoteName(role)}.json`;
  return consistentSnapshot && version !== undefined ? `${version}.${name}` : name;
}

import t from 'tap';

import {
  DEFAULT_MAX_SUCCINCT_NAMES,
  DelegationIndex,
  isDelegatedPath,
  PathPattern,
  matchesPathPattern,
  succinctRoleForTarget,
  succinctRoleNames,
  targetPathHash,
  validateSuccinct,
  type DelegatedPaths,
  type SuccinctRoles,
} from '../../tuf/delegations.js';
import { TufError } from '../../tuf/errors.js';

interface PatternCase {
  pattern: string;
  target: string;
  matches: boolean;
  why?: string;
}

// python-tuf tests/test_api.py test_is_target_in_pathpattern: supported_use_cases
// and invalid_use_cases, as (pattern, target).
const pythonTufPatternCases: PatternCase[] = [
  { pattern: 'foo.tgz', target: 'foo.tgz', matches: true },
  { pattern: '*', target: 'foo.tgz', matches: true },
  { pattern: '*.tgz', target: 'foo.tgz', matches: true },
  { pattern: 'foo-version-?.tgz', target: 'foo-version-a.tgz', matches: true },
  { pattern: 'targets/*.tgz', target: 'targets/foo.tgz', matches: true },
  { pattern: 'foo/bar/zoo/*', target: 'foo/bar/zoo/k.tgz', matches: true },
  { pattern: 'foo/*/zoo/*', target: 'foo/bar/zoo/k.tgz', matches: true },
  { pattern: '*/*/*/*', target: 'foo/bar/zoo/k.tgz', matches: true },
  { pattern: 'f?o/bar', target: 'foo/bar', matches: true },
  { pattern: '*o/bar', target: 'foo/bar', matches: true },
  { pattern: '*.tgz', target: 'targets/foo.tgz', matches: false },
  { pattern: '*.tgz', target: '/foo.tgz', matches: false },
  { pattern: '*', target: 'targets/foo.tgz', matches: false },
  { pattern: 'foo-version-?.tgz', target: 'foo-version-alpha.tgz', matches: false },
  { pattern: '*/bar', target: 'foo//bar', matches: false },
  { pattern: 'f?/bar', target: 'foo/bar', matches: false },
  // python-tuf tests/test_updater_delegation_graphs.py TestTargetFileSearch.
  { pattern: '*.md', target: 'README.md', matches: true },
  { pattern: 'releases/*/*', target: 'releases/x/x_v1', matches: true },
  { pattern: 'releases/y/*.zip', target: 'releases/y/y_v1.zip', matches: true },
  { pattern: 'releases/y/*.zip', target: 'releases/z/z_v1.zip', matches: false },
];

// Expected values checked with python3: DelegatedRole._is_target_in_pathpattern,
// i.e. split on '/' and fnmatch.fnmatchcase per part.
const fnmatchCases: PatternCase[] = [
  { pattern: '', target: '', matches: true, why: 'empty matches empty' },
  { pattern: '*', target: '', matches: true, why: '* matches the empty string' },
  { pattern: 'a/*', target: 'a/', matches: true, why: '* matches an empty last part' },
  { pattern: 'a/', target: 'a', matches: false, why: 'trailing slash adds a part' },
  { pattern: '**', target: 'a/b', matches: false, why: '** is no globstar' },
  { pattern: 'a**b', target: 'ab', matches: true, why: 'consecutive stars' },
  { pattern: '*x', target: 'abc', matches: false, why: 'star cannot rescue a mismatch' },
  {
    pattern: 'x*',
    target: 'abc',
    matches: false,
    why: 'the part before the first star is anchored',
  },
  { pattern: 'ab*ba', target: 'aba', matches: false, why: 'the anchored ends may not overlap' },
  { pattern: 'ab*ba', target: 'abba', matches: true, why: 'the ends meet' },
  { pattern: 'ab', target: 'a', matches: false, why: 'pattern longer than text' },
  { pattern: 'a', target: 'ab', matches: false, why: 'text longer than pattern' },
  { pattern: '?', target: '', matches: false, why: '? needs one character' },
  { pattern: 'a*b*c', target: 'aXbYbZc', matches: true, why: 'backtracking over stars' },
  { pattern: 'a*b*c', target: 'aXbYbZ', matches: false, why: 'backtracking fails' },
  { pattern: 'FOO', target: 'foo', matches: false, why: 'case-sensitive' },
  // Regex metacharacters are literal.
  { pattern: 'v1.0', target: 'v1x0', matches: false, why: '. is literal' },
  { pattern: 'v1.0', target: 'v1.0', matches: true, why: '. is literal' },
  { pattern: 'a+', target: 'aa', matches: false, why: '+ is literal' },
  { pattern: 'a+', target: 'a+', matches: true, why: '+ is literal' },
  { pattern: '(a|b)', target: 'a', matches: false, why: '( | ) are literal' },
  { pattern: '(a|b)', target: '(a|b)', matches: true, why: '( | ) are literal' },
  { pattern: '^a$', target: 'a', matches: false, why: '^ $ are literal' },
  { pattern: '^a$', target: '^a$', matches: true, why: '^ $ are literal' },
  { pattern: 'a{2}', target: 'aa', matches: false, why: '{} are literal' },
  { pattern: 'a{2}', target: 'a{2}', matches: true, why: '{} are literal' },
  { pattern: '\\*', target: 'x', matches: false, why: 'no backslash escapes' },
  { pattern: '\\*', target: '\\x', matches: true, why: 'backslash is literal, * still a wildcard' },
  // Character classes.
  { pattern: 'file[0-9].txt', target: 'file7.txt', matches: true, why: 'range' },
  { pattern: 'file[0-9].txt', target: 'filex.txt', matches: false, why: 'range' },
  { pattern: 'file[!0-9].txt', target: 'filex.txt', matches: true, why: 'negated range' },
  { pattern: 'file[!0-9].txt', target: 'file7.txt', matches: false, why: 'negated range' },
  { pattern: '[abc]', target: 'b', matches: true, why: 'set' },
  { pattern: '[abc]', target: 'd', matches: false, why: 'set' },
  { pattern: '[]]', target: ']', matches: true, why: '] first is a member' },
  { pattern: '[!]]', target: ']', matches: false, why: '] first after ! is a member' },
  { pattern: '[!]]', target: 'a', matches: true, why: '] first after ! is a member' },
  { pattern: '[]-a]', target: '^', matches: true, why: '] can start a range' },
  { pattern: '[a-]', target: '-', matches: true, why: 'trailing - is literal' },
  { pattern: '[a-]', target: 'b', matches: false, why: 'trailing - is literal' },
  { pattern: '[-a]', target: '-', matches: true, why: 'leading - is literal' },
  { pattern: '[a-c-e]', target: '-', matches: true, why: '- after a range is literal' },
  { pattern: '[a-c-e]', target: 'd', matches: false, why: '- after a range is literal' },
  { pattern: '[z-a]', target: 'm', matches: false, why: 'reversed range matches nothing' },
  { pattern: '[!z-a]', target: 'm', matches: true, why: 'negated empty class matches all' },
  { pattern: '[z-ab]', target: 'b', matches: true, why: 'reversed range is dropped alone' },
  { pattern: '[^a]', target: '^', matches: true, why: '^ is no negation' },
  { pattern: '[^a]', target: 'b', matches: false, why: '^ is no negation' },
  { pattern: '[\\]', target: '\\', matches: true, why: 'backslash in a class is literal' },
  { pattern: '[a&&b]', target: '&', matches: true, why: 'no set operations' },
  { pattern: '[ab', target: '[ab', matches: true, why: 'unclosed [ is literal' },
  { pattern: '[ab', target: 'a', matches: false, why: 'unclosed [ is literal' },
  { pattern: '[!', target: '[!', matches: true, why: 'unclosed [! is literal' },
  { pattern: '[]', target: '[]', matches: true, why: '[] alone is literal' },
  { pattern: '[*]', target: '*', matches: true, why: '* in a class is literal' },
  { pattern: '[*]', target: 'x', matches: false, why: '* in a class is literal' },
  { pattern: 'a[/]b', target: 'a/b', matches: false, why: 'split on / happens first' },
  { pattern: '[?]', target: '?', matches: true, why: '? in a class is literal' },
  // Code points, not UTF-16 units.
  { pattern: '?', target: 'ö', matches: true, why: 'one code point' },
  { pattern: '?', target: '😀', matches: true, why: 'astral: one code point' },
  { pattern: '??', target: '😀', matches: false, why: 'astral: not two characters' },
  { pattern: '*x', target: '😀x', matches: true, why: 'star over astral' },
  { pattern: '[😀-😂]', target: '😁', matches: true, why: 'astral range' },
  { pattern: '[\uffff-😂]', target: '😁', matches: true, why: 'ranges compare code points' },
  { pattern: '[😀-\uffff]', target: '\ufffe', matches: false, why: 'ranges compare code points' },
  // Divergence: CPython's fnmatch drops the reversed range 'z-a' and then reads
  // the following '!' as a negation, so it would match 'x' here. We keep POSIX
  // and documented fnmatch semantics: '!' not first is a literal member.
  { pattern: '[z-a!]', target: '!', matches: true, why: 'CPython quirk not reproduced' },
  { pattern: '[z-a!]', target: 'x', matches: false, why: 'CPython quirk not reproduced' },
];

for (const c of [...pythonTufPatternCases, ...fnmatchCases]) {
  const verb = c.matches ? 'matches' : 'does not match';
  const why = c.why === undefined ? '' : ` (${c.why})`;
  const name = `${JSON.stringify(c.pattern)} ${verb} ${JSON.stringify(c.target)}${why}`;
  void t.test(name, (t) => {
    t.equal(matchesPathPattern(c.pattern, c.target), c.matches);
    t.end();
  });
}

void t.test('pathological patterns stay linear (no ReDoS)', (t) => {
  const pattern = '*a*a*a*a*a*a*a*b';
  const as = 'a'.repeat(20_000);
  // A backtracking regex would take exponential time on these; only
  // correctness is asserted, the run time shows in the test timeout.
  t.equal(matchesPathPattern(pattern, as), false);
  t.equal(matchesPathPattern(pattern, `${as}b`), true);
  t.equal(matchesPathPattern(`${'*a'.repeat(30)}*b`, 'a'.repeat(5_000)), false);
  t.equal(matchesPathPattern(`${'[a]*'.repeat(30)}`, 'a'.repeat(5_000)), true);
  t.end();
});

// Checked with python3 -c 'import hashlib; print(hashlib.sha256(s.encode()).hexdigest())'.
const hashCases: { path: string; sha256: string }[] = [
  { path: 'a/path', sha256: '927b0ecf9c584ee4cdaeb38ee3ec401a7df384c5df0483a55efebcbff7b98295' },
  { path: '', sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
  { path: 'ö', sha256: '6dbd11fd012e225b28a5d94a9b432bc491344f3e92158661be2ae5ae2b8b1ad8' },
  {
    path: 'targets/file1.txt',
    sha256: '06e457c2e27e2b95436fa17774237260cebf232e0b47c79df0b0b554f47432d1',
  },
];

for (const c of hashCases) {
  void t.test(`targetPathHash(${JSON.stringify(c.path)})`, (t) => {
    t.equal(targetPathHash(c.path), c.sha256);
    t.end();
  });
}

interface DelegatedCase {
  name: string;
  role: DelegatedPaths;
  delegated: string[];
  notDelegated: string[];
}

const delegatedCases: DelegatedCase[] = [
  // python-tuf tests/test_api.py test_is_delegated_role: path matches...
  ...[['a/path'], ['otherpath', 'a/path'], ['*/?ath']].map((paths) => ({
    name: `paths ${JSON.stringify(paths)}`,
    role: { paths },
    delegated: ['a/path'],
    notDelegated: ['a/non-matching path'],
  })),
  // ...and hash prefix matches: sha256("a/path") is 927b0ecf9...
  ...[['927b0ecf9'], ['other prefix', '927b0ecf9'], ['927b0'], ['92']].map((prefixes) => ({
    name: `path_hash_prefixes ${JSON.stringify(prefixes)}`,
    role: { path_hash_prefixes: prefixes },
    delegated: ['a/path'],
    notDelegated: ['a/non-matching path'],
  })),
  {
    name: 'neither field: delegated nothing',
    role: {},
    delegated: [],
    notDelegated: ['a/path', '', 'anything'],
  },
  {
    name: 'empty lists: delegated nothing',
    role: { paths: [], path_hash_prefixes: [] },
    delegated: [],
    notDelegated: ['a/path', ''],
  },
  {
    name: 'both fields are or-ed',
    // sha256("a/non-matching path") starts with c322a5b2.
    role: { paths: ['a/path'], path_hash_prefixes: ['c322'] },
    delegated: ['a/path', 'a/non-matching path'],
    notDelegated: ['a/other'],
  },
  {
    name: 'prefixes are lowercase hex, compared as given',
    role: { path_hash_prefixes: ['927B'] },
    delegated: [],
    notDelegated: ['a/path'],
  },
];

for (const c of delegatedCases) {
  void t.test(`isDelegatedPath: ${c.name}`, (t) => {
    for (const path of c.delegated) t.equal(isDelegatedPath(c.role, path), true, path);
    for (const path of c.notDelegated) t.equal(isDelegatedPath(c.role, path), false, path);
    t.end();
  });
}

function succinct(bit_length: number, name_prefix = 'bin'): SuccinctRoles {
  return { bit_length, name_prefix, keyids: [], threshold: 1 };
}

// python-tuf tests/test_updater_delegation_graphs.py succinct_bins_graph, then
// more checked with python3 -c: int.from_bytes(sha256(p).digest()[:4], 'big') >> (32 - b).
const binCases: { bitLength: number; path: string; bin: string }[] = [
  { bitLength: 1, path: 'boo', bin: 'bin-0' },
  { bitLength: 1, path: 'too', bin: 'bin-1' },
  { bitLength: 2, path: 'foo', bin: 'bin-0' },
  { bitLength: 2, path: 'doo', bin: 'bin-1' },
  { bitLength: 2, path: 'too', bin: 'bin-2' },
  { bitLength: 2, path: 'bar', bin: 'bin-3' },
  { bitLength: 8, path: 'bar', bin: 'bin-fc' },
  { bitLength: 3, path: 'file1.txt', bin: 'bin-2' },
  { bitLength: 4, path: 'a/path', bin: 'bin-9' },
  { bitLength: 5, path: 'a/path', bin: 'bin-12' },
  { bitLength: 13, path: 'ö/😀.tgz', bin: 'bin-0039' },
  { bitLength: 31, path: 'bar', bin: 'bin-7e6f1597' },
  { bitLength: 32, path: 'bar', bin: 'bin-fcde2b2e' },
  { bitLength: 32, path: 'a/path', bin: 'bin-927b0ecf' },
];

for (const c of binCases) {
  void t.test(`succinctRoleForTarget bit_length ${c.bitLength} ${JSON.stringify(c.path)}`, (t) => {
    t.equal(succinctRoleForTarget(succinct(c.bitLength), c.path), c.bin);
    t.end();
  });
}

void t.test('succinct bins of whole hex digits are hash prefixes', (t) => {
  for (const bitLength of [4, 8, 12, 16, 20, 24, 28, 32]) {
    for (const path of ['a/path', 'bar', '']) {
      const hex = targetPathHash(path).slice(0, bitLength / 4);
      t.equal(succinctRoleForTarget(succinct(bitLength, 'p'), path), `p-${hex}`);
    }
  }
  t.end();
});

const namesCases: { bitLength: number; count: number; first: string; last: string }[] = [
  { bitLength: 1, count: 2, first: 'bin-0', last: 'bin-1' },
  { bitLength: 3, count: 8, first: 'bin-0', last: 'bin-7' },
  { bitLength: 4, count: 16, first: 'bin-0', last: 'bin-f' },
  { bitLength: 5, count: 32, first: 'bin-00', last: 'bin-1f' },
  { bitLength: 10, count: 1024, first: 'bin-000', last: 'bin-3ff' },
  // python-tuf test_get_roles_in_succinct_roles: 16 bits, suffix of 4 digits.
  { bitLength: 16, count: 65_536, first: 'bin-0000', last: 'bin-ffff' },
];

for (const c of namesCases) {
  void t.test(`succinctRoleNames bit_length ${c.bitLength}`, (t) => {
    const names = succinctRoleNames(succinct(c.bitLength));
    t.equal(names.length, c.count);
    t.equal(names[0], c.first);
    t.equal(names.at(-1), c.last);
    t.equal(new Set(names).size, c.count, 'names are distinct');
    const width = c.first.length - 'bin-'.length;
    names.forEach((name, i) => {
      if (name !== `bin-${i.toString(16).padStart(width, '0')}`) t.fail(`name ${i}: ${name}`);
    });
    t.end();
  });
}

void t.test('succinctRoleNames matches python-tuf is_delegated_role', (t) => {
  // tests/test_api.py test_is_delegated_role_in_succinct_roles, 5 bits.
  const names = new Set(succinctRoleNames(succinct(5)));
  for (const name of ['bin-00', 'bin-0f', 'bin-1f']) t.ok(names.has(name), name);
  for (const name of ['foo', 'bin-', 'bin-s', 'bin-0t', 'bin-20', 'bin-100']) {
    t.notOk(names.has(name), name);
  }
  t.end();
});

void t.test('succinctRoleNames refuses to list more than maxNames', (t) => {
  t.equal(DEFAULT_MAX_SUCCINCT_NAMES, 2 ** 16);
  t.throws(() => succinctRoleNames(succinct(17)), {
    name: 'TufError',
    code: 'SIZE_LIMIT_EXCEEDED',
    details: { expected: DEFAULT_MAX_SUCCINCT_NAMES, actual: 2 ** 17 },
  });
  t.throws(() => succinctRoleNames(succinct(32)), {
    code: 'SIZE_LIMIT_EXCEEDED',
    details: { actual: 2 ** 32 },
  });
  t.throws(() => succinctRoleNames(succinct(4), 15), {
    code: 'SIZE_LIMIT_EXCEEDED',
    details: { expected: 15, actual: 16 },
  });
  t.equal(succinctRoleNames(succinct(4), 16).length, 16);
  t.end();
});

interface InvalidSuccinctCase {
  name: string;
  config: SuccinctRoles;
  fields: string[];
}

const invalidSuccinctCases: InvalidSuccinctCase[] = [
  { name: 'bit_length 0', config: succinct(0), fields: ['bit_length'] },
  { name: 'bit_length -1', config: succinct(-1), fields: ['bit_length'] },
  { name: 'bit_length 33', config: succinct(33), fields: ['bit_length'] },
  { name: 'bit_length 1.5', config: succinct(1.5), fields: ['bit_length'] },
  { name: 'bit_length NaN', config: succinct(NaN), fields: ['bit_length'] },
  { name: 'bit_length Infinity', config: succinct(Infinity), fields: ['bit_length'] },
];

for (const c of invalidSuccinctCases) {
  void t.test(`invalid succinct_roles: ${c.name}`, (t) => {
    const problems = validateSuccinct(c.config);
    t.same(
      problems.map((p) => p.split(':')[0]),
      c.fields,
    );
    for (const call of [
      () => succinctRoleNames(c.config),
      () => succinctRoleForTarget(c.config, 'a/path'),
    ]) {
      t.throws(call, { name: 'TufError', code: 'DELEGATION_INVALID', details: { problems } });
    }
    t.end();
  });
}

void t.test('valid succinct_roles have no problems', (t) => {
  // Bin names are data, quoted when they become file names: any name_prefix is valid.
  const prefixes = ['', '..', '../x/', 'a/bin', 'a\\bin', 'bin\0'];
  for (const config of [succinct(1), succinct(32), ...prefixes.map((p) => succinct(8, p))]) {
    t.same(validateSuccinct(config), [], JSON.stringify(config));
  }
  t.same(succinctRoleNames(succinct(1, '')), ['-0', '-1']);
  t.end();
});

void t.test('thrown errors are TufErrors', (t) => {
  t.throws(() => succinctRoleForTarget(succinct(0), 'x'), TufError);
  t.end();
});

// --- Linear matching (issue 9: a 3 MB upload held the verify worker 120 s) ----

/** fnmatch by a regex, for small random cases only: the reference the matcher must agree with. */
function referenceMatch(pattern: string, target: string): boolean {
  const parts = pattern.split('/');
  const texts = target.split('/');
  if (parts.length !== texts.length) return false;
  return parts.every((part, i) => {
    let re = '';
    for (let j = 0; j < part.length; j++) {
      const c = part[j]!;
      if (c === '*') re += '.*';
      else if (c === '?') re += '.';
      else if (c === '[' && part.indexOf(']', j + 2) > 0) {
        // The random alphabet has only simple classes: [ab], [!a].
        const end = part.indexOf(']', j + 2);
        const body = part.slice(j + 1, end);
        re += body.startsWith('!') ? `[^${body.slice(1)}]` : `[${body}]`;
        j = end;
      } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
    return new RegExp(`^${re}$`, 'su').test(texts[i]!);
  });
}

void t.test('the linear matcher agrees with fnmatch on random patterns', (t) => {
  // A fixed-seed generator: the cases are the same every run.
  let seed = 42;
  const random = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  const atoms = ['a', 'b', '?', '*', '[ab]', '[!a]', 'a', 'b'];
  let disagreements = 0;
  for (let i = 0; i < 3000; i++) {
    const pattern = Array.from({ length: random(8) }, () => atoms[random(atoms.length)]).join('');
    const target = Array.from({ length: random(10) }, () => 'ab'[random(2)]).join('');
    if (matchesPathPattern(pattern, target) !== referenceMatch(pattern, target)) {
      disagreements++;
      t.fail(`${pattern} against ${target}`);
    }
  }
  t.equal(disagreements, 0);
  t.end();
});

void t.test('pathological patterns take steps linear in pattern and path', (t) => {
  const n = 200_000;
  const k = 100_000;
  const cases: {
    name: string;
    pattern: string;
    target: string;
    matches: boolean;
    bound: number;
  }[] = [
    {
      // The upload of issue 9: greedy backtracking tries every start, each k long.
      name: '*aaa…ab against aaa…a',
      pattern: `*${'a'.repeat(k)}b`,
      target: 'a'.repeat(n),
      matches: false,
      bound: 4 * (n + k),
    },
    {
      name: '*aaa…ab* against aaa…a',
      pattern: `*${'a'.repeat(k)}b*`,
      target: 'a'.repeat(n),
      matches: false,
      bound: 4 * (n + k),
    },
    {
      name: 'many stars: *a*a*…*b* against aaa…a',
      pattern: `${'*a'.repeat(k / 2)}*b*`,
      target: 'a'.repeat(n),
      matches: false,
      bound: 4 * (n + k),
    },
    {
      name: 'a match at the very end',
      pattern: `*${'a'.repeat(k)}b`,
      target: `${'a'.repeat(n)}b`,
      matches: true,
      bound: 4 * (n + k),
    },
    {
      // '?' and classes inside a chunk: Shift-And, a 32nd of the chunk per character.
      name: '*?aaa…a[ab]b* against aaa…a',
      pattern: `*?${'a'.repeat(k / 10)}[ab]b*`,
      target: 'a'.repeat(n / 10),
      matches: false,
      bound: (n / 10) * Math.ceil((k / 10 + 3) / 32) + 3 * (k / 10 + 3) + 4 * (n / 10),
    },
  ];
  for (const c of cases) {
    const steps = { count: 0 };
    t.equal(matchesPathPattern(c.pattern, c.target, steps), c.matches, c.name);
    t.ok(steps.count <= c.bound, `${c.name}: ${steps.count} steps, at most ${c.bound}`);
  }
  t.end();
});

void t.test('PathPattern: compiled once, matched many times', (t) => {
  const pattern = new PathPattern('releases/*/v[0-9]*.tgz');
  t.equal(pattern.partCount, 3);
  t.equal(pattern.literalHead, 'releases');
  t.equal(pattern.matches('releases/x/v1.tgz'), true);
  t.equal(pattern.matches('releases/x/vx.tgz'), false);
  t.equal(pattern.matches('releases/v1.tgz'), false);
  t.equal(new PathPattern('*/x').literalHead, undefined);
  t.equal(new PathPattern('[ab]/x').literalHead, undefined);
  t.end();
});

// --- The delegation index (issue 9: delegations x targets) ------------------------

interface Role extends DelegatedPaths {
  name: string;
  terminating: boolean;
}

void t.test('DelegationIndex finds the same roles, in order, as trying each', (t) => {
  // sha256("a/path") starts with 927b0ecf9.
  const roles: Role[] = [
    { name: 'wild', paths: ['*/path'], terminating: false },
    { name: 'other', paths: ['b/*'], terminating: false },
    { name: 'prefix', path_hash_prefixes: ['92', 'ff'], terminating: false },
    { name: 'exact', paths: ['a/path', 'a/*'], terminating: true },
    { name: 'after-terminating', paths: ['a/path'], terminating: false },
    { name: 'one-part', paths: ['a'], terminating: false },
    { name: 'nothing', terminating: false },
  ];
  const index = new DelegationIndex(roles, (role) => role);
  const names = (path: string) => {
    const { roles: found, terminating } = index.rolesFor(path, (role) => role.terminating);
    return { names: found.map((role) => role.name), terminating };
  };
  t.strictSame(names('a/path'), { names: ['wild', 'prefix', 'exact'], terminating: true });
  t.strictSame(names('b/path'), { names: ['wild', 'other'], terminating: false });
  t.strictSame(names('a'), { names: ['one-part'], terminating: false });
  t.strictSame(names('c/d/e'), { names: [], terminating: false });
  for (const path of ['a/path', 'b/path', 'a', 'c/d/e', 'a/other', '']) {
    const expected = [];
    for (const role of roles) {
      if (!isDelegatedPath(role, path)) continue;
      expected.push(role.name);
      if (role.terminating) break;
    }
    t.strictSame(names(path).names, expected, path);
  }
  t.end();
});

void t.test('DelegationIndex: a lookup among many delegations tries only its candidates', (t) => {
  const roles: Role[] = Array.from({ length: 10_000 }, (_, i) => ({
    name: `r${i}`,
    paths: [`project-${i}/*`],
    terminating: false,
  }));
  roles.push({ name: 'bins', path_hash_prefixes: ['0', '1', '2'], terminating: false });
  const index = new DelegationIndex(roles, (role) => role);
  const steps = { count: 0 };
  const { roles: found } = index.rolesFor('project-5000/file.tgz', () => false, steps);
  t.strictSame(
    found.map((role) => role.name),
    ['r5000', ...(/^[012]/.test(targetPathHash('project-5000/file.tgz')) ? ['bins'] : [])],
  );
  t.ok(steps.count < 100, `${steps.count} matching steps for one lookup among 10 001 roles`);
  t.end();
});

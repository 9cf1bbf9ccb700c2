import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';

import {
  isWellFormed,
  JsonSyntaxError,
  MAX_JSON_DEPTH,
  parseJson,
  readJson,
  type JsonValue,
} from '../../tuf/json.js';
import { canonicalBytes, plainCanonicalBytes } from '../../tuf/canonical.js';
import { FIXTURES } from '../support/fixtures.js';

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

function refusal(text: string): JsonSyntaxError {
  try {
    parseJson(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) return err;
    throw err;
  }
  throw new Error(`parsed: ${text}`);
}

t.test('reads what JSON.parse reads, to the same value', (t) => {
  const texts = [
    '{}',
    '[]',
    '0',
    '-7',
    '9007199254740991',
    '-9007199254740991',
    '123456789012345',
    '"plain"',
    'true',
    'false',
    'null',
    ' \t\r\n{ "a" : [ 1 , { "b" : null } , "x" ] , "c" : { } }\n',
    '"\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041 \\u00e9 \\u20ac \\ud83d\\ude00 \\u0000"',
    '"raw é 日本 😀 \u2028"',
    '{"a":"x\\ny","b":"\\u005c"}',
    '[[[[[]]]]]',
    '{"":1,"constructor":2,"toString":3,"hasOwnProperty":4}',
    '{"10":1,"9":2,"a":3}',
  ];
  // Named by index: a raw U+2028 in an assertion name would break the TAP stream.
  texts.forEach((text, i) => t.strictSame(parseJson(text), JSON.parse(text), `text ${i}`));
  t.end();
});

t.test('an own __proto__ key stays an own property, as with JSON.parse', (t) => {
  const value = parseJson('{"__proto__":{"polluted":1},"a":2}') as Record<string, unknown>;
  t.ok(Object.hasOwn(value, '__proto__'));
  t.equal(Object.getPrototypeOf(value), Object.prototype);
  t.equal((value as { polluted?: unknown }).polluted, undefined);
  t.strictSame(Object.keys(value), ['__proto__', 'a']);
  t.end();
});

t.test('integers beyond 2^53 stay exact, as bigint', (t) => {
  const cases: { text: string; value: JsonValue }[] = [
    { text: '9007199254740992', value: 9007199254740992n },
    { text: '9007199254740993', value: 9007199254740993n },
    { text: '-9007199254740993', value: -9007199254740993n },
    { text: '18446744073709551615', value: 18446744073709551615n },
    { text: '123456789012345678901234567890', value: 123456789012345678901234567890n },
    // 16 digits or more within 2^53 are numbers: typed fields read numbers.
    { text: '1000000000000000', value: 1000000000000000 },
    { text: '-1000000000000000', value: -1000000000000000 },
  ];
  for (const c of cases) {
    t.equal(parseJson(c.text), c.value, c.text);
    t.equal(typeof parseJson(c.text), typeof c.value, `${c.text} type`);
  }
  t.strictSame(parseJson('{"n":[18446744073709551616]}'), { n: [18446744073709551616n] });
  t.end();
});

t.test('every spelling of a number that is not an integer literal is refused', (t) => {
  for (const number of [
    '1.0',
    '1.50',
    '0.5',
    '-1.0',
    '1e0',
    '1E2',
    '1e+2',
    '1e-2',
    '0e0',
    '-0',
    '-0.0',
    '01',
    '-01',
    '00',
    '1.',
    '.5',
    '+1',
    '-',
    '1e400',
  ]) {
    const err = refusal(`{"version": ${number}}`);
    t.equal(err.line, 1, number);
    t.ok(err.column >= 13, `${number}: column ${err.column}`);
  }
  t.end();
});

t.test('a \\u escape that leaves a lone surrogate is refused', (t) => {
  for (const text of [
    '"\\ud800"',
    '"\\udfff"',
    '"\\ud83d"',
    '"\\ude00\\ud83d"',
    '"a\\ud800b"',
    '"\\ud800\\u0041"',
    '{"\\udc00":1}',
    '["ok", "\\udbff"]',
  ]) {
    t.throws(() => parseJson(text), JsonSyntaxError, text);
  }
  // A pair written as two escapes is one code point.
  t.equal(parseJson('"\\ud83d\\ude00"'), '😀');
  t.equal(parseJson('"\\uD83D\\uDE00"'), '😀');
  t.end();
});

t.test('a lone surrogate in the text itself is refused', (t) => {
  // Text decoded from UTF-8 has none; a caller's string may.
  t.throws(() => parseJson('"\ud800"'), JsonSyntaxError);
  t.notOk(isWellFormed('a\udc00'));
  t.ok(isWellFormed('a😀'));
  t.end();
});

t.test('a key repeated in one object is refused, wherever the object is', (t) => {
  const cases: { text: string; line: number; column: number }[] = [
    { text: '{"a":1,"a":2}', line: 1, column: 8 },
    { text: '{"a":1,"a":1}', line: 1, column: 8 },
    { text: '{\n  "signed": {\n    "version": 1,\n    "version": 2\n  }\n}', line: 4, column: 5 },
    { text: '[{"x":{}},{"k":[],"k":[]}]', line: 1, column: 19 },
    // The same key once written raw and once escaped is the same key.
    { text: '{"ab":1,"\\u0061b":2}', line: 1, column: 9 },
    { text: '{"__proto__":1,"__proto__":2}', line: 1, column: 16 },
  ];
  for (const c of cases) {
    const err = refusal(c.text);
    t.match(err, { line: c.line, column: c.column }, c.text);
  }
  // Equal keys in different objects are fine.
  t.strictSame(parseJson('{"a":{"a":1},"b":{"a":2}}'), { a: { a: 1 }, b: { a: 2 } });
  t.end();
});

t.test('what RFC 8259 does not allow is refused', (t) => {
  for (const text of [
    '',
    ' ',
    '{',
    '[',
    '{"a":1',
    '[1,2',
    '{"a" 1}',
    '{"a":1,}',
    '[1,]',
    '[,1]',
    '{,}',
    '{a:1}',
    "{'a':1}",
    '[1 2]',
    '{"a":1 "b":2}',
    '"unterminated',
    '"escaped\\n, then unterminated',
    '"\\',
    '"\\u12"',
    '"\\u12g4"',
    '"\\x41"',
    '"\\a"',
    '"tab\there"',
    '"new\nline"',
    '"nul\u0000"',
    'tru',
    'True',
    'nul',
    'NaN',
    'Infinity',
    'undefined',
    '\ufeff{}',
    '{}\u00a0',
    '{} {}',
    '{}x',
    '// comment\n{}',
    '\u000b{}',
  ]) {
    t.throws(() => parseJson(text), JsonSyntaxError, JSON.stringify(text));
  }
  t.end();
});

t.test('errors say where: line and column', (t) => {
  const err = refusal('{\n\t"a": 1,\n\t"b": 1.5\n}');
  t.equal(err.name, 'JsonSyntaxError');
  t.ok(err instanceof SyntaxError);
  t.equal(err.line, 3);
  t.equal(err.column, 7);
  t.match(err.message, /^line 3 column 7: /);
  t.end();
});

t.test(`nesting is limited to ${MAX_JSON_DEPTH} levels`, (t) => {
  const nested = (depth: number, open: string, close: string): string =>
    `${open.repeat(depth)}${close.repeat(depth)}`;
  t.doesNotThrow(() => parseJson(nested(MAX_JSON_DEPTH, '[', ']')));
  t.throws(() => parseJson(nested(MAX_JSON_DEPTH + 1, '[', ']')), JsonSyntaxError);
  t.doesNotThrow(() =>
    parseJson(`${'{"a":'.repeat(MAX_JSON_DEPTH)}1${'}'.repeat(MAX_JSON_DEPTH)}`),
  );
  t.throws(
    () => parseJson(`${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${'}'.repeat(MAX_JSON_DEPTH + 1)}`),
    JsonSyntaxError,
  );
  // Far deeper than the stack: refused, not a crash.
  t.throws(() => parseJson(nested(1_000_000, '[', ']')), JsonSyntaxError);
  t.end();
});

t.test('every fixture JSON.parse reads is read to the same value', (t) => {
  // Real metadata by go-tuf, python-tuf and Fleet: none holds a float, a big
  // integer, a repeated key or a lone surrogate, so both readings agree.
  let read = 0;
  for (const path of walk(FIXTURES)) {
    const text = readFileSync(path, 'utf8');
    let expected: unknown;
    try {
      expected = JSON.parse(text);
    } catch {
      continue;
    }
    read++;
    let actual: unknown;
    try {
      actual = parseJson(text);
    } catch (err) {
      t.fail(`${path}: ${String(err)}`);
      continue;
    }
    if (JSON.stringify(actual) !== JSON.stringify(expected)) t.fail(path);
  }
  t.ok(read > 1000, `${read} JSON fixtures`);
  t.end();
});

t.test('plain: JSON.stringify writes the value canonically', (t) => {
  const cases: { text: string; plain: boolean; why: string }[] = [
    { text: '{"a":1,"b":{"c":[true,null,"x y"]},"d":-2}', plain: true, why: 'sorted, no escapes' },
    {
      text: '{ "a" : 1,\n\t"b" : "é日本" }',
      plain: true,
      why: 'whitespace, characters below U+D800',
    },
    { text: '"\\u0041"', plain: false, why: 'an escape' },
    { text: '{"a":"x\\ny"}', plain: false, why: 'an escaped newline' },
    { text: '{"b":1,"a":2}', plain: false, why: 'keys out of order' },
    { text: '{"a":{"y":1,"x":2}}', plain: false, why: 'keys out of order, nested' },
    { text: '{"10":1,"9":2}', plain: false, why: 'array-index keys, which JavaScript reorders' },
    { text: '{"a":1,"b1":2}', plain: true, why: 'a digit after the first character' },
    { text: '[18446744073709551615]', plain: false, why: 'a bigint' },
    { text: '{"a":"\ufffd"}', plain: false, why: 'a unit from U+D800 up' },
    { text: '{"\ue000":1,"😀":2}', plain: false, why: 'UTF-16 order is not code point order' },
  ];
  for (const c of cases) {
    const { value, plain } = readJson(c.text);
    t.equal(plain, c.plain, c.why);
    t.strictSame(value, parseJson(c.text), `${c.why}: the same value`);
    if (plain) {
      t.equal(
        plainCanonicalBytes(value).toString('hex'),
        canonicalBytes(value).toString('hex'),
        c.why,
      );
    }
  }
  t.end();
});

t.test('every plain fixture: plainCanonicalBytes equals canonicalBytes', (t) => {
  let plainFiles = 0;
  for (const path of walk(FIXTURES)) {
    let read: ReturnType<typeof readJson>;
    try {
      read = readJson(readFileSync(path, 'utf8'));
    } catch {
      continue;
    }
    if (!read.plain) continue;
    plainFiles++;
    if (!plainCanonicalBytes(read.value).equals(canonicalBytes(read.value))) t.fail(path);
  }
  t.ok(plainFiles > 500, `${plainFiles} plain fixtures`);
  t.end();
});

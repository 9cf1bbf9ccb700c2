/**
 * The JSON reader of TUF metadata. JSON.parse reads a document one way and
 * the signer may have meant another: it rounds integers beyond 2^53, reads
 * `1.0` as 1, keeps the last of two equal keys and lets `\ud800` through, to
 * become U+FFFD in the canonical bytes. Each of these gives two documents one
 * signature. This reader has one reading or none: what the canonical form
 * (OLPC, integers only) can encode exactly is returned, everything else is a
 * JsonSyntaxError.
 *
 * - Grammar: RFC 8259, nothing more (no comments, no trailing commas, no BOM).
 * - Numbers: integer literals only. One within +-(2^53 - 1) is a number, a
 *   larger one a bigint holding every digit as written. A fraction, an
 *   exponent (`1e0`, `1E2`) or `-0` is refused: canonical JSON has no such
 *   number (TUF 4.1; securesystemslib refuses floats when it encodes).
 * - Strings: an escape that leaves a lone surrogate is refused: such a string
 *   has no UTF-8 encoding, so no signed bytes.
 * - Objects: a key that repeats in one object is refused.
 * - Nesting deeper than MAX_JSON_DEPTH is refused.
 *
 * Linear in the size of the text: strings without escapes are sliced, not
 * rebuilt (`npm run bench` measures it on a 30 MB targets file).
 */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * Deep enough for any metadata (TUF nests five levels), shallow enough that
 * neither this reader nor the canonical encoder runs out of stack. Python's
 * recursion limit (1000) stops python-tuf's json.loads near the same depth.
 */
export const MAX_JSON_DEPTH = 1000;

/** Why a text is not TUF JSON, and where (1-based line and column, in UTF-16 units). */
export class JsonSyntaxError extends SyntaxError {
  override readonly name = 'JsonSyntaxError';
  readonly line: number;
  readonly column: number;

  constructor(reason: string, text: string, offset: number) {
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    super(`line ${line} column ${column}: ${reason}`);
    this.line = line;
    this.column = column;
  }
}

export function parseJson(text: string): JsonValue {
  return readJson(text).value;
}

/**
 * parseJson, and whether the value is `plain`: JSON.stringify writes it, and
 * every value inside it, in OLPC canonical form. That holds when no string was
 * written with an escape (so none holds `"`, `\` or a control character), no
 * integer is a bigint, every object's keys come in ascending order and none
 * starts with a digit (an array index), and no code unit is U+D800 or above
 * (where UTF-16 order and code point order part). go-tuf and python-tuf write
 * such files; canonicalization then skips its walk.
 */
export function readJson(text: string): { value: JsonValue; plain: boolean } {
  // Text decoded from UTF-8 never holds a lone surrogate; a caller's string may.
  if (!isWellFormed(text)) {
    throw new JsonSyntaxError('a lone surrogate: the text is not Unicode', text, 0);
  }
  const reader = new Reader(text);
  reader.skipWhitespace();
  const value = reader.value(0);
  reader.skipWhitespace();
  if (reader.pos < text.length) throw reader.error('text after the JSON value');
  // Free on text V8 holds one byte per character, the usual case.
  return { value, plain: reader.plain && !/[\ud800-\uffff]/.test(text) };
}

/** String.prototype.isWellFormed (ES2024, in Node 20); this project compiles against the ES2023 lib. */
export function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ZERO = 0x30;
const NINE = 0x39;

const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class Reader {
  pos = 0;
  /** See readJson. */
  plain = true;
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  error(reason: string, at: number = this.pos): JsonSyntaxError {
    return new JsonSyntaxError(reason, this.#text, at);
  }

  skipWhitespace(): void {
    const text = this.#text;
    let i = this.pos;
    for (;;) {
      const c = text.charCodeAt(i);
      // RFC 8259 whitespace: space, tab, line feed, carriage return.
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.pos = i;
  }

  value(depth: number): JsonValue {
    const c = this.#text.charCodeAt(this.pos);
    if (c === QUOTE) return this.string();
    if (c === 0x7b) return this.object(depth + 1);
    if (c === 0x5b) return this.array(depth + 1);
    if (c === 0x2d || (c >= ZERO && c <= NINE)) return this.number();
    if (this.#literal('true')) return true;
    if (this.#literal('false')) return false;
    if (this.#literal('null')) return null;
    throw this.error(this.pos < this.#text.length ? 'expected a value' : 'unexpected end of text');
  }

  #literal(word: string): boolean {
    if (!this.#text.startsWith(word, this.pos)) return false;
    this.pos += word.length;
    return true;
  }

  #expect(char: number, what: string): void {
    if (this.#text.charCodeAt(this.pos) !== char) throw this.error(`expected ${what}`);
    this.pos++;
  }

  object(depth: number): JsonObject {
    if (depth > MAX_JSON_DEPTH) throw this.error(`nested deeper than ${MAX_JSON_DEPTH}`);
    const text = this.#text;
    this.pos++;
    const object: JsonObject = {};
    this.skipWhitespace();
    if (text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return object;
    }
    let previous: string | undefined;
    for (;;) {
      const keyAt = this.pos;
      if (text.charCodeAt(keyAt) !== QUOTE) throw this.error('expected a string key');
      const key = this.string();
      // Keys in ascending order (as go-tuf and python-tuf write them) cannot repeat.
      if (previous !== undefined && !(key > previous)) {
        this.plain = false;
        // JSON.parse would keep the last value, python's json.loads too, other readers the first.
        if (Object.hasOwn(object, key)) {
          throw this.error(`duplicate key ${JSON.stringify(key)}`, keyAt);
        }
      }
      previous = key;
      // JavaScript lists keys like "9" and "10" first, in numeric order, whatever the insertion order.
      if (isDigit(key.charCodeAt(0))) this.plain = false;
      this.skipWhitespace();
      this.#expect(0x3a, '":"');
      this.skipWhitespace();
      const value = this.value(depth);
      if (key === '__proto__') {
        // An own property, as JSON.parse makes it; assignment would set the prototype.
        Object.defineProperty(object, key, {
          value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      } else {
        object[key] = value;
      }
      this.skipWhitespace();
      const c = text.charCodeAt(this.pos++);
      if (c === 0x7d) return object;
      if (c !== 0x2c) throw this.error('expected "," or "}"', this.pos - 1);
      this.skipWhitespace();
    }
  }

  array(depth: number): JsonValue[] {
    if (depth > MAX_JSON_DEPTH) throw this.error(`nested deeper than ${MAX_JSON_DEPTH}`);
    const text = this.#text;
    this.pos++;
    const array: JsonValue[] = [];
    this.skipWhitespace();
    if (text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return array;
    }
    for (;;) {
      array.push(this.value(depth));
      this.skipWhitespace();
      const c = text.charCodeAt(this.pos++);
      if (c === 0x5d) return array;
      if (c !== 0x2c) throw this.error('expected "," or "]"', this.pos - 1);
      this.skipWhitespace();
    }
  }

  /** Integer literals only: `-?(0|[1-9][0-9]*)`, not `-0`. */
  number(): number | bigint {
    const text = this.#text;
    const start = this.pos;
    const negative = text.charCodeAt(start) === 0x2d;
    const digitsStart = negative ? start + 1 : start;
    const first = text.charCodeAt(digitsStart);
    if (!isDigit(first)) throw this.error('expected a digit', digitsStart);
    let i = digitsStart + 1;
    while (isDigit(text.charCodeAt(i))) i++;
    const next = text.charCodeAt(i);
    if (next === 0x2e || next === 0x65 || next === 0x45) {
      throw this.error('a number that is not an integer literal (TUF signs integers only)', start);
    }
    const digits = i - digitsStart;
    if (first === ZERO && digits > 1) throw this.error('a number with a leading zero', start);
    // python-tuf reads -0 as 0 and signs "0": the same value with other bytes.
    if (first === ZERO && negative)
      throw this.error('-0 is not an integer literal TUF signs', start);
    this.pos = i;
    const literal = text.slice(start, i);
    // 15 digits are always within 2^53; more may not be.
    if (digits <= 15) return Number(literal);
    const exact = BigInt(literal);
    if (exact >= -MAX_SAFE && exact <= MAX_SAFE) return Number(exact);
    this.plain = false;
    return exact;
  }

  string(): string {
    const text = this.#text;
    const start = this.pos + 1;
    const end = text.length;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.pos = i + 1;
        return text.slice(start, i);
      }
      if (c === BACKSLASH || c < 0x20) return this.#escapedString(start, i);
    }
    throw this.error('unterminated string', this.pos);
  }

  /** The rare string with escapes (or an error): decoded piece by piece from `from`. */
  #escapedString(start: number, from: number): string {
    const text = this.#text;
    this.plain = false;
    const parts: string[] = [text.slice(start, from)];
    let i = from;
    let run = from;
    for (;;) {
      if (i >= text.length) throw this.error('unterminated string', start - 1);
      const c = text.charCodeAt(i);
      if (c === QUOTE) break;
      if (c < 0x20) throw this.error('a control character in a string must be escaped', i);
      if (c !== BACKSLASH) {
        i++;
        continue;
      }
      parts.push(text.slice(run, i));
      const kind = text.charAt(i + 1);
      if (kind === 'u') {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.error('a \\u escape needs 4 hex digits', i);
        parts.push(String.fromCharCode(parseInt(hex, 16)));
        i += 6;
      } else {
        const decoded = Object.hasOwn(ESCAPES, kind) ? ESCAPES[kind] : undefined;
        if (decoded === undefined) throw this.error(`an unknown escape \\${kind}`, i);
        parts.push(decoded);
        i += 2;
      }
      run = i;
    }
    parts.push(text.slice(run, i));
    this.pos = i + 1;
    const value = parts.join('');
    if (!isWellFormed(value)) {
      throw this.error(
        'a \\u escape leaves a lone surrogate: the string has no UTF-8 encoding',
        start - 1,
      );
    }
    return value;
  }
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

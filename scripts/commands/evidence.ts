import {
  closeSync,
  createReadStream,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { ALL_CHECKS } from '../../checks/registry.js';
import { loadConfig, type ConfigError } from '../../server/config.js';
import { parsePublicKey } from '../../server/evidence.js';
import { createEvidenceService } from '../../server/evidence-export.js';
import {
  KeyError,
  SigningKeyFile,
  signingKeyPath,
  syncDirectory,
} from '../../server/evidence-keys.js';
import {
  decodeUtf8,
  type NotUtf8,
  splitLines,
  verifyBundleLines,
  verifyBundleText,
  type VerifyOptions,
  type VerifyOutcome,
} from '../../server/evidence-verify.js';
import { describeSystem } from '../../server/routes/system.js';
import { VERSION } from '../../server/service.js';
import { openStore } from '../../server/store.js';
import type { EvidenceChain, EvidenceService, EvidenceStore } from '../../server/types.js';
import { parseRfc3339 } from '../../tuf/time.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, type CommandIo } from '../io.js';

export const EVIDENCE_USAGE = `Usage: tufwatch evidence <command> [options]

  export --from DATE --to DATE --out FILE [--csv FILE] [--config FILE]
      Writes the signed, hash-chained evidence bundle of [from, to) to FILE, and
      with --csv the control status per day. DATE is 2031-01-31 (UTC midnight) or an
      RFC 3339 date-time. Files are written to FILE.partial, synced, then renamed.
      The bundle is verified once written. Exit 0 done, 1 the bundle does not
      verify, 2 a usage, config or I/O problem.

  verify FILE [--public-key FILE] [--json]
      Checks a bundle offline, with no server and no database: every record's
      hash, the chain from its anchor, the summary, the manifest's digests and
      its signature. --public-key: the key (PEM) it must be signed by. Exit 0
      intact, 1 broken (the first problem is named, with its code and record),
      2 a usage problem or a file that cannot be read.

  public-key [--config FILE]
      Prints the instance's signing key (PEM) on stdout, its fingerprint on stderr.

  rotate-key [--config FILE]
      Replaces the signing key. The old one stays in the key history, so bundles
      it signed still verify, and the rotation is recorded in the chain.
`;

/** A line of a bundle is one record: far more than any record's evidence. */
const MAX_LINE_BYTES = 64 * 1024 * 1024;
/** A bundle not in tufwatch's line layout is read whole, up to this size. */
export const MAX_WHOLE_BUNDLE_BYTES = 256 * 1024 * 1024;
const MAX_PUBLIC_KEY_BYTES = 64 * 1024;

type Sub = (argv: string[], io: CommandIo) => Promise<number>;

export async function evidenceCommand(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  const commands: Record<string, Sub> = {
    export: exportCommand,
    verify: verifyCommand,
    'public-key': publicKeyCommand,
    'rotate-key': rotateKeyCommand,
  };
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(EVIDENCE_USAGE);
    return EXIT_OK;
  }
  const command = name === undefined ? undefined : commands[name];
  if (command === undefined || !Object.hasOwn(commands, name as string)) {
    io.err(
      `tufwatch evidence: ${name === undefined ? 'a command is required' : `unknown command '${name}'`}\n\n${EVIDENCE_USAGE}`,
    );
    return EXIT_USAGE;
  }
  try {
    return await command(rest, io);
  } catch (err) {
    // Every problem that prevents the command from doing its job: exit 2, named.
    if (err instanceof UsageError || err instanceof KeyError) {
      io.err(`tufwatch evidence ${name as string}: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

type Values<T extends Record<string, { type: 'string' | 'boolean' }>> = {
  [K in keyof T]?: T[K]['type'] extends 'string' ? string : boolean;
};

/** parseArgs with usage errors as UsageError, and at most `positionals` positional arguments. */
function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(
  argv: string[],
  options: T,
  positionals = 0,
): { values: Values<T>; positionals: string[] } {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: positionals > 0 });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument '${parsed.positionals[positionals] as string}'`);
  }
  return { values: parsed.values as Values<T>, positionals: parsed.positionals };
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** `2031-01-31` (UTC midnight) or an RFC 3339 date-time. */
export function parseInstant(name: string, text: string | undefined): Date {
  if (text === undefined) throw new UsageError(`--${name} is required`);
  const date = parseRfc3339(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text);
  if (date === undefined) {
    throw new UsageError(
      `--${name} is not a date (2031-01-31) or an RFC 3339 date-time (2031-01-31T12:00:00Z)`,
    );
  }
  return date;
}

/** The store and key of a configured instance, for the commands that use them. */
export interface Instance {
  store: EvidenceStore & EvidenceChain;
  keys: SigningKeyFile;
  service: EvidenceService;
  close(): void;
}

/**
 * Opens the configured instance's evidence store and key. The store must
 * exist: these commands never create an empty one (`serve` or `run` do).
 */
export async function openInstance(
  configPath: string | undefined,
  io: CommandIo,
): Promise<Instance> {
  let config;
  try {
    config = await loadConfig(configPath, io.env);
  } catch (err) {
    // loadConfig throws ConfigError only: every field problem is in its message.
    throw new UsageError((err as ConfigError).message, { cause: err });
  }
  const path = config.storage.path;
  if (path === ':memory:' || !existsSync(path)) {
    throw new UsageError(
      `no evidence store at ${path}: run 'tufwatch serve' or 'tufwatch run' with this config first`,
    );
  }
  let store;
  try {
    store = openStore(path);
  } catch (err) {
    throw new UsageError(`cannot open the evidence store at ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const keys = new SigningKeyFile(signingKeyPath(path));
  const service = createEvidenceService({
    store,
    keys,
    system: describeSystem(config),
    controls: config.controls,
    checks: ALL_CHECKS,
    version: VERSION,
    now: () => io.now(),
  });
  return { store, keys, service, close: () => store.close() };
}

/**
 * Writes `chunks` to `path` so that a crash never leaves a partial file under
 * that name: they go to `path.partial` (owner-only), which is synced, then
 * renamed over `path`, and the directory is synced. On an error the partial
 * file is removed; after a crash it stays, under its `.partial` name.
 */
export function writeFileAtomic(path: string, chunks: Iterable<string>): number {
  const partial = `${path}.partial`;
  try {
    unlinkSync(partial);
  } catch {
    // No partial file left by an earlier crash: the usual case.
  }
  let size = 0;
  const fd = openSync(partial, 'wx', 0o600);
  try {
    for (const chunk of chunks) {
      const bytes = Buffer.from(chunk, 'utf8');
      for (let offset = 0; offset < bytes.length;) {
        offset += writeSync(fd, bytes, offset, bytes.length - offset);
      }
      size += bytes.length;
    }
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(partial);
    throw err;
  }
  closeSync(fd);
  renameSync(partial, path);
  syncDirectory(dirname(path));
  return size;
}

/**
 * Verifies a bundle file: streamed in the line layout tufwatch writes, or read
 * whole (up to MAX_WHOLE_BUNDLE_BYTES) when another tool reformatted it.
 * Throws UsageError when the file cannot be read.
 */
export async function verifyBundleFile(
  path: string,
  options: VerifyOptions = {},
): Promise<VerifyOutcome> {
  try {
    const streamed = await verifyBundleLines(
      splitLines(createReadStream(path), MAX_LINE_BYTES),
      options,
    );
    if (streamed !== undefined) return streamed;
    if (statSync(path).size > MAX_WHOLE_BUNDLE_BYTES) {
      return malformed(
        `not in the line layout tufwatch writes, and larger than ${MAX_WHOLE_BUNDLE_BYTES} bytes`,
      );
    }
    const bytes = readFileSync(path);
    let text: string;
    try {
      text = decodeUtf8(bytes);
    } catch (err) {
      // decodeUtf8 throws NotUtf8 only.
      return malformed((err as NotUtf8).message);
    }
    // Strict like the line layout: a key twice in one object is refused, not read as its last value.
    return verifyBundleText(text, options);
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

const malformed = (message: string): VerifyOutcome => ({
  ok: false,
  problem: { code: 'BUNDLE_MALFORMED', message },
});

async function exportCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parse(argv, {
    from: { type: 'string' },
    to: { type: 'string' },
    out: { type: 'string' },
    csv: { type: 'string' },
    config: { type: 'string' },
  });
  const from = parseInstant('from', values.from);
  const to = parseInstant('to', values.to);
  if (from.getTime() >= to.getTime()) throw new UsageError('--from must be before --to');
  if (values.out === undefined && values.csv === undefined) {
    throw new UsageError('--out FILE (the bundle) or --csv FILE is required');
  }
  const instance = await openInstance(values.config, io);
  try {
    if (values.csv !== undefined) {
      const size = write(values.csv, () => [instance.service.exportCsv(from, to)]);
      io.out(`wrote ${values.csv}: control status per day, ${size} bytes\n`);
    }
    if (values.out === undefined) return EXIT_OK;
    const size = write(values.out, () => instance.service.exportBundle(from, to));
    // Read back what is on disk: the file handed to the auditor is the one checked.
    const outcome = await verifyBundleFile(values.out);
    if (!outcome.ok) {
      io.err(`tufwatch evidence export: ${values.out} does not verify\n`);
      io.out(renderOutcome(outcome));
      return EXIT_FINDINGS;
    }
    io.out(`wrote ${values.out}: ${size} bytes\n${renderOutcome(outcome)}`);
    return EXIT_OK;
  } finally {
    instance.close();
  }
}

/** writeFileAtomic, with what stops it (a key, a directory, a disk) as a usage problem (exit 2). */
function write(path: string, chunks: () => Iterable<string>): number {
  try {
    return writeFileAtomic(path, chunks());
  } catch (err) {
    if (err instanceof KeyError) throw err;
    throw new UsageError(`cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

async function verifyCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { 'public-key': { type: 'string' }, json: { type: 'boolean' } },
    1,
  );
  const [file] = positionals;
  if (file === undefined) throw new UsageError('the bundle FILE is required');
  const options: VerifyOptions = {};
  const keyFile = values['public-key'];
  if (keyFile !== undefined) options.publicKey = readPublicKey(keyFile);
  const outcome = await verifyBundleFile(file, options);
  io.out(values.json === true ? `${JSON.stringify(outcome, null, 2)}\n` : renderOutcome(outcome));
  return outcome.ok ? EXIT_OK : EXIT_FINDINGS;
}

function readPublicKey(file: string): NonNullable<VerifyOptions['publicKey']> {
  let text: string;
  try {
    if (statSync(file).size > MAX_PUBLIC_KEY_BYTES) {
      throw new UsageError(`${file} is larger than ${MAX_PUBLIC_KEY_BYTES} bytes`);
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  const key = parsePublicKey(text);
  if (key === undefined) {
    throw new UsageError(`${file} is not an Ed25519 public key in SPKI PEM (BEGIN PUBLIC KEY)`);
  }
  return key;
}

/** The outcome for people: what was verified, or the first problem with its code and record. */
export function renderOutcome(outcome: VerifyOutcome): string {
  if (!outcome.ok) {
    const { code, message, seq, field, paths } = outcome.problem;
    const where =
      seq !== undefined ? ` at record ${seq}` : field !== undefined ? ` (${field})` : '';
    const detail = paths === undefined ? '' : `\n  fields: ${paths.join(', ')}`;
    return `BROKEN: ${code}${where}: ${message}${detail}\n`;
  }
  const range = outcome.first === null ? 'no record' : `seq ${outcome.first}..${outcome.last}`;
  const key = outcome.keyPinned
    ? 'the given key'
    : 'the key embedded in the bundle: compare this fingerprint with the one the instance publishes, or pass --public-key';
  return (
    `intact: ${outcome.records} records (${range}), ${outcome.runs} runs, ` +
    `period ${outcome.period.from} to ${outcome.period.to}\n` +
    (outcome.periodCovered
      ? ''
      : `warning: exported at ${outcome.generatedAt}, before the period ends: what was recorded after that is not in this bundle\n`) +
    `anchor: ${outcome.anchor.kind} at seq ${outcome.anchor.seq} (${outcome.anchor.hash})\n` +
    `signed by ed25519 key ${outcome.fingerprint}, ${key}\n`
  );
}

async function publicKeyCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parse(argv, { config: { type: 'string' } });
  const instance = await openInstance(values.config, io);
  try {
    const key = instance.keys.read();
    if (key === undefined) {
      throw new UsageError(
        `no signing key at ${instance.keys.path as string}: 'tufwatch serve' creates it on first start`,
      );
    }
    io.out(key.publicKey);
    io.err(`fingerprint (sha256 of the SPKI DER key): ${key.fingerprint}\n`);
    return EXIT_OK;
  } finally {
    instance.close();
  }
}

async function rotateKeyCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parse(argv, { config: { type: 'string' } });
  const instance = await openInstance(values.config, io);
  try {
    const { previous, key, unreadable } = instance.keys.rotate();
    instance.store.registerSigningKey(key, io.now(), 'rotated');
    if (unreadable !== undefined) {
      io.err(
        `tufwatch evidence rotate-key: the previous key was unusable: ${unreadable.message}\n`,
      );
    }
    io.out(
      `rotated the evidence signing key: ${previous?.fingerprint ?? 'none'} -> ${key.fingerprint}\n` +
        'Bundles signed by earlier keys still verify; the rotation is recorded in the chain.\n',
    );
    return EXIT_OK;
  } finally {
    instance.close();
  }
}

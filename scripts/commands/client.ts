import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openSource } from '../../sources/index.js';
import { DirectoryStore } from '../../sources/store.js';
import {
  quoteName,
  TufClient,
  verifyTarget,
  type LocalMetadataNote,
  type TargetInfo,
} from '../../tuf/client.js';
import { TufError } from '../../tuf/errors.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, type CommandIo } from '../io.js';

export const CLIENT_USAGE = `Usage: tufwatch client --metadata-dir DIR init TRUSTED_ROOT
       tufwatch client --metadata-dir DIR --metadata-url URL refresh
       tufwatch client --metadata-dir DIR --metadata-url URL --target-name PATH [--target-name PATH ...]
                       --target-base-url URL --target-dir DIR download

The TUF client workflow (specification section 5), with the command line of the
tuf-conformance suite's client under test (CLIENT-CLI.md).

Commands:
  init      copy TRUSTED_ROOT into DIR as root.json; no request is made
  refresh   update root, timestamp, snapshot and targets from URL and keep the
            metadata it trusts in DIR under non-versioned names
  download  refresh, find each target through the delegations, download and
            verify it into the target directory (one file per target path, the
            path percent-encoded); a cached file that matches is not downloaded

Options:
  --metadata-dir DIR       trusted metadata of this client
  --metadata-url URL       the repository's metadata base (http(s) URL or directory)
  --target-name PATH       a target path; repeat for several
  --target-base-url URL    the repository's target base (http(s) URL or directory)
  --target-dir DIR         where verified targets are stored
  -h, --help               this help

Exit status: 0 on full success, 1 on any failure, 2 on wrong usage.
`;

type Invocation =
  | { command: 'help' }
  | { command: 'init'; metadataDir: string; trustedRoot: string }
  | { command: 'refresh'; metadataDir: string; metadataUrl: string }
  | {
      command: 'download';
      metadataDir: string;
      metadataUrl: string;
      targetNames: string[];
      targetBaseUrl: string;
      targetDir: string;
    };

const OPTIONS = {
  'metadata-dir': { type: 'string' },
  'metadata-url': { type: 'string' },
  'target-name': { type: 'string', multiple: true },
  'target-base-url': { type: 'string' },
  'target-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseInvocation(argv: string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    // node:util throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed options.
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { command: 'help' };
  const [command, ...operands] = positionals;
  const required = (name: Exclude<keyof typeof OPTIONS, 'help' | 'target-name'>): string => {
    const value = values[name];
    if (value === undefined || value === '') {
      throw new UsageError(`${command} needs --${name}`);
    }
    return value;
  };
  const expectOperands = (count: number, what: string): void => {
    if (operands.length !== count) {
      throw new UsageError(`${command} takes ${what}, got ${operands.length} operand(s)`);
    }
  };
  switch (command) {
    case 'init':
      expectOperands(1, 'one operand, TRUSTED_ROOT');
      return {
        command,
        metadataDir: required('metadata-dir'),
        trustedRoot: operands[0]!,
      };
    case 'refresh':
      expectOperands(0, 'no operands');
      return {
        command,
        metadataDir: required('metadata-dir'),
        metadataUrl: required('metadata-url'),
      };
    case 'download': {
      expectOperands(0, 'no operands');
      const targetNames = values['target-name'] ?? [];
      if (targetNames.length === 0) throw new UsageError('download needs --target-name');
      return {
        command,
        metadataDir: required('metadata-dir'),
        metadataUrl: required('metadata-url'),
        targetNames,
        targetBaseUrl: required('target-base-url'),
        targetDir: required('target-dir'),
      };
    }
    default:
      throw new UsageError(
        command === undefined
          ? 'a command is needed: init, refresh or download'
          : `unknown command '${command}'`,
      );
  }
}

/** `tufwatch client ...`: see CLIENT_USAGE. */
export async function clientCommand(argv: string[], io: CommandIo): Promise<number> {
  let invocation: Invocation;
  try {
    invocation = parseInvocation(argv);
  } catch (err) {
    // parseInvocation throws UsageErrors only.
    io.err(`tufwatch client: ${(err as UsageError).message}\n\n${CLIENT_USAGE}`);
    return EXIT_USAGE;
  }
  switch (invocation.command) {
    case 'help':
      io.out(CLIENT_USAGE);
      return EXIT_OK;
    case 'init':
      return init(invocation, io);
    case 'refresh':
      return refresh(invocation, io);
    case 'download':
      return download(invocation, io);
  }
}

async function init(
  { metadataDir, trustedRoot }: Extract<Invocation, { command: 'init' }>,
  io: CommandIo,
): Promise<number> {
  try {
    // CLIENT-CLI.md: copy, no checks and no request; refresh verifies the root.
    const bytes = await readFile(trustedRoot);
    await mkdir(metadataDir, { recursive: true });
    await new DirectoryStore(metadataDir).write('root.json', bytes);
  } catch (err) {
    io.err(`tufwatch client: init failed: ${describe(err)}\n`);
    return EXIT_FINDINGS;
  }
  io.out(`tufwatch client: ${metadataDir}/root.json initialized from ${trustedRoot}\n`);
  return EXIT_OK;
}

/** Opens the client on DIR's trusted root and refreshes; undefined (reported) on failure. */
async function openAndRefresh(
  options: { metadataDir: string; metadataUrl: string; targetBaseUrl?: string },
  command: string,
  io: CommandIo,
): Promise<TufClient | undefined> {
  let client: TufClient | undefined;
  try {
    client = await TufClient.open({
      metadata: openSource(options.metadataUrl),
      targets: options.targetBaseUrl === undefined ? undefined : openSource(options.targetBaseUrl),
      store: new DirectoryStore(options.metadataDir),
      // One reference time for the whole run (TUF 5.1).
      now: io.now(),
    });
    await client.refresh();
    return client;
  } catch (err) {
    io.err(`tufwatch client: ${command} failed: ${describe(err)}\n`);
    reportNotes(client?.localNotes ?? [], io);
    return undefined;
  }
}

async function refresh(
  invocation: Extract<Invocation, { command: 'refresh' }>,
  io: CommandIo,
): Promise<number> {
  const client = await openAndRefresh(invocation, 'refresh', io);
  if (client === undefined) return EXIT_FINDINGS;
  io.out(`tufwatch client: refreshed; trusted ${formatVersions(client.trustedVersions())}\n`);
  return EXIT_OK;
}

async function download(
  invocation: Extract<Invocation, { command: 'download' }>,
  io: CommandIo,
): Promise<number> {
  const client = await openAndRefresh(invocation, 'download', io);
  if (client === undefined) return EXIT_FINDINGS;
  let failures = 0;
  for (const targetPath of invocation.targetNames) {
    try {
      io.out(`${targetPath}: ${await downloadOne(client, targetPath, invocation.targetDir)}\n`);
    } catch (err) {
      failures++;
      io.err(
        `tufwatch client: download of ${JSON.stringify(targetPath)} failed: ${describe(err)}\n`,
      );
    }
  }
  return failures === 0 ? EXIT_OK : EXIT_FINDINGS;
}

/** Resolves, downloads and stores one target; returns what was done. */
async function downloadOne(client: TufClient, targetPath: string, dir: string): Promise<string> {
  const target = await client.getTargetInfo(targetPath);
  if (target === undefined) {
    throw new TufError(
      'TARGET_MISSING',
      `no trusted targets role lists ${JSON.stringify(targetPath)}`,
      { target: targetPath },
    );
  }
  // One stable file name per target path, whatever its '/'s (CLIENT-CLI.md).
  const name = quoteName(targetPath);
  const file = path.join(dir, name);
  if (await isCached(file, target)) return `cached in ${file} (role ${target.role})`;
  const bytes = await client.downloadTarget(target);
  await mkdir(dir, { recursive: true });
  await new DirectoryStore(dir).write(name, bytes);
  return `${bytes.byteLength} bytes verified and stored in ${file} (role ${target.role})`;
}

/** A file already there with the trusted length and hashes needs no download. */
async function isCached(file: string, target: TargetInfo): Promise<boolean> {
  const stats = await stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  // The size is checked first so that a large stale file is not read.
  if (stats?.isFile() !== true || stats.size !== target.length) return false;
  const bytes = await readFile(file);
  try {
    verifyTarget(target, bytes);
    return true;
  } catch {
    // verifyTarget throws only TARGET_HASH_MISMATCH: such a cached file is
    // replaced, and finding that out is the point of the check.
    return false;
  }
}

function reportNotes(notes: readonly LocalMetadataNote[], io: CommandIo): void {
  for (const note of notes) {
    io.err(`  note: stored ${note.file} was not used: ${describe(note.error)}\n`);
  }
}

function formatVersions(versions: Record<string, number>): string {
  return Object.entries(versions)
    .map(([role, version]) => `${role} v${version}`)
    .join(', ');
}

function describe(err: unknown): string {
  return err instanceof TufError ? `${err.code}: ${err.message}` : String(err);
}

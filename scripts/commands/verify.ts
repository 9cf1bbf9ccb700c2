import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DirectorySource, joinLocation, openSource } from '../../sources/index.js';
import { OverlaySource } from '../../sources/overlay.js';
import { ReachabilityProbe } from '../../sources/reachability.js';
import { messageOf } from '../../tuf/errors.js';
import { parseMetadata } from '../../tuf/metadata.js';
import type { MetadataSource } from '../../tuf/source.js';
import { parseRfc3339 } from '../../tuf/time.js';
import { verifyRepository, type VerifyReport } from '../../tuf/verify.js';
import { loadVerificationConfig } from '../config.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, type CommandIo } from '../io.js';

export const VERIFY_USAGE = `Usage: tufwatch verify --repo DIR|URL [--targets DIR|URL] [--trusted-root FILE]
                       [--published DIR|URL] [--at RFC3339] [--json] [--config FILE]

Verifies a whole TUF repository: the root chain from the trusted root, timestamp,
snapshot, targets, every delegated role, and the target files when present.

  --repo          metadata base (where timestamp.json lives)
  --targets       base of target files (default <repo>/targets); when given, every
                  target file must be there
  --trusted-root  where trust starts (default: the published root with --published,
                  else the repository's own first root: self-consistency only)
  --published     the live repository: no version may go backwards from it; files
                  not in --repo are read from it (stage only what changed)
  --at            reference time (default now)
  --json          print the report as one JSON object
  --config        config file (verification.horizons, verification.limits)

Exit 0: no error finding. 1: at least one. 2: usage, config or I/O problem, or a
repository that could not be reached at all (one line says which).
`;

const FETCH_CODES = new Set<string>(['FETCH_FAILED', 'METADATA_MISSING']);

/** Verification could not run: a repository was not reached at all. One line, no report. */
class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

export async function verifyCommand(argv: string[], io: CommandIo): Promise<number> {
  try {
    const report = await runVerify(argv, io);
    if (report === undefined) return EXIT_OK;
    if (report.ok) return EXIT_OK;
    // Not even a root could be read: an I/O problem prevented verification.
    const unreachable =
      Object.keys(report.roles).length === 0 &&
      report.findings.some((f) => FETCH_CODES.has(f.code));
    return unreachable ? EXIT_USAGE : EXIT_FINDINGS;
  } catch (err) {
    if (err instanceof UnreachableError) {
      io.err(`tufwatch verify: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (!(err instanceof UsageError)) throw err;
    io.err(`tufwatch verify: ${err.message}\n\n${VERIFY_USAGE}`);
    return EXIT_USAGE;
  }
}

async function runVerify(argv: string[], io: CommandIo): Promise<VerifyReport | undefined> {
  const { values } = parseOptions(argv);
  if (values.help === true) {
    io.out(VERIFY_USAGE);
    return undefined;
  }
  if (values.repo === undefined) throw new UsageError('--repo is required');
  let now = io.now();
  if (values.at !== undefined) {
    const at = parseRfc3339(values.at);
    if (at === undefined) throw new UsageError(`--at ${values.at}: not an RFC 3339 date-time`);
    now = at;
  }
  const config = await loadVerificationConfig(values.config);
  const trustedRoot =
    values['trusted-root'] === undefined
      ? undefined
      : await readTrustedRoot(values['trusted-root']);
  const repository = await openProbed('--repo', values.repo);
  const published =
    values.published === undefined ? undefined : await openProbed('--published', values.published);
  const report = await verifyRepository({
    // What is not staged is what clients already have: read from the published repository.
    repository: published === undefined ? repository : new OverlaySource(repository, published),
    targets: openSource(values.targets ?? joinLocation(values.repo, 'targets')),
    targetsMode: values.targets === undefined ? 'auto' : 'required',
    trustedRoot,
    published,
    now,
    limits: config.limits,
    horizons: config.horizons,
  });
  for (const [option, probe] of [
    ['--repo', repository],
    ['--published', published],
  ] as const) {
    const why = probe?.unreachable;
    if (why !== undefined) {
      throw new UnreachableError(
        `${option} ${probe?.location}: could not be reached, so it could not be verified (${why})`,
      );
    }
  }
  // The per-target list is for the monitor's incremental checks, not for people.
  const { verifiedTargets: _verifiedTargets, ...printed } = report;
  io.out(values.json === true ? `${JSON.stringify(printed, null, 2)}\n` : renderText(report));
  return report;
}

/** The trusted root, read and parsed here so that a wrong file is named, not reported as a finding. */
async function readTrustedRoot(file: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new UsageError(`--trusted-root ${file}: cannot read it (${messageOf(err)})`);
  }
  try {
    parseMetadata(bytes, 'root', 'root');
  } catch (err) {
    throw new UsageError(`--trusted-root ${file}: not TUF root metadata (${messageOf(err)})`);
  }
  return bytes;
}

/** A source whose reads are watched: a URL that never answers is "not reached", not "tampered". */
async function openProbed(option: string, location: string): Promise<ReachabilityProbe> {
  let source: MetadataSource;
  try {
    source = openSource(location);
  } catch (err) {
    throw new UsageError(`${option} ${location}: ${messageOf(err)}`);
  }
  if (source instanceof DirectorySource) {
    // A directory that is not there is a typo, not a repository that lost every file.
    const found = await stat(source.location).catch(() => undefined);
    if (found?.isDirectory() !== true)
      throw new UnreachableError(`${option} ${location}: no such directory, nothing was verified`);
  }
  return new ReachabilityProbe(source);
}

function parseOptions(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        repo: { type: 'string' },
        targets: { type: 'string' },
        'trusted-root': { type: 'string' },
        published: { type: 'string' },
        at: { type: 'string' },
        json: { type: 'boolean' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function renderText(report: VerifyReport): string {
  const count = (severity: string): number =>
    report.findings.filter((f) => f.severity === severity).length;
  const lines = [
    `${report.ok ? 'OK' : 'FAIL'}: ${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} note(s) at ${report.referenceTime}; ${report.targetCount} target(s)`,
    '',
    'roles:',
  ];
  for (const [role, r] of Object.entries(report.roles)) {
    lines.push(
      `  ${role.padEnd(12)} v${String(r.version).padEnd(6)} expires ${r.expires.padEnd(26)} ${r.validSignatures}/${r.threshold} signatures of ${r.keys} key(s)`,
    );
  }
  if (report.findings.length > 0) lines.push('', 'findings:');
  for (const f of report.findings) {
    lines.push(`  ${f.severity.padEnd(8)} ${f.code.padEnd(28)} ${f.message}`);
  }
  return `${lines.join('\n')}\n`;
}

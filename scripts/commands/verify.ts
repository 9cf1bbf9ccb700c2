import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { joinLocation, openSource } from '../../sources/index.js';
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
  --published     the live repository: no version may go backwards from it
  --at            reference time (default now)
  --json          print the report as one JSON object
  --config        config file (verification.horizons, verification.limits)

Exit 0: no error finding. 1: at least one. 2: usage, config or I/O problem.
`;

const FETCH_CODES = new Set<string>(['FETCH_FAILED', 'METADATA_MISSING']);

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
  let trustedRoot: Uint8Array | undefined;
  if (values['trusted-root'] !== undefined) {
    try {
      trustedRoot = await readFile(values['trusted-root']);
    } catch (err) {
      throw new UsageError(`--trusted-root: ${(err as Error).message}`);
    }
  }
  const report = await verifyRepository({
    repository: openSource(values.repo),
    targets: openSource(values.targets ?? joinLocation(values.repo, 'targets')),
    targetsMode: values.targets === undefined ? 'auto' : 'required',
    trustedRoot,
    published: values.published === undefined ? undefined : openSource(values.published),
    now,
    limits: config.limits,
    horizons: config.horizons,
  });
  // The per-target list is for the monitor's incremental checks, not for people.
  const { verifiedTargets: _verifiedTargets, ...printed } = report;
  io.out(values.json === true ? `${JSON.stringify(printed, null, 2)}\n` : renderText(report));
  return report;
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

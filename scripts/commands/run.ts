import { parseArgs } from 'node:util';
import { defaultMarkerDir, loadConfig, type ConfigError } from '../../server/config.js';
import { createService } from '../../server/service.js';
import type { CheckResult, CheckStatus } from '../../checks/types.js';
import type { RunDetail } from '../../server/types.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type CommandIo } from '../io.js';

export const RUN_USAGE = `Usage: tufwatch run [--config FILE] [--json] [--init]

Runs every check once, stores the run as evidence, prints controls and checks.
Without --config, monitors Fleet's public repository from its embedded root.
A database a live 'tufwatch serve' holds is refused (exit 2): ask the service
for a run with POST /api/v1/runs instead. --init: as for serve.

Exit 0: no check is fail or error. 1: at least one is. 2: a config, usage or
storage problem (the store is held by a live serve, or refused the run).
`;

export async function runCommand(
  argv: string[],
  io: CommandIo,
  make: typeof createService = createService,
): Promise<number> {
  let values: { config?: string; json?: boolean; init?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        json: { type: 'boolean' },
        init: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.err(`tufwatch run: ${(err as Error).message}\n\n${RUN_USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help === true) {
    io.out(RUN_USAGE);
    return EXIT_OK;
  }
  let config;
  try {
    config = await loadConfig(values.config, io.env);
  } catch (err) {
    // loadConfig throws ConfigError only: every field problem is in its message.
    io.err(`tufwatch run: ${(err as ConfigError).message}\n`);
    return EXIT_USAGE;
  }
  let service;
  try {
    service = make(config, {
      now: () => io.now(),
      storage: { init: values.init === true, markerDir: defaultMarkerDir(io.env) },
    });
  } catch (err) {
    // The evidence store could not be opened: an I/O problem, not a finding.
    io.err(
      `tufwatch run: cannot open the evidence store at ${config.storage.path}: ${(err as Error).message}\n`,
    );
    return EXIT_USAGE;
  }
  try {
    let started;
    try {
      started = service.monitor.start('cli');
    } catch (err) {
      io.err(`tufwatch run: the evidence store refused the run: ${(err as Error).message}\n`);
      return EXIT_USAGE;
    }
    // A fresh service has no run in progress.
    const detail = await (started as NonNullable<typeof started>).done;
    const storage = service.monitor.storage();
    if (storage.status === 'degraded') {
      // Evaluated, but not evidence: a cron job must not read this as a result.
      io.err(`tufwatch run: the run could not be stored: ${storage.reason}\n`);
      return EXIT_USAGE;
    }
    if (detail === undefined) {
      io.err('tufwatch run: the run failed before its checks were evaluated\n');
      return EXIT_FINDINGS;
    }
    io.out(
      values.json === true ? `${JSON.stringify(toJson(detail), null, 2)}\n` : renderText(detail),
    );
    return detail.checks.some((c) => c.status === 'fail' || c.status === 'error')
      ? EXIT_FINDINGS
      : EXIT_OK;
  } finally {
    await service.close(0);
  }
}

/** The `run --json` contract (DESIGN.md): controls with their checks' statuses, then every check. */
function toJson(detail: RunDetail) {
  return {
    run: {
      id: detail.id,
      startedAt: detail.startedAt,
      finishedAt: detail.finishedAt,
      result: detail.result,
    },
    controls: detail.controls.map((c) => ({
      id: c.id,
      title: c.title,
      status: c.status,
      checks: c.checks,
    })),
    checks: detail.checks,
  };
}

const MARK: Record<CheckStatus, string> = {
  pass: 'PASS',
  warn: 'WARN',
  fail: 'FAIL',
  error: 'ERROR',
  not_applicable: 'N/A',
};

function renderText(detail: RunDetail): string {
  const lines = [
    `run ${detail.id}: ${detail.result === 'pass' ? 'PASS' : 'FAIL'} (${String(detail.finishedAt)})`,
    '',
    'controls:',
  ];
  for (const c of detail.controls) lines.push(`  ${MARK[c.status].padEnd(6)} ${c.id}  ${c.title}`);
  // One line per repository that never answered, rather than its network error under every check.
  const unreachable = unreachableRepositories(detail.checks);
  if (unreachable.size > 0) {
    lines.push('');
    for (const [name, reason] of unreachable)
      lines.push(`repository ${name} unreachable: ${reason}`);
  }
  lines.push('', 'checks:');
  for (const c of detail.checks) {
    const blocked = blockedRepositories(c, unreachable);
    const message =
      blocked === undefined ? c.message : `${blocked.join(', ')}: repository unreachable`;
    lines.push(`  ${MARK[c.status].padEnd(6)} ${c.id.padEnd(22)} ${message}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The repositories of a check's evidence, with the facts the TUF checks record per repository. */
function repositoriesOf(check: CheckResult): [string, RepositoryEvidence][] {
  return Object.entries(check.evidence).filter(
    (entry): entry is [string, RepositoryEvidence] =>
      typeof entry[1] === 'object' && entry[1] !== null,
  );
}

interface RepositoryEvidence {
  status?: unknown;
  notEvaluated?: { unreachable?: unknown };
}

/** Repository name -> why it could not be reached, from the checks' evidence (checks/tuf/common.ts). */
function unreachableRepositories(checks: readonly CheckResult[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const check of checks) {
    for (const [name, facts] of repositoriesOf(check)) {
      const reason = facts.notEvaluated?.unreachable;
      if (typeof reason === 'string' && !found.has(name)) found.set(name, reason);
    }
  }
  return found;
}

/**
 * The repositories to name instead of a check's message, when the check is an
 * error only because of unreachable repositories; undefined when it says more.
 */
function blockedRepositories(
  check: CheckResult,
  unreachable: ReadonlyMap<string, string>,
): string[] | undefined {
  if (check.status !== 'error' || unreachable.size === 0) return undefined;
  const failing = repositoriesOf(check).filter(
    ([, facts]) => facts.status !== 'pass' && facts.status !== 'not_applicable',
  );
  const names = failing.map(([name]) => name);
  return names.length > 0 && names.every((name) => unreachable.has(name)) ? names : undefined;
}

import { parseArgs } from 'node:util';
import { defaultMarkerDir, loadConfig, type ConfigError } from '../../server/config.js';
import { createService } from '../../server/service.js';
import type { CheckStatus } from '../../checks/types.js';
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
  lines.push('', 'checks:');
  for (const c of detail.checks)
    lines.push(`  ${MARK[c.status].padEnd(6)} ${c.id.padEnd(22)} ${c.message}`);
  return `${lines.join('\n')}\n`;
}

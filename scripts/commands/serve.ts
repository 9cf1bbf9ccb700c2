import type { FastifyBaseLogger } from 'fastify';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { buildApp } from '../../server/app.js';
import { defaultMarkerDir, loadConfig, type ConfigError } from '../../server/config.js';
import { createService, type Service } from '../../server/service.js';
import { EXIT_OK, EXIT_USAGE, type CommandIo } from '../io.js';

export const SERVE_USAGE = `Usage: tufwatch serve [--config FILE] [--init]

Runs the monitor: checks every schedule.intervalSeconds, the API, /metrics,
the trust page and the dashboard. Stops cleanly on SIGTERM or SIGINT.

One writer per database: exit 2 when another serve or run holds it.
--init: create a new evidence store even where one existed before (its
marker is in the state directory) or where its signing key is left.
`;

/** Resolves with the exit code once the server has stopped after a signal. */
export async function serveCommand(
  argv: string[],
  io: CommandIo,
  signals: NodeJS.EventEmitter = process,
  make: typeof createService = createService,
): Promise<number> {
  let values: { config?: string; init?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        init: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.err(`tufwatch serve: ${(err as Error).message}\n\n${SERVE_USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help === true) {
    io.out(SERVE_USAGE);
    return EXIT_OK;
  }
  let config;
  try {
    config = await loadConfig(values.config, io.env);
  } catch (err) {
    // loadConfig throws ConfigError only: every field problem is in its message.
    io.err(`tufwatch serve: ${(err as ConfigError).message}\n`);
    return EXIT_USAGE;
  }
  // Silent until the app's logger exists; runs start only after listening.
  let log: FastifyBaseLogger = pino({ enabled: false });
  let service: Service;
  try {
    service = make(config, {
      storage: { init: values.init === true, markerDir: defaultMarkerDir(io.env) },
      // An operator sees how runs end without the API.
      onFinished: (run, detail, error) => {
        if (detail === undefined) log.error({ runId: run.id, err: error }, 'run failed');
        else
          log?.info(
            { runId: detail.id, result: detail.result, durationMs: detail.durationMs },
            'run completed',
          );
      },
      // Loud: runs go unstored until the store takes writes again (the next run retries).
      onStoreFailure: (error, storage) =>
        log.error({ err: error, storage }, 'evidence store refused a write: service degraded'),
      onPruned: (checkpoint, error) => {
        if (error !== undefined) log.error({ err: error }, 'evidence retention: pruning failed');
        else if (checkpoint !== undefined) {
          const { firstSeq, lastSeq, before } = checkpoint;
          log.info({ firstSeq, lastSeq, before }, 'evidence retention: pruned behind a checkpoint');
        }
      },
    });
  } catch (err) {
    io.err(
      `tufwatch serve: cannot open the evidence store at ${config.storage.path}: ${(err as Error).message}\n`,
    );
    return EXIT_USAGE;
  }
  const app = await buildApp({
    ...service.deps,
    logger: { level: io.env.TUFWATCH_LOG_LEVEL ?? 'info', redact: ['req.headers.authorization'] },
  });
  log = app.log;
  for (const warning of service.warnings) log.warn(warning);
  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (err) {
    await service.close(0);
    io.err(
      `tufwatch serve: cannot listen on ${config.server.host}:${config.server.port}: ${(err as Error).message}\n`,
    );
    return EXIT_USAGE;
  }
  const { port } = app.server.address() as { port: number };
  io.out(`tufwatch: listening on http://${config.server.host}:${port}\n`);
  service.monitor.schedule(config.schedule.intervalSeconds * 1000);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      app.log.info({ signal }, 'stopping: finishing the run in progress');
      resolve();
    };
    signals.once('SIGTERM', stop);
    signals.once('SIGINT', stop);
  });
  await app.close();
  await service.close(config.schedule.checkTimeoutSeconds * 1000);
  return EXIT_OK;
}

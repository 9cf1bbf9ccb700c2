#!/usr/bin/env node
import { main } from './cli.js';
import { processIo } from './io.js';

// Thin entrypoint: everything testable lives in cli.ts and commands/.
/* c8 ignore start */
main(process.argv.slice(2), processIo).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `tufwatch: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 2;
  },
);
/* c8 ignore stop */

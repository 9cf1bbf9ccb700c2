/** What a command needs from its process, injected so tests run commands in-process. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  /** The reference clock; commands read it once per run. */
  now(): Date;
  env: Readonly<Record<string, string | undefined>>;
}

// The binding to the real process: used only by the entrypoint, which tests do not load.
/* c8 ignore start */
export const processIo: CommandIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  now: () => new Date(),
  env: process.env,
};
/* c8 ignore stop */

/** Exit codes shared by every command (DESIGN.md). */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

/** A usage, config or I/O problem that prevented the command from doing its job: exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

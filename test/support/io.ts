import type { CommandIo } from '../../scripts/io.js';

/** A CommandIo that records output, with a fixed clock. */
export function fakeIo(
  now = new Date('2030-01-01T00:00:00Z'),
): CommandIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(text: string) {
      io.stdout += text;
    },
    err(text: string) {
      io.stderr += text;
    },
    now: () => now,
    env: {},
  };
  return io;
}

import { EXIT_USAGE, type CommandIo } from './io.js';

type Command = (argv: string[], io: CommandIo) => Promise<number>;

// Loaded on demand so that `tufwatch --help` and each command start fast.
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  verify: {
    summary: 'verify a whole TUF repository (staged directory or URL)',
    load: async () => (await import('./commands/verify.js')).verifyCommand,
  },
  run: {
    summary: 'run every check once, store the evidence, print controls and checks',
    load: async () => (await import('./commands/run.js')).runCommand,
  },
  serve: {
    summary: 'the monitoring service: scheduled checks, API, metrics, trust page, dashboard',
    load: async () => (await import('./commands/serve.js')).serveCommand,
  },
  demo: {
    summary: 'a local Orbit-like repository with fresh keys, monitored; prints the URLs',
    load: async () => (await import('./commands/demo.js')).demoCommand,
  },
  client: {
    summary: 'the TUF client workflow (tuf-conformance CLIENT-CLI protocol)',
    load: async () => (await import('./commands/client.js')).clientCommand,
  },
  evidence: {
    summary: 'signed, hash-chained evidence: export a period, verify offline, rotate the key',
    load: async () => (await import('./commands/evidence.js')).evidenceCommand,
  },
};

export const USAGE = `Usage: tufwatch <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`)
  .join('\n')}

Run 'tufwatch <command> --help' for a command's options.
'tufwatch --version' (or -V) prints the version.
`;

export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.out(`tufwatch ${(await import('../server/service.js')).VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err(`tufwatch: unknown command '${name}'\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  return (await command.load())(rest, io);
}

/**
 * Issue 9, "Slow request bodies": the peak memory of `tufwatch serve` while 60
 * authenticated uploads from 6 addresses (6 tokens) each send most of a 9 MB
 * body at once and then drip a byte every 2 seconds.
 *
 *   node --import=./node_modules/@tapjs/typescript/dist/esm/import.mjs bench/dripping-uploads.ts
 *
 * The server is the compiled CLI (`npm run build` first: dist/scripts/tufwatch.js serve) in a child process
 * over a small repository in a temporary directory; its peak RSS is read from
 * /proc (VmHWM) after SECONDS seconds, with how each upload was answered.
 * Linux only (127.0.0.2-6 as source addresses, /proc). Figures for the report.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RepoBuilder, writeRepo } from '../test/support/builder.js';

const UPLOADS = 60;
const ADDRESSES = 6;
const DECLARED = 9 * 1024 * 1024;
const SENT_AT_ONCE = DECLARED - 1024;
const DRIP_MS = 2000;
const SECONDS = Number(process.argv[2] ?? 45);
const PORT = 20000 + Math.floor(Math.random() * 20000);

const dir = mkdtempSync(join(tmpdir(), 'tufwatch-drip-'));
const files = new RepoBuilder({ now: new Date() }).addTarget('a.txt', 'hello').build();
writeRepo(files, join(dir, 'repo'));
const tokens = Array.from({ length: ADDRESSES }, (_, i) => `drip-token-${i}-0123456789abcdef`);
writeFileSync(
  join(dir, 'config.json'),
  JSON.stringify({
    system: { name: 'drip test', description: 'dripping uploads' },
    repositories: [
      { name: 'repo', url: join(dir, 'repo'), trustedRoot: join(dir, 'repo', '1.root.json') },
    ],
    storage: { path: join(dir, 'tufwatch.db') },
    server: { host: '127.0.0.1', port: PORT },
    schedule: { intervalSeconds: 3600 },
    auth: { tokens },
  }),
);

// The compiled CLI (`npm run build`), as deployed: TypeScript's compiler in memory would dwarf the figure.
const cli = new URL('../dist/scripts/tufwatch.js', import.meta.url).pathname;
const server = spawn(process.execPath, [cli, 'serve', '--config', join(dir, 'config.json')], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise<void>((resolve) => {
  server.stdout.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('listening')) resolve();
  });
});
const status = (field: string): number => {
  const line = readFileSync(`/proc/${server.pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Math.round(Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024);
};
await new Promise((resolve) => setTimeout(resolve, 3000));
const baselineMb = status('VmRSS');

const answers: string[] = [];
const sockets: net.Socket[] = [];
const body = Buffer.alloc(SENT_AT_ONCE, 'a');
body.write('{"files":{"root.json":"', 0);
for (let i = 0; i < UPLOADS; i++) {
  const address = `127.0.0.${(i % ADDRESSES) + 1}`;
  const token = tokens[i % ADDRESSES] as string;
  const socket = net.connect({ port: PORT, host: '127.0.0.1', localAddress: address });
  sockets.push(socket);
  let answer = '';
  let timer: NodeJS.Timeout | undefined;
  socket.on('connect', () => {
    socket.write(
      `POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${DECLARED}\r\n\r\n`,
    );
    socket.write(body);
    timer = setInterval(() => socket.write('a'), DRIP_MS);
  });
  socket.on('data', (chunk) => (answer += chunk.toString()));
  socket.on('error', () => undefined);
  socket.on('close', () => {
    clearInterval(timer);
    const code = /"code":"(\w+)"/.exec(answer)?.[1];
    answers.push(code ?? (answer === '' ? 'closed without answer' : answer.slice(0, 12)));
  });
}
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, status('VmRSS'))), 200);
await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
clearInterval(sampler);
const counts: Record<string, number> = {};
for (const a of answers) counts[a] = (counts[a] ?? 0) + 1;
console.log(
  JSON.stringify({
    uploads: UPLOADS,
    seconds: SECONDS,
    baselineRssMb: baselineMb,
    peakRssMb: Math.max(peakRss, status('VmHWM')),
    answered: counts,
    stillHeld: UPLOADS - answers.length,
  }),
);
for (const s of sockets) s.destroy();
server.kill('SIGTERM');
await new Promise((resolve) => server.on('exit', resolve));
rmSync(dir, { recursive: true, force: true });

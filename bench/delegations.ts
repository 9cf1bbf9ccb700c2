/**
 * `npm run bench`, delegations part (issue 9): the two inputs that made one
 * upload hold the verification worker.
 *
 * 1. Glob matching of a pathological pattern: `*aaa…ab*` (the `aaa…ab` chunk
 *    floats between two stars) against a path of `a`s. Backtracking retries
 *    the chunk at every start: length(path) x length(chunk) steps.
 * 2. Delegation search: top-level targets delegates to N roles (`project-i/*`)
 *    and the last of them lists T targets. Resolving each target against all N
 *    delegations costs N x T pattern matches; the index tries one.
 *
 * Knobs (environment):
 *   BENCH_GLOB_CHUNK=20000    length of the `aaa…ab` chunk (the path is twice as long)
 *   BENCH_ROLES=2000          N delegations
 *   BENCH_ROLE_TARGETS=5000   T targets in the last role
 *   BENCH_DELEGATIONS=0       skip this part
 *
 * Alone: node <out>/bench/delegations.js
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { MemorySource } from '../sources/memory.js';
import { matchesPathPattern } from '../tuf/delegations.js';
import { verifyRepository } from '../tuf/verify.js';
import { RepoBuilder } from '../test/support/builder.js';

const NOW = new Date('2031-01-01T00:00:00Z');

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer`);
  return value;
}

/** CPU ms since `start`: less sensitive than wall time to a busy machine. */
function cpuSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

function globCase(chunk: number): { ms: number; cpuMs: number; matched: boolean } {
  const pattern = `*${'a'.repeat(chunk)}b*`;
  const path = 'a'.repeat(2 * chunk);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const matched = matchesPathPattern(pattern, path);
  return { ms: performance.now() - start, cpuMs: cpuSince(cpu), matched };
}

async function searchCase(
  roles: number,
  targets: number,
): Promise<{ ms: number; cpuMs: number; count: number }> {
  const b = new RepoBuilder({ now: NOW });
  for (let i = 0; i < roles; i++) b.addDelegation({ name: `r${i}`, paths: [`project-${i}/*`] });
  const last = `r${roles - 1}`;
  for (let j = 0; j < targets; j++) {
    b.addTarget(`project-${roles - 1}/file-${j}.tgz`, `content ${j}`, { role: last });
  }
  const files = new MemorySource(b.build());
  const cpu = process.cpuUsage();
  const start = performance.now();
  const report = await verifyRepository({
    repository: files,
    trustedRoot: b.build().get('1.root.json'),
    now: NOW,
    targetsMode: 'skip',
  });
  const ms = performance.now() - start;
  const cpuMs = cpuSince(cpu);
  if (!report.ok)
    throw new Error(`bench repository rejected: ${JSON.stringify(report.findings[0])}`);
  return { ms, cpuMs, count: report.targetCount };
}

export async function delegationsBench(): Promise<void> {
  if (process.env.BENCH_DELEGATIONS === '0') return;
  const chunk = positive('BENCH_GLOB_CHUNK', 20_000);
  const roles = positive('BENCH_ROLES', 2_000);
  const targets = positive('BENCH_ROLE_TARGETS', 5_000);
  console.log();
  console.log('Delegations (issue 9):');
  const glob = globCase(chunk);
  console.log(
    `glob '*' + ${chunk} x 'a' + 'b*' against ${2 * chunk} x 'a': ${glob.ms.toFixed(1)} ms, cpu ${glob.cpuMs.toFixed(1)} ms (matched: ${glob.matched})`,
  );
  const search = await searchCase(roles, targets);
  console.log(
    `verify: ${roles} delegations, ${targets} targets in the last role: ${search.ms.toFixed(0)} ms, cpu ${search.cpuMs.toFixed(0)} ms (${search.count} targets resolved)`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await delegationsBench();

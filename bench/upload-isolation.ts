/**
 * Issue 9, "Uploads must not starve monitoring": how long a scheduled run's
 * verification takes while a hostile upload holds the upload worker.
 *
 *   node --import=./node_modules/@tapjs/typescript/dist/esm/import.mjs bench/upload-isolation.ts [N]
 *
 * The upload is staged metadata whose delegation pattern `*aaa…ab` (N/2 a's)
 * meets a target path of N a's: each start of the '*' matches N/2 a's before
 * the 'b' fails, so glob matching takes ~N²/4 steps and the upload holds its
 * worker until its timeout. Once it is running, a run verifies
 * a small repository from a directory; the script prints how long that took and
 * whether the upload was still held when it finished. Wall-clock figures, for
 * the report only: tests assert on order, never on time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as verifier from '../server/verifier.js';
import { RepoBuilder, writeRepo } from '../test/support/builder.js';
import { DEFAULT_HORIZONS, DEFAULT_LIMITS } from '../tuf/limits.js';

const N = Number(process.argv[2] ?? 1_000_000);
const now = new Date('2030-01-01T00:00:00Z');
const common = {
  now: now.toISOString(),
  limits: { ...DEFAULT_LIMITS },
  horizons: { ...DEFAULT_HORIZONS },
};
// Where this version of tufwatch has no upload timeout of its own, uploads took the run's (120 s).
const uploadTimeoutMs = (verifier as { UPLOAD_TIMEOUT_MS?: number }).UPLOAD_TIMEOUT_MS ?? 120_000;

const hostile = new RepoBuilder({ now })
  .addDelegation({
    name: 'role1',
    paths: [`*${'a'.repeat(N / 2)}b`],
    targets: { ['a'.repeat(N)]: 'x' },
  })
  .build();
const monitored = new RepoBuilder({ now }).addTarget('a.txt', 'hello').build();
const dir = mkdtempSync(join(tmpdir(), 'tufwatch-isolation-'));
writeRepo(monitored, dir);

const pool = new verifier.Verifier();
const runJob = {
  ...common,
  kind: 'repository' as const,
  url: dir,
  targetsUrl: join(dir, 'targets'),
  checkTargets: true,
  verifiedTargets: [],
  trustedRoot: monitored.get('1.root.json'),
};
// One run first, alone: the worker is started and warm, as in a service that has run before.
const warm = performance.now();
await pool.verify(runJob, 600_000);
const aloneMs = performance.now() - warm;
const started = performance.now();
let uploadSettled: number | undefined;
const upload = pool
  .verify(
    {
      ...common,
      kind: 'staged',
      files: [...hostile].filter(([name]) => !name.startsWith('targets/')),
      trustedRoot: hostile.get('1.root.json'),
    },
    uploadTimeoutMs,
  )
  .then(
    () => 'verified',
    (err: unknown) => (err as Error).name,
  )
  .finally(() => (uploadSettled = performance.now()));
// Let the upload reach its worker and start matching.
await new Promise((resolve) => setTimeout(resolve, 2000));
const runStarted = performance.now();
const report = await pool.verify(runJob, 600_000);
const runMs = performance.now() - runStarted;
const heldDuringRun = uploadSettled === undefined || uploadSettled > runStarted + runMs;
const outcome = await upload;
console.log(
  JSON.stringify({
    patternLength: N,
    uploadTimeoutMs,
    runOk: report.ok,
    runAloneMs: Math.round(aloneMs),
    runCompletedMs: Math.round(runMs),
    uploadHeldWhileRunRan: heldDuringRun,
    upload: outcome,
    uploadHeldMs: Math.round((uploadSettled ?? performance.now()) - started),
  }),
);
await pool.close();
rmSync(dir, { recursive: true, force: true });

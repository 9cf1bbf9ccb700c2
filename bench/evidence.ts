/**
 * `npm run bench`, evidence part: the size and time of a signed evidence
 * export of 90 days of 5-minute runs of every registered check and control
 * (25,920 runs), written the way `tufwatch evidence export` writes it, then
 * verified the way `tufwatch evidence verify` does.
 *
 * The store is a real SQLite file built through `completeRun`, so every record
 * is hashed as in service. Statuses vary as in life: a check fails for two
 * hours a day, another errors once a day, a third warns every other hour.
 *
 * Knobs (environment):
 *   BENCH_EVIDENCE_DAYS=30   days of runs (default 90)
 *   BENCH_EVIDENCE=0         skip this part
 *
 * Alone: node <out>/bench/evidence.js
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { CONTROL_CATALOG, evaluateControls } from '../checks/controls.js';
import { ALL_CHECKS } from '../checks/registry.js';
import type { CheckResult, CheckStatus } from '../checks/types.js';
import { verifyBundleFile, writeFileAtomic } from '../scripts/commands/evidence.js';
import { createEvidenceService } from '../server/evidence-export.js';
import { SigningKeyFile, signingKeyPath } from '../server/evidence-keys.js';
import { openStore } from '../server/store.js';

const START = new Date('2031-01-01T00:00:00.000Z');
const INTERVAL_MS = 5 * 60_000;
const DAY_MS = 24 * 3600 * 1000;

function statuses(at: Date): Record<string, CheckStatus> {
  const minute = (at.getTime() % DAY_MS) / 60_000;
  const out: Record<string, CheckStatus> = {};
  if (minute >= 600 && minute < 720) out['tuf.expiry'] = 'fail';
  if (minute === 0) out['tuf.key-hygiene'] = 'error';
  if (at.getUTCHours() % 2 === 1) out['tuf.target-integrity'] = 'warn';
  return out;
}

/** Evidence shaped like the TUF checks' (a repository, roles, versions, key ids). */
function results(at: Date): CheckResult[] {
  const given = statuses(at);
  return ALL_CHECKS.map((check) => {
    const status = given[check.id] ?? 'pass';
    return {
      id: check.id,
      status,
      message: `fleet: ${check.title.toLowerCase()} (${status})`,
      evidence: {
        fleet: {
          status,
          roles: {
            timestamp: { version: 4242, expires: '2031-03-08T00:00:00Z', threshold: 1 },
            snapshot: { version: 311, expires: '2031-04-01T00:00:00Z', threshold: 1 },
          },
          keyids: ['5e2d2b6b9a5bd3d1', '2c4d5b9c71fb9a10'],
        },
      },
      evaluatedAt: new Date(at.getTime() - 1500).toISOString(),
      durationMs: 4,
    };
  });
}

const mb = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);
const ms = (value: number): string => value.toFixed(0);

export async function evidenceBench(): Promise<void> {
  if (process.env.BENCH_EVIDENCE === '0') return;
  const days = Number(process.env.BENCH_EVIDENCE_DAYS ?? 90);
  if (!Number.isSafeInteger(days) || days < 1) {
    throw new Error(
      `BENCH_EVIDENCE_DAYS must be a positive integer: ${process.env.BENCH_EVIDENCE_DAYS}`,
    );
  }
  const runs = (days * DAY_MS) / INTERVAL_MS;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tufwatch-bench-evidence-'));
  try {
    const dbPath = path.join(dir, 'tufwatch.db');
    const keys = new SigningKeyFile(signingKeyPath(dbPath));
    const store = openStore(dbPath, { synchronous: 'NORMAL' });
    const end = new Date(START.getTime() + runs * INTERVAL_MS);
    try {
      store.registerSigningKey(keys.current().key, START, 'created');
      process.stderr.write(`evidence: storing ${runs} runs of ${ALL_CHECKS.length} checks... `);
      const buildStart = performance.now();
      for (let i = 0; i < runs; i++) {
        const at = new Date(START.getTime() + (i + 1) * INTERVAL_MS);
        const run = store.startRun('schedule', new Date(at.getTime() - 3000));
        const checks = results(at);
        store.completeRun(run.id, at, checks, evaluateControls(CONTROL_CATALOG, checks));
      }
      process.stderr.write(`${ms(performance.now() - buildStart)} ms\n`);

      const service = createEvidenceService({
        store,
        keys,
        system: { name: 'bench', description: 'synthetic runs', components: [] },
        controls: CONTROL_CATALOG,
        checks: ALL_CHECKS,
        version: 'bench',
        now: () => end,
      });
      const out = path.join(dir, 'bundle.json');
      const exportStart = performance.now();
      const size = writeFileAtomic(out, service.exportBundle(START, new Date(end.getTime() + 1)));
      const exportMs = performance.now() - exportStart;
      const csvStart = performance.now();
      const csv = writeFileAtomic(path.join(dir, 'controls.csv'), [service.exportCsv(START, end)]);
      const csvMs = performance.now() - csvStart;
      const verifyStart = performance.now();
      const outcome = await verifyBundleFile(out);
      const verifyMs = performance.now() - verifyStart;
      if (!outcome.ok) throw new Error(`the bundle does not verify: ${outcome.problem.code}`);

      console.log();
      console.log(
        `Evidence export, ${days} days of 5-minute runs (${outcome.runs} runs, ${ALL_CHECKS.length} checks, ${CONTROL_CATALOG.length} controls):`,
      );
      console.log(`  records:          ${outcome.records}`);
      console.log(`  bundle size:      ${mb(size)} MB (${size} bytes)`);
      console.log(`  export (signed):  ${ms(exportMs)} ms, written and fsynced`);
      console.log(`  verify (offline): ${ms(verifyMs)} ms`);
      console.log(`  CSV per day:      ${ms(csvMs)} ms, ${csv} bytes`);
      console.log(
        `  peak RSS:         ${mb(process.resourceUsage().maxRSS * 1024)} MB (whole bench process)`,
      );
    } finally {
      store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await evidenceBench();

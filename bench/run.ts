/**
 * `npm run bench`: wall time and peak memory of a full metadata verification
 * of Fleet-like repositories (bench/generate.ts) with 1k, 10k and 100k
 * targets, by tufwatch and by tuf-js 5.0.1 (@tufjs/models) on the same files.
 *
 * Every measurement runs in a child process of its own, so that its peak RSS
 * (`process.resourceUsage().maxRSS`) is its own: the child loads only the
 * implementation it measures, times the work, and prints one JSON line.
 * Each measurement is repeated RUNS times; the table shows medians.
 *
 * Knobs (environment):
 *   BENCH_SIZES=1000,10000      target counts to run (default 1000,10000,100000)
 *   BENCH_TUFJS_100K=1          also run tuf-js above 10k targets (quadratic: many minutes)
 *
 * A single measurement can be profiled by hand:
 *   node <out>/bench/generate.js /tmp/repo 100000
 *   node --cpu-prof <out>/bench/run.js --child tufwatch /tmp/repo 100000
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Metadata as TufJsMetadata } from '@tufjs/models';
import { BENCH_NOW, generateFleetRepository } from './generate.js';

const RUNS = 3;
const DEFAULT_SIZES = [1_000, 10_000, 100_000];
/** Above this, tuf-js runs only on request: its time grows quadratically with the target count. */
const TUFJS_DEFAULT_MAX = 10_000;
/** targets.json of 100k Fleet targets is ~30 MB; the default cap (5 MB) is for real clients. */
const MAX_TARGETS_BYTES = 1 << 30;
const SCRIPT = fileURLToPath(import.meta.url);

type Impl = 'tufwatch' | 'tufjs' | 'phases';

/** What a child prints: times in ms, memory in kB as `maxRSS` reports it. */
interface Measurement {
  ms: number;
  /** CPU time (user + system) of the measured work: less sensitive than wall time to a busy machine. */
  cpuMs: number;
  peakKb: number;
  /** Peak RSS once the child's modules were loaded, before the measured work. */
  baselineKb: number;
  phases?: Record<string, number>;
}

// ---------------------------------------------------------------------------
// Children: one measurement each

function cpuSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

async function measureTufwatch(dir: string, expected: number): Promise<Measurement> {
  const { verifyRepository } = await import('../tuf/verify.js');
  const { DirectorySource } = await import('../sources/directory.js');
  const baselineKb = process.resourceUsage().maxRSS;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const report = await verifyRepository({
    repository: new DirectorySource(dir),
    now: BENCH_NOW,
    targetsMode: 'skip',
    limits: { maxTargetsBytes: MAX_TARGETS_BYTES },
  });
  const ms = performance.now() - start;
  const cpuMs = cpuSince(cpu);
  if (!report.ok) {
    throw new Error(`tufwatch rejected the repository: ${JSON.stringify(report.findings)}`);
  }
  if (report.targetCount !== expected) {
    throw new Error(`tufwatch resolved ${report.targetCount} targets, expected ${expected}`);
  }
  return { ms, cpuMs, peakKb: process.resourceUsage().maxRSS, baselineKb };
}

type Json = Parameters<typeof TufJsMetadata.fromJSON>[1];

/**
 * tuf-js's own steps for the top-level roles (TUF 5.3-5.6 as its Updater runs
 * them): parse, verify each role's signatures against root, check snapshot
 * and targets against the length and hashes their parent lists, and expiry.
 */
async function measureTufJs(dir: string, expected: number): Promise<Measurement> {
  const { Metadata, MetadataKind } = await import('@tufjs/models');
  const baselineKb = process.resourceUsage().maxRSS;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const read = async (name: string): Promise<{ bytes: Buffer; json: Json }> => {
    const bytes = await readFile(path.join(dir, name));
    // Benchmark input that this script generated; tuf-js validates it itself.
    return { bytes, json: JSON.parse(bytes.toString('utf8')) as Json };
  };
  const root = Metadata.fromJSON(MetadataKind.Root, (await read('root.json')).json);
  root.verifyDelegate('root', root);
  const timestamp = Metadata.fromJSON(MetadataKind.Timestamp, (await read('timestamp.json')).json);
  root.verifyDelegate('timestamp', timestamp);
  const snapshotFile = await read('snapshot.json');
  timestamp.signed.snapshotMeta.verify(snapshotFile.bytes);
  const snapshot = Metadata.fromJSON(MetadataKind.Snapshot, snapshotFile.json);
  root.verifyDelegate('snapshot', snapshot);
  const targetsFile = await read('targets.json');
  const targetsMeta = snapshot.signed.meta['targets.json'];
  if (targetsMeta === undefined) throw new Error('snapshot does not list targets.json');
  targetsMeta.verify(targetsFile.bytes);
  const targets = Metadata.fromJSON(MetadataKind.Targets, targetsFile.json);
  root.verifyDelegate('targets', targets);
  for (const md of [root, timestamp, snapshot, targets]) {
    if (md.signed.isExpired(BENCH_NOW)) throw new Error('tuf-js: metadata expired');
  }
  const ms = performance.now() - start;
  const cpuMs = cpuSince(cpu);
  const count = Object.keys(targets.signed.targets).length;
  if (count !== expected) throw new Error(`tuf-js read ${count} targets, expected ${expected}`);
  return { ms, cpuMs, peakKb: process.resourceUsage().maxRSS, baselineKb };
}

/** `global.gc` when the child runs with --expose-gc: each timed step starts with a clean heap. */
const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();

/** Median ms of `fn` over RUNS runs in this (warm) process. */
function timeMedian(fn: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    collectGarbage();
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

/**
 * The main steps of tufwatch's work on targets.json, timed one by one with the
 * functions verification calls, to show where the time goes. Warm (each step
 * repeated in one process), so they need not add up to the cold full run.
 */
async function measurePhases(dir: string): Promise<Measurement> {
  const { parseMetadata } = await import('../tuf/metadata.js');
  const { canonicalBytes } = await import('../tuf/canonical.js');
  const { KeyCache } = await import('../tuf/keys.js');
  const { verifyThreshold } = await import('../tuf/signatures.js');
  const { DirectorySource } = await import('../sources/directory.js');
  const baselineKb = process.resourceUsage().maxRSS;
  const cpu = process.cpuUsage();
  const start = performance.now();

  const source = new DirectorySource(dir);
  const readTimes: number[] = [];
  let bytes: Uint8Array = new Uint8Array();
  for (let i = 0; i < RUNS; i++) {
    collectGarbage();
    const t = performance.now();
    bytes = await source.read('targets.json', MAX_TARGETS_BYTES);
    readTimes.push(performance.now() - t);
  }
  const rootMd = parseMetadata(await source.read('root.json', MAX_TARGETS_BYTES), 'root');
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  const json = JSON.parse(text) as { signed: unknown };
  const md = parseMetadata(bytes, 'targets');
  const verify = () =>
    verifyThreshold({
      role: 'targets',
      signedBytes: md.signedBytes,
      signatures: md.signatures,
      keys: rootMd.signed.keys,
      roleKeys: rootMd.signed.roles.targets,
      cache: new KeyCache(),
    });
  if (!verify().met) throw new Error('phases: targets signature does not verify');

  const decode = timeMedian(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  const parse = timeMedian(() => JSON.parse(text));
  const canonicalize = timeMedian(() => canonicalBytes(json.signed, 'targets'));
  const parseMetadataMs = timeMedian(() => parseMetadata(bytes, 'targets'));
  const phases = {
    'read (DirectorySource)': median(readTimes),
    'utf-8 decode': decode,
    'JSON.parse': parse,
    'canonicalize (canonicalBytes + Buffer.from)': canonicalize,
    'parseMetadata (decode + parse + validate + canonicalize)': parseMetadataMs,
    '  of which field validation (difference)': Math.max(
      0,
      parseMetadataMs - decode - parse - canonicalize,
    ),
    'signature verify (ed25519 over canonical bytes)': timeMedian(verify),
    'sha512 of file (snapshot meta check)': timeMedian(() =>
      createHash('sha512').update(bytes).digest('hex'),
    ),
    'sha256 of file + of canonical bytes (summary)': timeMedian(() => {
      createHash('sha256').update(bytes).digest('hex');
      createHash('sha256').update(md.signedBytes).digest('hex');
    }),
  };
  return {
    ms: performance.now() - start,
    cpuMs: cpuSince(cpu),
    peakKb: process.resourceUsage().maxRSS,
    baselineKb,
    phases,
  };
}

async function child(impl: string, dir: string, expected: number): Promise<void> {
  let result: Measurement;
  if (impl === 'tufwatch') result = await measureTufwatch(dir, expected);
  else if (impl === 'tufjs') result = await measureTufJs(dir, expected);
  else if (impl === 'phases') result = await measurePhases(dir);
  else throw new Error(`unknown implementation ${impl}`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------
// Driver

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function runChild(impl: Impl, dir: string, targets: number): Measurement {
  const flags = impl === 'phases' ? ['--expose-gc'] : [];
  const args = [...flags, SCRIPT, '--child', impl, dir, String(targets)];
  const result = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${impl} child failed on ${targets} targets (exit ${result.status})`);
  }
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as Measurement;
}

interface Summary {
  ms: number;
  cpuMs: number;
  peakMb: number;
  baselineMb: number;
}

function measure(impl: Impl, dir: string, targets: number): Summary {
  const runs: Measurement[] = [];
  for (let i = 0; i < RUNS; i++) {
    process.stderr.write(`  ${impl} ${targets} targets, run ${i + 1}/${RUNS}... `);
    const m = runChild(impl, dir, targets);
    process.stderr.write(`${m.ms.toFixed(1)} ms (cpu ${m.cpuMs.toFixed(1)} ms)\n`);
    runs.push(m);
  }
  return {
    ms: median(runs.map((m) => m.ms)),
    cpuMs: median(runs.map((m) => m.cpuMs)),
    peakMb: median(runs.map((m) => m.peakKb)) / 1024,
    baselineMb: median(runs.map((m) => m.baselineKb)) / 1024,
  };
}

const fmtMs = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const fmtMb = (mb: number): string => mb.toFixed(1);

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

function sizesFromEnv(): number[] {
  const raw = process.env.BENCH_SIZES;
  if (raw === undefined || raw.trim() === '') return DEFAULT_SIZES;
  const sizes = raw.split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new Error(`BENCH_SIZES must be a comma-separated list of positive integers: ${raw}`);
  }
  return sizes;
}

function main(): void {
  const sizes = sizesFromEnv();
  const tufjsAll = process.env.BENCH_TUFJS_100K === '1';
  const largest = Math.max(...sizes);
  const rows: string[][] = [];
  const baselines: number[] = [];
  let phases: Record<string, number> | undefined;
  let goal10k: number | undefined;
  let largestMs: number | undefined;
  const skipped: number[] = [];
  const cpuNotes: string[] = [];

  process.stderr.write(
    `node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${RUNS} runs each\n`,
  );
  for (const n of sizes) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tufwatch-bench-${n}-`));
    try {
      process.stderr.write(`generating ${n} targets in ${dir}... `);
      const genStart = performance.now();
      const repo = generateFleetRepository(dir, { targets: n, now: BENCH_NOW });
      process.stderr.write(`${fmtMs(performance.now() - genStart)} ms\n`);
      const targetsMb = (repo.sizes['targets.json'] ?? 0) / (1024 * 1024);
      const ours = measure('tufwatch', dir, n);
      baselines.push(ours.baselineMb);
      cpuNotes.push(`${n}: ${fmtMs(ours.cpuMs)} ms`);
      const theirs = n <= TUFJS_DEFAULT_MAX || tufjsAll ? measure('tufjs', dir, n) : undefined;
      if (theirs !== undefined) baselines.push(theirs.baselineMb);
      if (n === largest) {
        process.stderr.write(`  tufwatch phases on targets.json (${n} targets)...\n`);
        phases = runChild('phases', dir, n).phases;
        largestMs = ours.ms;
      }
      const speedup = theirs === undefined ? undefined : theirs.ms / ours.ms;
      if (n === 10_000) goal10k = speedup;
      if (theirs === undefined) skipped.push(n);
      rows.push([
        String(n),
        targetsMb.toFixed(1),
        fmtMs(ours.ms),
        fmtMb(ours.peakMb),
        ...(theirs === undefined
          ? ['skipped', '-', '-']
          : [
              fmtMs(theirs.ms),
              fmtMb(theirs.peakMb),
              `${(speedup as number).toFixed((speedup as number) >= 10 ? 0 : 1)}x`,
            ]),
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  const header = [
    'targets',
    'targets.json MB',
    'tufwatch ms',
    'tufwatch peak MB',
    'tuf-js ms',
    'tuf-js peak MB',
    'speedup',
  ];
  console.log();
  console.log(`Full metadata verification, median of ${RUNS} runs, each in its own process:`);
  console.log(table(header, rows));
  for (const n of skipped) {
    console.log(`tuf-js at ${n} targets: skipped (quadratic; set BENCH_TUFJS_100K=1 to run)`);
  }
  console.log(
    `Peak MB is the child's whole RSS, Node itself included (~${fmtMb(median(baselines))} MB before the work starts).`,
  );
  console.log(
    `tufwatch CPU time, all threads, median (a check on wall times taken on a busy machine): ${cpuNotes.join(', ')}`,
  );
  if (phases !== undefined) {
    console.log();
    console.log(
      `tufwatch steps on targets.json with ${largest} targets (warm, median of ${RUNS}):`,
    );
    console.log(
      table(
        ['step', 'ms'],
        Object.entries(phases).map(([step, ms]) => [step, fmtMs(ms)]),
      ),
    );
  }
  console.log();
  if (goal10k !== undefined) {
    console.log(
      `goal >= 100x faster than tuf-js at 10k targets: ${goal10k >= 100 ? 'met' : 'NOT met'} (${goal10k.toFixed(0)}x)`,
    );
  }
  if (largest === 100_000 && largestMs !== undefined) {
    console.log(
      `goal 100k targets verified in < 1 s: ${largestMs < 1000 ? 'met' : 'NOT met'} (${fmtMs(largestMs)} ms)`,
    );
  }
}

if (process.argv[2] === '--child') {
  const [impl, dir, targets] = process.argv.slice(3);
  if (impl === undefined || dir === undefined || targets === undefined) {
    throw new Error('usage: run.js --child tufwatch|tufjs|phases DIR TARGETS');
  }
  await child(impl, dir, Number(targets));
} else {
  main();
  // Loaded here, not at the top: the measuring children must not load the store.
  await (await import('./evidence.js')).evidenceBench();
  await (await import('./delegations.js')).delegationsBench();
}

/**
 * Inputs for check tests: real verification reports of repositories made with
 * the builder, hand-made reports for edge cases, and the snapshots and
 * collected data checks evaluate.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { DEFAULT_CHECK_SETTINGS } from '../../checks/types.js';
import type {
  CheckDefinition,
  CheckOutcome,
  CheckSettings,
  CollectedData,
  TufRepositorySnapshot,
} from '../../checks/types.js';
import { DirectorySource } from '../../sources/directory.js';
import { TufError } from '../../tuf/errors.js';
import {
  finding,
  type Finding,
  type FindingCode,
  type FindingDetails,
} from '../../tuf/findings.js';
import type { MetadataSource } from '../../tuf/source.js';
import {
  verifyRepository,
  type RoleSummary,
  type VerifyOptions,
  type VerifyReport,
} from '../../tuf/verify.js';
import { RepoBuilder, type RepoOptions } from './builder.js';

/** The reference time of every check test: far from today. */
export const NOW = new Date('2030-01-01T00:00:00Z');
export const DAY_MS = 24 * 3600 * 1000;
export const at = (offsetMs: number): Date => new Date(NOW.getTime() + offsetMs);

/**
 * A repository with nothing to report: root threshold 2, distinct keys per
 * role, one top-level target. Expiries are a year after NOW.
 */
export function cleanRepo(options: Partial<RepoOptions> = {}): RepoBuilder {
  return new RepoBuilder({
    now: NOW,
    ...options,
    roles: { root: { threshold: 2 }, ...options.roles },
  }).addTarget('hello.txt', 'hello');
}

/** A source that fails with FETCH_FAILED (as on HTTP 503) on the named files. */
class Failing implements MetadataSource {
  readonly #inner: MetadataSource;
  readonly #failing: ReadonlySet<string>;

  constructor(inner: MetadataSource, failing: readonly string[]) {
    this.#inner = inner;
    this.#failing = new Set(failing);
  }

  get location(): string {
    return this.#inner.location;
  }

  async read(name: string, maxBytes: number): Promise<Uint8Array> {
    this.#check(name);
    return this.#inner.read(name, maxBytes);
  }

  stream(name: string, maxBytes: number): AsyncIterable<Uint8Array> {
    this.#check(name);
    return this.#inner.stream(name, maxBytes);
  }

  #check(name: string): void {
    if (this.#failing.has(name))
      throw new TufError('FETCH_FAILED', `HTTP 503 for ${name}`, { file: name });
  }
}

export interface VerifyRun extends Partial<Omit<VerifyOptions, 'repository' | 'targets'>> {
  /** Metadata or target files whose fetch fails. */
  failing?: readonly string[];
  /** Whether the target files are served. Default true. */
  serveTargets?: boolean;
  /** Trust starts at the repository's own root, unanchored. */
  unanchored?: boolean;
}

/**
 * Serves the repository from a temp directory and verifies it as the monitor
 * does (trusted root: 1.root.json, targets checked and included).
 */
export async function verifyBuilt(
  repo: RepoBuilder | ReadonlyMap<string, Uint8Array>,
  run: VerifyRun = {},
): Promise<VerifyReport> {
  const files = repo instanceof RepoBuilder ? repo.build() : repo;
  const { failing = [], serveTargets = true, unanchored = false, ...options } = run;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tufwatch-checks-'));
  try {
    for (const [name, bytes] of files) {
      if (!serveTargets && name.startsWith('targets/')) continue;
      const file = path.join(dir, ...name.split('/'));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, bytes);
    }
    return await verifyRepository({
      repository: new Failing(new DirectorySource(dir), failing),
      targets: new Failing(new DirectorySource(path.join(dir, 'targets')), failing),
      trustedRoot: unanchored ? undefined : files.get('1.root.json'),
      now: NOW,
      includeTargets: true,
      ...options,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A role as a report lists it. */
export function roleSummary(overrides: Partial<RoleSummary> = {}): RoleSummary {
  return {
    version: 1,
    expires: '2031-01-01T00:00:00Z',
    threshold: 1,
    validSignatures: 1,
    keys: 1,
    length: 100,
    sha256: 'a'.repeat(64),
    signedSha256: 'b'.repeat(64),
    ...overrides,
  };
}

/** A hand-made report of a healthy repository with the four top-level roles, for edge cases. */
export function handReport(overrides: Partial<VerifyReport> = {}): VerifyReport {
  return {
    ok: true,
    referenceTime: NOW.toISOString(),
    roles: {
      root: roleSummary({ threshold: 2, validSignatures: 2, keys: 2 }),
      timestamp: roleSummary(),
      snapshot: roleSummary(),
      targets: roleSummary(),
    },
    findings: [],
    targetCount: 0,
    ...overrides,
  };
}

export function found(code: FindingCode, details: FindingDetails = {}): Finding {
  return finding(code, `${code} (test)`, details);
}

/** A repository as the TUF collector hands it to checks. */
export function snapshot(
  report: VerifyReport | undefined,
  extra: Partial<TufRepositorySnapshot> = {},
): TufRepositorySnapshot {
  return {
    name: 'fleet',
    url: 'https://updates.example.test',
    ...(report !== undefined && { report }),
    ...(report?.targets !== undefined && { targets: report.targets }),
    ...extra,
  };
}

/** A repository whose verification could not run. */
export function broken(
  name = 'fleet',
  error = 'verification timed out after 60 s',
): TufRepositorySnapshot {
  return { name, url: 'https://updates.example.test', error };
}

export function collected(
  tuf: readonly TufRepositorySnapshot[],
  settings: Partial<CheckSettings> = {},
  now: Date = NOW,
): CollectedData {
  return { now, tuf, settings: { ...DEFAULT_CHECK_SETTINGS, ...settings } };
}

/** The evidence a check recorded for one repository. */
export function evidenceOf(outcome: CheckOutcome, repository = 'fleet'): Record<string, unknown> {
  const evidence = outcome.evidence[repository];
  if (evidence === undefined || evidence === null || typeof evidence !== 'object')
    throw new Error(`no evidence for ${repository}`);
  return evidence as Record<string, unknown>;
}

/** The codes of the findings a check put in a repository's evidence. */
export function evidenceCodes(outcome: CheckOutcome, repository = 'fleet'): string[] {
  const findings = evidenceOf(outcome, repository).findings as Finding[] | undefined;
  return (findings ?? []).map((f) => f.code).sort();
}

/**
 * The cases every TUF check shares: nothing to evaluate is not_applicable;
 * a repository that could not be verified, a fetch failure, or a missing role
 * is `error`. `extra` makes the check applicable (e.g. an Orbit layout).
 */
export function commonCases(
  t: Test,
  check: CheckDefinition,
  extra: Partial<TufRepositorySnapshot> = {},
): void {
  t.test('no repository: not_applicable', (t) => {
    const outcome = check.evaluate(collected([]));
    t.equal(outcome.status, 'not_applicable');
    t.strictSame(outcome.evidence, {});
    t.end();
  });

  t.test('verification could not run: error', (t) => {
    const outcome = check.evaluate(collected([{ ...broken(), ...extra }]));
    t.equal(outcome.status, 'error');
    t.match(evidenceOf(outcome), { status: 'error', error: 'verification timed out after 60 s' });
    t.end();
  });

  t.test('a report with an error beside it: error', (t) => {
    const outcome = check.evaluate(
      collected([snapshot(handReport(), { error: 'worker restarted', ...extra })]),
    );
    t.equal(outcome.status, 'error');
    t.match(evidenceOf(outcome), { notEvaluated: { error: 'worker restarted' } });
    t.end();
  });

  t.test('a metadata fetch failed: error', async (t) => {
    const report = await verifyBuilt(cleanRepo(), { failing: ['timestamp.json'] });
    const outcome = check.evaluate(collected([snapshot(report, extra)]));
    t.equal(outcome.status, 'error');
    t.match(evidenceOf(outcome), {
      status: 'error',
      notEvaluated: { fetchFailed: [{ code: 'FETCH_FAILED', file: 'timestamp.json' }] },
    });
  });

  t.test('a role the check reads was not verified: error', (t) => {
    const outcome = check.evaluate(collected([snapshot(handReport({ roles: {} }), extra)]));
    t.equal(outcome.status, 'error');
    const { notEvaluated } = evidenceOf(outcome) as { notEvaluated: { missingRoles: string[] } };
    t.ok(notEvaluated.missingRoles.length > 0, 'names the missing roles');
    t.end();
  });
}

/**
 * Evidence stores with synthetic runs, built through the real store (so that
 * every record is hashed by `completeRun`, as in service), and bundles read
 * back for tampering.
 */
import { CONTROL_CATALOG, evaluateControls } from '../../checks/controls.js';
import { ALL_CHECKS, TUF_CHECKS } from '../../checks/registry.js';
import type { CheckResult, CheckStatus } from '../../checks/types.js';
import { describeSystem } from '../../server/routes/system.js';
import {
  checkInfo,
  createEvidenceService,
  RECORDS_CLOSE,
  RECORDS_OPEN,
} from '../../server/evidence-export.js';
import { SigningKeyFile } from '../../server/evidence-keys.js';
import { openStore, type StoreOptions } from '../../server/store.js';
import type {
  ControlDefinition,
  EvidenceChain,
  EvidenceService,
  EvidenceStore,
} from '../../server/types.js';
import { fakeConfig } from './fakes.js';

export const T0 = new Date('2031-01-01T00:00:00.000Z');
export const MINUTE_MS = 60_000;
export const FIVE_MINUTES_MS = 5 * MINUTE_MS;
export const DAY_MS = 24 * 3600 * 1000;
export const CHECK_IDS: readonly string[] = ALL_CHECKS.map((c) => c.id);
const TUF_IDS = new Set(TUF_CHECKS.map((c) => c.id));
/** An instance that monitors the TUF repository only: its checks, and the controls made of them. */
export const TUF_ONLY = {
  checks: TUF_CHECKS.map((c) => c.id),
  controls: CONTROL_CATALOG.filter((c) => c.checks.every((id) => TUF_IDS.has(id))),
};

/** Statuses of run i: every check passes unless `statuses` says otherwise. */
export type Scenario = (i: number, at: Date) => Partial<Record<string, CheckStatus>>;
export const allPass: Scenario = () => ({});

/**
 * tuf.expiry fails for 2 hours a day after day 1; key hygiene errors for one
 * run a day; tuf.target-integrity warns on odd hours.
 */
export const realistic: Scenario = (i, at) => {
  const minuteOfDay = (at.getTime() % DAY_MS) / MINUTE_MS;
  const statuses: Record<string, CheckStatus> = {};
  if (at.getTime() - T0.getTime() >= DAY_MS && minuteOfDay >= 600 && minuteOfDay < 720) {
    statuses['tuf.expiry'] = 'fail';
  }
  if (minuteOfDay === 0) statuses['tuf.key-hygiene'] = 'error';
  if (at.getUTCHours() % 2 === 1) statuses['tuf.target-integrity'] = 'warn';
  if (i % 1000 === 999) statuses['tuf.orbit-layout'] = 'not_applicable';
  return statuses;
};

export function results(
  statuses: Partial<Record<string, CheckStatus>>,
  at: Date,
  ids: readonly string[] = CHECK_IDS,
): CheckResult[] {
  return ids.map((id) => {
    const status = statuses[id] ?? 'pass';
    return {
      id,
      status,
      message: `${id}: ${status}`,
      evidence: { fleet: { check: id, status, version: 42, keys: ['a1b2c3', 'd4e5f6'] } },
      evaluatedAt: new Date(at.getTime() - 1000).toISOString(),
      durationMs: 3.5,
    };
  });
}

/** Completes `count` runs, one every `intervalMs` from `start`, as the monitor would. */
export function addRuns(
  store: EvidenceStore,
  start: Date,
  count: number,
  intervalMs = FIVE_MINUTES_MS,
  scenario: Scenario = allPass,
  scope: { checks: readonly string[]; controls: readonly ControlDefinition[] } = {
    checks: CHECK_IDS,
    controls: CONTROL_CATALOG,
  },
): void {
  for (let i = 0; i < count; i++) {
    const at = new Date(start.getTime() + i * intervalMs);
    const run = store.startRun('schedule', new Date(at.getTime() - 2000));
    const checks = results(scenario(i, at), at, scope.checks);
    store.completeRun(run.id, at, checks, evaluateControls(scope.controls, checks));
  }
}

export interface EvidenceFixture {
  store: EvidenceStore & EvidenceChain;
  keys: SigningKeyFile;
  service: EvidenceService;
  /** The clock the store and the service read. */
  clock: { now: Date };
}

/** A store (in memory unless `path`) with its key registered, and the evidence service over it. */
export function evidenceFixture(
  options: {
    path?: string;
    keyPath?: string;
    now?: Date;
    store?: StoreOptions;
    controls?: readonly ControlDefinition[];
  } = {},
): EvidenceFixture {
  const clock = { now: options.now ?? T0 };
  const keys = new SigningKeyFile(options.keyPath);
  const store = openStore(options.path ?? ':memory:', {
    synchronous: 'NORMAL',
    now: () => clock.now,
    signer: () => keys.current().key,
    ...options.store,
  });
  const { key } = keys.current();
  store.registerSigningKey(key, clock.now, 'created');
  const config = fakeConfig();
  const service = createEvidenceService({
    store,
    keys,
    system: describeSystem(config),
    controls: options.controls ?? config.controls,
    checks: ALL_CHECKS,
    version: '0.1.0-test',
    now: () => clock.now,
  });
  return { store, keys, service, clock };
}

/** The parts of a bundle as lines: what tampering tests edit. */
export interface BundleLines {
  header: string;
  records: string[];
  summary: string;
  manifest: string;
  signature: string;
}

export function splitBundle(text: string): BundleLines {
  const lines = text.split('\n');
  const close = lines.indexOf(RECORDS_CLOSE);
  if (lines[1] !== RECORDS_OPEN || close === -1) throw new Error('not the bundle layout');
  return {
    header: lines[0] as string,
    records: lines.slice(2, close).map((l) => (l.endsWith(',') ? l.slice(0, -1) : l)),
    summary: lines[close + 1] as string,
    manifest: lines[close + 2] as string,
    signature: lines[close + 3] as string,
  };
}

export function joinBundle(parts: BundleLines): string {
  return [
    parts.header,
    RECORDS_OPEN,
    ...parts.records.map((r, i) => (i < parts.records.length - 1 ? `${r},` : r)),
    RECORDS_CLOSE,
    parts.summary,
    parts.manifest,
    parts.signature,
    '',
  ].join('\n');
}

export { checkInfo };

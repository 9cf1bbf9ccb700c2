import { worstStatus } from '../checks/controls.js';
import { CHECK_STATUSES, type CheckStatus } from '../checks/types.js';
import type { ControlDefinition } from './types.js';

/*
 * What an auditor reads first: each control's operation over the period,
 * computed from the check records of a bundle and the control catalog in it.
 * `tufwatch evidence verify` recomputes it from the same inputs and refuses a
 * bundle whose summary differs, so the summary is as trustworthy as the chain.
 */

/** What the summary reads of a check record. */
export interface CheckStatusRecord {
  runId: number;
  checkId: string;
  status: CheckStatus;
  evaluatedAt: string;
}

/** A run as the summary sees it: its checks' statuses and when it was evaluated. */
export interface RunStatuses {
  runId: number;
  /** The latest `evaluatedAt` of its checks: when every status of the run was known. */
  at: string;
  checks: Map<string, CheckStatus>;
}

/** A control is operating in a run when its status is pass or warn: no check failed or errored. */
const OPERATING: ReadonlySet<CheckStatus> = new Set(['pass', 'warn']);
const FAILING: ReadonlySet<CheckStatus> = new Set(['fail', 'error']);

/**
 * A control's status in a run, as `evaluateControls` rolls it up: the worst of
 * its checks, and a listed check without a result is `error`.
 */
export function controlStatus(control: ControlDefinition, run: RunStatuses): CheckStatus {
  return worstStatus(control.checks.map((id) => run.checks.get(id) ?? 'error'));
}

/**
 * Groups check records into runs. A run's records are consecutive in the chain
 * (one transaction stores them), so a new `runId` ends the previous run.
 */
export class RunGrouper {
  #current: RunStatuses | undefined;
  readonly #emit: (run: RunStatuses) => void;

  constructor(emit: (run: RunStatuses) => void) {
    this.#emit = emit;
  }

  add(record: CheckStatusRecord): void {
    let run = this.#current;
    if (run?.runId !== record.runId) {
      this.flush();
      run = { runId: record.runId, at: record.evaluatedAt, checks: new Map() };
      this.#current = run;
    }
    run.checks.set(record.checkId, record.status);
    if (record.evaluatedAt > run.at) run.at = record.evaluatedAt;
  }

  flush(): void {
    if (this.#current !== undefined) this.#emit(this.#current);
    this.#current = undefined;
  }
}

export type StatusCounts = Record<CheckStatus, number>;

const zeroCounts = (): StatusCounts =>
  Object.fromEntries(CHECK_STATUSES.map((s) => [s, 0])) as StatusCounts;

export interface FailingPeriod {
  /** The first run with the control failing (fail or error). */
  start: string;
  /** The first run after it with the control operating again; null: still failing at the end. */
  end: string | null;
  runs: number;
  /** `fail` when any run of the period failed, else `error` (could not be evaluated). */
  worst: 'fail' | 'error';
}

export interface ControlTransition {
  at: string;
  runId: number;
  from: CheckStatus;
  to: CheckStatus;
}

export interface ControlSummary {
  id: string;
  title: string;
  /** Runs of the bundle (every run evaluates every control). */
  runs: number;
  statuses: StatusCounts;
  /** Runs in which the control was operating: status pass or warn. */
  passing: number;
  /** passing / runs; null without runs. */
  passingShare: number | null;
  /** Status in the bundle's first run; null without runs. */
  initialStatus: CheckStatus | null;
  failingPeriods: FailingPeriod[];
  /** Status changes from run to run within the bundle. */
  transitions: ControlTransition[];
}

export interface EvidenceSummary {
  runs: number;
  firstRunAt: string | null;
  lastRunAt: string | null;
  controls: ControlSummary[];
}

/** Builds the per-control summary run by run. */
export class SummaryBuilder {
  readonly #controls: readonly ControlDefinition[];
  readonly #summaries: ControlSummary[];
  readonly #grouper = new RunGrouper((run) => this.#run(run));
  /** Each control's status in the previous run. */
  readonly #last: (CheckStatus | undefined)[] = [];
  #runs = 0;
  #firstRunAt: string | null = null;
  #lastRunAt: string | null = null;

  constructor(controls: readonly ControlDefinition[]) {
    this.#controls = controls;
    this.#summaries = controls.map((c) => ({
      id: c.id,
      title: c.title,
      runs: 0,
      statuses: zeroCounts(),
      passing: 0,
      passingShare: null,
      initialStatus: null,
      failingPeriods: [],
      transitions: [],
    }));
  }

  add(record: CheckStatusRecord): void {
    this.#grouper.add(record);
  }

  finish(): EvidenceSummary {
    this.#grouper.flush();
    for (const s of this.#summaries) s.passingShare = s.runs === 0 ? null : s.passing / s.runs;
    return {
      runs: this.#runs,
      firstRunAt: this.#firstRunAt,
      lastRunAt: this.#lastRunAt,
      controls: this.#summaries,
    };
  }

  #run(run: RunStatuses): void {
    this.#runs += 1;
    this.#firstRunAt ??= run.at;
    this.#lastRunAt = run.at;
    this.#controls.forEach((control, i) => {
      const s = this.#summaries[i] as ControlSummary;
      const status = controlStatus(control, run);
      const previous = this.#last[i];
      this.#last[i] = status;
      s.runs += 1;
      s.statuses[status] += 1;
      if (OPERATING.has(status)) s.passing += 1;
      if (previous === undefined) s.initialStatus = status;
      else if (previous !== status) {
        s.transitions.push({ at: run.at, runId: run.runId, from: previous, to: status });
      }
      const open = s.failingPeriods.at(-1);
      if (FAILING.has(status)) {
        const worst = status === 'fail' ? 'fail' : 'error';
        if (open?.end === null) {
          open.runs += 1;
          if (worst === 'fail') open.worst = 'fail';
        } else {
          s.failingPeriods.push({ start: run.at, end: null, runs: 1, worst });
        }
      } else if (open?.end === null) {
        open.end = run.at;
      }
    });
  }
}

// --- Control status per day (CSV) -------------------------------------------

export const DAILY_CSV_HEADER = [
  'date',
  'control',
  'title',
  'runs',
  'pass',
  'warn',
  'fail',
  'error',
  'not_applicable',
  'passing_share',
  'worst_status',
] as const;

const DAY_MS = 24 * 3600 * 1000;

/**
 * Control status per UTC day over [from, to), for spreadsheets: one row per
 * day and control, days without a run included (runs 0, no status), so that a
 * gap in monitoring shows. A run counts on the day of its `at`.
 */
export class DailyStatusBuilder {
  readonly #controls: readonly ControlDefinition[];
  readonly #from: Date;
  readonly #to: Date;
  /** day -> per control counts */
  readonly #days = new Map<string, StatusCounts[]>();
  readonly #grouper = new RunGrouper((run) => this.#run(run));

  constructor(controls: readonly ControlDefinition[], from: Date, to: Date) {
    this.#controls = controls;
    this.#from = from;
    this.#to = to;
  }

  add(record: CheckStatusRecord): void {
    this.#grouper.add(record);
  }

  /** RFC 4180 CSV with CRLF line ends. */
  finish(): string {
    this.#grouper.flush();
    const rows: string[][] = [[...DAILY_CSV_HEADER]];
    const first = Date.UTC(
      this.#from.getUTCFullYear(),
      this.#from.getUTCMonth(),
      this.#from.getUTCDate(),
    );
    for (let day = first; day < this.#to.getTime(); day += DAY_MS) {
      const date = new Date(day).toISOString().slice(0, 10);
      const counts = this.#days.get(date);
      this.#controls.forEach((control, i) => {
        const c = counts?.[i] ?? zeroCounts();
        const runs = CHECK_STATUSES.reduce((n, s) => n + c[s], 0);
        const passing = c.pass + c.warn;
        const present = CHECK_STATUSES.filter((s) => c[s] > 0);
        rows.push([
          date,
          control.id,
          control.title,
          String(runs),
          ...CHECK_STATUSES.map((s) => String(c[s])),
          runs === 0 ? '' : (passing / runs).toFixed(4),
          runs === 0 ? '' : worstStatus(present),
        ]);
      });
    }
    return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
  }

  #run(run: RunStatuses): void {
    const date = run.at.slice(0, 10);
    let counts = this.#days.get(date);
    if (counts === undefined) {
      counts = this.#controls.map(zeroCounts);
      this.#days.set(date, counts);
    }
    this.#controls.forEach((control, i) => {
      (counts[i] as StatusCounts)[controlStatus(control, run)] += 1;
    });
  }
}

/**
 * One CSV cell (RFC 4180). A cell that a spreadsheet would run as a formula
 * (`=`, `+`, `-`, `@`, tab, CR first) gets a leading `'`: titles come from config.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

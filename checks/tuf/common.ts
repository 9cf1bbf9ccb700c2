import type { Finding, FindingCode } from '../../tuf/findings.js';
import { own, setOwn } from '../../tuf/records.js';
import type { RoleSummary, VerifyReport } from '../../tuf/verify.js';
import { worstStatus } from '../controls.js';
import type { CheckOutcome, CheckStatus, CollectedData, TufRepositorySnapshot } from '../types.js';

/** The four roles every repository has (TUF 4.x). */
export const TOP_LEVEL_ROLES = ['root', 'timestamp', 'snapshot', 'targets'] as const;

/** Findings kept in evidence per repository: a broken delegation graph can list thousands. */
export const MAX_EVIDENCE_FINDINGS = 50;
/** Problems named in a check's message per repository; evidence has them all. */
const MAX_MESSAGE_PROBLEMS = 3;

/** A repository the check can evaluate: verification ran. */
export type VerifiedRepository = TufRepositorySnapshot & { report: VerifyReport };

/** What a check concluded about one repository. */
export interface RepositoryOutcome {
  status: CheckStatus;
  /** What is wrong, one entry per problem, without the repository name. Empty when passing. */
  problems: string[];
  /** The facts, JSON-serialisable. */
  evidence: Record<string, unknown>;
  /** A short note when nothing is wrong (e.g. "baseline recorded"). */
  summary?: string;
}

export interface RepositoryCheck {
  /** Roles the check reads in `report.roles`: without them it cannot evaluate. */
  roles: readonly string[];
  /**
   * Roles whose served content (e.g. the targets a role lists) the check reads:
   * when the served file did not check out (`untrustedRoles`), nothing it says
   * is trusted, so the check cannot evaluate (error, unless a fail is proven).
   */
  readsContentOf?: readonly string[];
  /** Why the check does not apply to this repository, if it does not (e.g. no Orbit layout). */
  notApplicable?(repo: TufRepositorySnapshot): string | undefined;
  evaluate(repo: VerifiedRepository, data: CollectedData): RepositoryOutcome;
}

/**
 * Runs a check over every repository and rolls the results up: the worst status
 * wins, evidence is keyed by repository name. A repository that could not be
 * verified, that had a fetch failure, or that lacks the roles the check needs
 * is `error` there, unless the check found a `fail` anyway: what could not be
 * evaluated is never a pass, and a proven problem is never hidden by an error.
 */
export function evaluateRepositories(check: RepositoryCheck, data: CollectedData): CheckOutcome {
  if (data.tuf.length === 0) {
    return { status: 'not_applicable', message: 'no TUF repository is configured', evidence: {} };
  }
  const outcomes = data.tuf.map((repo) => ({ repo, outcome: evaluateOne(check, repo, data) }));
  const status = worstStatus(outcomes.map(({ outcome }) => outcome.status));
  const evidence = Object.fromEntries(
    outcomes.map(({ repo, outcome }) => [
      repo.name,
      { status: outcome.status, ...outcome.evidence },
    ]),
  );
  const problems = outcomes
    .filter(({ outcome }) => outcome.problems.length > 0)
    .map(({ repo, outcome }) => `${repo.name}: ${summarize(outcome.problems)}`);
  const message =
    problems.length > 0
      ? problems.join('; ')
      : outcomes
          .map(({ repo, outcome }) => `${repo.name}: ${outcome.summary ?? outcome.status}`)
          .join('; ');
  return { status, message, evidence };
}

function evaluateOne(
  check: RepositoryCheck,
  repo: TufRepositorySnapshot,
  data: CollectedData,
): RepositoryOutcome {
  const reason = check.notApplicable?.(repo);
  if (reason !== undefined) {
    return { status: 'not_applicable', problems: [], evidence: { reason }, summary: reason };
  }
  if (repo.report === undefined) {
    const error = repo.error ?? 'no verification report';
    return {
      status: 'error',
      problems: [`could not be verified: ${error}`],
      evidence: { error },
    };
  }
  const report = repo.report;
  const untrusted = untrustedContent(check, report);
  // Content that did not check out proves nothing either way: a verdict read from it
  // (a channel "missing" from targets that were never trusted) is not evaluated at all.
  const checked: RepositoryOutcome =
    untrusted.length > 0
      ? { status: 'error', problems: [], evidence: {} }
      : check.evaluate({ ...repo, report }, data);
  // Say, in every check, when what is served is not what is trusted, and where it came from.
  const outcome: RepositoryOutcome = {
    ...checked,
    evidence: {
      ...checked.evidence,
      ...(report.untrustedRoles !== undefined && { servedNotTrusted: report.untrustedRoles }),
      ...(report.redirects !== undefined && { redirects: cappedRecord(report.redirects) }),
    },
  };
  const blockers = notEvaluated(check, report, repo.error);
  if (blockers === undefined) return outcome;
  const evidence = { ...outcome.evidence, notEvaluated: blockers.evidence };
  // A proven failure stands; anything less is not known to be true when part of the repository was not seen.
  if (outcome.status === 'fail') return { ...outcome, evidence };
  return { status: 'error', problems: [...outcome.problems, ...blockers.problems], evidence };
}

/** Why a repository's verification is incomplete for this check, if it is. */
function notEvaluated(
  check: RepositoryCheck,
  report: VerifyReport,
  error: string | undefined,
): { problems: string[]; evidence: Record<string, unknown> } | undefined {
  const problems: string[] = [];
  const evidence: Record<string, unknown> = {};
  if (error !== undefined) {
    problems.push(`could not be verified: ${error}`);
    evidence.error = error;
  }
  const fetchFailed = report.findings.filter((f) => f.code === 'FETCH_FAILED');
  if (fetchFailed.length > 0) {
    problems.push(...fetchFailed.map((f) => `could not fetch: ${f.message}`));
    evidence.fetchFailed = capped(fetchFailed);
    // Nothing but the configured root was verified: the host never answered. Said once
    // per repository, so that outputs can print one line instead of every check's errors.
    const reached = Object.keys(report.roles).some((role) => role !== 'root');
    if (!reached) evidence.unreachable = (fetchFailed[0] as Finding).message;
  }
  const missingRoles = check.roles.filter((role) => !Object.hasOwn(report.roles, role));
  if (missingRoles.length > 0) {
    problems.push(`not verified: ${missingRoles.join(', ')}`);
    evidence.missingRoles = missingRoles;
  }
  const untrusted = untrustedContent(check, report);
  if (untrusted.length > 0) {
    problems.push(`the served ${untrusted.join(', ')} metadata is not trusted: not evaluated`);
    evidence.untrustedContent = untrusted;
  }
  return problems.length > 0 ? { problems, evidence } : undefined;
}

/** The roles whose content the check reads that did not check out. */
function untrustedContent(check: RepositoryCheck, report: VerifyReport): string[] {
  return (check.readsContentOf ?? []).filter((role) => report.untrustedRoles?.includes(role));
}

function summarize(problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_MESSAGE_PROBLEMS).join('; ');
  const more = problems.length - MAX_MESSAGE_PROBLEMS;
  return more > 0 ? `${shown}; and ${more} more` : shown;
}

/** At most MAX_EVIDENCE_FINDINGS entries of a record, so that evidence stays small. */
function cappedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).slice(0, MAX_EVIDENCE_FINDINGS));
}

/** A role whose served file did not check out, beside the copy trusted before (if any). */
export interface ServedNotTrusted {
  role: string;
  served: { version: number; expires: string };
  trusted: { version: number; expires: string } | null;
}

/**
 * The roles of this run as a client holds them: a served file that did not
 * check out (bad signatures, not what its parent lists) is refused, and the
 * copy an earlier run trusted stays, as the roles table and the metrics show.
 * A check that judges role contents (expiry, versions) reads these, never the
 * claims of an unsigned file. A refused role with no trusted copy is left out.
 */
export function checkedOutRoles(repo: VerifiedRepository): {
  roles: Record<string, RoleSummary>;
  notTrusted: ServedNotTrusted[];
} {
  const untrusted = new Set(repo.report.untrustedRoles);
  const roles: Record<string, RoleSummary> = {};
  const notTrusted: ServedNotTrusted[] = [];
  for (const [role, served] of Object.entries(repo.report.roles)) {
    if (!untrusted.has(role)) {
      setOwn(roles, role, served);
      continue;
    }
    const trusted = repo.previous === undefined ? undefined : own(repo.previous, role);
    if (trusted !== undefined) setOwn(roles, role, trusted);
    notTrusted.push({
      role,
      served: { version: served.version, expires: served.expires },
      trusted:
        trusted === undefined ? null : { version: trusted.version, expires: trusted.expires },
    });
  }
  return { roles, notTrusted };
}

/** At most MAX_EVIDENCE_FINDINGS findings, so that evidence stays small. */
export function capped(findings: readonly Finding[]): Finding[] {
  return findings.slice(0, MAX_EVIDENCE_FINDINGS);
}

export interface FindingRules {
  /** Roles the check reads. */
  roles: readonly string[];
  /** Codes that make the repository non-compliant. */
  fail: readonly FindingCode[];
  /** Codes that deserve attention. */
  warn?: readonly FindingCode[];
  /** Codes only noted in evidence. */
  info?: readonly FindingCode[];
  /** Facts added to each repository's evidence. */
  facts?(report: VerifyReport, data: CollectedData): Record<string, unknown>;
}

/**
 * A check that maps the verifier's finding codes to a status: `fail` codes fail,
 * `warn` codes warn, `info` codes are only recorded. Evidence lists the
 * relevant findings with their structured fields, and their count.
 */
export function findingCheck(rules: FindingRules): (data: CollectedData) => CheckOutcome {
  const fail = new Set<FindingCode>(rules.fail);
  const warn = new Set<FindingCode>(rules.warn);
  const relevant = new Set<FindingCode>([
    ...rules.fail,
    ...(rules.warn ?? []),
    ...(rules.info ?? []),
  ]);
  const check: RepositoryCheck = {
    roles: rules.roles,
    evaluate({ report }, data) {
      const found = report.findings.filter((f) => relevant.has(f.code));
      const failing = found.filter((f) => fail.has(f.code));
      const warning = found.filter((f) => warn.has(f.code));
      const status = failing.length > 0 ? 'fail' : warning.length > 0 ? 'warn' : 'pass';
      return {
        status,
        problems: [...failing, ...warning].map((f) => f.message),
        evidence: {
          findingCount: found.length,
          findings: capped(found),
          ...rules.facts?.(report, data),
        },
      };
    },
  };
  return (data) => evaluateRepositories(check, data);
}

/** Picks fields of every role in the report, e.g. versions and thresholds, for evidence. */
export function roleFacts<K extends keyof VerifyReport['roles'][string]>(
  report: VerifyReport,
  fields: readonly K[],
  filter: (role: string) => boolean = () => true,
): Record<string, Pick<VerifyReport['roles'][string], K>> {
  return Object.fromEntries(
    Object.entries(report.roles)
      .filter(([role]) => filter(role))
      .map(([role, summary]) => [
        role,
        Object.fromEntries(fields.map((field) => [field, summary[field]])) as Pick<
          VerifyReport['roles'][string],
          K
        >,
      ]),
  );
}

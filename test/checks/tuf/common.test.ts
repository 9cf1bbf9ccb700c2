import t from 'tap';
import {
  capped,
  evaluateRepositories,
  findingCheck,
  MAX_EVIDENCE_FINDINGS,
  roleFacts,
  type RepositoryCheck,
} from '../../../checks/tuf/common.js';
import type { CheckStatus } from '../../../checks/types.js';
import {
  broken,
  collected,
  evidenceOf,
  found,
  handReport,
  roleSummary,
  snapshot,
} from '../../support/checks.js';

/** A check whose verdict per repository is given by the test. */
function fixed(verdicts: Record<string, CheckStatus>, roles: string[] = []): RepositoryCheck {
  return {
    roles,
    notApplicable: (repo) => (verdicts[repo.name] === undefined ? 'not configured' : undefined),
    evaluate: (repo) => {
      const status = verdicts[repo.name] as CheckStatus;
      return {
        status,
        problems: status === 'pass' ? [] : [`${status} here`],
        evidence: { seen: true },
      };
    },
  };
}

const repos = (...names: string[]) => names.map((name) => snapshot(handReport(), { name }));

t.test('the worst status of the repositories wins; evidence is keyed by repository', (t) => {
  const cases: { verdicts: Record<string, CheckStatus>; status: CheckStatus }[] = [
    { verdicts: { a: 'pass', b: 'pass' }, status: 'pass' },
    { verdicts: { a: 'pass', b: 'warn' }, status: 'warn' },
    { verdicts: { a: 'warn', b: 'error' }, status: 'error' },
    { verdicts: { a: 'error', b: 'fail' }, status: 'fail' },
    { verdicts: { a: 'pass' }, status: 'pass' },
  ];
  for (const c of cases) {
    const outcome = evaluateRepositories(fixed(c.verdicts), collected(repos('a', 'b')));
    t.equal(outcome.status, c.status, JSON.stringify(c.verdicts));
    t.strictSame(Object.keys(outcome.evidence), ['a', 'b']);
    t.equal(typeof outcome.message, 'string');
    t.ok(outcome.message.length > 0);
  }
  const outcome = evaluateRepositories(fixed({ a: 'warn' }), collected(repos('a', 'b')));
  t.strictSame(outcome.evidence, {
    a: { status: 'warn', seen: true },
    b: { status: 'not_applicable', reason: 'not configured' },
  });
  t.end();
});

t.test('nothing applicable anywhere: not_applicable', (t) => {
  const outcome = evaluateRepositories(fixed({}), collected(repos('a', 'b')));
  t.equal(outcome.status, 'not_applicable');
  t.end();
});

t.test('a missing role makes a passing repository error, and a failing one stays fail', (t) => {
  const check = fixed({ pass: 'pass', fail: 'fail' }, ['root', 'mirrors']);
  const outcome = evaluateRepositories(check, collected(repos('pass', 'fail')));
  t.equal(outcome.status, 'fail');
  t.match(outcome.evidence, {
    pass: { status: 'error', seen: true, notEvaluated: { missingRoles: ['mirrors'] } },
    fail: { status: 'fail', seen: true, notEvaluated: { missingRoles: ['mirrors'] } },
  });
  t.end();
});

t.test('a proven failure is not hidden by a fetch failure', (t) => {
  const report = handReport({
    findings: [
      found('SIGNATURE_THRESHOLD_NOT_MET', { role: 'timestamp', threshold: 2, validKeys: [] }),
      found('FETCH_FAILED', { role: 'targets', file: 'orbit.json' }),
    ],
  });
  const check = findingCheck({ roles: ['timestamp'], fail: ['SIGNATURE_THRESHOLD_NOT_MET'] });
  const outcome = check(collected([snapshot(report)]));
  t.equal(outcome.status, 'fail');
  t.match(evidenceOf(outcome), {
    findingCount: 1,
    findings: [{ code: 'SIGNATURE_THRESHOLD_NOT_MET', threshold: 2 }],
    notEvaluated: { fetchFailed: [{ code: 'FETCH_FAILED', file: 'orbit.json' }] },
  });
  t.end();
});

t.test('a repository without a report, and without a reason', (t) => {
  const { error: _, ...repo } = broken();
  const outcome = evaluateRepositories(fixed({ fleet: 'pass' }), collected([repo]));
  t.equal(outcome.status, 'error');
  t.match(evidenceOf(outcome), { error: String });
  t.end();
});

t.test('findingCheck: fail, warn and info codes', (t) => {
  const check = findingCheck({
    roles: [],
    fail: ['METADATA_EXPIRED'],
    warn: ['METADATA_EXPIRING_SOON'],
    info: ['UNUSED_KEY'],
  });
  const cases: { codes: Parameters<typeof found>[0][]; status: CheckStatus; count: number }[] = [
    { codes: [], status: 'pass', count: 0 },
    { codes: ['UNUSED_KEY', 'TARGET_MISSING'], status: 'pass', count: 1 },
    { codes: ['UNUSED_KEY', 'METADATA_EXPIRING_SOON'], status: 'warn', count: 2 },
    { codes: ['METADATA_EXPIRING_SOON', 'METADATA_EXPIRED'], status: 'fail', count: 2 },
  ];
  for (const c of cases) {
    const report = handReport({ findings: c.codes.map((code) => found(code)) });
    const outcome = check(collected([snapshot(report)]));
    t.equal(outcome.status, c.status, c.codes.join(', '));
    t.match(evidenceOf(outcome), { findingCount: c.count });
  }
  t.end();
});

t.test('many problems: the message stays short, evidence keeps 50 findings', (t) => {
  const check = findingCheck({ roles: [], fail: ['DELEGATION_INVALID'] });
  const findings = Array.from({ length: 80 }, (_, i) =>
    found('DELEGATION_INVALID', { role: `bin-${i}` }),
  );
  const outcome = check(collected([snapshot(handReport({ findings }))]));
  t.equal(outcome.status, 'fail');
  t.ok(outcome.message.length < 500, 'message is short');
  t.match(evidenceOf(outcome), { findingCount: 80 });
  t.equal((evidenceOf(outcome).findings as unknown[]).length, MAX_EVIDENCE_FINDINGS);
  t.end();
});

t.test('capped and roleFacts', (t) => {
  t.equal(capped(Array.from({ length: 3 }, () => found('UNUSED_KEY'))).length, 3);
  const report = handReport();
  report.roles.orbit = roleSummary({ version: 9 });
  t.strictSame(roleFacts(report, ['version']), {
    root: { version: 1 },
    timestamp: { version: 1 },
    snapshot: { version: 1 },
    targets: { version: 1 },
    orbit: { version: 9 },
  });
  t.strictSame(
    roleFacts(report, ['version', 'keys'], (role) => role === 'orbit'),
    { orbit: { version: 9, keys: 1 } },
  );
  t.end();
});

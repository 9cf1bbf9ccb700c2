import t from 'tap';
import type { Finding } from '../../../tuf/findings.js';
import { expiryCheck } from '../../../checks/tuf/expiry.js';
import { tufTime } from '../../support/builder.js';
import {
  at,
  cleanRepo,
  collected,
  commonCases,
  DAY_MS,
  evidenceCodes,
  evidenceOf,
  found,
  handReport,
  NOW,
  roleSummary,
  snapshot,
  verifyBuilt,
} from '../../support/checks.js';

const check = expiryCheck;
const YEAR_S = 365 * 86_400;

type Roles = Record<string, { version: number; expires: string; secondsLeft: number | null }>;
const rolesOf = (outcome: ReturnType<typeof check.evaluate>): Roles =>
  (evidenceOf(outcome) as { roles: Roles }).roles;

t.test('every role far from expiry: pass, with seconds left per role', async (t) => {
  const report = await verifyBuilt(cleanRepo());
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'pass');
  const expires = tufTime(at(365 * DAY_MS));
  t.strictSame(rolesOf(outcome), {
    root: { version: 1, expires, secondsLeft: YEAR_S },
    timestamp: { version: 1, expires, secondsLeft: YEAR_S },
    snapshot: { version: 1, expires, secondsLeft: YEAR_S },
    targets: { version: 1, expires, secondsLeft: YEAR_S },
  });
  t.strictSame(evidenceCodes(outcome), []);
});

t.test('timestamp expiring within its 4-day horizon: warn', async (t) => {
  const report = await verifyBuilt(cleanRepo({ expires: { timestamp: at(2 * DAY_MS) } }));
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'warn');
  t.strictSame(evidenceCodes(outcome), ['METADATA_EXPIRING_SOON']);
  t.match(evidenceOf(outcome), {
    findings: [{ code: 'METADATA_EXPIRING_SOON', role: 'timestamp' }],
  });
  t.equal(rolesOf(outcome).timestamp?.secondsLeft, 2 * 86_400);
});

t.test('targets expiring within 30 days: warn', async (t) => {
  const report = await verifyBuilt(cleanRepo({ expires: { targets: at(10 * DAY_MS) } }));
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'warn');
  t.match(evidenceOf(outcome), { findings: [{ code: 'METADATA_EXPIRING_SOON', role: 'targets' }] });
});

t.test('an expired snapshot: fail', async (t) => {
  const report = await verifyBuilt(cleanRepo({ expires: { snapshot: at(-DAY_MS) } }));
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'fail');
  t.strictSame(evidenceCodes(outcome), ['METADATA_EXPIRED']);
  t.match(evidenceOf(outcome), {
    findings: [{ code: 'METADATA_EXPIRED', role: 'snapshot', version: 1 }],
  });
  t.equal(rolesOf(outcome).snapshot?.secondsLeft, -86_400);
});

t.test('expired at the run time, though not when the report was made: fail', async (t) => {
  const report = await verifyBuilt(cleanRepo({ expires: { timestamp: at(40 * DAY_MS) } }));
  const outcome = check.evaluate(collected([snapshot(report)], {}, at(41 * DAY_MS)));
  t.equal(outcome.status, 'fail');
  t.strictSame(evidenceCodes(outcome), [], 'no finding: the check saw it itself');
  t.equal(rolesOf(outcome).timestamp?.secondsLeft, -86_400);
});

t.test('expires exactly at the run time counts as expired (TUF 5.4.4)', (t) => {
  const report = handReport();
  report.roles.timestamp = roleSummary({ expires: tufTime(NOW) });
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'fail');
  t.equal(rolesOf(outcome).timestamp?.secondsLeft, 0);
  t.end();
});

t.test('an RFC 3339 offset, as in Fleet root v5, is read as such', (t) => {
  const report = handReport();
  report.roles.root = roleSummary({ version: 5, expires: '2030-01-01T00:00:00-05:00' });
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'pass');
  t.equal(rolesOf(outcome).root?.secondsLeft, 5 * 3600);
  t.end();
});

t.test('an expiry that cannot be read has no seconds left and is not taken as expired', (t) => {
  const report = handReport();
  report.roles.targets = roleSummary({ expires: 'next tuesday' });
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'pass');
  t.equal(rolesOf(outcome).targets?.secondsLeft, null);
  t.end();
});

t.test('evidence keeps at most 50 findings, and their count', (t) => {
  const findings = Array.from({ length: 60 }, (_, i) =>
    found('METADATA_EXPIRING_SOON', { role: `bin-${i}` }),
  );
  const outcome = check.evaluate(collected([snapshot(handReport({ findings }))]));
  t.equal(outcome.status, 'warn');
  t.match(evidenceOf(outcome), { findingCount: 60 });
  t.equal((evidenceOf(outcome).findings as unknown[]).length, 50);
  t.end();
});

t.test('the next root could not be fetched: an expired root held is error, not fail', (t) => {
  const expiredRoot = (fetchFailure: Finding) => {
    const report = handReport({
      ok: false,
      findings: [
        fetchFailure,
        found('METADATA_EXPIRED', { role: 'root', version: 6 }),
        found('METADATA_EXPIRING_SOON', { role: 'timestamp' }),
      ],
    });
    report.roles.root = roleSummary({ version: 6, expires: tufTime(at(-DAY_MS)) });
    return check.evaluate(collected([snapshot(report)]));
  };
  // A network outage while walking the root chain (Fleet's embedded root v6 expired in January).
  const outage = expiredRoot(found('FETCH_FAILED', { role: 'root', file: '7.root.json' }));
  t.equal(outage.status, 'error', 'whether root v6 is still current is unknown');
  t.notMatch(outage.message, /METADATA_EXPIRED/);
  t.match(evidenceOf(outage), {
    rootUnknown: 'the next root could not be fetched',
    findings: [{ code: 'METADATA_EXPIRING_SOON', role: 'timestamp' }],
  });
  t.equal(evidenceCodes(outage).length, 1, 'the root expiry is left out, the others stay');

  // root.json itself unreachable after the walk ended (7.root.json was a 404): the root is current.
  const walked = expiredRoot(found('FETCH_FAILED', { role: 'root', file: 'root.json' }));
  t.equal(walked.status, 'fail');
  t.match(walked.message, /METADATA_EXPIRED/);
  t.end();
});

commonCases(t, check);

t.test('a forged timestamp (signatures broken): only the trusted copy expires', (t) => {
  const forged = (expires: Date) =>
    verifyBuilt(
      cleanRepo({ expires: { timestamp: expires } }).editSignatures('timestamp', () => []),
    );
  const trusted = (expires: Date) => ({
    timestamp: roleSummary({ version: 7, expires: tufTime(expires) }),
  });

  t.test('the unsigned file claims it expired; the trusted one has days left: warn', async (t) => {
    const report = await forged(at(-DAY_MS));
    t.strictSame(report.untrustedRoles, ['timestamp']);
    const outcome = check.evaluate(
      collected([snapshot(report, { previous: trusted(at(10 * DAY_MS)) })]),
    );
    t.equal(outcome.status, 'warn');
    t.strictSame(evidenceCodes(outcome), [], 'the served file expiry findings are not news');
    t.match(rolesOf(outcome).timestamp, { version: 7, secondsLeft: 10 * 86_400 });
    t.strictSame(evidenceOf(outcome).notTrusted, [
      {
        role: 'timestamp',
        served: { version: 1, expires: tufTime(at(-DAY_MS)) },
        trusted: { version: 7, expires: tufTime(at(10 * DAY_MS)) },
      },
    ]);
    t.strictSame(evidenceOf(outcome).servedNotTrusted, ['timestamp']);
  });

  t.test('the unsigned file claims a year; the trusted one expired: fail', async (t) => {
    const report = await forged(at(365 * DAY_MS));
    const outcome = check.evaluate(
      collected([snapshot(report, { previous: trusted(at(-60_000)) })]),
    );
    t.equal(outcome.status, 'fail');
    t.match(rolesOf(outcome).timestamp, { version: 7, secondsLeft: -60 });
  });

  t.test('no earlier run trusted a timestamp: its expiry is not known, error', async (t) => {
    const report = await forged(at(365 * DAY_MS));
    const outcome = check.evaluate(collected([snapshot(report)]));
    t.equal(outcome.status, 'error');
    t.equal(rolesOf(outcome).timestamp, undefined);
    t.match(evidenceOf(outcome).notTrusted, [{ role: 'timestamp', trusted: null }]);
  });
  t.end();
});

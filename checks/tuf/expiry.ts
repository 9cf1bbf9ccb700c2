import { setOwn } from '../../tuf/records.js';
import { parseRfc3339 } from '../../tuf/time.js';
import type { CheckDefinition } from '../types.js';
import { capped, checkedOutRoles, evaluateRepositories, TOP_LEVEL_ROLES } from './common.js';

const CODES = new Set(['METADATA_EXPIRED', 'METADATA_EXPIRING_SOON']);
/** `N.root.json`: a root version the chain walk asks for. */
const NEXT_ROOT = /^\d+\.root\.json$/;

/** TUF 5.3.10, 5.4.4, 5.5.6, 5.6.6: an expired role stops every client; horizons come from config. */
export const expiryCheck: CheckDefinition = {
  id: 'tuf.expiry',
  title: 'TUF metadata is re-signed before it expires',
  component: 'tuf-repository',
  severity: 'critical',
  criteria: ['CC7.1', 'A1.2'],
  remediation:
    'Re-sign the role named in the evidence and publish it before it expires: after that, agents stop updating. ' +
    'timestamp: `fleetctl updates timestamp --path <repo>`, then upload timestamp.json; if it keeps happening, fix the weekly re-signing job. ' +
    'targets and snapshot: the next `fleetctl updates add` re-signs targets, snapshot and timestamp; upload all three. ' +
    'root: sign a new root version with the offline root keys and publish N.root.json and root.json. ' +
    'Confirm with `tufwatch verify --repo <url>`.',
  evaluate: (data) =>
    evaluateRepositories(
      {
        roles: TOP_LEVEL_ROLES,
        evaluate(repo, { now }) {
          const { report } = repo;
          // Only what a client trusts expires for it: a forged file's `expires` is anyone's
          // claim, and a client refusing it keeps the copy it trusted (TUF 5.4.2-5.4.4).
          const { roles: trustedRoles, notTrusted } = checkedOutRoles(repo);
          const refused = new Set(notTrusted.map((r) => r.role));
          // The next root could not be fetched (not a 404: a network or server failure), so the
          // root held is not known to be the current one: its expiry says nothing about the
          // repository, and calling it expired would page on a network outage. The fetch
          // failure makes the check `error` instead.
          const rootUnknown = report.findings.some(
            (f) => f.code === 'FETCH_FAILED' && NEXT_ROOT.test(String(f.file)),
          );
          const judged = (role: string | undefined): boolean => !(rootUnknown && role === 'root');
          // The verifier's expiry findings speak of the served file: of a refused one, they are not news.
          const findings = report.findings.filter(
            (f) => CODES.has(f.code) && judged(f.role) && !refused.has(String(f.role)),
          );
          const problems = findings.map((f) => f.message);
          let unknown = false;
          for (const { role, served, trusted } of notTrusted) {
            if (trusted === null) {
              unknown = true;
              problems.push(
                `the served ${role} v${served.version} is not trusted and no earlier run trusted one: its expiry is not known`,
              );
            } else {
              problems.push(
                `the served ${role} v${served.version} is not trusted: agents keep v${trusted.version}, which expires at ${trusted.expires}`,
              );
            }
          }
          let expired = findings.some((f) => f.code === 'METADATA_EXPIRED');
          const roles: Record<
            string,
            { version: number; expires: string; secondsLeft: number | null }
          > = {};
          for (const [role, { version, expires }] of Object.entries(trustedRoles)) {
            const at = parseRfc3339(expires);
            const leftMs = at === undefined ? NaN : at.getTime() - now.getTime();
            setOwn(roles, role, {
              version,
              expires,
              secondsLeft: Number.isNaN(leftMs) ? null : Math.floor(leftMs / 1000),
            });
            // Expired at this run's time even if the report was made at another (TUF 5.4.4: expires <= now).
            if (Number.isNaN(leftMs) || leftMs > 0 || !judged(role)) continue;
            expired = true;
            if (!findings.some((f) => f.code === 'METADATA_EXPIRED' && f.role === role))
              problems.push(`${role} v${version} expired at ${expires}`);
          }
          return {
            status: expired
              ? 'fail'
              : unknown
                ? 'error'
                : findings.length > 0 || notTrusted.length > 0
                  ? 'warn'
                  : 'pass',
            problems,
            evidence: {
              findingCount: findings.length,
              findings: capped(findings),
              roles,
              ...(notTrusted.length > 0 && { notTrusted }),
              ...(rootUnknown && { rootUnknown: 'the next root could not be fetched' }),
            },
          };
        },
      },
      data,
    ),
};

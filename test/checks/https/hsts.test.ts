import t from 'tap';
import {
  HSTS_MIN_MAX_AGE_SECONDS,
  hstsCheck as check,
  parseHsts,
} from '../../../checks/https/hsts.js';
import {
  collectedHttps,
  endpointEvidence,
  goodEndpoint,
  oneRepository,
  withHandshake,
} from '../../support/https.js';

function withHeader(header: string | null) {
  return oneRepository(
    goodEndpoint({
      hsts: { ok: true, value: { url: 'https://u.example/timestamp.json', status: 404, header } },
    }),
  );
}

t.test('not probed: error', (t) => {
  t.equal(check.evaluate(collectedHttps(undefined)).status, 'error');
  t.end();
});

t.test('RFC 6797 6.1 parsing', (t) => {
  const cases: [string, ReturnType<typeof parseHsts>][] = [
    ['max-age=31536000', { maxAge: 31536000, includeSubDomains: false, preload: false }],
    [
      'Max-Age="15552000"; includeSubDomains; preload',
      { maxAge: 15552000, includeSubDomains: true, preload: true },
    ],
    [' max-age = 600 ;; ', { maxAge: 600, includeSubDomains: false, preload: false }],
    ['includeSubDomains', { maxAge: null, includeSubDomains: true, preload: false }],
    ['max-age=abc', { maxAge: null, includeSubDomains: false, preload: false }],
    ['max-age=-1', { maxAge: null, includeSubDomains: false, preload: false }],
    // A repeated directive invalidates the header.
    ['max-age=31536000; max-age=0', { maxAge: null, includeSubDomains: false, preload: false }],
  ];
  for (const [header, expected] of cases) t.strictSame(parseHsts(header), expected, header);
  t.end();
});

t.test('verdicts', (t) => {
  t.equal(HSTS_MIN_MAX_AGE_SECONDS, 15552000);
  const cases: [string | null, string][] = [
    ['max-age=15552000', 'pass'],
    ['max-age=15551999', 'warn'],
    ['max-age=0', 'warn'],
    ['max-age=1x; preload', 'warn'],
    [null, 'warn'],
  ];
  for (const [header, status] of cases) {
    const outcome = check.evaluate(withHeader(header));
    t.equal(outcome.status, status, String(header));
    t.match(endpointEvidence(outcome), { header, httpStatus: 404 }, String(header));
  }
  t.end();
});

t.test('the GET could not be made: error', (t) => {
  const outcome = check.evaluate(
    oneRepository(
      goodEndpoint({ hsts: { ok: false, error: { code: 'Timeout', message: 'no response' } } }),
    ),
  );
  t.equal(outcome.status, 'error');
  t.match(endpointEvidence(outcome), { probeError: { code: 'Timeout' } });
  t.end();
});

t.test(
  'a header over a connection with certificate errors is ignored (RFC 6797 8.1): warn',
  (t) => {
    for (const changes of [
      { chainVerified: false, chainError: 'CERT_HAS_EXPIRED' },
      { hostnameMatches: false },
    ]) {
      const outcome = check.evaluate(oneRepository(withHandshake(changes)));
      t.equal(outcome.status, 'warn', JSON.stringify(changes));
      t.match(endpointEvidence(outcome), { ignored: true, maxAge: 31536000 });
    }
    // The handshake could not be made: the header is judged alone.
    const refused = check.evaluate(
      oneRepository(
        goodEndpoint({ handshake: { ok: true, value: { established: false, alert: 'X' } } }),
      ),
    );
    t.equal(refused.status, 'pass');
    t.end();
  },
);

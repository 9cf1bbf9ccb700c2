import t from 'tap';
import {
  CERTIFICATE_FAIL_DAYS,
  CERTIFICATE_WARN_DAYS,
  certificateCheck as check,
} from '../../../checks/https/certificate.js';
import {
  collectedHttps,
  endpointEvidence,
  goodEndpoint,
  inDays,
  oneRepository,
  withHandshake,
} from '../../support/https.js';

t.test('not probed: error, never pass', (t) => {
  const outcome = check.evaluate(collectedHttps(undefined));
  t.equal(outcome.status, 'error');
  t.end();
});

t.test('no repository over the network: not_applicable, directories named', (t) => {
  const outcome = check.evaluate(
    collectedHttps([{ repository: 'staged', location: 'directory', endpoints: [] }]),
  );
  t.equal(outcome.status, 'not_applicable');
  t.strictSame(outcome.evidence, { endpoints: [], directories: ['staged'] });
  t.end();
});

t.test('expiry thresholds: warn within 21 days, fail within 7 or expired', (t) => {
  t.equal(CERTIFICATE_WARN_DAYS, 21);
  t.equal(CERTIFICATE_FAIL_DAYS, 7);
  const cases: [number, string, number][] = [
    [60, 'pass', 60],
    [21, 'pass', 21],
    [20.9, 'warn', 20],
    [7, 'warn', 7],
    [6.9, 'fail', 6],
    [0.1, 'fail', 0],
    [0, 'fail', 0],
    [-3, 'fail', -3],
  ];
  for (const [days, status, daysLeft] of cases) {
    const outcome = check.evaluate(oneRepository(withHandshake({}, { notAfter: inDays(days) })));
    t.equal(outcome.status, status, `${days} days left`);
    t.match(endpointEvidence(outcome), { status, daysLeft, notAfter: inDays(days) }, `${days}`);
  }
  t.end();
});

t.test('not yet valid: fail', (t) => {
  const outcome = check.evaluate(oneRepository(withHandshake({}, { notBefore: inDays(1) })));
  t.equal(outcome.status, 'fail');
  t.end();
});

t.test('chain and host name problems are each a fail, reported together', (t) => {
  const outcome = check.evaluate(
    oneRepository({
      ...withHandshake({
        chainVerified: false,
        chainError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
        hostnameMatches: false,
        hostnameError: 'ERR_TLS_CERT_ALTNAME_INVALID',
      }),
      caFile: '/etc/tufwatch/ca.pem',
    }),
  );
  t.equal(outcome.status, 'fail');
  t.match(endpointEvidence(outcome), {
    caFile: '/etc/tufwatch/ca.pem',
    chainError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    hostnameError: 'ERR_TLS_CERT_ALTNAME_INVALID',
  });
  t.end();
});

t.test('every endpoint passing: pass, each named in the message', (t) => {
  const outcome = check.evaluate(
    oneRepository(goodEndpoint(), { ...goodEndpoint(), edge: 'targets' }),
  );
  t.equal(outcome.status, 'pass');
  t.equal((outcome.evidence.endpoints as unknown[]).length, 2);
  t.match(outcome.message, /^2 endpoints: /);
  t.end();
});

t.test('the worst endpoint decides; every endpoint is in the evidence', (t) => {
  const outcome = check.evaluate(
    oneRepository(goodEndpoint(), {
      ...withHandshake({}, { notAfter: inDays(10) }),
      edge: 'targets',
    }),
  );
  t.equal(outcome.status, 'warn');
  t.strictSame(
    (outcome.evidence.endpoints as { edge: string; status: string }[]).map((e) => [
      e.edge,
      e.status,
    ]),
    [
      ['origin', 'pass'],
      ['targets', 'warn'],
    ],
  );
  t.end();
});

t.test('refused handshake: fail; probe that could not run: error', (t) => {
  const refused = check.evaluate(
    oneRepository(
      goodEndpoint({ handshake: { ok: true, value: { established: false, alert: 'ECONNRESET' } } }),
    ),
  );
  t.equal(refused.status, 'fail');
  t.match(endpointEvidence(refused), { alert: 'ECONNRESET' });
  const failed = check.evaluate(
    oneRepository(
      goodEndpoint({
        handshake: { ok: false, error: { code: 'ConnectionFailed', message: 'ECONNREFUSED' } },
      }),
    ),
  );
  t.equal(failed.status, 'error');
  t.match(endpointEvidence(failed), { probeError: { code: 'ConnectionFailed' } });
  t.end();
});

import t from 'tap';
import { protocolCheck as check } from '../../../checks/https/protocol.js';
import type { HttpsEndpoint } from '../../../checks/https/types.js';
import {
  collectedHttps,
  endpointEvidence,
  goodEndpoint,
  oneRepository,
} from '../../support/https.js';

const TIMEOUT = {
  ok: false,
  error: { code: 'Timeout', message: 'no TLS handshake within 10 ms' },
} as const;

t.test('not probed: error', (t) => {
  t.equal(check.evaluate(collectedHttps(undefined)).status, 'error');
  t.end();
});

t.test('TLS 1.2+ only: pass, with the negotiated protocol and cipher', (t) => {
  const outcome = check.evaluate(oneRepository(goodEndpoint()));
  t.equal(outcome.status, 'pass');
  t.match(endpointEvidence(outcome), {
    negotiated: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
  });
  t.end();
});

t.test('an accepted legacy protocol fails even when another probe could not run', (t) => {
  const endpoint: HttpsEndpoint = goodEndpoint({
    handshake: TIMEOUT,
    legacyProtocols: [
      {
        ok: true,
        value: { protocol: 'TLSv1', accepted: true, cipher: 'TLS_RSA_WITH_AES_128_CBC_SHA' },
      },
      TIMEOUT,
    ],
  });
  const outcome = check.evaluate(oneRepository(endpoint));
  t.equal(outcome.status, 'fail');
  t.match(endpointEvidence(outcome), {
    negotiated: null,
    legacyProtocols: [{ protocol: 'TLSv1', accepted: true }, { probeError: { code: 'Timeout' } }],
  });
  t.end();
});

t.test('legacy refused but a probe could not run: error', (t) => {
  const outcome = check.evaluate(
    oneRepository(
      goodEndpoint({
        legacyProtocols: [
          { ok: true, value: { protocol: 'TLSv1', accepted: false, refusal: 'ECONNRESET' } },
          TIMEOUT,
        ],
      }),
    ),
  );
  t.equal(outcome.status, 'error');
  t.match(endpointEvidence(outcome), { probeError: { code: 'Timeout' } });
  t.end();
});

t.test('every handshake refused: fail, agents cannot connect', (t) => {
  const outcome = check.evaluate(
    oneRepository(
      goodEndpoint({
        handshake: {
          ok: true,
          value: { established: false, alert: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' },
        },
      }),
    ),
  );
  t.equal(outcome.status, 'fail');
  t.match(endpointEvidence(outcome), { negotiated: null });
  t.end();
});

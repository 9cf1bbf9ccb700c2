/**
 * The HTTPS probes against real TLS servers started by the test, with
 * certificates made by the test; each case evaluated by the three checks.
 */
import t from 'tap';
import { certificateCheck } from '../../../checks/https/certificate.js';
import { collectHttps, type HttpsRepositoryTarget } from '../../../checks/https/collect.js';
import { hstsCheck } from '../../../checks/https/hsts.js';
import { protocolCheck } from '../../../checks/https/protocol.js';
import type { HttpsEndpoint, HttpsRepositorySnapshot } from '../../../checks/https/types.js';
import {
  DEFAULT_CHECK_SETTINGS,
  type CheckOutcome,
  type CollectedData,
} from '../../../checks/types.js';
import {
  closedPort,
  type KeyPair,
  startSilentServer,
  startTlsServer,
  TestCa,
  type TlsServerOptions,
} from '../../support/tls.js';

const DAY_MS = 24 * 3600 * 1000;
const YEAR_HSTS = 'max-age=31536000; includeSubDomains';

const ca = new TestCa();
t.teardown(() => ca.remove());
// OpenSSL checks validity against the wall clock: these dates are relative to it.
const now = new Date();
const days = (n: number): Date => new Date(now.getTime() + n * DAY_MS);
const good = ca.issue('good', ['localhost', '127.0.0.1'], days(-1), days(90));

function data(https: readonly HttpsRepositorySnapshot[]): CollectedData {
  return { now: new Date(), tuf: [], https, settings: DEFAULT_CHECK_SETTINGS };
}

function repo(url: string, extra: Partial<HttpsRepositoryTarget> = {}): HttpsRepositoryTarget {
  return {
    name: 'fleet',
    url,
    targetsUrl: `${url}/targets`,
    caFile: ca.ca.certFile,
    ca: ca.ca.cert,
    ...extra,
  };
}

/** The one endpoint's evidence entry of a check. */
function entry(outcome: CheckOutcome, i = 0): Record<string, unknown> {
  return (outcome.evidence.endpoints as Record<string, unknown>[])[i] ?? {};
}

async function probe(
  options: TlsServerOptions,
  extra: Partial<HttpsRepositoryTarget> = {},
): Promise<{ snapshot: HttpsRepositorySnapshot[]; endpoint: HttpsEndpoint; data: CollectedData }> {
  const server = await startTlsServer(options);
  try {
    const snapshot = await collectHttps([repo(`https://localhost:${server.port}`, extra)], {
      timeoutMs: 5000,
    });
    return {
      snapshot,
      endpoint: snapshot[0]?.endpoints[0] as HttpsEndpoint,
      data: data(snapshot),
    };
  } finally {
    await server.close();
  }
}

t.test(
  'good: a certificate of the caFile CA for the host, TLS 1.2+ only, HSTS a year',
  async (t) => {
    const { data: d, endpoint } = await probe({ pair: good, hsts: YEAR_HSTS });
    t.equal(endpoint.scheme, 'https');
    t.equal(endpoint.edge, 'origin');
    t.equal(endpoint.caFile, ca.ca.certFile);
    const cert = certificateCheck.evaluate(d);
    t.equal(cert.status, 'pass', cert.message);
    t.match(entry(cert), {
      repository: 'fleet',
      edge: 'origin',
      status: 'pass',
      chainVerified: true,
      chainError: null,
      hostnameMatches: true,
      daysLeft: 89,
      subjectAltName: 'DNS:localhost, IP Address:127.0.0.1',
      chain: [{ subject: 'CN=tufwatch test CA' }],
    });
    t.equal(
      Date.parse(entry(cert).notAfter as string),
      Math.floor(days(90).getTime() / 1000) * 1000,
    );
    const protocol = protocolCheck.evaluate(d);
    t.equal(protocol.status, 'pass', protocol.message);
    t.match(entry(protocol), {
      negotiated: { protocol: 'TLSv1.3', cipher: /^TLS_/ },
      legacyProtocols: [
        { protocol: 'TLSv1', accepted: false },
        { protocol: 'TLSv1.1', accepted: false },
      ],
    });
    const hsts = hstsCheck.evaluate(d);
    t.equal(hsts.status, 'pass', hsts.message);
    t.match(entry(hsts), {
      header: YEAR_HSTS,
      maxAge: 31536000,
      includeSubDomains: true,
      httpStatus: 200,
      probeUrl: /\/timestamp\.json$/,
    });
  },
);

t.test(
  'the same certificate without caFile: the system roots do not know the test CA',
  async (t) => {
    const { data: d } = await probe(
      { pair: good, hsts: YEAR_HSTS },
      { caFile: undefined, ca: undefined },
    );
    const cert = certificateCheck.evaluate(d);
    t.equal(cert.status, 'fail');
    t.match(entry(cert), {
      chainVerified: false,
      chainError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      caFile: null,
    });
  },
);

t.test('expired: fail, the probe ran', async (t) => {
  const expired = ca.issue('expired', ['localhost'], days(-60), days(-1));
  const { data: d } = await probe({ pair: expired, hsts: YEAR_HSTS });
  const cert = certificateCheck.evaluate(d);
  t.equal(cert.status, 'fail');
  t.match(entry(cert), {
    chainVerified: false,
    chainError: 'CERT_HAS_EXPIRED',
    hostnameMatches: true,
  });
  t.ok((entry(cert).daysLeft as number) < 0);
});

t.test('expires in 3 days: fail; in 14 days: warn', async (t) => {
  const soon = ca.issue('soon', ['localhost'], days(-30), days(3.5));
  const cert = certificateCheck.evaluate((await probe({ pair: soon })).data);
  t.equal(cert.status, 'fail');
  t.match(entry(cert), { chainVerified: true, hostnameMatches: true, daysLeft: 3 });
  const later = ca.issue('later', ['localhost'], days(-30), days(14.5));
  const warned = certificateCheck.evaluate((await probe({ pair: later })).data);
  t.equal(warned.status, 'warn');
  t.match(entry(warned), { daysLeft: 14 });
});

t.test('another host name: fail', async (t) => {
  const other = ca.issue('other', ['updates.example.com'], days(-1), days(90));
  const cert = certificateCheck.evaluate((await probe({ pair: other })).data);
  t.equal(cert.status, 'fail');
  t.match(entry(cert), {
    chainVerified: true,
    hostnameMatches: false,
    hostnameError: 'ERR_TLS_CERT_ALTNAME_INVALID',
  });
});

t.test('no subjectAltName: fail, as Go agents ignore the common name', async (t) => {
  const cnOnly = ca.issue('cn-only', [], days(-1), days(90), 'localhost');
  const cert = certificateCheck.evaluate((await probe({ pair: cnOnly })).data);
  t.equal(cert.status, 'fail');
  t.match(entry(cert), {
    chainVerified: true,
    hostnameMatches: false,
    hostnameError: 'NO_SUBJECT_ALT_NAME',
    subjectAltName: null,
    subject: 'CN=localhost',
  });
});

t.test('self-signed: fail', async (t) => {
  const self = ca.selfSigned('self', 'localhost');
  const cert = certificateCheck.evaluate((await probe({ pair: self })).data);
  t.equal(cert.status, 'fail');
  t.match(entry(cert), {
    chainVerified: false,
    chainError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    hostnameMatches: true,
    chain: [],
  });
});

t.test('TLS 1.0 only: protocol fails, and agents (TLS 1.2+) cannot connect', async (t) => {
  const { data: d } = await probe({
    pair: good,
    minVersion: 'TLSv1',
    maxVersion: 'TLSv1',
    hsts: YEAR_HSTS,
  });
  const protocol = protocolCheck.evaluate(d);
  t.equal(protocol.status, 'fail');
  t.match(entry(protocol), {
    negotiated: null,
    legacyProtocols: [
      { protocol: 'TLSv1', accepted: true, cipher: /^TLS_/ },
      { protocol: 'TLSv1.1', accepted: false },
    ],
  });
  const cert = certificateCheck.evaluate(d);
  t.equal(cert.status, 'fail');
  t.match(entry(cert), { alert: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
  // The GET (TLS 1.2+) could not be made: the header is unknown, not absent.
  t.equal(hstsCheck.evaluate(d).status, 'error');
});

t.test('TLS 1.1 to 1.3: protocol fails on 1.1 and reports the negotiated 1.3', async (t) => {
  const { data: d } = await probe({ pair: good, minVersion: 'TLSv1.1', hsts: YEAR_HSTS });
  const protocol = protocolCheck.evaluate(d);
  t.equal(protocol.status, 'fail');
  t.match(entry(protocol), {
    negotiated: { protocol: 'TLSv1.3' },
    legacyProtocols: [
      { protocol: 'TLSv1', accepted: false },
      { protocol: 'TLSv1.1', accepted: true },
    ],
  });
  t.equal(certificateCheck.evaluate(d).status, 'pass');
});

t.test('TLS 1.2 only: pass, negotiated TLSv1.2', async (t) => {
  const { data: d } = await probe({ pair: good, maxVersion: 'TLSv1.2', hsts: YEAR_HSTS });
  const protocol = protocolCheck.evaluate(d);
  t.equal(protocol.status, 'pass');
  t.match(entry(protocol), { negotiated: { protocol: 'TLSv1.2', cipher: /^TLS_ECDHE_/ } });
});

t.test('no HSTS: warn; a short max-age: warn', async (t) => {
  const none = hstsCheck.evaluate((await probe({ pair: good })).data);
  t.equal(none.status, 'warn');
  t.match(entry(none), { header: null, httpStatus: 200 });
  const short = hstsCheck.evaluate((await probe({ pair: good, hsts: 'max-age=86400' })).data);
  t.equal(short.status, 'warn');
  t.match(entry(short), { maxAge: 86400 });
});

t.test(
  'a legacy protocol this OpenSSL cannot offer: error, never a refusal (no false pass)',
  async (t) => {
    const server = await startTlsServer({ pair: good, hsts: YEAR_HSTS });
    t.teardown(() => server.close());
    const snapshot = await collectHttps([repo(`https://localhost:${server.port}`)], {
      timeoutMs: 5000,
      legacyCiphers: 'DEFAULT@SECLEVEL=5',
    });
    const outcome = protocolCheck.evaluate(data(snapshot));
    t.equal(outcome.status, 'error');
    t.match(entry(outcome), {
      negotiated: { protocol: 'TLSv1.3' },
      probeError: { code: 'ClientUnsupported' },
      legacyProtocols: [
        { probeError: { code: 'ClientUnsupported' } },
        { probeError: { code: 'ClientUnsupported' } },
      ],
    });
    t.equal(certificateCheck.evaluate(data(snapshot)).status, 'pass');
  },
);

t.test('connection refused: every check is error, never pass', async (t) => {
  const port = await closedPort();
  const snapshot = await collectHttps([repo(`https://127.0.0.1:${port}`)], { timeoutMs: 5000 });
  for (const check of [certificateCheck, protocolCheck, hstsCheck]) {
    const outcome = check.evaluate(data(snapshot));
    t.equal(outcome.status, 'error', check.id);
    t.match(entry(outcome), { probeError: { code: 'ConnectionFailed' } }, check.id);
  }
});

t.test('a server that never answers: every check is error (Timeout)', async (t) => {
  const server = await startSilentServer();
  t.teardown(() => server.close());
  const snapshot = await collectHttps([repo(`https://localhost:${server.port}`)], {
    timeoutMs: 300,
  });
  for (const check of [certificateCheck, protocolCheck, hstsCheck]) {
    const outcome = check.evaluate(data(snapshot));
    t.equal(outcome.status, 'error', check.id);
    t.match(entry(outcome), { probeError: { code: 'Timeout' } }, check.id);
  }
});

t.test(
  'plain http: warn; a directory: not_applicable; targets on another host: probed too',
  async (t) => {
    const server = await startTlsServer({ pair: good, hsts: YEAR_HSTS });
    t.teardown(() => server.close());
    const snapshot = await collectHttps(
      [
        repo(`http://localhost:${server.port}`),
        repo('/srv/tuf', { name: 'staged', targetsUrl: '/srv/tuf/targets' }),
        repo(`https://localhost:${server.port}/metadata/`, {
          name: 'split',
          targetsUrl: `https://127.0.0.1:${server.port}/targets`,
        }),
      ],
      { timeoutMs: 5000 },
    );
    t.strictSame(
      snapshot.map((r) => [r.repository, r.location, r.endpoints.map((e) => [e.edge, e.scheme])]),
      [
        ['fleet', 'network', [['origin', 'http']]],
        ['staged', 'directory', []],
        [
          'split',
          'network',
          [
            ['origin', 'https'],
            ['targets', 'https'],
          ],
        ],
      ],
    );
    const split = snapshot[2]?.endpoints as HttpsEndpoint[];
    t.match(split[0]?.hsts, { ok: true, value: { url: /\/metadata\/timestamp\.json$/ } });
    t.match(split[1], { host: '127.0.0.1', hsts: { ok: true, value: { url: /\/targets$/ } } });
    for (const check of [certificateCheck, protocolCheck, hstsCheck]) {
      const outcome = check.evaluate(data(snapshot));
      t.equal(outcome.status, 'warn', check.id);
      t.match(entry(outcome), { repository: 'fleet', status: 'warn', scheme: 'http' }, check.id);
      t.strictSame(outcome.evidence.directories, ['staged'], check.id);
      t.equal(entry(outcome, 1).status, 'pass', `${check.id}: split origin`);
      t.equal(entry(outcome, 2).status, 'pass', `${check.id}: split targets by IP address`);
    }
  },
);

t.test('targets on the same host: one endpoint; no port: 443', async (t) => {
  const snapshot = await collectHttps([repo('http://localhost:1')]);
  t.equal(snapshot[0]?.endpoints.length, 1);
  const https = await collectHttps([repo('https://127.0.0.1')], { timeoutMs: 5000 });
  t.match(https[0]?.endpoints[0], { host: '127.0.0.1', port: 443 });
});

export type { KeyPair };

import type { CheckDefinition } from '../types.js';
import { type EndpointVerdict, httpsCheck, probeFailed } from './common.js';
import type { HttpsEndpoint } from './types.js';

/**
 * The endpoint refuses TLS 1.0 and 1.1 (deprecated by RFC 8996; PCI DSS and
 * SOC 2 auditors expect TLS 1.2 or later), and the protocol and cipher suite
 * an agent negotiates are reported. A legacy protocol that was accepted fails
 * the check even when another probe could not run: that failure is proven.
 */
export const protocolCheck: CheckDefinition = {
  id: 'https.protocol',
  title: 'The repository endpoint refuses TLS 1.0 and 1.1',
  component: 'tuf-repository',
  severity: 'medium',
  criteria: ['CC6.7'],
  remediation:
    'Set the minimum TLS version of the endpoint to 1.2: Cloudflare: SSL/TLS > Edge Certificates > Minimum TLS Version; ' +
    'CloudFront: a security policy of TLSv1.2_2021 or later on the distribution; nginx: `ssl_protocols TLSv1.2 TLSv1.3;`. ' +
    'Then trigger a run (POST /api/v1/runs). Orbit agents (Go) never need TLS 1.0 or 1.1.',
  evaluate: (data) => httpsCheck(data, evaluateProtocol),
};

function evaluateProtocol(endpoint: HttpsEndpoint): EndpointVerdict {
  const hs = endpoint.handshake;
  const negotiated =
    hs.ok && hs.value.established ? { protocol: hs.value.protocol, cipher: hs.value.cipher } : null;
  const accepted = endpoint.legacyProtocols.flatMap((p) =>
    p.ok && p.value.accepted ? [p.value] : [],
  );
  const facts = {
    negotiated,
    legacyProtocols: endpoint.legacyProtocols.map((p) =>
      p.ok ? p.value : { probeError: p.error },
    ),
  };
  if (accepted.length > 0)
    return {
      status: 'fail',
      message: `accepts ${accepted.map((p) => `${p.protocol} (${p.cipher})`).join(', ')}`,
      facts,
    };
  const failed = [hs, ...endpoint.legacyProtocols].find((p) => !p.ok);
  if (failed !== undefined && !failed.ok)
    return {
      ...probeFailed('a TLS handshake', failed.error),
      facts: { ...facts, probeError: failed.error },
    };
  if (negotiated === null)
    return {
      status: 'fail',
      message: 'refuses every TLS 1.2+ handshake: agents cannot connect',
      facts,
    };
  return {
    status: 'pass',
    message: `TLS 1.0 and 1.1 refused; agents negotiate ${negotiated.protocol} with ${negotiated.cipher}`,
    facts,
  };
}

import type { CheckDefinition } from '../types.js';
import { type EndpointVerdict, httpsCheck, probeFailed } from './common.js';
import type { HttpsEndpoint } from './types.js';

const DAY_MS = 24 * 3600 * 1000;
/** Certificate lifetimes left, in days: a ticket at 21, a page at 7 (ACME renews at 30 by default). */
export const CERTIFICATE_WARN_DAYS = 21;
export const CERTIFICATE_FAIL_DAYS = 7;

/**
 * The certificate an agent is shown verifies to the trusted roots (the system
 * roots, or `repositories[].caFile`), names the host, and is not about to
 * expire. An agent refuses the endpoint otherwise: no update reaches it. A
 * certificate presented but bad is `fail`; `error` is only for a probe that
 * could not run.
 */
export const certificateCheck: CheckDefinition = {
  id: 'https.certificate',
  title: 'Agents are shown a valid certificate for the repository host',
  component: 'tuf-repository',
  severity: 'high',
  criteria: ['CC6.7', 'A1.2'],
  remediation:
    'Read the evidence per endpoint: `chainError` (e.g. CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT, ' +
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE: serve the full chain), `hostnameError` (the certificate does not name the host: ' +
    'add it to the subjectAltName), `daysLeft`. Renew or replace the certificate at the CDN or load balancer ' +
    '(Cloudflare: SSL/TLS > Edge Certificates; CloudFront: the ACM certificate of the distribution), ' +
    'then trigger a run (POST /api/v1/runs). A private CA belongs in `repositories[].caFile`.',
  evaluate: (data) => httpsCheck(data, evaluateCertificate),
};

function evaluateCertificate(endpoint: HttpsEndpoint, now: Date): EndpointVerdict {
  const probe = endpoint.handshake;
  if (!probe.ok) return probeFailed('the TLS handshake', probe.error);
  const hs = probe.value;
  const trust = { caFile: endpoint.caFile };
  if (!hs.established)
    return {
      status: 'fail',
      message: `the server refused a TLS 1.2+ handshake (${hs.alert}): agents cannot connect`,
      facts: { ...trust, alert: hs.alert },
    };
  const cert = hs.certificate;
  const daysLeft = Math.floor((Date.parse(cert.notAfter) - now.getTime()) / DAY_MS);
  const facts = {
    ...trust,
    subject: cert.subject,
    issuer: cert.issuer,
    subjectAltName: cert.subjectAltName,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    daysLeft,
    serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
    chain: cert.chain,
    chainVerified: hs.chainVerified,
    chainError: hs.chainError,
    hostnameMatches: hs.hostnameMatches,
    hostnameError: hs.hostnameError,
  };
  const problems: string[] = [];
  if (!hs.chainVerified)
    problems.push(
      `the chain does not verify to ${endpoint.caFile === null ? 'the system roots' : endpoint.caFile} (${String(hs.chainError)})`,
    );
  if (!hs.hostnameMatches)
    problems.push(`the certificate is not for ${endpoint.host} (${String(hs.hostnameError)})`);
  if (Date.parse(cert.notAfter) <= now.getTime()) problems.push(`it expired on ${cert.notAfter}`);
  else if (Date.parse(cert.notBefore) > now.getTime())
    problems.push(`it is not valid before ${cert.notBefore}`);
  else if (daysLeft < CERTIFICATE_FAIL_DAYS)
    problems.push(`it expires in ${daysLeft} days, on ${cert.notAfter}`);
  if (problems.length > 0) return { status: 'fail', message: problems.join('; '), facts };
  if (daysLeft < CERTIFICATE_WARN_DAYS)
    return {
      status: 'warn',
      message: `the certificate expires in ${daysLeft} days, on ${cert.notAfter}`,
      facts,
    };
  return {
    status: 'pass',
    message: `valid certificate for ${endpoint.host} until ${cert.notAfter}`,
    facts,
  };
}

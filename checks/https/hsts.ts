import type { CheckDefinition } from '../types.js';
import { type EndpointVerdict, httpsCheck, probeFailed } from './common.js';
import type { HttpsEndpoint } from './types.js';

/** 180 days, in seconds: the least max-age that keeps a client on HTTPS between two visits months apart. */
export const HSTS_MIN_MAX_AGE_SECONDS = 180 * 24 * 3600;

/** The directives of a Strict-Transport-Security header, parsed as RFC 6797 6.1 reads it. */
export interface HstsDirectives {
  /** `null` when there is no valid max-age (then the header is ignored, RFC 6797 8.1). */
  maxAge: number | null;
  includeSubDomains: boolean;
  preload: boolean;
}

/**
 * RFC 6797 6.1: `;`-separated directives, names case-insensitive, values a
 * token or a quoted string; a directive that appears twice makes the header
 * invalid (6.1 rule 2), and so does a max-age that is not digits.
 */
export function parseHsts(header: string): HstsDirectives {
  const seen = new Set<string>();
  let maxAge: number | null = null;
  let valid = true;
  for (const part of header.split(';')) {
    const [rawName = '', ...rest] = part.split('=');
    const name = rawName.trim().toLowerCase();
    if (name === '') continue;
    if (seen.has(name)) valid = false;
    seen.add(name);
    if (name === 'max-age') {
      const value = rest
        .join('=')
        .trim()
        .replace(/^"(.*)"$/, '$1');
      maxAge = /^\d+$/.test(value) ? Number(value) : null;
      if (maxAge === null) valid = false;
    }
  }
  return {
    maxAge: valid ? maxAge : null,
    includeSubDomains: valid && seen.has('includesubdomains'),
    preload: valid && seen.has('preload'),
  };
}

/**
 * The endpoint sends `Strict-Transport-Security` with a max-age of at least
 * 180 days, so that a client that once reached it over HTTPS is never
 * downgraded to plain HTTP by a network attacker. Only a warning: TUF's
 * signatures protect the content even over HTTP; HSTS protects availability
 * and the other things the host serves.
 */
export const hstsCheck: CheckDefinition = {
  id: 'https.hsts',
  title: 'The repository endpoint enforces HTTPS with HSTS',
  component: 'tuf-repository',
  severity: 'low',
  criteria: ['CC6.7'],
  remediation:
    'Send `Strict-Transport-Security: max-age=31536000; includeSubDomains` on every response of the endpoint: ' +
    'Cloudflare: SSL/TLS > Edge Certificates > HTTP Strict Transport Security (max-age 12 months); ' +
    'CloudFront: a response headers policy with Strict-Transport-Security; nginx: `add_header Strict-Transport-Security "max-age=31536000" always;`. ' +
    'Then trigger a run (POST /api/v1/runs).',
  evaluate: (data) => httpsCheck(data, evaluateHsts),
};

function evaluateHsts(endpoint: HttpsEndpoint): EndpointVerdict {
  const probe = endpoint.hsts;
  if (!probe.ok) return probeFailed('the GET', probe.error);
  const { url, status, header } = probe.value;
  if (header === null)
    return {
      status: 'warn',
      message: 'no Strict-Transport-Security header',
      facts: { probeUrl: url, httpStatus: status, header },
    };
  const directives = parseHsts(header);
  const facts = { probeUrl: url, httpStatus: status, header, ...directives };
  // RFC 6797 8.1: a header received over a connection with certificate errors is ignored.
  const hs = endpoint.handshake;
  if (hs.ok && hs.value.established && !(hs.value.chainVerified && hs.value.hostnameMatches))
    return {
      status: 'warn',
      message:
        'Strict-Transport-Security is sent over a connection with certificate errors: clients ignore it (RFC 6797 8.1)',
      facts: { ...facts, ignored: true },
    };
  if (directives.maxAge === null)
    return {
      status: 'warn',
      message: 'the Strict-Transport-Security header is invalid (RFC 6797 6.1): clients ignore it',
      facts,
    };
  if (directives.maxAge < HSTS_MIN_MAX_AGE_SECONDS)
    return {
      status: 'warn',
      message: `Strict-Transport-Security max-age is ${directives.maxAge} s, below 180 days (${HSTS_MIN_MAX_AGE_SECONDS} s)`,
      facts,
    };
  return {
    status: 'pass',
    message: `Strict-Transport-Security max-age=${directives.maxAge}`,
    facts,
  };
}

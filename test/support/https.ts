/** Hand-made HTTPS snapshots for the pure `https.*` checks: one good endpoint, varied per case. */
import type { HttpsEndpoint, HttpsRepositorySnapshot } from '../../checks/https/types.js';
import {
  DEFAULT_CHECK_SETTINGS,
  type CheckOutcome,
  type CollectedData,
} from '../../checks/types.js';

export const NOW = new Date('2030-01-01T00:00:00Z');
const DAY_MS = 24 * 3600 * 1000;
export const inDays = (n: number): string => new Date(NOW.getTime() + n * DAY_MS).toISOString();

/** A well-configured endpoint as the collector reports it. */
export function goodEndpoint(overrides: Partial<HttpsEndpoint> = {}): HttpsEndpoint {
  return {
    edge: 'origin',
    url: 'https://updates.example.com',
    scheme: 'https',
    host: 'updates.example.com',
    port: 443,
    caFile: null,
    handshake: {
      ok: true,
      value: {
        established: true,
        protocol: 'TLSv1.3',
        cipher: 'TLS_AES_256_GCM_SHA384',
        certificate: {
          subject: 'CN=updates.example.com',
          issuer: 'CN=Example CA',
          subjectAltName: 'DNS:updates.example.com',
          notBefore: inDays(-30),
          notAfter: inDays(60),
          serialNumber: '01',
          fingerprint256: 'AA:BB',
          chain: [{ subject: 'CN=Example CA', issuer: 'CN=Example CA', notAfter: inDays(3650) }],
        },
        chainVerified: true,
        chainError: null,
        hostnameMatches: true,
        hostnameError: null,
      },
    },
    legacyProtocols: [
      { ok: true, value: { protocol: 'TLSv1', accepted: false, refusal: 'ECONNRESET' } },
      { ok: true, value: { protocol: 'TLSv1.1', accepted: false, refusal: 'ECONNRESET' } },
    ],
    hsts: {
      ok: true,
      value: {
        url: 'https://updates.example.com/timestamp.json',
        status: 200,
        header: 'max-age=31536000',
      },
    },
    ...overrides,
  };
}

/** The certificate facts of `goodEndpoint`, changed. */
export function withHandshake(
  changes: Record<string, unknown>,
  certificate: Record<string, unknown> = {},
): HttpsEndpoint {
  const base = goodEndpoint();
  if (!base.handshake.ok || !base.handshake.value.established) throw new Error('unreachable');
  return goodEndpoint({
    handshake: {
      ok: true,
      value: {
        ...base.handshake.value,
        ...changes,
        certificate: { ...base.handshake.value.certificate, ...certificate },
      },
    } as HttpsEndpoint['handshake'],
  });
}

export function collectedHttps(
  https: readonly HttpsRepositorySnapshot[] | undefined,
  now = NOW,
): CollectedData {
  return {
    now,
    tuf: [],
    ...(https !== undefined && { https }),
    settings: DEFAULT_CHECK_SETTINGS,
  };
}

/** One repository with these endpoints. */
export function oneRepository(...endpoints: HttpsEndpoint[]): CollectedData {
  return collectedHttps([{ repository: 'fleet', location: 'network', endpoints }]);
}

/** The evidence entry of the i-th endpoint. */
export function endpointEvidence(outcome: CheckOutcome, i = 0): Record<string, unknown> {
  return (outcome.evidence.endpoints as Record<string, unknown>[])[i] ?? {};
}

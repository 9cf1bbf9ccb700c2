/**
 * The normalized snapshot of the HTTPS endpoints agents connect to, which the
 * `https.*` checks evaluate. `checks/https/collect.ts` is the only code that
 * opens sockets; the checks are pure functions of this snapshot.
 *
 * Conventions (as `checks/aws/types.ts`):
 * - A probe that could not run (connection refused, DNS, timeout) is
 *   `ok: false`; a check whose input is `ok: false` is `error`, never `pass`.
 * - A probe that ran is data, whatever the server answered: a refused
 *   handshake, an expired or self-signed certificate are facts, and the
 *   checks turn them into `fail`.
 * - Times are ISO 8601 strings (UTC), so the snapshot is JSON evidence as is.
 */
import type { CollectedData } from '../types.js';

/**
 * Why a probe could not run; closed set, branch on it, never on `message`.
 * `ClientUnsupported`: tufwatch's own OpenSSL could not offer the protocol
 * (a legacy-protocol probe on a build that disables TLS 1.0/1.1 outright).
 */
export type ProbeErrorCode = 'Timeout' | 'ConnectionFailed' | 'ClientUnsupported';

export interface ProbeError {
  code: ProbeErrorCode;
  /** Human-readable, for the evidence; never branch on it. */
  message: string;
}

export type Probed<T> = { ok: true; value: T } | { ok: false; error: ProbeError };

/** The endpoints of one configured repository. */
export interface HttpsRepositorySnapshot {
  repository: string;
  /** `directory`: the repository is read from disk, there is no endpoint to probe. */
  location: 'directory' | 'network';
  endpoints: EndpointSnapshot[];
}

export type EndpointSnapshot = PlainHttpEndpoint | HttpsEndpoint;

interface EndpointBase {
  /**
   * Which endpoint of the repository: `origin` (its `url`), `targets` (the host
   * of `targetsUrl` when it differs), or an edge's configured name. A metric
   * label: bounded by config.
   */
  edge: string;
  /** The URL as configured. */
  url: string;
}

/** An `http:` URL: nothing authenticates the endpoint, so nothing was probed. */
export interface PlainHttpEndpoint extends EndpointBase {
  scheme: 'http';
}

export interface HttpsEndpoint extends EndpointBase {
  scheme: 'https';
  host: string;
  port: number;
  /** The configured `repositories[].caFile` the chain was verified against, `null` for the system roots. */
  caFile: string | null;
  /** A handshake with Node's default client settings (TLS 1.2 or later), as an agent makes it. */
  handshake: Probed<Handshake>;
  /** One handshake per legacy protocol, forced (`minVersion` = `maxVersion`). */
  legacyProtocols: Probed<LegacyProtocolProbe>[];
  /** The response to one GET of the endpoint (its `timestamp.json` for the origin). */
  hsts: Probed<HstsResponse>;
}

/**
 * `established: false`: the TCP connection was made but the server refused the
 * handshake (`alert` is OpenSSL's error code, e.g. `ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION`).
 */
export type Handshake =
  | {
      established: true;
      /** `TLSv1.2`, `TLSv1.3`. */
      protocol: string;
      /** The IANA name of the negotiated cipher suite, e.g. `TLS_AES_256_GCM_SHA384`. */
      cipher: string;
      certificate: CertificateFacts;
      /** The chain verifies to the trusted roots (system roots or `caFile`) at the probe's time. */
      chainVerified: boolean;
      /** OpenSSL's verification error when it does not: `CERT_HAS_EXPIRED`, `DEPTH_ZERO_SELF_SIGNED_CERT`... */
      chainError: string | null;
      /** RFC 6125 name check of the leaf against the URL's host name. */
      hostnameMatches: boolean;
      hostnameError: string | null;
    }
  | { established: false; alert: string };

/** The leaf certificate the server presented, and the chain above it. */
export interface CertificateFacts {
  subject: string;
  issuer: string;
  /** As OpenSSL prints it: `DNS:updates.fleetdm.com, DNS:*.fleetdm.com`; `null` when absent. */
  subjectAltName: string | null;
  notBefore: string;
  notAfter: string;
  serialNumber: string;
  fingerprint256: string;
  /** Subject and issuer of each certificate above the leaf, as sent (or completed from the trust store). */
  chain: { subject: string; issuer: string; notAfter: string }[];
}

/** Accepted, with the cipher suite the server chose; or refused, with the error that ended the handshake. */
export type LegacyProtocolProbe =
  | { protocol: LegacyProtocol; accepted: true; cipher: string }
  | { protocol: LegacyProtocol; accepted: false; refusal: string };

/** TLS 1.0 and 1.1, deprecated by RFC 8996. */
export type LegacyProtocol = 'TLSv1' | 'TLSv1.1';
export const LEGACY_PROTOCOLS: readonly LegacyProtocol[] = Object.freeze(['TLSv1', 'TLSv1.1']);

export interface HstsResponse {
  /** The GET the header was read from. */
  url: string;
  status: number;
  /** The first `Strict-Transport-Security` header (RFC 6797 8.1: later ones are ignored), `null` when absent. */
  header: string | null;
}

/** The HTTPS snapshot of a run; undefined when it was not collected. */
export function httpsSnapshotOf(
  data: Pick<CollectedData, 'https'>,
): readonly HttpsRepositorySnapshot[] | undefined {
  return data.https;
}

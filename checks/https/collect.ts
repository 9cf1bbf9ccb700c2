/**
 * Probes the HTTPS endpoints of each repository as an agent reaches them:
 * one handshake with Node's default client settings (certificate chain, host
 * name, negotiated protocol and cipher), one forced handshake per legacy
 * protocol, and one GET for the HSTS header. The only code of the `https.*`
 * checks that opens sockets. Never throws: a probe that could not run is an
 * `ok: false` item of the snapshot.
 */
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import {
  checkServerIdentity,
  connect,
  type ConnectionOptions,
  type PeerCertificate,
} from 'node:tls';
import type {
  CertificateFacts,
  EndpointSnapshot,
  Handshake,
  HstsResponse,
  HttpsRepositorySnapshot,
  LegacyProtocol,
  LegacyProtocolProbe,
  Probed,
} from './types.js';
import { LEGACY_PROTOCOLS } from './types.js';

/** What the collector needs of a configured repository. */
export interface HttpsRepositoryTarget {
  name: string;
  url: string;
  targetsUrl: string;
  /** The `caFile` path, for the evidence. */
  caFile?: string;
  /** Its PEM text: the only roots trusted for this repository when set. */
  ca?: string;
}

export interface CollectHttpsOptions {
  /** Limit for each probe (connection, handshake, response headers), in ms. Default 10000. */
  timeoutMs?: number;
  /**
   * The cipher string of the TLS 1.0/1.1 probes. Default `DEFAULT@SECLEVEL=0`:
   * OpenSSL 3 offers TLS 1.0 and 1.1 only at level 0.
   */
  legacyCiphers?: string;
}

/** Probe settings, defaults applied. */
interface ProbeSettings {
  timeoutMs: number;
  legacyCiphers: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const LEGACY_CIPHERS = 'DEFAULT@SECLEVEL=0';
/**
 * Errors of a handshake the client could not even offer (no protocol or cipher
 * enabled at this OpenSSL's configuration): they say nothing of the server, so
 * the probe could not run, never "refused".
 */
const CLIENT_SIDE_ERRORS = new Set([
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
  'ERR_SSL_NO_CIPHERS_AVAILABLE',
]);
const URL_LIKE = /^[a-z][a-z\d+.-]*:\/\//i;

/** Every repository's endpoints, probed concurrently. */
export async function collectHttps(
  repositories: readonly HttpsRepositoryTarget[],
  options: CollectHttpsOptions = {},
): Promise<HttpsRepositorySnapshot[]> {
  const settings: ProbeSettings = {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    legacyCiphers: options.legacyCiphers ?? LEGACY_CIPHERS,
  };
  return Promise.all(repositories.map((repo) => collectRepository(repo, settings)));
}

async function collectRepository(
  repo: HttpsRepositoryTarget,
  settings: ProbeSettings,
): Promise<HttpsRepositorySnapshot> {
  if (!URL_LIKE.test(repo.url)) {
    return { repository: repo.name, location: 'directory', endpoints: [] };
  }
  const targets: { edge: string; url: string; probeUrl: string }[] = [
    { edge: 'origin', url: repo.url, probeUrl: joinUrl(repo.url, 'timestamp.json') },
  ];
  // Target files may come from another host (a CDN in front of a bucket): agents connect there too.
  if (
    URL_LIKE.test(repo.targetsUrl) &&
    new URL(repo.targetsUrl).origin !== new URL(repo.url).origin
  )
    targets.push({ edge: 'targets', url: repo.targetsUrl, probeUrl: repo.targetsUrl });
  const endpoints = await Promise.all(
    targets.map((t) => probeEndpoint(t.edge, t.url, t.probeUrl, repo, settings)),
  );
  return { repository: repo.name, location: 'network', endpoints };
}

/** One endpoint: nothing to probe over plain HTTP; else the handshakes and the GET, concurrently. */
export async function probeEndpoint(
  edge: string,
  url: string,
  probeUrl: string,
  repo: Pick<HttpsRepositoryTarget, 'caFile' | 'ca'>,
  settings: ProbeSettings,
): Promise<EndpointSnapshot> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:') return { edge, url, scheme: 'http' };
  // WHATWG URLs keep IPv6 hosts in brackets; sockets and name checks want them bare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsed.port === '' ? 443 : Number(parsed.port);
  const target: ProbeTarget = {
    host,
    port,
    ...settings,
    ...(repo.ca !== undefined && { ca: repo.ca }),
  };
  const [handshake, legacyProtocols, hsts] = await Promise.all([
    probeHandshake(target),
    Promise.all(LEGACY_PROTOCOLS.map((protocol) => probeLegacy(target, protocol))),
    probeHsts(target, probeUrl),
  ]);
  return {
    edge,
    url,
    scheme: 'https',
    host,
    port,
    caFile: repo.caFile ?? null,
    handshake,
    legacyProtocols,
    hsts,
  };
}

interface ProbeTarget extends ProbeSettings {
  host: string;
  port: number;
  ca?: string;
}

/** Host names go in SNI; an IP address may not (RFC 6066 3). */
function servername(host: string): string | undefined {
  return /^[\d.]+$|:/.test(host) ? undefined : host;
}

type Attempt =
  | { kind: 'secure'; socket: import('node:tls').TLSSocket }
  | { kind: 'refused'; alert: string }
  | { kind: 'failed'; error: { code: 'Timeout' | 'ConnectionFailed'; message: string } };

/**
 * One TLS handshake. A failure after the TCP connection was made is the
 * server's answer (`refused`); before it, or a timeout, the probe could not
 * run (`failed`). The caller destroys the socket of a `secure` attempt.
 */
function handshake(target: ProbeTarget, options: ConnectionOptions): Promise<Attempt> {
  return new Promise((resolve) => {
    const name = servername(target.host);
    const socket = connect({
      host: target.host,
      port: target.port,
      ...(name !== undefined && { servername: name }),
      ...(target.ca !== undefined && { ca: target.ca }),
      // The verdict is ours to make from the facts, not a reason to hang up before seeing them.
      rejectUnauthorized: false,
      ...options,
    });
    let tcp = false;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({
        kind: 'failed',
        error: { code: 'Timeout', message: `no TLS handshake within ${target.timeoutMs} ms` },
      });
    }, target.timeoutMs);
    socket.once('connect', () => (tcp = true));
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve({ kind: 'secure', socket });
    });
    socket.on('error', (err: Error & { code?: string }) => {
      clearTimeout(timer);
      socket.destroy();
      const code = codeOf(err);
      resolve(
        tcp
          ? { kind: 'refused', alert: code }
          : {
              kind: 'failed',
              error: { code: 'ConnectionFailed', message: `${code}: ${err.message}` },
            },
      );
    });
  });
}

async function probeHandshake(target: ProbeTarget): Promise<Probed<Handshake>> {
  const attempt = await handshake(target, {
    // Only the chain here: the host name is checked apart, so that both facts are known.
    checkServerIdentity: () => undefined,
  });
  if (attempt.kind === 'failed') return { ok: false, error: attempt.error };
  if (attempt.kind === 'refused')
    return { ok: true, value: { established: false, alert: attempt.alert } };
  const { socket } = attempt;
  try {
    const peer = socket.getPeerCertificate(true);
    const identity = hostnameProblem(target.host, peer);
    const chainError = socket.authorizationError as unknown as Error | string | null;
    return {
      ok: true,
      value: {
        established: true,
        // Null only before the handshake completes.
        protocol: socket.getProtocol() as string,
        cipher: socket.getCipher().standardName,
        certificate: certificateFacts(peer),
        chainVerified: socket.authorized,
        chainError: chainError === null ? null : String(chainError),
        hostnameMatches: identity === null,
        hostnameError: identity,
      },
    };
  } finally {
    socket.destroy();
  }
}

/**
 * A handshake at one legacy protocol only. OpenSSL 3 refuses TLS 1.0 and 1.1
 * client-side at its default security level (no SHA-1 signatures): level 0
 * lets the probe offer them, so that a refusal is the server's.
 */
async function probeLegacy(
  target: ProbeTarget,
  protocol: LegacyProtocol,
): Promise<Probed<LegacyProtocolProbe>> {
  const attempt = await handshake(target, {
    minVersion: protocol,
    maxVersion: protocol,
    ciphers: target.legacyCiphers,
    checkServerIdentity: () => undefined,
  });
  if (attempt.kind === 'failed') return { ok: false, error: attempt.error };
  if (attempt.kind === 'refused' && CLIENT_SIDE_ERRORS.has(attempt.alert))
    return {
      ok: false,
      error: {
        code: 'ClientUnsupported',
        message: `this OpenSSL cannot offer ${protocol} (${attempt.alert})`,
      },
    };
  if (attempt.kind === 'refused')
    return { ok: true, value: { protocol, accepted: false, refusal: attempt.alert } };
  const cipher = attempt.socket.getCipher().standardName;
  attempt.socket.destroy();
  return { ok: true, value: { protocol, accepted: true, cipher } };
}

/** One GET; the headers are all it needs, the body is not read. */
function probeHsts(target: ProbeTarget, url: string): Promise<Probed<HstsResponse>> {
  return new Promise((resolve) => {
    const name = servername(target.host);
    const req = request(url, {
      method: 'GET',
      agent: false,
      rejectUnauthorized: false,
      ...(name !== undefined && { servername: name }),
      ...(target.ca !== undefined && { ca: target.ca }),
      headers: { 'user-agent': 'tufwatch' },
      timeout: target.timeoutMs,
    });
    req.once('timeout', () => {
      req.destroy();
      resolve({
        ok: false,
        error: { code: 'Timeout', message: `no response within ${target.timeoutMs} ms` },
      });
    });
    req.on('error', (err: Error & { code?: string }) => {
      resolve({
        ok: false,
        error: { code: 'ConnectionFailed', message: `${codeOf(err)}: ${err.message}` },
      });
    });
    req.once('response', (res: IncomingMessage) => {
      resolve({
        ok: true,
        value: {
          url,
          // Always set on a client's response.
          status: res.statusCode as number,
          header: firstHeader(res.rawHeaders, 'strict-transport-security'),
        },
      });
      res.destroy();
    });
    req.end();
  });
}

/**
 * RFC 6125 name check, as agents make it: Go (Orbit) ignores the common name
 * since Go 1.15, so a certificate without subjectAltName names no host, even
 * when Node's own check would fall back to its CN.
 */
function hostnameProblem(host: string, peer: PeerCertificate): string | null {
  if ((peer.subjectaltname ?? '') === '') return 'NO_SUBJECT_ALT_NAME';
  const error = checkServerIdentity(host, peer) as (Error & { code: string }) | undefined;
  return error === undefined ? null : error.code;
}

/** Socket and TLS errors carry a code (`ECONNREFUSED`, `ERR_SSL_...`). */
function codeOf(err: Error & { code?: string }): string {
  /* c8 ignore next -- every net/tls error has a code; the name is a fallback for the evidence */
  return err.code ?? err.name;
}

function firstHeader(raw: readonly string[], name: string): string | null {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === name) return raw[i + 1] as string;
  }
  return null;
}

function certificateFacts(
  peer: PeerCertificate & { issuerCertificate?: PeerCertificate },
): CertificateFacts {
  const chain: CertificateFacts['chain'] = [];
  const seen = new Set<string>([peer.fingerprint256]);
  // A self-signed certificate is its own issuer: stop at the first repeat.
  for (let cert = peer.issuerCertificate; cert !== undefined && !seen.has(cert.fingerprint256);) {
    seen.add(cert.fingerprint256);
    chain.push({
      subject: dn(cert.subject),
      issuer: dn(cert.issuer),
      notAfter: isoDate(cert.valid_to),
    });
    cert = (cert as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
  }
  return {
    subject: dn(peer.subject),
    issuer: dn(peer.issuer),
    subjectAltName: peer.subjectaltname ?? null,
    notBefore: isoDate(peer.valid_from),
    notAfter: isoDate(peer.valid_to),
    serialNumber: peer.serialNumber,
    fingerprint256: peer.fingerprint256,
    chain,
  };
}

/** `CN=updates.fleetdm.com, O=...` from Node's object form. */
function dn(name: PeerCertificate['subject']): string {
  // A multi-valued attribute (two OUs) is an array.
  return Object.entries(name)
    .map(([k, v]) => `${k}=${[v].flat().join('+')}`)
    .join(', ');
}

/** OpenSSL's `Mar  4 12:00:00 2031 GMT` as ISO 8601. */
function isoDate(text: string): string {
  return new Date(text).toISOString();
}

function joinUrl(base: string, name: string): string {
  return `${base.replace(/\/+$/, '')}/${name}`;
}

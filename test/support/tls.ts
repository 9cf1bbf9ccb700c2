/**
 * Certificates made by the test with the openssl CLI (a CA and leaves with
 * exact validity dates, via `openssl ca`), and real TLS servers started by
 * the test, for the HTTPS probes.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { SecureVersion } from 'node:tls';

export const OPENSSL = process.env.OPENSSL ?? '/usr/bin/openssl';

export interface KeyPair {
  key: string;
  cert: string;
  /** Where the certificate is, for `caFile`. */
  certFile: string;
}

/** openssl's `ca -startdate/-enddate` format: YYYYMMDDHHMMSSZ. */
function asn1Time(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** A throwaway CA in a temporary directory; `issue` signs leaves with any dates. */
export class TestCa {
  readonly dir: string;
  readonly ca: KeyPair;
  #serial = 1;

  constructor(name = 'tufwatch test CA') {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tufwatch-tls-'));
    this.ca = selfSigned(this.dir, 'ca', name, true);
    fs.writeFileSync(path.join(this.dir, 'index.txt'), '');
    fs.writeFileSync(
      path.join(this.dir, 'ca.cnf'),
      [
        '[ca]',
        'default_ca = test',
        '[test]',
        `dir = ${this.dir}`,
        'database = $dir/index.txt',
        'new_certs_dir = $dir',
        'serial = $dir/serial',
        'certificate = $dir/ca.crt',
        'private_key = $dir/ca.key',
        'default_md = sha256',
        'policy = anything',
        'unique_subject = no',
        'copy_extensions = copy',
        '[anything]',
        'commonName = supplied',
        '',
      ].join('\n'),
    );
  }

  /**
   * A leaf for `names` (DNS names or IP addresses), valid from `notBefore` to
   * `notAfter`. Without names: a leaf with the common name `cn` and no subjectAltName.
   */
  issue(
    name: string,
    names: readonly string[],
    notBefore: Date,
    notAfter: Date,
    cn = names[0] ?? name,
  ): KeyPair {
    const base = path.join(this.dir, name);
    const san = names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    openssl([
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${base}.key`,
      '-out',
      `${base}.csr`,
      '-subj',
      `/CN=${cn}`,
      ...(names.length > 0 ? ['-addext', `subjectAltName=${san}`] : []),
    ]);
    fs.writeFileSync(
      path.join(this.dir, 'serial'),
      `${(this.#serial++).toString(16).padStart(2, '0')}\n`,
    );
    openssl([
      'ca',
      '-batch',
      '-config',
      path.join(this.dir, 'ca.cnf'),
      '-in',
      `${base}.csr`,
      '-out',
      `${base}.crt`,
      '-startdate',
      asn1Time(notBefore),
      '-enddate',
      asn1Time(notAfter),
      '-notext',
    ]);
    return read(base);
  }

  /** A self-signed leaf, valid now for a year. */
  selfSigned(name: string, host: string): KeyPair {
    return selfSigned(this.dir, name, host, false);
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function selfSigned(dir: string, name: string, cn: string, isCa: boolean): KeyPair {
  const base = path.join(dir, name);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${base}.key`,
    '-out',
    `${base}.crt`,
    '-days',
    '365',
    '-subj',
    `/CN=${cn}`,
    ...(isCa
      ? [
          '-addext',
          'basicConstraints=critical,CA:TRUE',
          '-addext',
          'keyUsage=critical,keyCertSign,cRLSign',
        ]
      : ['-addext', `subjectAltName=DNS:${cn}`]),
  ]);
  return read(base);
}

function read(base: string): KeyPair {
  return {
    key: fs.readFileSync(`${base}.key`, 'utf8'),
    cert: fs.readFileSync(`${base}.crt`, 'utf8'),
    certFile: `${base}.crt`,
  };
}

function openssl(args: string[]): void {
  execFileSync(OPENSSL, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface TlsServerOptions {
  pair: KeyPair;
  /** Default: Node's (TLS 1.2). */
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  /** Sent on every response, when set. */
  hsts?: string;
}

/** An HTTPS server on every interface (so that `localhost` reaches it over IPv4 or IPv6). */
export async function startTlsServer(
  options: TlsServerOptions,
): Promise<{ port: number; server: HttpsServer; close(): Promise<void> }> {
  const legacy = options.minVersion === 'TLSv1' || options.minVersion === 'TLSv1.1';
  const server = createHttpsServer(
    {
      key: options.pair.key,
      cert: options.pair.cert,
      ...(options.minVersion !== undefined && { minVersion: options.minVersion }),
      ...(options.maxVersion !== undefined && { maxVersion: options.maxVersion }),
      // OpenSSL 3 serves TLS 1.0/1.1 only at security level 0 (SHA-1 in the handshake).
      ...(legacy && { ciphers: 'DEFAULT@SECLEVEL=0' }),
    },
    (req, res) => {
      if (options.hsts !== undefined) res.setHeader('Strict-Transport-Security', options.hsts);
      res.end(req.url === '/timestamp.json' ? '{}' : 'not found');
    },
  );
  // Handshakes the probes end early are expected: nothing to log.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, resolve));
  return {
    port: (server.address() as { port: number }).port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A TCP server that accepts connections and never answers: every probe times out. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: NetServer = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

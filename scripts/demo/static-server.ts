import { open } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream';

/**
 * A read-only static file server, the stand-in for the bucket or CDN that
 * hosts a TUF repository (S3, R2): GET and HEAD of regular files under one
 * directory, 404 for anything else. The demo serves its repository with it, and
 * tests reuse it wherever they need a repository over real HTTP.
 */
export interface StaticServer {
  /** The base URL, without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops keep-alive connections. */
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** Default 0: a free port. */
  port?: number;
}

/** Only this machine: the demo and the tests never listen beyond it. */
const HOST = '127.0.0.1';

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.gz': 'application/gzip',
};

export async function serveDirectory(
  root: string,
  options: StaticServerOptions = {},
): Promise<StaticServer> {
  const base = path.resolve(root);
  const server = http.createServer((req, res) => {
    void respond(base, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${HOST}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // fetch keeps connections alive: without this, close waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

async function respond(
  base: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const file = resolveFile(base, String(req.url));
  // Opened once, then stat'ed and read through the same handle: no race between the two.
  const handle = file === undefined ? undefined : await open(file, 'r').catch(() => undefined);
  const info = await handle?.stat();
  if (file === undefined || handle === undefined || info?.isFile() !== true) {
    await handle?.close();
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': info.size,
    // Like a bucket behind a CDN that the publisher invalidates: clients revalidate.
    'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') {
    await handle.close();
    res.end();
    return;
  }
  // On a read error or a client that goes away, pipeline destroys both streams (and so closes
  // the handle); the client sees a response cut short. Nothing is left to do either way.
  pipeline(handle.createReadStream(), res, () => {});
}

/**
 * The file a request path names under `base`, or undefined when the path is
 * not a plain relative file name: no `.` or `..` segment, no empty segment,
 * no backslash or NUL (an encoded `/` included).
 */
export function resolveFile(base: string, requestUrl: string): string | undefined {
  const pathname = requestUrl.split(/[?#]/, 1)[0] as string;
  let segments: string[];
  try {
    segments = pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  if (
    segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('/') || /[\\\0]/.test(s))
  ) {
    return undefined;
  }
  // Plain segments cannot climb out of `base`.
  return path.join(base, ...segments);
}

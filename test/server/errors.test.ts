import t from 'tap';
import {
  ApiError,
  classifyError,
  clientErrorHandler,
  ERROR_CODES,
  errorBody,
  type ClientSocket,
} from '../../server/errors.js';

t.test('every code has a client or server error status and a summary', (t) => {
  for (const [code, { statusCode, summary }] of Object.entries(ERROR_CODES)) {
    t.ok(statusCode >= 400 && statusCode < 600, code);
    t.ok(summary.length > 0, code);
    t.match(code, /^[A-Z_]+$/);
  }
  t.end();
});

t.test('ApiError takes its status from its code', (t) => {
  const cause = new Error('inner');
  const err = new ApiError('RUN_IN_PROGRESS', 'busy', {
    extra: { run: { id: 1 } },
    headers: { 'retry-after': '5' },
    cause,
  });
  t.equal(err.name, 'ApiError');
  t.equal(err.statusCode, 409);
  t.equal(err.cause, cause);
  t.strictSame(classifyError(err), {
    body: { run: { id: 1 }, statusCode: 409, code: 'RUN_IN_PROGRESS', message: 'busy' },
    headers: { 'retry-after': '5' },
    internal: false,
  });
  const plain = new ApiError('NOT_FOUND', 'gone');
  t.strictSame(plain.extra, {});
  t.strictSame(plain.headers, {});
  t.end();
});

t.test('classifyError maps every kind of error to a code', (t) => {
  const fst = (code: string, statusCode = 400) =>
    Object.assign(new Error(`fastify says ${code}`), { code, statusCode });
  const cases: [string, unknown, string, number, string | RegExp][] = [
    [
      'validation',
      Object.assign(new Error('querystring/limit must be <= 100'), {
        validation: [{}],
        statusCode: 400,
      }),
      'BAD_REQUEST',
      400,
      'querystring/limit must be <= 100',
    ],
    [
      'invalid JSON',
      fst('FST_ERR_CTP_INVALID_JSON_BODY'),
      'INVALID_JSON',
      400,
      'the body is not valid JSON',
    ],
    ['empty JSON', fst('FST_ERR_CTP_EMPTY_JSON_BODY'), 'INVALID_JSON', 400, /empty/],
    ['too large', fst('FST_ERR_CTP_BODY_TOO_LARGE', 413), 'PAYLOAD_TOO_LARGE', 413, /larger/],
    [
      'media type',
      fst('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415),
      'UNSUPPORTED_MEDIA_TYPE',
      415,
      /application\/json/,
    ],
    [
      'content length',
      fst('FST_ERR_CTP_INVALID_CONTENT_LENGTH'),
      'BAD_REQUEST',
      400,
      /Content-Length/,
    ],
    ['bad URL', fst('FST_ERR_BAD_URL'), 'BAD_REQUEST', 400, /URL/],
    ['long param', fst('FST_ERR_MAX_PARAM_LENGTH', 414), 'BAD_REQUEST', 400, /too long/],
    [
      'other client error',
      fst('FST_ERR_SOMETHING_NEW', 418),
      'BAD_REQUEST',
      400,
      'the request is not valid',
    ],
    [
      'a prototype name as code',
      fst('constructor', 418),
      'BAD_REQUEST',
      400,
      'the request is not valid',
    ],
    ['server error with status', fst('FST_ERR_X', 503), 'INTERNAL', 500, 'internal error'],
    ['plain Error', new Error('db at /var/lib/secret'), 'INTERNAL', 500, 'internal error'],
    ['a string', 'boom', 'INTERNAL', 500, 'internal error'],
    ['null', null, 'INTERNAL', 500, 'internal error'],
    ['status 399', { statusCode: 399 }, 'INTERNAL', 500, 'internal error'],
  ];
  for (const [name, err, code, statusCode, message] of cases) {
    const { body, internal } = classifyError(err);
    t.equal(body.code, code, name);
    t.equal(body.statusCode, statusCode, name);
    t.match(body.message, message, name);
    t.equal(internal, code === 'INTERNAL', name);
    t.notMatch(body.message, /secret|fastify says/, name);
  }
  t.end();
});

t.test('errorBody', (t) => {
  t.strictSame(errorBody('NOT_READY', 'wait'), {
    statusCode: 503,
    code: 'NOT_READY',
    message: 'wait',
  });
  t.end();
});

class FakeSocket implements ClientSocket {
  written = '';
  destroyedWith: Error | undefined;
  constructor(
    public destroyed = false,
    public writable = true,
  ) {}
  write(data: string): boolean {
    this.written += data;
    return true;
  }
  destroy(err?: Error): void {
    this.destroyedWith = err;
  }
}

const errno = (code: string) => Object.assign(new Error(code), { code });

t.test('client errors are answered as JSON, then the socket is closed', (t) => {
  const cases: [string, number, string][] = [
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'REQUEST_TIMEOUT'],
    ['HPE_HEADER_OVERFLOW', 431, 'HEADERS_TOO_LARGE'],
    ['HPE_INVALID_METHOD', 400, 'BAD_REQUEST'],
  ];
  for (const [code, status, apiCode] of cases) {
    const socket = new FakeSocket();
    const err = errno(code);
    clientErrorHandler(err, socket);
    const [head, body] = socket.written.split('\r\n\r\n');
    t.match(head, new RegExp(`^HTTP/1.1 ${status} `), code);
    t.match(head, /Content-Type: application\/json/);
    t.match(JSON.parse(body ?? ''), { statusCode: status, code: apiCode, message: /./ });
    t.match(head, `Content-Length: ${Buffer.byteLength(body ?? '')}`);
    t.equal(socket.destroyedWith, err);
  }
  t.end();
});

t.test('reset, destroyed or unwritable sockets get nothing written', (t) => {
  const reset = new FakeSocket();
  clientErrorHandler(errno('ECONNRESET'), reset);
  t.equal(reset.written, '');
  t.equal(reset.destroyedWith, undefined);
  const destroyed = new FakeSocket(true);
  clientErrorHandler(errno('HPE_INVALID_METHOD'), destroyed);
  t.equal(destroyed.written, '');
  const unwritable = new FakeSocket(false, false);
  const err = errno('HPE_INVALID_METHOD');
  clientErrorHandler(err, unwritable);
  t.equal(unwritable.written, '');
  t.equal(unwritable.destroyedWith, err);
  t.end();
});

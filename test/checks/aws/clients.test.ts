import t from 'tap';
import {
  collect,
  createAwsClients,
  DEFAULT_CLIENT_LIMITS,
  destroyAwsClients,
  InvalidResponseError,
  toCollectError,
} from '../../../checks/aws/clients.js';
import { AWS_ERROR_CODES, type AwsErrorCode } from '../../../checks/aws/types.js';
import { TEST_CREDENTIALS } from '../../support/aws/harness.js';

const config = {
  region: 'eu-west-1',
  accountId: '123456789012',
  bucket: 'fleet-tuf-repo',
  expectedBucketOwner: '123456789012',
};

t.test('without an endpoint: AWS itself, virtual-hosted S3, bounded retries', async (t) => {
  const clients = createAwsClients(config, { credentials: TEST_CREDENTIALS });
  t.teardown(() => destroyAwsClients(clients));
  t.equal(await clients.s3.config.region(), 'eu-west-1');
  t.equal(await clients.cloudtrail.config.region(), 'eu-west-1');
  t.equal(await clients.s3.config.maxAttempts(), DEFAULT_CLIENT_LIMITS.maxAttempts);
  t.equal(await clients.s3control.config.maxAttempts(), DEFAULT_CLIENT_LIMITS.maxAttempts);
  const mode = clients.cloudtrail.config.retryMode;
  t.equal(typeof mode === 'string' ? mode : await mode(), 'standard');
  t.equal(clients.s3.config.forcePathStyle, false);
  t.equal(clients.s3.config.endpoint, undefined, 'the endpoint rules decide');
  // The account id goes into S3 Control's host on AWS.
  const url = clients.s3control.config.endpointProvider({
    Region: 'eu-west-1',
    AccountId: '123456789012',
    RequiresAccountId: true,
    UseFIPS: false,
    UseDualStack: false,
  }).url;
  t.equal(url.host, '123456789012.s3-control.eu-west-1.amazonaws.com');
});

t.test('with an endpoint: one endpoint for the three services, S3 path style', async (t) => {
  const endpoint = 'http://127.0.0.1:4566';
  const clients = createAwsClients({ ...config, endpoint }, { maxAttempts: 2 });
  t.teardown(() => destroyAwsClients(clients));
  t.equal(clients.s3.config.forcePathStyle, true);
  t.equal(await clients.s3.config.maxAttempts(), 2);
  t.equal(
    clients.s3control.config.endpointProvider({ Region: 'eu-west-1', AccountId: '1' }).url.href,
    `${endpoint}/`,
    'no account id prefixed to the host',
  );
  const ct = await clients.cloudtrail.config.endpoint?.();
  t.equal(ct?.hostname, '127.0.0.1');
});

t.test('collect: not-configured names are data, other errors are mapped', async (t) => {
  const missing = Object.assign(new Error('none'), { name: 'NoSuchBucketPolicy' });
  t.same(
    await collect('GetBucketPolicy', () => Promise.reject(missing), ['NoSuchBucketPolicy'], null),
    { ok: true, value: null },
  );
  t.match(await collect('GetBucketPolicy', () => Promise.reject(missing)), {
    ok: false,
    error: { code: 'ServiceError', call: 'GetBucketPolicy' },
  });
  t.same(await collect('GetBucketAcl', () => Promise.resolve(1)), { ok: true, value: 1 });
});

const serviceError = (name: string, status: number, extra: object = {}) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    $metadata: { httpStatusCode: status },
    ...extra,
  });

const cases: { name: string; err: unknown; code: AwsErrorCode; aws?: boolean }[] = [
  { name: 'S3 AccessDenied', err: serviceError('AccessDenied', 403), code: 'AccessDenied' },
  {
    name: 'CloudTrail AccessDeniedException',
    err: serviceError('AccessDeniedException', 400),
    code: 'AccessDenied',
  },
  { name: 'NoSuchBucket', err: serviceError('NoSuchBucket', 404), code: 'NoSuchBucket' },
  {
    name: 'TrailNotFoundException',
    err: serviceError('TrailNotFoundException', 400),
    code: 'TrailNotFound',
  },
  { name: 'SlowDown', err: serviceError('SlowDown', 503), code: 'Throttled' },
  {
    name: 'TooManyRequestsException',
    err: serviceError('TooManyRequestsException', 400),
    code: 'Throttled',
  },
  { name: 'any 429', err: serviceError('Unknown', 429), code: 'Throttled' },
  { name: 'NotImplemented', err: serviceError('NotImplemented', 501), code: 'NotImplemented' },
  { name: 'any 501', err: serviceError('Unknown', 501), code: 'NotImplemented' },
  {
    name: 'the SDK request timeout',
    err: Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
    code: 'Timeout',
    aws: false,
  },
  {
    name: 'a socket timeout',
    err: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }),
    code: 'Timeout',
    aws: false,
  },
  {
    name: 'connection refused',
    err: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
    code: 'NetworkError',
    aws: false,
  },
  {
    name: 'DNS failure',
    err: Object.assign(new Error('x'), { code: 'ENOTFOUND' }),
    code: 'NetworkError',
    aws: false,
  },
  {
    name: 'our parse failure',
    err: new InvalidResponseError('the bucket policy is not JSON'),
    code: 'InvalidResponse',
    aws: false,
  },
  {
    name: 'an answer that is not the protocol format',
    err: Object.assign(new SyntaxError('Unexpected token <'), {
      $response: {},
      $metadata: { httpStatusCode: 500 },
    }),
    code: 'InvalidResponse',
  },
  {
    name: 'a SyntaxError of our own making is not an AWS answer',
    err: new SyntaxError('x'),
    code: 'ServiceError',
    aws: false,
  },
  { name: 'InternalError', err: serviceError('InternalError', 500), code: 'ServiceError' },
  {
    name: 'bad credentials are not a missing permission',
    err: serviceError('InvalidAccessKeyId', 403),
    code: 'ServiceError',
  },
  { name: 'a thrown string', err: 'boom', code: 'ServiceError', aws: false },
  { name: 'null', err: null, code: 'ServiceError', aws: false },
];

t.test('toCollectError maps to the closed codes, by name and status', (t) => {
  for (const c of cases) {
    const e = toCollectError('GetBucketEncryption', c.err);
    t.equal(e.code, c.code, c.name);
    t.ok(AWS_ERROR_CODES.includes(e.code));
    t.equal(e.call, 'GetBucketEncryption');
    t.ok(e.message.length > 0, `${c.name}: a message`);
    if (c.code === 'AccessDenied') t.equal(e.missingPermission, 's3:GetEncryptionConfiguration');
    else t.notOk('missingPermission' in e, `${c.name}: no permission named`);
    if (c.aws === false) t.notOk('awsCode' in e || 'httpStatus' in e, `${c.name}: not from AWS`);
    else t.ok(e.awsCode !== undefined && e.httpStatus !== undefined, `${c.name}: from AWS`);
  }
  t.equal(toCollectError('GetBucketAcl', 'boom').message, 'boom');
  t.equal(
    toCollectError('GetBucketAcl', Object.assign(new Error(''), { name: 'X' })).message,
    'X',
    'an empty message falls back to the error itself',
  );
  t.end();
});

import t from 'tap';
import { accessLoggingCheck as check } from '../../../checks/s3/access-logging.js';
import {
  accessDenied,
  BUCKET,
  collectedAws,
  defaultSince2023,
  hardened,
  misconfigured,
  ok,
  withS3,
} from '../../support/aws/snapshots.js';

t.test('AWS not configured: not_applicable', (t) => {
  t.equal(check.evaluate(collectedAws(undefined)).status, 'not_applicable');
  t.end();
});

t.test('hardened: logs go to a separate bucket', (t) => {
  t.match(check.evaluate(collectedAws(hardened())), {
    status: 'pass',
    evidence: {
      enabled: true,
      targetBucket: 'access-logs-111122223333',
      targetPrefix: `${BUCKET}/`,
    },
  });
  t.end();
});

t.test('off (default since 2023, misconfigured): fail', (t) => {
  for (const aws of [defaultSince2023(), misconfigured()])
    t.match(check.evaluate(collectedAws(aws)), {
      status: 'fail',
      evidence: { enabled: false, targetBucket: null },
    });
  t.end();
});

t.test('logs delivered into the update bucket itself: fail', (t) => {
  const aws = withS3(hardened(), { logging: ok({ targetBucket: BUCKET, targetPrefix: 'logs/' }) });
  t.match(check.evaluate(collectedAws(aws)), {
    status: 'fail',
    evidence: { enabled: true, targetBucket: BUCKET },
  });
  t.end();
});

t.test('AccessDenied: error', (t) => {
  t.match(check.evaluate(collectedAws(accessDenied())), {
    status: 'error',
    evidence: { errors: [{ call: 'GetBucketLogging', missingPermission: 's3:GetBucketLogging' }] },
  });
  t.end();
});

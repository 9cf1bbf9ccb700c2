import t from 'tap';
import { accountBlockPublicAccessCheck as check } from '../../../checks/s3/account-block-public-access.js';
import {
  ACCOUNT,
  accessDenied,
  collectedAws,
  defaultSince2023,
  failed,
  hardened,
  ok,
} from '../../support/aws/snapshots.js';

t.test('not configured, or the account part not collected: not_applicable', (t) => {
  t.equal(check.evaluate(collectedAws(undefined)).status, 'not_applicable');
  t.equal(
    check.evaluate(collectedAws({ ...hardened(), accountS3: undefined })).status,
    'not_applicable',
  );
  t.end();
});

t.test('hardened: all four flags on for the account', (t) => {
  const outcome = check.evaluate(collectedAws(hardened()));
  t.equal(outcome.status, 'pass');
  t.match(outcome.evidence, { accountId: ACCOUNT, configured: true, off: [] });
  t.end();
});

t.test('default since 2023: the account has no block', (t) => {
  const outcome = check.evaluate(collectedAws(defaultSince2023()));
  t.equal(outcome.status, 'fail');
  t.match(outcome.evidence, { accountId: ACCOUNT, configured: false, flags: null });
  t.end();
});

t.test('two flags off', (t) => {
  const aws = hardened();
  aws.accountS3 = {
    accountId: ACCOUNT,
    publicAccessBlock: ok({
      blockPublicAcls: false,
      ignorePublicAcls: false,
      blockPublicPolicy: true,
      restrictPublicBuckets: true,
    }),
  };
  const outcome = check.evaluate(collectedAws(aws));
  t.equal(outcome.status, 'fail');
  t.strictSame(outcome.evidence.off, ['BlockPublicAcls', 'IgnorePublicAcls']);
  t.end();
});

t.test('AccessDenied and other errors: error naming the S3 Control permission', (t) => {
  const denied = check.evaluate(collectedAws(accessDenied()));
  t.equal(denied.status, 'error');
  t.match(denied.evidence, {
    accountId: ACCOUNT,
    errors: [
      {
        call: 'GetAccountPublicAccessBlock',
        code: 'AccessDenied',
        missingPermission: 's3:GetAccountPublicAccessBlock',
      },
    ],
  });
  const aws = hardened();
  aws.accountS3 = {
    accountId: ACCOUNT,
    publicAccessBlock: failed('GetAccountPublicAccessBlock', 'Timeout'),
  };
  const timeout = check.evaluate(collectedAws(aws));
  t.equal(timeout.status, 'error');
  t.strictSame(timeout.evidence.errors, [
    {
      call: 'GetAccountPublicAccessBlock',
      code: 'Timeout',
      message: 'GetAccountPublicAccessBlock: Timeout',
    },
  ]);
  t.end();
});

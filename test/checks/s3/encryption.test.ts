import t from 'tap';
import { encryptionCheck as check } from '../../../checks/s3/encryption.js';
import {
  accessDenied,
  collectedAws,
  defaultSince2023,
  hardened,
  ok,
  withS3,
} from '../../support/aws/snapshots.js';

t.test('AWS not configured: not_applicable', (t) => {
  t.equal(check.evaluate(collectedAws(undefined)).status, 'not_applicable');
  t.end();
});

t.test('hardened: SSE-KMS with the key in evidence', (t) => {
  const outcome = check.evaluate(collectedAws(hardened()));
  t.equal(outcome.status, 'pass');
  t.match(outcome.evidence, {
    configured: true,
    rules: [
      {
        mode: 'SSE-KMS',
        sseAlgorithm: 'aws:kms',
        kmsMasterKeyId: /^arn:aws:kms:/,
        bucketKeyEnabled: true,
      },
    ],
  });
  t.end();
});

t.test('default since 2023: SSE-S3', (t) => {
  const outcome = check.evaluate(collectedAws(defaultSince2023()));
  t.equal(outcome.status, 'pass');
  t.match(outcome.evidence, { rules: [{ mode: 'SSE-S3', kmsMasterKeyId: null }] });
  t.end();
});

t.test('DSSE-KMS passes; an unknown algorithm warns', (t) => {
  const rule = (sseAlgorithm: string) =>
    withS3(hardened(), {
      encryption: ok({ rules: [{ sseAlgorithm, kmsMasterKeyId: null, bucketKeyEnabled: false }] }),
    });
  t.match(check.evaluate(collectedAws(rule('aws:kms:dsse'))), {
    status: 'pass',
    evidence: { rules: [{ mode: 'DSSE-KMS' }] },
  });
  t.match(check.evaluate(collectedAws(rule('SSE-C-ONLY'))), {
    status: 'warn',
    evidence: { rules: [{ mode: 'unknown', sseAlgorithm: 'SSE-C-ONLY' }] },
  });
  t.end();
});

t.test('no default encryption (a bucket from before 2023): fail', (t) => {
  for (const encryption of [ok(null), ok({ rules: [] })])
    t.match(check.evaluate(collectedAws(withS3(hardened(), { encryption }))), {
      status: 'fail',
      evidence: { configured: false, rules: [] },
    });
  t.end();
});

t.test('AccessDenied: error naming s3:GetEncryptionConfiguration', (t) => {
  t.match(check.evaluate(collectedAws(accessDenied())), {
    status: 'error',
    evidence: {
      errors: [{ call: 'GetBucketEncryption', missingPermission: 's3:GetEncryptionConfiguration' }],
    },
  });
  t.end();
});

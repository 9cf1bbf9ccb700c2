import type { S3Client } from '@aws-sdk/client-s3';
import type { S3ControlClient } from '@aws-sdk/client-s3-control';
import t from 'tap';
import { InvalidResponseError } from '../../../checks/aws/clients.js';
import { collectAccountS3, collectS3, parsePolicy } from '../../../checks/aws/s3.js';
import type { EmulatedBucket } from '../../support/aws/emulator.js';
import { serveScenario } from '../../support/aws/harness.js';
import { ACCOUNT_ID, defaultsScenario } from '../../support/aws/scenarios.js';

t.test('parsePolicy normalizes every shape IAM accepts', (t) => {
  const policy = parsePolicy(
    JSON.stringify({
      Statement: {
        Effect: 'Deny',
        NotPrincipal: { AWS: ['arn:aws:iam::123456789012:root', '111122223333'] },
        NotAction: 's3:GetObject',
        NotResource: ['arn:aws:s3:::b/public/*'],
        Condition: {
          NumericLessThan: { 's3:max-keys': 10 },
          Bool: { 'aws:SecureTransport': false },
          'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['o-a/*', 'o-b/*'] },
        },
      },
    }),
  );
  t.same(policy, {
    text: policy.text,
    version: null,
    id: null,
    statements: [
      {
        sid: null,
        effect: 'Deny',
        notPrincipal: { AWS: ['arn:aws:iam::123456789012:root', '111122223333'] },
        notAction: ['s3:GetObject'],
        notResource: ['arn:aws:s3:::b/public/*'],
        condition: {
          NumericLessThan: { 's3:max-keys': ['10'] },
          Bool: { 'aws:SecureTransport': ['false'] },
          'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['o-a/*', 'o-b/*'] },
        },
      },
    ],
  });
  t.same(parsePolicy('{"Statement":[]}').statements, []);
  t.end();
});

t.test('parsePolicy keeps a __proto__ key as data', (t) => {
  const policy = parsePolicy(
    '{"Statement":[{"Effect":"Allow","Principal":{"__proto__":["x"]},"Action":"s3:*",' +
      '"Condition":{"__proto__":{"__proto__":"y"}}}]}',
  );
  const st = policy.statements[0];
  t.same(Object.getPrototypeOf(st?.principal), Object.prototype);
  t.ok(Object.hasOwn(st?.principal as object, '__proto__'));
  t.ok(Object.hasOwn(st?.condition as object, '__proto__'));
  t.end();
});

const broken: [string, string | undefined, RegExp[]][] = [
  ['absent', undefined, [/empty/]],
  ['empty', '', [/empty/]],
  ['not JSON', '{"Statement": [', [/not JSON/]],
  ['not an object', '[]', [/not a JSON object/]],
  ['no Statement', '{"Version":"2012-10-17"}', [/Statement: is required/]],
  [
    'a statement that is not an object',
    '{"Statement":["x"]}',
    [/Statement\[0\]: must be an object/],
  ],
  [
    'every bad field at once',
    JSON.stringify({
      Statement: [
        {
          Effect: 'Maybe',
          Principal: 7,
          Action: [1],
          Condition: { Bool: 'x', StringEquals: { k: { nested: true } } },
        },
        { Effect: 'Allow', Condition: 'x' },
      ],
    }),
    [
      /Statement\[0\]\.Effect:/,
      /Statement\[0\]\.Principal:/,
      /Statement\[0\]\.Action:/,
      /Statement\[0\]\.Condition\.Bool:/,
      /Statement\[0\]\.Condition\.StringEquals\.k:/,
      /Statement\[1\]\.Condition:/,
    ],
  ],
];

t.test('parsePolicy refuses what is not a policy, naming every bad path', (t) => {
  for (const [name, text, paths] of broken) {
    t.throws(() => parsePolicy(text), InvalidResponseError, name);
    try {
      parsePolicy(text);
    } catch (err) {
      for (const path of paths) t.match((err as Error).message, path, name);
    }
  }
  t.end();
});

/** Buckets whose answers leave out what AWS may leave out. */
const sparse: Record<string, EmulatedBucket> = {
  'legacy-eu': {
    ownerAccountId: ACCOUNT_ID,
    locationConstraint: 'EU',
    publicAccessBlock: { BlockPublicAcls: true },
    grants: [{}],
    objectOwnership: null,
    encryption: [{ BucketKeyEnabled: true }, { SSEAlgorithm: 'AES256' }],
    versioning: { Status: 'Suspended' },
    objectLock: { ObjectLockEnabled: 'Enabled' },
    logging: {},
    replication: { Rules: [{}] },
  },
  'mumbai-odd': {
    ownerAccountId: ACCOUNT_ID,
    locationConstraint: 'ap-south-1',
    publicAccessBlock: {},
    policy: 'this is not JSON',
    grants: [
      {
        Type: 'AmazonCustomerByEmail',
        EmailAddress: 'ops@example.com',
        DisplayName: 'ops',
        Permission: 'READ_ACP',
      },
    ],
    encryption: [],
    versioning: { Status: 'Weird', MfaDelete: 'Enabled' },
    objectLock: { DefaultRetention: {} },
    logging: { TargetBucket: 'logs' },
    replication: { Rules: [] },
  },
  'locked-replicated': {
    ownerAccountId: ACCOUNT_ID,
    policy: { Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject' }] },
    policyIsPublic: true,
    grants: [],
    objectLock: {
      ObjectLockEnabled: 'Enabled',
      DefaultRetention: { Mode: 'COMPLIANCE', Years: 1 },
    },
    replication: {
      Role: 'arn:aws:iam::123456789012:role/replication',
      Rules: [
        {
          ID: 'dr',
          Priority: 1,
          Status: 'Enabled',
          Destination: { Bucket: 'arn:aws:s3:::dr-bucket', Account: '444455556666' },
        },
      ],
    },
  },
};

t.test('sparse answers are normalized to AWS defaults and nulls', async (t) => {
  const scenario = { ...defaultsScenario(), buckets: sparse };
  const { clients } = await serveScenario(t, scenario);
  const eu = await collectS3(clients.s3, 'legacy-eu', ACCOUNT_ID);
  t.same(eu.region, { ok: true, value: 'eu-west-1' }, 'EU is eu-west-1');
  t.same(eu.publicAccessBlock, {
    ok: true,
    value: {
      blockPublicAcls: true,
      ignorePublicAcls: false,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    },
  });
  t.same(eu.acl, {
    ok: true,
    value: {
      ownerId: null,
      grants: [
        {
          grantee: { type: 'Unknown', id: null, uri: null, emailAddress: null, displayName: null },
          permission: 'Unknown',
        },
      ],
    },
  });
  t.same(eu.ownershipControls, { ok: true, value: null }, 'controls without a rule');
  t.same(eu.encryption, {
    ok: true,
    value: { rules: [{ sseAlgorithm: 'AES256', kmsMasterKeyId: null, bucketKeyEnabled: false }] },
  });
  t.same(eu.versioning, { ok: true, value: { status: 'Suspended', mfaDelete: null } });
  t.same(eu.objectLock, { ok: true, value: { enabled: true, defaultRetention: null } });
  t.same(eu.logging, { ok: true, value: null }, 'LoggingEnabled without a target');
  t.same(eu.replication, {
    ok: true,
    value: {
      role: '',
      rules: [
        {
          id: null,
          status: 'Unknown',
          priority: null,
          destinationBucket: '',
          destinationAccount: null,
        },
      ],
    },
  });

  const odd = await collectS3(clients.s3, 'mumbai-odd', ACCOUNT_ID);
  t.same(odd.region, { ok: true, value: 'ap-south-1' });
  t.same(odd.publicAccessBlock, {
    ok: true,
    value: {
      blockPublicAcls: false,
      ignorePublicAcls: false,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    },
  });
  t.match(odd.policy, {
    ok: false,
    error: { code: 'InvalidResponse', call: 'GetBucketPolicy' },
  });
  t.same(odd.policyStatus, { ok: true, value: { isPublic: false } });
  t.same(odd.acl, {
    ok: true,
    value: {
      ownerId: null,
      grants: [
        {
          grantee: {
            type: 'AmazonCustomerByEmail',
            id: null,
            uri: null,
            emailAddress: 'ops@example.com',
            displayName: 'ops',
          },
          permission: 'READ_ACP',
        },
      ],
    },
  });
  t.same(odd.ownershipControls, { ok: true, value: null }, 'OwnershipControlsNotFoundError');
  t.same(odd.encryption, { ok: true, value: { rules: [] } });
  t.same(odd.versioning, { ok: true, value: { status: null, mfaDelete: 'Enabled' } });
  t.same(odd.objectLock, {
    ok: true,
    value: { enabled: false, defaultRetention: { mode: 'Unknown', days: null, years: null } },
  });
  t.same(odd.logging, { ok: true, value: { targetBucket: 'logs', targetPrefix: '' } });
  t.same(odd.replication, { ok: true, value: { role: '', rules: [] } });

  const locked = await collectS3(clients.s3, 'locked-replicated', ACCOUNT_ID);
  t.same(locked.region, { ok: true, value: 'us-east-1' });
  t.same(locked.policyStatus, { ok: true, value: { isPublic: true } });
  t.same(locked.acl, { ok: true, value: { ownerId: null, grants: [] } });
  t.same(locked.objectLock, {
    ok: true,
    value: { enabled: true, defaultRetention: { mode: 'COMPLIANCE', days: null, years: 1 } },
  });
  t.same(locked.replication, {
    ok: true,
    value: {
      role: 'arn:aws:iam::123456789012:role/replication',
      rules: [
        {
          id: 'dr',
          status: 'Enabled',
          priority: 1,
          destinationBucket: 'arn:aws:s3:::dr-bucket',
          destinationAccount: '444455556666',
        },
      ],
    },
  });
});

t.test('the account block of another account is refused', async (t) => {
  const { clients } = await serveScenario(t, defaultsScenario());
  t.match(await collectAccountS3(clients.s3control, '999999999999'), {
    accountId: '999999999999',
    publicAccessBlock: {
      ok: false,
      error: { code: 'AccessDenied', missingPermission: 's3:GetAccountPublicAccessBlock' },
    },
  });
});

t.test('answers with nothing in them (a bare SDK output) are read as AWS defaults', async (t) => {
  // Some S3-compatible stores answer 200 with empty documents; the SDK then yields {}.
  const empty = { send: () => Promise.resolve({}) } as unknown as S3Client;
  const s3 = await collectS3(empty, 'b', ACCOUNT_ID);
  t.same(s3.region, { ok: true, value: 'us-east-1' });
  t.same(s3.publicAccessBlock, {
    ok: true,
    value: {
      blockPublicAcls: false,
      ignorePublicAcls: false,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    },
  });
  t.match(s3.policy, { ok: false, error: { code: 'InvalidResponse' } });
  t.same(s3.policyStatus, { ok: true, value: { isPublic: false } });
  t.same(s3.acl, { ok: true, value: { ownerId: null, grants: [] } });
  t.same(s3.ownershipControls, { ok: true, value: null });
  t.same(s3.encryption, { ok: true, value: { rules: [] } });
  t.same(s3.versioning, { ok: true, value: { status: null, mfaDelete: null } });
  t.same(s3.objectLock, { ok: true, value: null });
  t.same(s3.logging, { ok: true, value: null });
  t.same(s3.replication, { ok: true, value: null });
  const account = await collectAccountS3(empty as unknown as S3ControlClient, ACCOUNT_ID);
  t.same(account.publicAccessBlock, {
    ok: true,
    value: {
      blockPublicAcls: false,
      ignorePublicAcls: false,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    },
  });
});

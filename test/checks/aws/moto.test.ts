/**
 * A second opinion: the collector against moto (`moto_server`), a Python AWS
 * emulator written independently of ours, configured through the real SDK.
 * Runs where moto_server is on PATH (these development machines), skipped
 * elsewhere.
 *
 * Where moto and AWS differ (observed with moto 5.2):
 * - MFA Delete is ignored: PutBucketVersioning with MFADelete Enabled reads
 *   back without MfaDelete.
 * - LookupEvents is not implemented (an HTML 500 page).
 * - GetBucketPolicyStatus answers, but always `IsPublic: false`, even for a
 *   policy that lets `*` read (older moto lacks the call altogether).
 * - `x-amz-expected-bucket-owner` is not enforced.
 * - New buckets have none of AWS's 2023 defaults (SSE-S3, BucketOwnerEnforced,
 *   Block Public Access).
 * Those are tolerated or noted here, never asserted as AWS behaviour: the
 * emulator tests (collect.test.ts) assert AWS's.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

import {
  CreateBucketCommand,
  PutBucketAclCommand,
  PutBucketEncryptionCommand,
  PutBucketLoggingCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { PutPublicAccessBlockCommand as PutAccountPublicAccessBlockCommand } from '@aws-sdk/client-s3-control';
import {
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import t from 'tap';

import {
  type AwsClients,
  createAwsClients,
  destroyAwsClients,
} from '../../../checks/aws/clients.js';
import { collectAws } from '../../../checks/aws/collect.js';
import { collectS3 } from '../../../checks/aws/s3.js';
import type { AwsSnapshot, Collected } from '../../../checks/aws/types.js';
import type { AwsConfig } from '../../../server/types.js';
import { TEST_CREDENTIALS } from '../../support/aws/harness.js';

const MOTO = process.env.MOTO_SERVER ?? 'moto_server';
const probe = spawnSync(MOTO, ['--help'], { encoding: 'utf8' });
const motoMissing: string | false =
  probe.error === undefined
    ? false
    : `${MOTO} is not on PATH (pip install 'moto[server]'): the moto cross-check is skipped`;

const ACCOUNT = '123456789012'; // moto's default account
const REGION = 'us-east-1';
const BUCKET = 'tuf-moto-repo';
const LOGS = 'tuf-moto-logs';
const TRAIL_BUCKET = 'tuf-moto-trail';
const OPEN = 'tuf-moto-open';
const KMS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const BLOCK_ALL = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};
const OAC_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AllowCloudFront',
      Effect: 'Allow',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${BUCKET}/*`,
      Condition: {
        StringEquals: {
          'AWS:SourceArn': `arn:aws:cloudfront::${ACCOUNT}:distribution/EDFDVBD6EXAMPLE`,
        },
      },
    },
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ],
};

function valueOf<T>(item: Collected<T> | undefined): T | undefined {
  return item?.ok === true ? item.value : undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function startMoto(): Promise<{ endpoint: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(MOTO, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    if (await listening(port)) return { endpoint: `http://127.0.0.1:${port}`, child };
    if (child.exitCode !== null) break;
    await delay(100);
  }
  child.kill('SIGTERM');
  throw new Error(`${MOTO} did not listen on ${port}`);
}

t.test('moto cross-check', { skip: motoMissing }, async (t) => {
  const { endpoint, child } = await startMoto();
  t.teardown(async () => {
    // Only the moto_server this test started, by its own handle.
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });
  const config: AwsConfig = {
    region: REGION,
    accountId: ACCOUNT,
    bucket: BUCKET,
    expectedBucketOwner: ACCOUNT,
    endpoint,
  };
  const clients: AwsClients = createAwsClients(config, {
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
  t.teardown(() => destroyAwsClients(clients));
  const collect = (): Promise<AwsSnapshot> =>
    collectAws(config, { now: new Date(), clients, lookupSpacingMs: 0 });

  for (const Bucket of [BUCKET, LOGS, TRAIL_BUCKET, OPEN])
    await clients.s3.send(new CreateBucketCommand({ Bucket }));

  await t.test('a bare bucket: every "not configured" answer is data', async (t) => {
    const s3 = await collectS3(clients.s3, OPEN, ACCOUNT);
    t.same(s3.region, { ok: true, value: REGION });
    t.same(s3.publicAccessBlock, { ok: true, value: null });
    t.same(s3.policy, { ok: true, value: null });
    t.same(s3.ownershipControls, { ok: true, value: null });
    t.same(s3.objectLock, { ok: true, value: null });
    t.same(s3.replication, { ok: true, value: null });
    t.same(s3.logging, { ok: true, value: null });
    t.same(s3.versioning, { ok: true, value: { status: null, mfaDelete: null } });
    // AWS applies SSE-S3 to every bucket since 2023; moto has no default.
    t.same(s3.encryption, { ok: true, value: null }, 'moto: no default encryption');
    const snapshot = await collect();
    t.same(snapshot.accountS3?.publicAccessBlock, { ok: true, value: null });
    t.same(snapshot.cloudtrail?.trails, { ok: true, value: [] });
  });

  await t.test('a hardened bucket and trail read back as configured', async (t) => {
    const B = { Bucket: BUCKET };
    await clients.s3.send(
      new PutPublicAccessBlockCommand({ ...B, PublicAccessBlockConfiguration: BLOCK_ALL }),
    );
    await clients.s3.send(new PutBucketPolicyCommand({ ...B, Policy: JSON.stringify(OAC_POLICY) }));
    await clients.s3.send(
      new PutBucketOwnershipControlsCommand({
        ...B,
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      }),
    );
    await clients.s3.send(
      new PutBucketEncryptionCommand({
        ...B,
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: KMS_KEY,
              },
              BucketKeyEnabled: true,
            },
          ],
        },
      }),
    );
    await clients.s3.send(
      new PutBucketVersioningCommand({
        ...B,
        // AWS requires the root user's MFA for this; moto ignores MFA Delete altogether.
        VersioningConfiguration: { Status: 'Enabled', MFADelete: 'Enabled' },
      }),
    );
    // Server access logging needs the log delivery group on the target (moto checks it, as AWS did).
    const owner = valueOf((await collectS3(clients.s3, LOGS, ACCOUNT)).acl)?.ownerId ?? '';
    await clients.s3.send(
      new PutBucketAclCommand({
        Bucket: LOGS,
        AccessControlPolicy: {
          Owner: { ID: owner },
          Grants: [
            { Grantee: { Type: 'CanonicalUser', ID: owner }, Permission: 'FULL_CONTROL' },
            { Grantee: { Type: 'Group', URI: LOG_DELIVERY }, Permission: 'WRITE' },
            { Grantee: { Type: 'Group', URI: LOG_DELIVERY }, Permission: 'READ_ACP' },
          ],
        },
      }),
    );
    await clients.s3.send(
      new PutBucketLoggingCommand({
        ...B,
        BucketLoggingStatus: { LoggingEnabled: { TargetBucket: LOGS, TargetPrefix: 'access/' } },
      }),
    );
    await clients.s3control.send(
      new PutAccountPublicAccessBlockCommand({
        AccountId: ACCOUNT,
        PublicAccessBlockConfiguration: BLOCK_ALL,
      }),
    );
    await clients.cloudtrail.send(
      new CreateTrailCommand({
        Name: 'management-events',
        S3BucketName: TRAIL_BUCKET,
        IsMultiRegionTrail: true,
        EnableLogFileValidation: true,
        KmsKeyId: KMS_KEY,
      }),
    );
    await clients.cloudtrail.send(new StartLoggingCommand({ Name: 'management-events' }));
    await clients.cloudtrail.send(
      new PutEventSelectorsCommand({
        TrailName: 'management-events',
        AdvancedEventSelectors: [
          {
            Name: 'Management events',
            FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }],
          },
          {
            Name: 'Write data events',
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Data'] },
              { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
              { Field: 'readOnly', Equals: ['false'] },
              { Field: 'resources.ARN', StartsWith: [`arn:aws:s3:::${BUCKET}/`] },
            ],
          },
        ],
      }),
    );

    const snapshot = await collect();
    const s3 = snapshot.s3;
    const all = {
      blockPublicAcls: true,
      ignorePublicAcls: true,
      blockPublicPolicy: true,
      restrictPublicBuckets: true,
    };
    t.same(s3?.publicAccessBlock, { ok: true, value: all });
    t.same(snapshot.accountS3?.publicAccessBlock, { ok: true, value: all });
    t.same(valueOf(s3?.policy)?.statements, [
      {
        sid: 'AllowCloudFront',
        effect: 'Allow',
        principal: { Service: ['cloudfront.amazonaws.com'] },
        action: ['s3:GetObject'],
        resource: [`arn:aws:s3:::${BUCKET}/*`],
        condition: {
          StringEquals: {
            'AWS:SourceArn': [`arn:aws:cloudfront::${ACCOUNT}:distribution/EDFDVBD6EXAMPLE`],
          },
        },
      },
      {
        sid: 'DenyInsecureTransport',
        effect: 'Deny',
        principal: '*',
        action: ['s3:*'],
        resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
        condition: { Bool: { 'aws:SecureTransport': ['false'] } },
      },
    ]);
    t.same(s3?.ownershipControls, { ok: true, value: { objectOwnership: 'BucketOwnerEnforced' } });
    t.same(s3?.encryption, {
      ok: true,
      value: {
        rules: [{ sseAlgorithm: 'aws:kms', kmsMasterKeyId: KMS_KEY, bucketKeyEnabled: true }],
      },
    });
    t.equal(valueOf(s3?.versioning)?.status, 'Enabled');
    t.equal(valueOf(s3?.versioning)?.mfaDelete, null, 'moto ignores MFA Delete');
    t.same(s3?.logging, { ok: true, value: { targetBucket: LOGS, targetPrefix: 'access/' } });
    t.match(s3?.acl, { ok: true, value: { grants: [{ permission: 'FULL_CONTROL' }] } });

    const trails = valueOf(snapshot.cloudtrail?.trails) ?? [];
    t.equal(trails.length, 1);
    t.match(trails[0], {
      name: 'management-events',
      arn: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/management-events`,
      ownerAccountId: ACCOUNT,
      homeRegion: REGION,
      isShadow: false,
      isMultiRegion: true,
      isOrganizationTrail: false,
      logFileValidationEnabled: true,
      kmsKeyId: KMS_KEY,
      s3BucketName: TRAIL_BUCKET,
      status: { ok: true, value: { isLogging: true, stopLoggingTime: null } },
    });
    t.same(valueOf(trails[0]?.eventSelectors), {
      kind: 'advanced',
      selectors: [
        {
          name: 'Management events',
          fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }],
        },
        {
          name: 'Write data events',
          fieldSelectors: [
            { field: 'eventCategory', equals: ['Data'] },
            { field: 'resources.type', equals: ['AWS::S3::Object'] },
            { field: 'readOnly', equals: ['false'] },
            { field: 'resources.ARN', startsWith: [`arn:aws:s3:::${BUCKET}/`] },
          ],
        },
      ],
    });
    // moto has no LookupEvents: an error, never an empty (passing) history.
    t.match(snapshot.cloudtrail?.events, { ok: false, error: { call: 'LookupEvents' } });
    t.ok(
      ['InvalidResponse', 'NotImplemented', 'ServiceError'].includes(
        snapshot.cloudtrail?.events.ok === false ? snapshot.cloudtrail.events.error.code : '',
      ),
      'moto: LookupEvents is not implemented',
    );
    // GetBucketPolicyStatus: moto 5 answers (always false); older moto lacks it.
    const status = s3?.policyStatus;
    if (status?.ok === true) t.same(status.value, { isPublic: false });
    else t.comment(`moto lacks GetBucketPolicyStatus: ${status?.error.code ?? 'absent'}`);
  });

  await t.test('a misconfigured bucket reads back as misconfigured', async (t) => {
    const owner = valueOf((await collectS3(clients.s3, OPEN, ACCOUNT)).acl)?.ownerId ?? '';
    await clients.s3.send(
      new PutBucketAclCommand({
        Bucket: OPEN,
        AccessControlPolicy: {
          Owner: { ID: owner },
          Grants: [
            { Grantee: { Type: 'CanonicalUser', ID: owner }, Permission: 'FULL_CONTROL' },
            { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'READ' },
            { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'WRITE' },
          ],
        },
      }),
    );
    await clients.s3.send(
      new PutBucketPolicyCommand({
        Bucket: OPEN,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::444455556666:root' },
              Action: 's3:PutObject',
              Resource: `arn:aws:s3:::${OPEN}/*`,
            },
            {
              Effect: 'Allow',
              Principal: '*',
              Action: 's3:GetObject',
              Resource: `arn:aws:s3:::${OPEN}/*`,
            },
          ],
        }),
      }),
    );
    const s3 = await collectS3(clients.s3, OPEN, ACCOUNT);
    t.same(
      valueOf(s3.acl)?.grants.map((g) => [g.grantee.type, g.grantee.uri, g.permission]),
      [
        ['CanonicalUser', null, 'FULL_CONTROL'],
        ['Group', ALL_USERS, 'READ'],
        ['Group', ALL_USERS, 'WRITE'],
      ],
    );
    t.match(valueOf(s3.policy)?.statements, [
      { principal: { AWS: ['arn:aws:iam::444455556666:root'] }, action: ['s3:PutObject'] },
      { principal: '*', action: ['s3:GetObject'] },
    ]);
    const status = s3.policyStatus;
    if (status.ok && !status.value.isPublic)
      t.comment('moto disagrees with AWS: IsPublic is false for a policy that lets * read');
    else t.pass(`policy status: ${JSON.stringify(status)}`);

    // moto does not enforce ExpectedBucketOwner; AWS answers 403 (see collect.test.ts).
    const foreign = await collectS3(clients.s3, OPEN, '999999999999');
    t.comment(
      foreign.region.ok
        ? 'moto disagrees with AWS: a wrong ExpectedBucketOwner is not refused'
        : `moto refuses a wrong ExpectedBucketOwner: ${foreign.region.error.code}`,
    );
    t.match((await collectS3(clients.s3, 'tuf-moto-missing', ACCOUNT)).encryption, {
      ok: false,
      error: { code: 'NoSuchBucket', httpStatus: 404 },
    });
  });

  await t.test('a stopped trail reads back as stopped', async (t) => {
    await clients.cloudtrail.send(new StopLoggingCommand({ Name: 'management-events' }));
    const trails = valueOf((await collect()).cloudtrail?.trails) ?? [];
    t.match(trails[0]?.status, { ok: true, value: { isLogging: false } });
    t.ok(valueOf(trails[0]?.status)?.stopLoggingTime, 'StopLoggingTime reported');
  });
});

import t from 'tap';
import { policyStatusCheck as check } from '../../../checks/s3/policy-status.js';
import {
  accessDenied,
  collectedAws,
  defaultSince2023,
  failed,
  hardened,
  misconfigured,
  OAC_READ,
  OBJECTS_ARN,
  ok,
  policyOf,
  PUBLIC_READ,
  withS3,
} from '../../support/aws/snapshots.js';

const OAI_READ = {
  Effect: 'Allow',
  Principal: {
    AWS: 'arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E15MNIMTCFKK4C',
  },
  Action: 's3:GetObject',
  Resource: OBJECTS_ARN,
};

t.test('AWS not configured: not_applicable', (t) => {
  t.equal(check.evaluate(collectedAws(undefined)).status, 'not_applicable');
  t.end();
});

t.test('hardened: not public, CloudFront reads through OAC', (t) => {
  const outcome = check.evaluate(collectedAws(hardened()));
  t.equal(outcome.status, 'pass');
  t.strictSame(outcome.evidence, {
    bucket: 'fleet-tuf-repo',
    isPublic: false,
    hasPolicy: true,
    cloudFrontOac: [0],
    cloudFrontOai: [],
    publicRead: [],
    publicReadAllowed: false,
  });
  t.end();
});

t.test('a legacy OAI policy and no policy at all: not public', (t) => {
  const oai = check.evaluate(collectedAws(withS3(hardened(), { policy: ok(policyOf(OAI_READ)) })));
  t.equal(oai.status, 'pass');
  t.match(oai.evidence, { cloudFrontOac: [], cloudFrontOai: [0] });
  const none = check.evaluate(collectedAws(defaultSince2023()));
  t.equal(none.status, 'pass');
  t.match(none.evidence, { isPublic: false, hasPolicy: false, publicRead: [] });
  t.end();
});

t.test('misconfigured: AWS reports the policy public', (t) => {
  const outcome = check.evaluate(collectedAws(misconfigured()));
  t.equal(outcome.status, 'fail');
  t.match(outcome.evidence, {
    isPublic: true,
    publicRead: [{ statement: 0, sid: 'PublicRead', actions: ['s3:GetObject'] }],
  });
  t.end();
});

t.test('AWS says not public, but a statement lets anyone read: warn', (t) => {
  const aws = withS3(hardened(), {
    policy: ok(policyOf(OAC_READ, PUBLIC_READ)),
    policyStatus: ok({ isPublic: false }),
  });
  const outcome = check.evaluate(collectedAws(aws));
  t.equal(outcome.status, 'warn');
  t.match(outcome.evidence, { isPublic: false, publicRead: [{ statement: 1 }] });
  const noSid = withS3(hardened(), {
    policy: ok(policyOf({ ...PUBLIC_READ, Sid: undefined })),
    policyStatus: ok({ isPublic: false }),
  });
  t.equal(check.evaluate(collectedAws(noSid)).status, 'warn');
  t.end();
});

t.test('GetBucketPolicyStatus refused or not implemented (moto, R2): error', (t) => {
  const denied = check.evaluate(collectedAws(accessDenied()));
  t.equal(denied.status, 'error');
  t.match(denied.evidence, {
    errors: [
      { call: 'GetBucketPolicyStatus', missingPermission: 's3:GetBucketPolicyStatus' },
      { call: 'GetBucketPolicy', missingPermission: 's3:GetBucketPolicy' },
    ],
  });
  const moto = check.evaluate(
    collectedAws(
      withS3(hardened(), { policyStatus: failed('GetBucketPolicyStatus', 'NotImplemented') }),
    ),
  );
  t.equal(moto.status, 'error');
  t.match(moto.evidence, { errors: [{ call: 'GetBucketPolicyStatus', code: 'NotImplemented' }] });
  t.end();
});

t.test('aws.allowPublicRead: a bucket read directly by agents', (t) => {
  const allow = (aws: ReturnType<typeof hardened>) => ({ ...aws, allowPublicRead: true });
  const publicRead = withS3(hardened(), {
    policy: ok(policyOf(PUBLIC_READ)),
    policyStatus: ok({ isPublic: true }),
  });
  const read = check.evaluate(collectedAws(allow(publicRead)));
  t.equal(read.status, 'pass', 'public read is what config allows');
  t.match(read.message, /public read by statement PublicRead, allowed by aws.allowPublicRead/);
  t.match(read.evidence, {
    isPublic: true,
    publicReadAllowed: true,
    publicRead: [{ statement: 0 }],
  });

  const notPublic = check.evaluate(collectedAws(allow(hardened())));
  t.equal(notPublic.status, 'pass', 'allowing public read does not require it');
  t.equal(notPublic.message, 'not public');

  const writer = {
    Effect: 'Allow',
    Principal: '*',
    Action: 's3:PutObject',
    Resource: OBJECTS_ARN,
  };
  const readAndWrite = withS3(hardened(), {
    policy: ok(policyOf(PUBLIC_READ, writer)),
    policyStatus: ok({ isPublic: true }),
  });
  const write = check.evaluate(collectedAws(allow(readAndWrite)));
  t.equal(write.status, 'fail', 'the switch covers reads, never writes');
  t.match(write.message, /statement 1 lets anyone write; aws.allowPublicRead covers reads only/);
  t.match(write.evidence, { publicWrite: [{ statement: 1, actions: ['s3:PutObject'] }] });

  // AWS calls the policy public for a reason tufwatch does not read as a public read: fail closed.
  const unexplained = withS3(hardened(), { policyStatus: ok({ isPublic: true }) });
  const outcome = check.evaluate(collectedAws(allow(unexplained)));
  t.equal(outcome.status, 'fail');
  t.match(outcome.message, /no public read statement explains it/);

  const noPolicy = withS3(defaultSince2023(), { policyStatus: ok({ isPublic: true }) });
  t.equal(check.evaluate(collectedAws(allow(noPolicy))).status, 'fail');
  t.end();
});

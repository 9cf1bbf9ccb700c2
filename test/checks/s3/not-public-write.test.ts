import t from 'tap';
import type { AclGrant } from '../../../checks/aws/types.js';
import { notPublicWriteCheck as check } from '../../../checks/s3/not-public-write.js';
import {
  accessDenied,
  collectedAws,
  CROSS_ACCOUNT_WRITE,
  defaultSince2023,
  failed,
  hardened,
  misconfigured,
  OBJECTS_ARN,
  ok,
  OWNER_CANONICAL_ID,
  policyOf,
  withS3,
} from '../../support/aws/snapshots.js';

const group = (uri: string, permission: string): AclGrant => ({
  grantee: { type: 'Group', id: null, uri, emailAddress: null, displayName: null },
  permission,
});
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const acl = (...grants: AclGrant[]) => ok({ ownerId: OWNER_CANONICAL_ID, grants });

t.test('AWS not configured: not_applicable', (t) => {
  t.equal(check.evaluate(collectedAws(undefined)).status, 'not_applicable');
  t.end();
});

t.test('hardened (CloudFront OAC read) and default since 2023: pass', (t) => {
  for (const aws of [hardened(), defaultSince2023()]) {
    const outcome = check.evaluate(collectedAws(aws));
    t.equal(outcome.status, 'pass');
    t.strictSame(outcome.evidence, { bucket: 'fleet-tuf-repo', policyGrants: [], aclGrants: [] });
  }
  t.end();
});

t.test(
  'misconfigured: an AllUsers WRITE ACL grant fails; a cross-account grant is not public',
  (t) => {
    const outcome = check.evaluate(collectedAws(misconfigured()));
    t.equal(outcome.status, 'fail');
    t.strictSame(outcome.evidence, {
      bucket: 'fleet-tuf-repo',
      policyGrants: [],
      aclGrants: [{ type: 'Group', grantee: ALL_USERS, permission: 'WRITE', public: true }],
    });
    t.end();
  },
);

t.test('AuthenticatedUsers WRITE_ACP and FULL_CONTROL: public', (t) => {
  const aws = withS3(hardened(), {
    acl: acl(
      group(AUTHENTICATED, 'WRITE_ACP'),
      group(ALL_USERS, 'FULL_CONTROL'),
      group(ALL_USERS, 'READ'),
    ),
  });
  const outcome = check.evaluate(collectedAws(aws));
  t.equal(outcome.status, 'fail');
  t.match(outcome.evidence, {
    aclGrants: [
      { grantee: AUTHENTICATED, permission: 'WRITE_ACP' },
      { grantee: ALL_USERS, permission: 'FULL_CONTROL' },
    ],
  });
  t.end();
});

t.test('policy: anyone, and a service principal without a source condition, fail', (t) => {
  const aws = withS3(hardened(), {
    policy: ok(
      policyOf(
        {
          Sid: 'Anyone',
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:PutObject',
          Resource: OBJECTS_ARN,
        },
        {
          Effect: 'Allow',
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: OBJECTS_ARN,
        },
        CROSS_ACCOUNT_WRITE,
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:PutObject',
          Resource: OBJECTS_ARN,
          Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
        },
        {
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: OBJECTS_ARN,
          Condition: { StringEquals: { 'aws:SourceAccount': '444455556666' } },
        },
      ),
    ),
  });
  const outcome = check.evaluate(collectedAws(aws));
  t.equal(outcome.status, 'fail');
  t.match(outcome.evidence, {
    policyGrants: [
      {
        statement: 0,
        sid: 'Anyone',
        principal: { kind: 'anyone', value: '*' },
        actions: ['s3:PutObject'],
        policyStatement: { index: 0, effect: 'Allow', principal: '*' },
      },
      { statement: 1, principal: { kind: 'service', value: 'logging.s3.amazonaws.com' } },
    ],
    aclGrants: [],
  });
  t.equal((outcome.evidence.policyGrants as unknown[]).length, 2);
  t.end();
});

t.test('a proven public write stands when the policy cannot be read', (t) => {
  const aws = withS3(misconfigured(), { policy: failed('GetBucketPolicy') });
  const outcome = check.evaluate(collectedAws(aws));
  t.equal(outcome.status, 'fail');
  t.match(outcome.evidence, {
    aclGrants: [{ grantee: ALL_USERS }],
    errors: [
      { call: 'GetBucketPolicy', code: 'AccessDenied', missingPermission: 's3:GetBucketPolicy' },
    ],
  });
  t.end();
});

t.test('nothing found but an item unreadable: error', (t) => {
  const policyDenied = check.evaluate(
    collectedAws(withS3(hardened(), { policy: failed('GetBucketPolicy') })),
  );
  t.equal(policyDenied.status, 'error');
  t.match(policyDenied.evidence, {
    bucket: 'fleet-tuf-repo',
    errors: [{ call: 'GetBucketPolicy', missingPermission: 's3:GetBucketPolicy' }],
  });
  const all = check.evaluate(collectedAws(accessDenied()));
  t.equal(all.status, 'error');
  t.match(all.evidence, {
    errors: [
      { call: 'GetBucketPolicy', missingPermission: 's3:GetBucketPolicy' },
      { call: 'GetBucketAcl', missingPermission: 's3:GetBucketAcl' },
    ],
  });
  t.end();
});

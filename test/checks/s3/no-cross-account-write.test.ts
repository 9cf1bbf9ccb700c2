import t from 'tap';
import type { AclGrant } from '../../../checks/aws/types.js';
import { noCrossAccountWriteCheck as check } from '../../../checks/s3/no-cross-account-write.js';
import {
  ACCOUNT,
  accessDenied,
  collectedAws,
  CROSS_ACCOUNT_WRITE,
  defaultSince2023,
  failed,
  hardened,
  misconfigured,
  OAC_READ,
  OTHER_ACCOUNT,
  ok,
  OWNER_CANONICAL_ID,
  policyOf,
  withLists,
  withS3,
} from '../../support/aws/snapshots.js';

const PARTNER = `arn:aws:iam::${OTHER_ACCOUNT}:root`;
const canonical = (id: string, permission: string): AclGrant => ({
  grantee: { type: 'CanonicalUser', id, uri: null, emailAddress: null, displayName: null },
  permission,
});

t.test('AWS not configured: not_applicable', (t) => {
  t.equal(check.evaluate(collectedAws(undefined)).status, 'not_applicable');
  t.end();
});

t.test('hardened and default since 2023: only the account writes', (t) => {
  for (const aws of [hardened(), defaultSince2023()]) {
    const outcome = check.evaluate(collectedAws(aws));
    t.equal(outcome.status, 'pass');
    t.strictSame(outcome.evidence, {
      bucket: 'fleet-tuf-repo',
      accountId: ACCOUNT,
      allowed: [],
      policyGrants: [],
      aclGrants: [],
    });
  }
  t.end();
});

t.test('misconfigured: the partner account and the AllUsers ACL grant', (t) => {
  const outcome = check.evaluate(collectedAws(misconfigured()));
  t.equal(outcome.status, 'fail');
  t.match(outcome.evidence, {
    policyGrants: [
      {
        statement: 1,
        sid: 'PartnerPublishes',
        principal: { kind: 'account', value: PARTNER, account: OTHER_ACCOUNT },
        actions: ['s3:PutObject', 's3:DeleteObject'],
        policyStatement: { index: 1, sid: 'PartnerPublishes' },
      },
    ],
    aclGrants: [
      { grantee: 'http://acs.amazonaws.com/groups/global/AllUsers', permission: 'WRITE' },
    ],
  });
  t.end();
});

t.test('a statement without a Sid is named by its position', (t) => {
  const aws = withS3(hardened(), {
    policy: ok(policyOf(OAC_READ, { ...CROSS_ACCOUNT_WRITE, Sid: undefined })),
  });
  const outcome = check.evaluate(collectedAws(aws));
  t.equal(outcome.status, 'fail');
  t.match(outcome.evidence, { policyGrants: [{ statement: 1, principal: { value: PARTNER } }] });
  t.end();
});

t.test('configured cross-account writers pass', (t) => {
  const aws = withLists(
    withS3(hardened(), {
      policy: ok(policyOf(OAC_READ, CROSS_ACCOUNT_WRITE)),
      acl: ok({
        ownerId: OWNER_CANONICAL_ID,
        grants: [canonical(OWNER_CANONICAL_ID, 'FULL_CONTROL'), canonical('c'.repeat(64), 'WRITE')],
      }),
    }),
    { crossAccountWriters: [OTHER_ACCOUNT, 'c'.repeat(64)] },
  );
  const outcome = check.evaluate(collectedAws(aws));
  t.equal(outcome.status, 'pass');
  t.strictSame(outcome.evidence.allowed, [OTHER_ACCOUNT, 'c'.repeat(64)]);
  t.end();
});

t.test('an ACL grant to another canonical user, or to anyone when the owner is unknown', (t) => {
  const other = check.evaluate(
    collectedAws(
      withS3(hardened(), {
        acl: ok({
          ownerId: OWNER_CANONICAL_ID,
          grants: [canonical('c'.repeat(64), 'WRITE_ACP')],
        }),
      }),
    ),
  );
  t.equal(other.status, 'fail');
  t.match(other.evidence, {
    aclGrants: [{ type: 'CanonicalUser', grantee: 'c'.repeat(64), public: false }],
  });
  const unknownOwner = check.evaluate(
    collectedAws(
      withS3(hardened(), {
        acl: ok({ ownerId: null, grants: [canonical(OWNER_CANONICAL_ID, 'FULL_CONTROL')] }),
      }),
    ),
  );
  t.equal(unknownOwner.status, 'fail');
  const email = check.evaluate(
    collectedAws(
      withS3(hardened(), {
        acl: ok({
          ownerId: OWNER_CANONICAL_ID,
          grants: [
            {
              grantee: {
                type: 'AmazonCustomerByEmail',
                id: null,
                uri: null,
                emailAddress: 'partner@example.com',
                displayName: null,
              },
              permission: 'WRITE',
            },
            {
              grantee: {
                type: 'Group',
                id: null,
                uri: null,
                emailAddress: null,
                displayName: null,
              },
              permission: 'WRITE',
            },
          ],
        }),
      }),
    ),
  );
  t.match(email.evidence, {
    aclGrants: [{ grantee: 'partner@example.com' }, { grantee: '(unnamed)' }],
  });
  t.end();
});

t.test('AccessDenied on either item: error', (t) => {
  const outcome = check.evaluate(collectedAws(accessDenied()));
  t.equal(outcome.status, 'error');
  t.match(outcome.evidence, {
    errors: [
      { call: 'GetBucketPolicy' },
      { call: 'GetBucketAcl', missingPermission: 's3:GetBucketAcl' },
    ],
  });
  const acl = check.evaluate(
    collectedAws(withS3(misconfigured(), { acl: failed('GetBucketAcl') })),
  );
  t.equal(acl.status, 'error');
  t.end();
});

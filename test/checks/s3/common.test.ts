import t from 'tap';
import { partitionOf } from '../../../checks/aws/policy.js';
import {
  aclWriteGrants,
  blockVerdict,
  bucketRef,
  grantProblems,
  statementFacts,
} from '../../../checks/s3/common.js';
import {
  ACCOUNT,
  BUCKET,
  CROSS_ACCOUNT_WRITE,
  hardened,
  OWNER_CANONICAL_ID,
  policyOf,
} from '../../support/aws/snapshots.js';

t.test('blockVerdict', (t) => {
  t.equal(blockVerdict(null, 'x').status, 'fail');
  const on = {
    blockPublicAcls: true,
    ignorePublicAcls: true,
    blockPublicPolicy: true,
    restrictPublicBuckets: true,
  };
  t.equal(blockVerdict(on, 'x').status, 'pass');
  t.strictSame(blockVerdict({ ...on, ignorePublicAcls: false }, 'x').evidence.off, [
    'IgnorePublicAcls',
  ]);
  t.end();
});

t.test('aclWriteGrants: only write permissions, never the owner', (t) => {
  const grant = (id: string | null, uri: string | null, permission: string) => ({
    grantee: {
      type: id === null ? 'Group' : 'CanonicalUser',
      id,
      uri,
      emailAddress: null,
      displayName: null,
    },
    permission,
  });
  t.strictSame(
    aclWriteGrants({
      ownerId: OWNER_CANONICAL_ID,
      grants: [
        grant(OWNER_CANONICAL_ID, null, 'FULL_CONTROL'),
        grant('d'.repeat(64), null, 'READ'),
        grant(null, 'http://acs.amazonaws.com/groups/s3/LogDelivery', 'WRITE'),
      ],
    }),
    [
      {
        type: 'Group',
        grantee: 'http://acs.amazonaws.com/groups/s3/LogDelivery',
        permission: 'WRITE',
        public: false,
      },
    ],
  );
  t.end();
});

t.test('bucketRef: the owner is the expected bucket owner, partition from the region', (t) => {
  const aws = hardened();
  t.strictSame(bucketRef(aws), { name: BUCKET, accountId: ACCOUNT, partition: 'aws' });
  t.strictSame(
    bucketRef({ ...aws, region: 'cn-north-1' }, { ownerId: OWNER_CANONICAL_ID, grants: [] }),
    {
      name: BUCKET,
      accountId: ACCOUNT,
      partition: partitionOf('cn-north-1'),
      ownerCanonicalId: OWNER_CANONICAL_ID,
    },
  );
  t.notOk('ownerCanonicalId' in bucketRef(aws, { ownerId: null, grants: [] }));
  t.end();
});

t.test('statementFacts and grantProblems', (t) => {
  const policy = policyOf(CROSS_ACCOUNT_WRITE);
  t.match(statementFacts(policy, 0), { index: 0, sid: 'PartnerPublishes', effect: 'Allow' });
  t.strictSame(statementFacts(policy, 5), { index: 5 });
  t.equal(grantProblems([], []).length, 0);
  t.end();
});

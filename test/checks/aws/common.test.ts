import t from 'tap';
import {
  bucketCheck,
  configuredList,
  describeError,
  errorFacts,
} from '../../../checks/aws/common.js';
import { collectedAws, failed, hardened, withLists, withS3 } from '../../support/aws/snapshots.js';

t.test('describeError names what, the code, and the permission when there is one', (t) => {
  const denied = failed('GetBucketPolicy');
  const throttled = failed('LookupEvents', 'Throttled');
  if (denied.ok || throttled.ok) throw new Error('expected errors');
  t.equal(
    describeError(denied.error),
    'could not read the bucket policy: AccessDenied, grant s3:GetBucketPolicy',
  );
  t.equal(describeError(throttled.error), 'could not read the CloudTrail event history: Throttled');
  t.strictSame(errorFacts(throttled.error), {
    call: 'LookupEvents',
    code: 'Throttled',
    message: 'LookupEvents: Throttled',
  });
  t.end();
});

t.test('bucketCheck: every unreadable item is listed; the verdict gets the bucket', (t) => {
  const pick = (s3: NonNullable<ReturnType<typeof hardened>['s3']>) => ({
    policy: s3.policy,
    acl: s3.acl,
  });
  const outcome = bucketCheck(
    collectedAws(
      withS3(hardened(), {
        policy: failed('GetBucketPolicy'),
        acl: failed('GetBucketAcl', 'Timeout'),
      }),
    ),
    pick,
    () => ({ status: 'pass', message: 'unreachable', evidence: {} }),
  );
  t.equal(outcome.status, 'error');
  t.match(outcome.evidence, {
    bucket: 'fleet-tuf-repo',
    errors: [{ call: 'GetBucketPolicy' }, { call: 'GetBucketAcl', code: 'Timeout' }],
  });
  const passed = bucketCheck(collectedAws(hardened()), pick, ({ policy, acl }) => ({
    status: 'pass',
    message: 'read',
    evidence: { statements: policy?.statements.length, grants: acl.grants.length },
  }));
  t.strictSame(passed.evidence, { bucket: 'fleet-tuf-repo', statements: 2, grants: 1 });
  t.end();
});

t.test('configuredList: only strings, absent is empty', (t) => {
  t.strictSame(configuredList(hardened(), 'allowedPrincipals'), []);
  const aws = withLists(hardened(), { allowedPrincipals: ['a', 7 as unknown as string, 'b'] });
  t.strictSame(configuredList(aws, 'allowedPrincipals'), ['a', 'b']);
  t.strictSame(
    configuredList({ ...hardened(), crossAccountWriters: 'x' } as never, 'crossAccountWriters'),
    [],
  );
  t.end();
});

import t from 'tap';
import { describeSystem } from '../../../server/routes/system.js';
import { AUTH, fakeConfig, fakeDeps, json, testApp } from '../../support/fakes.js';

const aws = {
  region: 'us-east-2',
  accountId: '123456789012',
  bucket: 'fleet-updates',
  expectedBucketOwner: '123456789012',
  trails: ['management', 'arn:aws:cloudtrail:us-east-1:210987654321:trail/org-trail'],
};

t.test('GET /api/v1/system: the repositories in scope, without AWS', async (t) => {
  const { app } = await testApp(t);
  const res = await app.inject({ url: '/api/v1/system', headers: AUTH });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['cache-control'], 'no-store');
  t.strictSame(json(res), {
    name: 'Fleet update service',
    description: "Orbit's TUF repository and the bucket behind it",
    components: [
      { kind: 'tuf-repository', name: 'fleet', location: 'https://updates.example.test' },
      { kind: 'tuf-repository', name: 'staging', location: '/srv/tuf/staging' },
    ],
  });
});

t.test('with AWS: the bucket and the trails, named or by ARN', async (t) => {
  const { app } = await testApp(t, fakeDeps({ aws }));
  const body = json<{ components: unknown[] }>(
    await app.inject({ url: '/api/v1/system', headers: AUTH }),
  );
  t.strictSame(body.components.slice(2), [
    { kind: 's3-bucket', name: 'fleet-updates', location: 'arn:aws:s3:::fleet-updates' },
    {
      kind: 'cloudtrail',
      name: 'management',
      location: 'arn:aws:cloudtrail:us-east-2:123456789012:trail/management',
    },
    {
      kind: 'cloudtrail',
      name: 'org-trail',
      location: 'arn:aws:cloudtrail:us-east-1:210987654321:trail/org-trail',
    },
  ]);
});

t.test('AWS without trails: the bucket only', (t) => {
  const { trails: _trails, ...noTrails } = aws;
  const components = describeSystem(fakeConfig({ aws: noTrails })).components;
  t.strictSame(
    components.map((c) => c.kind),
    ['tuf-repository', 'tuf-repository', 's3-bucket'],
  );
  t.end();
});

t.test('the system description needs a token', async (t) => {
  const { app } = await testApp(t);
  t.equal((await app.inject('/api/v1/system')).statusCode, 401);
});

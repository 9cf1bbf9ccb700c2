import t from 'tap';
import { buildTrustModel, controlStatus } from '../../server/trust-model.js';
import { at, completeRun, DAY_MS, fakeDeps, NOW } from '../support/fakes.js';

const aws = {
  region: 'us-east-2',
  accountId: '123456789012',
  bucket: 'fleet-updates-secret-bucket',
  expectedBucketOwner: '123456789012',
  trails: ['management'],
};

t.test('before the first run: every control is error, nothing has passed', (t) => {
  const deps = fakeDeps();
  const model = buildTrustModel(deps);
  t.strictSame(model.system, deps.config.system);
  t.equal(model.updatedAt, undefined);
  t.equal(model.controls.length, deps.config.controls.length);
  for (const c of model.controls) {
    t.equal(c.status, 'error');
    t.notOk('lastPassedAt' in c);
  }
  t.equal(controlStatus(undefined, 'TW-01'), 'error');
  t.end();
});

t.test('after runs: latest status, when each control last passed, when updated', (t) => {
  const deps = fakeDeps();
  completeRun(deps.store, at(-DAY_MS));
  const latest = completeRun(deps.store, NOW, { 'tuf.key-hygiene': 'fail' });
  const model = buildTrustModel(deps);
  t.equal(model.updatedAt, NOW.toISOString());
  t.strictSame(
    model.controls.find((c) => c.id === 'TW-04'),
    {
      id: 'TW-04',
      title: 'Signing keys are managed safely',
      description: deps.config.controls[3]?.description,
      criteria: ['CC6.1'],
      status: 'fail',
      lastPassedAt: at(-DAY_MS).toISOString(),
    },
  );
  t.equal(model.controls.find((c) => c.id === 'TW-01')?.lastPassedAt, NOW.toISOString());
  t.equal(controlStatus(latest, 'TW-99'), 'error', 'a control the run did not evaluate');
  t.end();
});

t.test('nothing sensitive: no evidence, messages, URLs, bucket or account ids', (t) => {
  const deps = fakeDeps({ aws });
  completeRun(deps.store, NOW, { 'tuf.rollback': 'fail' });
  const text = JSON.stringify(buildTrustModel(deps));
  for (const secret of [
    'evidence',
    'is fail',
    'message',
    'updates.example.test',
    '/srv/tuf',
    aws.accountId,
    aws.bucket,
    'tuf.rollback',
    'fleet',
  ]) {
    t.notMatch(text, secret, secret);
  }
  // Only these keys, at any depth.
  const keys = new Set<string>();
  JSON.parse(text, (key: string, value: unknown) => {
    if (key !== '' && !/^\d+$/.test(key)) keys.add(key);
    return value;
  });
  t.strictSame(
    [...keys].sort(),
    [
      'controls',
      'criteria',
      'description',
      'id',
      'lastPassedAt',
      'name',
      'status',
      'system',
      'title',
      'updatedAt',
    ].sort(),
  );
  t.end();
});

import t from 'tap';
import {
  coversRegion,
  evaluateTrails,
  isTrail,
  trailScope,
  trailVerdict,
} from '../../../checks/cloudtrail/trails.js';
import {
  collectedAws,
  failed,
  hardened,
  ok,
  trail,
  withCloudTrail,
  withTrails,
} from '../../support/aws/snapshots.js';

t.test('coversRegion and isTrail', (t) => {
  const single = trail({ isMultiRegion: false, homeRegion: 'us-east-1' });
  t.ok(coversRegion(single, 'us-east-1'));
  t.notOk(coversRegion(single, 'eu-west-1'));
  t.ok(coversRegion(trail(), 'eu-west-1'));
  t.ok(isTrail(single, 'audit'));
  t.ok(isTrail(single, single.arn));
  t.notOk(isTrail(single, 'other'));
  t.end();
});

t.test(
  'trailScope: configured trails, missing ones, and trails covering the bucket region',
  (t) => {
    const eu = trail({ name: 'eu', homeRegion: 'eu-west-1', isMultiRegion: false });
    const scope = trailScope(collectedAws(withTrails(hardened(), [trail(), eu])));
    if ('status' in scope) throw new Error('expected a scope');
    t.strictSame(
      scope.trails.map((x) => x.name),
      ['audit'],
    );
    t.strictSame(scope.missing, []);
    const configured = trailScope(
      collectedAws(
        withCloudTrail(withTrails(hardened(), [eu]), { configuredTrails: ['eu', 'gone'] }),
      ),
    );
    if ('status' in configured) throw new Error('expected a scope');
    t.strictSame(
      configured.trails.map((x) => x.name),
      ['eu'],
    );
    t.strictSame(configured.missing, ['gone']);
    t.match(
      trailScope(collectedAws(withCloudTrail(hardened(), { trails: failed('DescribeTrails') }))),
      {
        status: 'error',
      },
    );
    t.end();
  },
);

t.test('trailVerdict: problems stand, else an unreadable item is an error', (t) => {
  t.equal(trailVerdict(['x'], {}, [failed('GetTrailStatus')]).status, 'fail');
  t.equal(trailVerdict([], {}, [failed('GetTrailStatus')]).status, 'error');
  t.equal(trailVerdict([], {}, [ok(1)]).status, 'pass');
  t.equal(trailVerdict([], {}).status, 'pass');
  t.end();
});

t.test('evaluateTrails: any and every', (t) => {
  const two = collectedAws(withTrails(hardened(), [trail(), trail({ name: 'second' })]));
  const statuses =
    (first: 'pass' | 'fail' | 'error', second: 'pass' | 'fail' | 'error') =>
    (mode: 'any' | 'every') =>
      evaluateTrails(two, { mode, none: 'none', passed: 'passed' }, (x) => ({
        status: x.name === 'audit' ? first : second,
        problems: [],
        facts: {},
      })).status;
  t.equal(statuses('pass', 'fail')('any'), 'pass');
  t.equal(statuses('error', 'fail')('any'), 'error');
  t.equal(statuses('fail', 'fail')('any'), 'fail');
  t.equal(statuses('pass', 'fail')('every'), 'fail');
  t.equal(statuses('pass', 'error')('every'), 'error');
  t.equal(statuses('pass', 'pass')('every'), 'pass');
  t.equal(
    evaluateTrails(collectedAws(undefined), { mode: 'any', none: '', passed: '' }, () => ({
      status: 'pass',
      problems: [],
      facts: {},
    })).status,
    'not_applicable',
  );
  t.end();
});

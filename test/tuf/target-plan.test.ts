import t from 'tap';
import {
  planTargetHashes,
  sameValidators,
  type PlannedTarget,
  type ProbeResult,
  type ReverifyPolicy,
  type VerifiedTarget,
} from '../../tuf/target-plan.js';

const NOW = new Date('2030-01-01T00:00:00Z');
const HOUR = 3600 * 1000;
const ago = (ms: number): string => new Date(NOW.getTime() - ms).toISOString();
const DAY_POLICY: ReverifyPolicy = { maxAgeMs: 24 * HOUR, budgetFraction: 0 };

const target = (path: string, length = 10, key = `${length} sha256=${path}`): PlannedTarget => ({
  path,
  length,
  key,
});
const known = (t: PlannedTarget, hashedAt: string, validators?: object): VerifiedTarget => ({
  key: t.key,
  hashedAt,
  ...(validators !== undefined && { validators }),
});

t.test('why a file must be hashed', (t) => {
  const a = target('a');
  const etag = { etag: '"1"', lastModified: 'Tue, 01 Jan 2030 00:00:00 GMT', length: 10 };
  const cases: {
    name: string;
    before?: VerifiedTarget;
    probe?: ProbeResult;
    policy?: ReverifyPolicy;
    reason: string | undefined;
  }[] = [
    { name: 'never verified', reason: 'new' },
    {
      name: 'its metadata lists other hashes',
      before: { key: '10 sha256=old', hashedAt: ago(HOUR) },
      reason: 'new',
    },
    {
      name: 'the probe failed',
      before: known(a, ago(HOUR), etag),
      probe: 'failed',
      reason: 'probe-failed',
    },
    {
      name: 'no validators were recorded',
      before: known(a, ago(HOUR)),
      probe: etag,
      reason: 'unvalidated',
    },
    {
      name: 'the ETag changed',
      before: known(a, ago(HOUR), etag),
      probe: { ...etag, etag: '"2"' },
      reason: 'validators',
    },
    {
      name: 'Last-Modified changed',
      before: known(a, ago(HOUR), etag),
      probe: { ...etag, lastModified: 'Wed, 02 Jan 2030 00:00:00 GMT' },
      reason: 'validators',
    },
    {
      name: 'the length changed',
      before: known(a, ago(HOUR), etag),
      probe: { ...etag, length: 11 },
      reason: 'validators',
    },
    {
      name: 'a validator disappeared',
      before: known(a, ago(HOUR), etag),
      probe: { lastModified: etag.lastModified, length: 10 },
      reason: 'validators',
    },
    {
      name: 'nothing changed',
      before: known(a, ago(HOUR), etag),
      probe: { ...etag },
      reason: undefined,
    },
    { name: 'no probe, not due', before: known(a, ago(HOUR)), reason: undefined },
    {
      name: 'hashed a day ago',
      before: known(a, ago(24 * HOUR), etag),
      probe: etag,
      reason: 'due',
    },
    { name: 'hash time unknown', before: known(a, ''), reason: 'due' },
    {
      name: 'without a policy, a known file is kept however old',
      before: known(a, ago(400 * 24 * HOUR)),
      policy: undefined,
      reason: undefined,
    },
  ];
  for (const c of cases) {
    const plan = planTargetHashes(
      [a],
      c.before === undefined ? undefined : new Map([['a', c.before]]),
      c.probe === undefined ? new Map() : new Map([['a', c.probe]]),
      NOW,
      'policy' in c ? c.policy : DAY_POLICY,
    );
    t.equal(plan.hash.get('a'), c.reason, c.name);
    t.equal(plan.keep.has('a'), c.reason === undefined, `${c.name}: kept when not hashed`);
  }
  t.end();
});

t.test('the byte budget spreads the re-hash: oldest first, within the share', (t) => {
  const files = ['a', 'b', 'c', 'd'].map((p) => target(p, 100));
  // Hashed 4, 3, 2 and 1 hours ago (d oldest): a 50% budget hashes the two oldest.
  const before = new Map(files.map((f, i) => [f.path, known(f, ago((i + 1) * HOUR))]));
  const plan = planTargetHashes(files, before, new Map(), NOW, {
    maxAgeMs: 24 * HOUR,
    budgetFraction: 0.5,
  });
  t.strictSame(
    [...plan.hash],
    [
      ['d', 'rolling'],
      ['c', 'rolling'],
    ],
  );
  t.strictSame([...plan.keep.keys()].sort(), ['a', 'b']);
  t.end();
});

t.test('what must be hashed uses the budget first; a file over what is left waits', (t) => {
  const big = target('big', 300);
  const small = target('small', 50);
  const fresh = target('fresh', 100);
  const before = new Map([
    ['big', known(big, ago(2 * HOUR))],
    ['small', known(small, ago(HOUR))],
  ]);
  // Budget 45% of 450 = 203 bytes: fresh (new) takes 100, big (oldest) does not fit, small does.
  const plan = planTargetHashes([big, small, fresh], before, new Map(), NOW, {
    maxAgeMs: 24 * HOUR,
    budgetFraction: 0.45,
  });
  t.strictSame(Object.fromEntries(plan.hash), { fresh: 'new', small: 'rolling' });
  t.strictSame([...plan.keep.keys()], ['big']);
  t.end();
});

t.test('equal hash times are taken in path order, whatever the listing order', (t) => {
  const files = ['z', 'y', 'x'].map((p) => target(p, 10));
  const before = new Map(files.map((f) => [f.path, known(f, ago(HOUR))]));
  const plan = planTargetHashes(files, before, new Map(), NOW, {
    maxAgeMs: 24 * HOUR,
    budgetFraction: 0.5,
  });
  t.strictSame([...plan.hash.keys()], ['x']);
  const sorted = [...files].reverse();
  const again = planTargetHashes(sorted, before, new Map(), NOW, {
    maxAgeMs: 24 * HOUR,
    budgetFraction: 0.5,
  });
  t.strictSame([...again.hash.keys()], ['x']);
  t.end();
});

t.test('a full budget hashes everything every run', (t) => {
  const files = ['a', 'b'].map((p) => target(p));
  const before = new Map(files.map((f) => [f.path, known(f, NOW.toISOString())]));
  const plan = planTargetHashes(files, before, new Map(), NOW, {
    maxAgeMs: 0,
    budgetFraction: 1,
  });
  t.strictSame(Object.fromEntries(plan.hash), { a: 'due', b: 'due' });
  t.end();
});

t.test('validators compare field by field', (t) => {
  t.ok(sameValidators({}, {}));
  t.ok(sameValidators({ etag: 'x', length: 1 }, { length: 1, etag: 'x' }));
  t.notOk(sameValidators({ etag: 'x' }, {}));
  t.end();
});

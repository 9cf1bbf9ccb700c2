// The transition rules on role summaries alone: which key changes count as a
// rotation (TUF 5.3.11), which versions a rotation resets, and what stays a rollback.
import t from 'tap';
import { compareStates, keysRotated, recoveredRoles, resetsOf } from '../../tuf/transitions.js';
import type { RoleSummary } from '../../tuf/verify.js';

const summary = (version: number, extra: Partial<RoleSummary> = {}): RoleSummary => ({
  version,
  expires: '2031-01-01T00:00:00Z',
  threshold: 1,
  validSignatures: 1,
  keys: 1,
  length: 1,
  sha256: `${version}`,
  signedSha256: `${version}`,
  ...extra,
});
const keyed = (keyids: string[], threshold = 1): Partial<RoleSummary> => ({ keyids, threshold });

t.test('keysRotated: fewer than the new threshold of the old keys remain', (t) => {
  const cases: [string, Partial<RoleSummary>, Partial<RoleSummary>, boolean][] = [
    ['one key replaced', keyed(['a']), keyed(['b']), true],
    ['same keys', keyed(['a']), keyed(['a']), false],
    ['same keys, another order', keyed(['a', 'b'], 2), keyed(['b', 'a'], 2), false],
    ['a key added beside the old one', keyed(['a']), keyed(['a', 'b']), false],
    ['threshold raised above the old keys kept', keyed(['a', 'b']), keyed(['a', 'c'], 2), true],
    ['two of three kept, threshold 2', keyed(['a', 'b', 'c'], 2), keyed(['a', 'b', 'd'], 2), false],
    ['no keyids before (an older record)', {}, keyed(['b']), false],
    ['no keyids now', keyed(['a']), {}, false],
  ];
  for (const [name, before, after, rotated] of cases) {
    t.equal(keysRotated(summary(1, before), summary(1, after)), rotated, name);
  }
  t.equal(keysRotated(undefined, summary(1, keyed(['a']))), false, 'no old role');
  t.end();
});

t.test('resetsOf: which versions a rotation resets', (t) => {
  const before = {
    root: summary(1),
    timestamp: summary(9, keyed(['t1'])),
    snapshot: summary(9, keyed(['s1'])),
    targets: summary(9),
    role1: summary(9),
  };
  const after = (timestamp: string, snapshot: string) => ({
    ...before,
    timestamp: summary(1, keyed([timestamp])),
    snapshot: summary(1, keyed([snapshot])),
  });
  const roles = (r: ReturnType<typeof resetsOf>) => [...r.roles].sort();
  t.strictSame(roles(resetsOf(before, after('t2', 's1'), true)), ['snapshot', 'timestamp']);
  t.equal(resetsOf(before, after('t2', 's1'), true).snapshotListing, false);
  const snapshotRotated = resetsOf(before, after('t1', 's2'), true);
  t.strictSame(roles(snapshotRotated), ['role1', 'targets']);
  t.equal(snapshotRotated.snapshotListing, true);
  const none = resetsOf(before, after('t2', 's2'), false);
  t.strictSame(roles(none), [], 'a root that does not continue the old one resets nothing');
  t.equal(none.snapshotListing, false);
  t.end();
});

t.test('compareStates and recoveredRoles', (t) => {
  const before = {
    root: summary(1),
    timestamp: summary(9, keyed(['t1'])),
    snapshot: summary(9, { ...keyed(['s1']), meta: { 'targets.json': 9, 'gone.json': 2 } }),
    targets: summary(9),
    removed: summary(4),
  };
  const after = {
    root: summary(1),
    timestamp: summary(1, keyed(['t2'])),
    snapshot: summary(10, { ...keyed(['s1']), meta: { 'targets.json': 9 } }),
    targets: summary(9, { signedSha256: 'changed' }),
  };
  const findings = compareStates(before, after, true);
  t.strictSame(
    findings.map((f) => [f.code, f.role, f.file, f.expected, f.actual]),
    [
      ['FAST_FORWARD_RECOVERY', 'timestamp', undefined, 9, 1],
      ['VERSION_MISMATCH', 'targets', undefined, 10, 9],
      ['VERSION_ROLLBACK', 'snapshot', 'gone.json', 2, undefined],
    ],
    'a removed role is no rollback; a dropped listing is',
  );
  t.strictSame(recoveredRoles(findings), ['timestamp']);
  t.end();
});

import t from 'tap';
import { nextTrustedRoles, rollbackCheck } from '../../../checks/tuf/rollback.js';
import type { TufRepositorySnapshot } from '../../../checks/types.js';
import type { VerifyReport } from '../../../tuf/verify.js';
import {
  at,
  cleanRepo,
  collected,
  commonCases,
  DAY_MS,
  evidenceCodes,
  evidenceOf,
  handReport,
  NOW,
  roleSummary,
  snapshot,
  verifyBuilt,
} from '../../support/checks.js';

const check = rollbackCheck;
const FREEZE_S = 8 * 86_400;

/** What the monitor hands the check: this run's report, and the roles it stored after an earlier one. */
function withPrevious(
  report: VerifyReport,
  earlier: VerifyReport,
  earlierAt: Date,
): TufRepositorySnapshot {
  return snapshot(report, { previous: nextTrustedRoles(undefined, earlier.roles, earlierAt) });
}

t.test('first run: pass, baseline recorded', async (t) => {
  const report = await verifyBuilt(cleanRepo().setVersion('timestamp', 4200));
  for (const previous of [undefined, {}]) {
    const outcome = check.evaluate(
      collected([snapshot(report, previous === undefined ? {} : { previous })]),
    );
    t.equal(outcome.status, 'pass');
    t.strictSame(evidenceOf(outcome), {
      status: 'pass',
      baseline: true,
      roles: { root: 1, timestamp: 4200, snapshot: 1, targets: 1 },
      findings: [],
    });
  }
});

t.test('first run, root.json behind the root chain: fail', async (t) => {
  const files = cleanRepo().rotateRoot().build();
  files.set('root.json', files.get('1.root.json') as Buffer);
  const report = await verifyBuilt(files);
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'fail');
  t.match(evidenceOf(outcome), {
    baseline: true,
    findings: [{ code: 'VERSION_ROLLBACK', role: 'root', expected: 2, actual: 1 }],
  });
});

t.test('every version moved forward, timestamp re-signed: pass', async (t) => {
  const b = cleanRepo().setVersion('timestamp', 10);
  const earlier = await verifyBuilt(b);
  b.setVersion('timestamp', 11).setVersion('snapshot', 2);
  const report = await verifyBuilt(b);
  const outcome = check.evaluate(collected([withPrevious(report, earlier, at(-DAY_MS))]));
  t.equal(outcome.status, 'pass');
  t.strictSame(evidenceOf(outcome), {
    status: 'pass',
    baseline: false,
    roles: {
      root: { previous: 1, current: 1 },
      timestamp: { previous: 10, current: 11 },
      snapshot: { previous: 1, current: 2 },
      targets: { previous: 1, current: 1 },
    },
    rolledBack: [],
    disappeared: [],
    recovered: [],
    timestamp: {
      sha256: report.roles.timestamp?.sha256,
      changed: true,
      firstSeenAt: null,
      unchangedSeconds: null,
      freezeSeconds: FREEZE_S,
      frozen: false,
    },
    findings: [],
  });
});

t.test('timestamp and snapshot served at older versions: fail', async (t) => {
  const b = cleanRepo().setVersion('timestamp', 10).setVersion('snapshot', 5);
  const earlier = await verifyBuilt(b);
  b.setVersion('timestamp', 9).setVersion('snapshot', 4);
  // Whether or not the verifier was given the previous roles (it then reports VERSION_ROLLBACK too).
  for (const previous of [undefined, earlier.roles]) {
    const report = await verifyBuilt(b, { previous });
    const outcome = check.evaluate(collected([withPrevious(report, earlier, at(-DAY_MS))]));
    t.equal(outcome.status, 'fail');
    t.match(evidenceOf(outcome), {
      rolledBack: [
        { role: 'timestamp', previous: 10, current: 9 },
        { role: 'snapshot', previous: 5, current: 4 },
      ],
      disappeared: [],
    });
    t.strictSame(
      evidenceCodes(outcome),
      previous === undefined ? [] : ['VERSION_ROLLBACK', 'VERSION_ROLLBACK'],
    );
  }
});

t.test(
  'a delegation removed, its file still listed by snapshot: not a rollback, pass',
  async (t) => {
    const b = cleanRepo().addDelegation({ name: 'orbit', targets: { 'orbit/macos': 'o' } });
    const earlier = await verifyBuilt(b);
    b.mutateSigned('targets', (s) => {
      delete s.delegations;
    });
    for (const role of ['timestamp', 'snapshot', 'targets']) b.setVersion(role, 2);
    for (const previous of [undefined, earlier.roles]) {
      const report = await verifyBuilt(b, { previous });
      const outcome = check.evaluate(collected([withPrevious(report, earlier, at(-DAY_MS))]));
      t.equal(outcome.status, 'pass');
      t.match(evidenceOf(outcome), {
        disappeared: [],
        roles: { orbit: { previous: 1, current: null } },
      });
    }
  },
);

t.test('a version back after root rotated the keys that vouched for it: warn', async (t) => {
  const b = cleanRepo().setVersion('timestamp', 100);
  const earlier = await verifyBuilt(b);
  b.rotateRoot({ roles: { timestamp: {} } }).setVersion('timestamp', 1);
  const repo = withPrevious(await verifyBuilt(b), earlier, at(-DAY_MS));
  const report = await verifyBuilt(b, { previous: repo.previous });
  const outcome = check.evaluate(collected([{ ...repo, report }]));
  t.equal(outcome.status, 'warn');
  t.match(evidenceOf(outcome), {
    rolledBack: [],
    recovered: [{ role: 'timestamp', previous: 100, current: 1 }],
  });
  t.strictSame(evidenceCodes(outcome), ['FAST_FORWARD_RECOVERY']);

  // The recovered version is the baseline from now on: the next run passes.
  const stored = nextTrustedRoles(
    repo.previous,
    report.roles,
    NOW,
    report.untrustedRoles,
    report.recoveredRoles,
  );
  t.equal(stored.timestamp?.version, 1);
  const next = await verifyBuilt(b.setVersion('timestamp', 2), { previous: stored });
  t.equal(check.evaluate(collected([snapshot(next, { previous: stored })])).status, 'pass');

  // Without the verifier's word (no rotation it could check), the same run is a rollback.
  const unchecked = check.evaluate(
    collected([{ ...repo, report: await verifyBuilt(b.setVersion('timestamp', 1)) }]),
  );
  t.equal(unchecked.status, 'fail');
});

t.test('a top-level role no longer published: fail, even though it is also missing', async (t) => {
  const b = cleanRepo();
  const earlier = await verifyBuilt(b);
  const report = await verifyBuilt(b.omit('timestamp.json'));
  const outcome = check.evaluate(collected([withPrevious(report, earlier, at(-DAY_MS))]));
  t.equal(outcome.status, 'fail');
  t.match(evidenceOf(outcome), {
    disappeared: [{ role: 'timestamp', previous: 1 }],
    notEvaluated: { missingRoles: ['timestamp'] },
    timestamp: null,
  });
});

t.test('a role missing because its fetch failed is not called gone: error', async (t) => {
  const b = cleanRepo();
  const earlier = await verifyBuilt(b);
  const report = await verifyBuilt(b, { failing: ['snapshot.json'] });
  const outcome = check.evaluate(collected([withPrevious(report, earlier, at(-DAY_MS))]));
  t.equal(outcome.status, 'error');
  t.match(evidenceOf(outcome), {
    disappeared: [],
    roles: { snapshot: { previous: 1, current: null } },
    notEvaluated: { missingRoles: ['snapshot'], fetchFailed: [{ file: 'snapshot.json' }] },
  });
});

t.test('timestamp', async (t) => {
  const b = cleanRepo().setVersion('timestamp', 7);
  const report = await verifyBuilt(b);
  const again = await verifyBuilt(b);
  t.equal(again.roles.timestamp?.sha256, report.roles.timestamp?.sha256, 'same bytes');

  t.test('unchanged for longer than the freeze limit: fail', (t) => {
    const outcome = check.evaluate(collected([withPrevious(again, report, at(-9 * DAY_MS))]));
    t.equal(outcome.status, 'fail');
    t.match(evidenceOf(outcome), {
      rolledBack: [],
      disappeared: [],
      timestamp: {
        changed: false,
        firstSeenAt: at(-9 * DAY_MS).toISOString(),
        unchangedSeconds: 9 * 86_400,
        freezeSeconds: FREEZE_S,
        frozen: true,
      },
    });
    t.end();
  });

  t.test(
    'a forged timestamp posted over a frozen one does not read as re-signed: fail',
    async (t) => {
      // Someone without the timestamp key posts new, unsigned bytes at a higher version.
      const forged = await verifyBuilt(
        cleanRepo()
          .setVersion('timestamp', 8)
          .editSignatures('timestamp', () => []),
      );
      t.strictSame(forged.untrustedRoles, ['timestamp']);
      const outcome = check.evaluate(collected([withPrevious(forged, report, at(-9 * DAY_MS))]));
      t.equal(outcome.status, 'fail');
      t.match(evidenceOf(outcome), {
        roles: { timestamp: { previous: 7, current: 7 } },
        timestamp: { changed: false, frozen: true },
        servedNotTrusted: ['timestamp'],
      });
    },
  );

  t.test('unchanged, within the limit: pass', (t) => {
    const outcome = check.evaluate(collected([withPrevious(again, report, at(-2 * DAY_MS))]));
    t.equal(outcome.status, 'pass');
    t.match(evidenceOf(outcome), { timestamp: { unchangedSeconds: 2 * 86_400, frozen: false } });
    t.end();
  });

  t.test('the freeze limit comes from settings', (t) => {
    const outcome = check.evaluate(
      collected([withPrevious(again, report, at(-2 * 3600_000))], {
        timestampFreezeSeconds: 3600,
      }),
    );
    t.equal(outcome.status, 'fail');
    t.match(evidenceOf(outcome), { timestamp: { freezeSeconds: 3600, frozen: true } });
    t.end();
  });

  t.test('unchanged, since an unknown time: pass', (t) => {
    const { firstSeenAt: _, ...stored } = nextTrustedRoles(undefined, report.roles, NOW).timestamp!;
    const outcome = check.evaluate(
      collected([snapshot(again, { previous: { ...report.roles, timestamp: stored } })]),
    );
    t.equal(outcome.status, 'pass');
    t.match(evidenceOf(outcome), {
      timestamp: { changed: false, firstSeenAt: null, unchangedSeconds: null, frozen: false },
    });
    t.end();
  });
  t.end();
});

t.test('no timestamp in the previous run: nothing to say about freezing', (t) => {
  const report = handReport();
  const previous = { root: { ...roleSummary(), firstSeenAt: at(-DAY_MS).toISOString() } };
  const outcome = check.evaluate(collected([snapshot(report, { previous })]));
  t.equal(outcome.status, 'pass');
  t.match(evidenceOf(outcome), { timestamp: null, roles: { root: { previous: 1, current: 1 } } });
  t.end();
});

t.test('a rollback finding without a role is listed', (t) => {
  const report = handReport({
    findings: [{ code: 'VERSION_ROLLBACK', severity: 'error', message: 'went back' }],
  });
  const outcome = check.evaluate(
    collected([snapshot(report, { previous: nextTrustedRoles(undefined, report.roles, NOW) })]),
  );
  t.equal(outcome.status, 'fail');
  t.strictSame(evidenceCodes(outcome), ['VERSION_ROLLBACK']);
  t.end();
});

t.test('only snapshot listings reset by a rotation: warn', (t) => {
  const report = handReport({
    findings: [
      {
        code: 'FAST_FORWARD_RECOVERY',
        severity: 'warning',
        message: 'reset',
        role: 'snapshot',
        file: 'legacy.json',
        expected: 5,
      },
    ],
  });
  const outcome = check.evaluate(
    collected([snapshot(report, { previous: nextTrustedRoles(undefined, report.roles, NOW) })]),
  );
  t.equal(outcome.status, 'warn');
  t.match(evidenceOf(outcome), { recovered: [] });
  t.strictSame(evidenceCodes(outcome), ['FAST_FORWARD_RECOVERY']);
  t.end();
});

commonCases(t, check);

t.test('nextTrustedRoles', (t) => {
  const then = at(-3 * DAY_MS);
  const earlier = {
    root: roleSummary({ version: 2, sha256: '1'.repeat(64) }),
    timestamp: roleSummary({ version: 50, sha256: '2'.repeat(64) }),
    snapshot: roleSummary({ version: 9, sha256: '3'.repeat(64) }),
    targets: roleSummary({ version: 4, sha256: '4'.repeat(64) }),
    orbit: roleSummary({ version: 3, sha256: '5'.repeat(64) }),
  };

  t.test('first run: every role first seen now', (t) => {
    const next = nextTrustedRoles(undefined, earlier, NOW);
    t.strictSame(Object.keys(next), Object.keys(earlier));
    for (const [role, entry] of Object.entries(next)) {
      t.strictSame(entry, {
        ...earlier[role as keyof typeof earlier],
        firstSeenAt: NOW.toISOString(),
      });
    }
    t.end();
  });

  t.test('unchanged bytes keep firstSeenAt; changed bytes start again', (t) => {
    const previous = nextTrustedRoles(undefined, earlier, then);
    const current = {
      ...earlier,
      timestamp: roleSummary({ version: 51, sha256: '6'.repeat(64) }),
      // Same version, new signatures: the bytes changed.
      root: roleSummary({ version: 2, sha256: '7'.repeat(64) }),
    };
    const next = nextTrustedRoles(previous, current, NOW);
    t.equal(next.timestamp?.firstSeenAt, NOW.toISOString());
    t.equal(next.timestamp?.version, 51);
    t.equal(next.root?.firstSeenAt, NOW.toISOString());
    t.equal(next.snapshot?.firstSeenAt, then.toISOString());
    t.equal(next.targets?.firstSeenAt, then.toISOString());
    t.end();
  });

  t.test('unchanged bytes stored without firstSeenAt: first seen now', (t) => {
    const next = nextTrustedRoles(
      { snapshot: earlier.snapshot },
      { snapshot: earlier.snapshot },
      NOW,
    );
    t.equal(next.snapshot?.firstSeenAt, NOW.toISOString());
    t.end();
  });

  t.test('a role served at a lower version keeps its trusted entry', (t) => {
    const previous = nextTrustedRoles(undefined, earlier, then);
    const next = nextTrustedRoles(
      previous,
      { ...earlier, timestamp: roleSummary({ version: 49, sha256: '8'.repeat(64) }) },
      NOW,
    );
    t.strictSame(next.timestamp, previous.timestamp);
    t.end();
  });

  t.test('a role that did not check out is never stored; its old entry stays', (t) => {
    const previous = nextTrustedRoles(undefined, earlier, then);
    const forged = { ...earlier, timestamp: roleSummary({ version: 9_000_000_000 }) };
    const next = nextTrustedRoles(previous, forged, NOW, ['timestamp']);
    t.strictSame(next.timestamp, previous.timestamp);
    t.equal(next.snapshot?.version, 9, 'the roles that checked out are stored as usual');
    const first = nextTrustedRoles(undefined, forged, NOW, ['timestamp']);
    t.notOk(Object.hasOwn(first, 'timestamp'), 'no baseline from a forged first sight');
    t.end();
  });

  t.test('a role named __proto__ is stored as a role', (t) => {
    const roles = JSON.parse('{"__proto__": {"version": 3, "sha256": "x"}}') as Record<
      string,
      ReturnType<typeof roleSummary>
    >;
    const next = nextTrustedRoles(undefined, roles, NOW);
    t.ok(Object.hasOwn(next, '__proto__'));
    const again = nextTrustedRoles(next, JSON.parse('{}') as typeof roles, NOW);
    t.ok(Object.hasOwn(again, '__proto__'), 'kept when it did not load');
    t.end();
  });

  t.test('a role that did not load keeps its trusted entry', (t) => {
    const previous = nextTrustedRoles(undefined, earlier, then);
    const { orbit: _, ...current } = earlier;
    const next = nextTrustedRoles(previous, current, NOW);
    t.strictSame(next.orbit, previous.orbit);
    const legacy = nextTrustedRoles({ orbit: earlier.orbit }, {}, NOW);
    t.equal(legacy.orbit?.firstSeenAt, NOW.toISOString(), 'stored without firstSeenAt');
    t.end();
  });
  t.end();
});

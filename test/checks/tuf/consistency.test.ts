import t from 'tap';
import { consistencyCheck } from '../../../checks/tuf/consistency.js';
import type { FindingCode } from '../../../tuf/findings.js';
import type { VerifyRun } from '../../support/checks.js';
import {
  cleanRepo,
  collected,
  commonCases,
  evidenceCodes,
  evidenceOf,
  snapshot,
  verifyBuilt,
} from '../../support/checks.js';
import type { RepoBuilder } from '../../support/builder.js';

const check = consistencyCheck;

t.test('every file matches what its parent lists: pass, with versions and hashes', async (t) => {
  const report = await verifyBuilt(cleanRepo().setVersion('timestamp', 7));
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'pass');
  const roles = evidenceOf(outcome).roles as Record<string, { version: number; sha256: string }>;
  t.strictSame(Object.keys(roles).sort(), ['root', 'snapshot', 'targets', 'timestamp']);
  t.equal(roles.timestamp?.version, 7);
  t.match(roles.snapshot, { version: 1, length: Number, sha256: /^[0-9a-f]{64}$/ });
});

interface Case {
  name: string;
  repo: () => RepoBuilder;
  /** Changes the served files after building. */
  files?: (files: Map<string, Buffer>) => void;
  run?: VerifyRun;
  code: FindingCode;
}

const cases: Case[] = [
  {
    name: 'snapshot lists a targets version that is not the one served',
    repo: () =>
      cleanRepo().mutateSigned('snapshot', (s) => {
        s.meta['targets.json'] = { version: 2 };
      }),
    code: 'VERSION_MISMATCH',
  },
  {
    name: 'timestamp lists another snapshot length',
    repo: () =>
      cleanRepo().mutateSigned('timestamp', (s) => {
        const meta = s.meta['snapshot.json'];
        if (meta !== undefined) meta.length = 1;
      }),
    code: 'LENGTH_MISMATCH',
  },
  {
    name: 'timestamp lists another snapshot hash',
    repo: () =>
      cleanRepo().mutateSigned('timestamp', (s) => {
        const meta = s.meta['snapshot.json'];
        if (meta !== undefined) meta.hashes = { sha256: '0'.repeat(64) };
      }),
    code: 'HASH_MISMATCH',
  },
  {
    name: 'snapshot.json is not published',
    repo: () => cleanRepo().omit('snapshot.json'),
    code: 'METADATA_MISSING',
  },
  {
    name: 'targets.json is not JSON',
    repo: () => cleanRepo(),
    files: (files) => files.set('targets.json', Buffer.from('{"signed": ')),
    code: 'MALFORMED_METADATA',
  },
  {
    name: 'snapshot.json holds a timestamp',
    repo: () =>
      cleanRepo().mutateSigned('snapshot', (s) => {
        s._type = 'timestamp';
      }),
    code: 'WRONG_METADATA_TYPE',
  },
  {
    name: 'timestamp of spec version 2',
    repo: () =>
      cleanRepo().mutateSigned('timestamp', (s) => {
        s.spec_version = '2.0.0';
      }),
    code: 'UNSUPPORTED_SPEC_VERSION',
  },
  {
    name: 'timestamp larger than its size limit',
    repo: () => cleanRepo(),
    run: { limits: { maxTimestampBytes: 64 } },
    code: 'SIZE_LIMIT_EXCEEDED',
  },
];

for (const c of cases) {
  t.test(`${c.name}: fail`, async (t) => {
    const files = c.repo().build();
    c.files?.(files);
    const report = await verifyBuilt(files, c.run);
    const outcome = check.evaluate(collected([snapshot(report)]));
    t.equal(outcome.status, 'fail');
    t.ok(evidenceCodes(outcome).includes(c.code), `evidence lists ${c.code}`);
    t.match(evidenceOf(outcome), { status: 'fail', findings: [{ code: String }] });
  });
}

t.test('a role that did not load stays a fail, with the missing role noted', async (t) => {
  const report = await verifyBuilt(cleanRepo().omit('snapshot.json'));
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'fail');
  t.match(evidenceOf(outcome), {
    notEvaluated: { missingRoles: ['snapshot'] },
    findings: [{ code: 'METADATA_MISSING', role: 'snapshot', file: 'snapshot.json' }],
  });
});

commonCases(t, check);

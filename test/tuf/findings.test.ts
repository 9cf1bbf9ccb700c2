import t from 'tap';

import { messageOf, TufError } from '../../tuf/errors.js';
import {
  FINDING_CODES,
  finding,
  hasErrors,
  type Finding,
  type FindingCode,
  type Severity,
} from '../../tuf/findings.js';
import {
  DEFAULT_HORIZONS,
  DEFAULT_LIMITS,
  maxBytesForRole,
  type Limits,
} from '../../tuf/limits.js';

const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];
const CODES = Object.keys(FINDING_CODES) as FindingCode[];

t.test('every finding code has a severity and a summary', (t) => {
  // DESIGN.md: the closed set includes at least these codes.
  const required: FindingCode[] = [
    'MALFORMED_METADATA',
    'WRONG_METADATA_TYPE',
    'UNSUPPORTED_SPEC_VERSION',
    'SIGNATURE_THRESHOLD_NOT_MET',
    'INVALID_THRESHOLD',
    'DUPLICATE_KEY',
    'UNKNOWN_KEY_TYPE',
    'METADATA_EXPIRED',
    'METADATA_EXPIRING_SOON',
    'ROOT_ROTATION_INVALID',
    'VERSION_ROLLBACK',
    'VERSION_MISMATCH',
    'LENGTH_MISMATCH',
    'HASH_MISMATCH',
    'METADATA_MISSING',
    'TARGET_MISSING',
    'TARGET_HASH_MISMATCH',
    'FETCH_FAILED',
    'SIZE_LIMIT_EXCEEDED',
    'DELEGATION_INVALID',
    'ONLINE_KEY_SHARED_WITH_ROOT',
    'KEYID_MISMATCH',
  ];
  for (const code of required) t.ok(CODES.includes(code), code);
  for (const code of CODES) {
    const { severity, summary } = FINDING_CODES[code];
    t.ok(SEVERITIES.includes(severity), `${code} severity`);
    t.type(summary, 'string');
    t.ok(summary.length > 0, `${code} summary`);
  }
  t.equal(FINDING_CODES.METADATA_EXPIRING_SOON.severity, 'warning');
  t.equal(FINDING_CODES.METADATA_EXPIRED.severity, 'error');
  t.end();
});

t.test('finding() takes its severity from the code and keeps details', (t) => {
  for (const code of CODES) {
    const f = finding(code, 'm', { role: 'snapshot', version: 3 });
    t.strictSame(f, {
      code,
      severity: FINDING_CODES[code].severity,
      message: 'm',
      role: 'snapshot',
      version: 3,
    });
  }
  t.strictSame(finding('FETCH_FAILED', 'm'), {
    code: 'FETCH_FAILED',
    severity: 'error',
    message: 'm',
  });
  t.end();
});

t.test('hasErrors', (t) => {
  const cases: { name: string; findings: Finding[]; expected: boolean }[] = [
    { name: 'none', findings: [], expected: false },
    {
      name: 'warnings and info only',
      findings: [finding('DUPLICATE_KEY', 'm'), finding('TRUST_NOT_ANCHORED', 'm')],
      expected: false,
    },
    {
      name: 'one error among warnings',
      findings: [finding('DUPLICATE_KEY', 'm'), finding('METADATA_EXPIRED', 'm')],
      expected: true,
    },
  ];
  for (const c of cases) t.equal(hasErrors(c.findings), c.expected, c.name);
  t.end();
});

t.test('TufError', (t) => {
  t.test('keeps code, details, name and cause', (t) => {
    const cause = new Error('underlying');
    const err = new TufError('FETCH_FAILED', 'm', { file: 'timestamp.json' }, { cause });
    t.ok(err instanceof Error);
    t.equal(err.name, 'TufError');
    t.equal(err.code, 'FETCH_FAILED');
    t.strictSame(err.details, { file: 'timestamp.json' });
    t.equal(err.cause, cause);
    t.end();
  });

  t.test('details default to none', (t) => {
    const err = new TufError('METADATA_MISSING', 'm');
    t.strictSame(err.details, {});
    t.equal(err.cause, undefined);
    t.strictSame(err.toFinding(), { code: 'METADATA_MISSING', severity: 'error', message: 'm' });
    t.end();
  });

  t.test('toFinding and fromFinding round trip', (t) => {
    const findings: Finding[] = [
      finding('SIGNATURE_THRESHOLD_NOT_MET', 'm1', {
        role: 'root',
        threshold: 2,
        validKeys: ['a'],
        expected: 2,
        actual: 1,
      }),
      finding('DUPLICATE_KEY', 'm2', { role: 'targets', keyids: ['a', 'b'] }),
      finding('TRUST_NOT_ANCHORED', 'm3'),
      finding('MALFORMED_METADATA', 'm4', { role: 'x', problems: ['signed: must be an object'] }),
    ];
    for (const f of findings) {
      const err = TufError.fromFinding(f);
      t.equal(err.code, f.code);
      t.notOk('severity' in err.details, 'severity is derived, not a detail');
      t.notOk('message' in err.details);
      t.strictSame(err.toFinding(), f, f.code);
    }
    t.end();
  });
  t.end();
});

t.test('limits', (t) => {
  const limits: Limits = {
    ...DEFAULT_LIMITS,
    maxRootBytes: 1,
    maxTimestampBytes: 2,
    maxSnapshotBytes: 3,
    maxTargetsBytes: 4,
  };
  const cases: [string, number][] = [
    ['root', 1],
    ['timestamp', 2],
    ['snapshot', 3],
    ['targets', 4],
    ['role1', 4],
    ['targets/delegated', 4],
  ];
  for (const [role, bytes] of cases) t.equal(maxBytesForRole(limits, role), bytes, role);

  // DESIGN.md: python-tuf's and tuf-js's defaults; Fleet's expiry horizons.
  t.equal(maxBytesForRole(DEFAULT_LIMITS, 'root'), 512_000);
  t.equal(maxBytesForRole(DEFAULT_LIMITS, 'timestamp'), 16_384);
  t.equal(maxBytesForRole(DEFAULT_LIMITS, 'snapshot'), 2_000_000);
  t.equal(maxBytesForRole(DEFAULT_LIMITS, 'targets'), 5_000_000);
  t.equal(DEFAULT_HORIZONS.timestampWarnSeconds, 4 * 86_400);
  t.equal(DEFAULT_HORIZONS.otherWarnSeconds, 30 * 86_400);
  t.ok(Object.isFrozen(DEFAULT_LIMITS));
  t.ok(Object.isFrozen(DEFAULT_HORIZONS));
  t.end();
});

t.test('messageOf', (t) => {
  t.equal(messageOf(new Error('boom')), 'boom');
  t.equal(messageOf('plain'), 'plain');
  t.equal(messageOf(42), '42');
  t.end();
});

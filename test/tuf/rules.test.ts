import { createHash } from 'node:crypto';
import t from 'tap';

import { DEFAULT_HORIZONS, type Horizons } from '../../tuf/limits.js';
import { parseMetadata, type MetaFile, type Metadata, type RoleType } from '../../tuf/metadata.js';
import {
  checkExpiry,
  checkFileAgainstMeta,
  checkHashes,
  checkVersionAgainstMeta,
  digest,
  metadataFileName,
} from '../../tuf/rules.js';

const DAY = 86_400_000;
const NOW = new Date('2031-03-04T05:06:07Z');

/** Parsed (unsigned) metadata of a role: the rules read only `role`, `signed` and `expires`. */
function metadata(type: RoleType, expires: string, version = 7, role: string = type): Metadata {
  const common = { _type: type, spec_version: '1.0.31', version, expires };
  const body = {
    root: {
      consistent_snapshot: false,
      keys: {},
      roles: Object.fromEntries(
        ['root', 'timestamp', 'snapshot', 'targets'].map((r) => [r, { keyids: [], threshold: 1 }]),
      ),
    },
    timestamp: { meta: { 'snapshot.json': { version: 1 } } },
    snapshot: { meta: {} },
    targets: { targets: {} },
  }[type];
  const bytes = Buffer.from(JSON.stringify({ signed: { ...common, ...body }, signatures: [] }));
  return parseMetadata(bytes, type, role);
}

const at = (ms: number): string => new Date(NOW.getTime() + ms).toISOString();

t.test('checkExpiry', (t) => {
  const horizons: Horizons = DEFAULT_HORIZONS;
  const cases: {
    name: string;
    type: RoleType;
    role?: string;
    left: number;
    code?: 'METADATA_EXPIRED' | 'METADATA_EXPIRING_SOON';
  }[] = [
    { name: 'expired a day ago', type: 'timestamp', left: -DAY, code: 'METADATA_EXPIRED' },
    { name: 'expires exactly now', type: 'root', left: 0, code: 'METADATA_EXPIRED' },
    { name: '1 ms left', type: 'snapshot', left: 1, code: 'METADATA_EXPIRING_SOON' },
    {
      name: 'timestamp within 4 days',
      type: 'timestamp',
      left: 4 * DAY - 1,
      code: 'METADATA_EXPIRING_SOON',
    },
    { name: 'timestamp exactly 4 days', type: 'timestamp', left: 4 * DAY },
    { name: 'timestamp 5 days', type: 'timestamp', left: 5 * DAY },
    {
      name: 'snapshot 5 days (other horizon)',
      type: 'snapshot',
      left: 5 * DAY,
      code: 'METADATA_EXPIRING_SOON',
    },
    {
      name: 'root within 30 days',
      type: 'root',
      left: 30 * DAY - 1,
      code: 'METADATA_EXPIRING_SOON',
    },
    { name: 'root exactly 30 days', type: 'root', left: 30 * DAY },
    {
      name: 'delegated role within 30 days',
      type: 'targets',
      role: 'role1',
      left: 29 * DAY,
      code: 'METADATA_EXPIRING_SOON',
    },
    { name: 'targets a year', type: 'targets', left: 365 * DAY },
  ];
  for (const c of cases) {
    t.test(c.name, (t) => {
      const expires = at(c.left);
      const md = metadata(c.type, expires, 7, c.role);
      const findings = checkExpiry(md, NOW, horizons);
      if (c.code === undefined) {
        t.strictSame(findings, []);
        t.end();
        return;
      }
      t.equal(findings.length, 1);
      t.match(findings[0], {
        code: c.code,
        role: c.role ?? c.type,
        expires,
        version: 7,
      });
      t.end();
    });
  }

  t.test('horizons come from the caller', (t) => {
    const md = metadata('timestamp', at(DAY));
    t.equal(checkExpiry(md, NOW, { timestampWarnSeconds: 0, otherWarnSeconds: 0 }).length, 0);
    t.equal(
      checkExpiry(md, NOW, { timestampWarnSeconds: 86_401, otherWarnSeconds: 0 })[0]?.code,
      'METADATA_EXPIRING_SOON',
    );
    t.end();
  });

  t.test('an offset expiry is compared as an instant', (t) => {
    // Fleet root v5: 15:57:51-05:00 is 20:57:51Z.
    const md = metadata('root', '2034-10-05T15:57:51-05:00');
    t.equal(
      checkExpiry(md, new Date('2034-10-05T20:57:50Z'), horizons)[0]?.code,
      'METADATA_EXPIRING_SOON',
    );
    t.equal(
      checkExpiry(md, new Date('2034-10-05T20:57:51Z'), horizons)[0]?.code,
      'METADATA_EXPIRED',
    );
    t.end();
  });
  t.end();
});

const sha = (alg: string, data: Uint8Array): string => createHash(alg).update(data).digest('hex');

t.test('checkFileAgainstMeta', (t) => {
  const bytes = Buffer.from('snapshot bytes');
  const good = { sha256: sha('sha256', bytes), sha512: sha('sha512', bytes) };
  const cases: { name: string; meta: MetaFile; codes: string[] }[] = [
    { name: 'version only: nothing to check', meta: { version: 1 }, codes: [] },
    { name: 'length matches', meta: { version: 1, length: bytes.length }, codes: [] },
    {
      name: 'length differs',
      meta: { version: 1, length: bytes.length + 1 },
      codes: ['LENGTH_MISMATCH'],
    },
    { name: 'hashes match', meta: { version: 1, length: bytes.length, hashes: good }, codes: [] },
    {
      name: 'one hash differs',
      meta: { version: 1, hashes: { ...good, sha512: 'ab'.repeat(64) } },
      codes: ['HASH_MISMATCH'],
    },
    {
      name: 'length and hash differ',
      meta: { version: 1, length: 0, hashes: { sha256: '00'.repeat(32) } },
      codes: ['LENGTH_MISMATCH', 'HASH_MISMATCH'],
    },
    {
      name: 'only unsupported hashes',
      meta: { version: 1, hashes: { md5: 'aa' } },
      codes: ['HASH_MISMATCH'],
    },
  ];
  for (const c of cases) {
    t.test(c.name, (t) => {
      const findings = checkFileAgainstMeta('snapshot', 'snapshot.json', bytes, c.meta);
      t.strictSame(
        findings.map((f) => f.code),
        c.codes,
      );
      for (const f of findings) t.match(f, { role: 'snapshot', file: 'snapshot.json' });
      t.end();
    });
  }

  t.test('length mismatch carries expected and actual', (t) => {
    const [f] = checkFileAgainstMeta('timestamp', 'timestamp.json', bytes, {
      version: 1,
      length: 3,
    });
    t.match(f, { code: 'LENGTH_MISMATCH', expected: 3, actual: bytes.length });
    t.end();
  });

  t.test('hash mismatch carries expected and actual', (t) => {
    const [f] = checkFileAgainstMeta('snapshot', 'snapshot.json', bytes, {
      version: 1,
      hashes: { sha384: 'ff' },
    });
    t.match(f, { code: 'HASH_MISMATCH', expected: 'ff', actual: sha('sha384', bytes) });
    t.end();
  });
  t.end();
});

t.test('digest', (t) => {
  const bytes = new Uint8Array([1, 2, 3]);
  for (const alg of ['sha256', 'sha384', 'sha512']) t.equal(digest(alg, bytes), sha(alg, bytes));
  t.end();
});

t.test('checkHashes', (t) => {
  const computed: Record<string, string> = { sha256: 'a1', sha384: 'b2', sha512: 'c3' };
  const cases: {
    name: string;
    expected: Record<string, string>;
    where: { role: string; file?: string; target?: string };
    code: 'HASH_MISMATCH' | 'TARGET_HASH_MISMATCH';
    findings: object[];
    computes: string[];
  }[] = [
    {
      name: 'all match',
      expected: { sha256: 'a1', sha512: 'c3' },
      where: { role: 'targets', target: 'a/b' },
      code: 'TARGET_HASH_MISMATCH',
      findings: [],
      computes: ['sha256', 'sha512'],
    },
    {
      name: 'only unsupported algorithms: fail closed',
      expected: { md5: 'x', blake2b: 'y' },
      where: { role: 'targets', target: 'a/b' },
      code: 'TARGET_HASH_MISMATCH',
      findings: [
        {
          code: 'TARGET_HASH_MISMATCH',
          role: 'targets',
          target: 'a/b',
          expected: ['md5', 'blake2b'],
        },
      ],
      computes: [],
    },
    {
      name: 'empty hashes: fail closed',
      expected: {},
      where: { role: 'snapshot' },
      code: 'HASH_MISMATCH',
      findings: [{ code: 'HASH_MISMATCH', role: 'snapshot', expected: [] }],
      computes: [],
    },
    {
      name: 'unsupported mixed with a matching supported one',
      expected: { md5: 'x', sha384: 'b2' },
      where: { role: 'snapshot', file: 'targets.json' },
      code: 'HASH_MISMATCH',
      findings: [],
      computes: ['sha384'],
    },
    {
      name: 'unsupported mixed with a mismatching supported one',
      expected: { md5: 'x', sha256: 'ff' },
      where: { role: 'snapshot', file: 'targets.json' },
      code: 'HASH_MISMATCH',
      findings: [
        {
          code: 'HASH_MISMATCH',
          role: 'snapshot',
          file: 'targets.json',
          expected: 'ff',
          actual: 'a1',
        },
      ],
      computes: ['sha256'],
    },
    {
      name: 'each mismatch is one finding',
      expected: { sha256: '00', sha512: '11' },
      where: { role: 'role1', target: 't' },
      code: 'TARGET_HASH_MISMATCH',
      findings: [
        { code: 'TARGET_HASH_MISMATCH', expected: '00', actual: 'a1' },
        { code: 'TARGET_HASH_MISMATCH', expected: '11', actual: 'c3' },
      ],
      computes: ['sha256', 'sha512'],
    },
  ];
  for (const c of cases) {
    t.test(c.name, (t) => {
      const called: string[] = [];
      const findings = checkHashes(
        c.expected,
        (alg) => {
          called.push(alg);
          return computed[alg] ?? '';
        },
        c.where,
        c.code,
      );
      t.equal(findings.length, c.findings.length);
      c.findings.forEach((expected, i) => t.match(findings[i], expected));
      t.strictSame(called, c.computes, 'compute is called only for supported algorithms');
      t.end();
    });
  }
  t.end();
});

t.test('checkVersionAgainstMeta', (t) => {
  const md = metadata('snapshot', at(365 * DAY), 5);
  t.strictSame(checkVersionAgainstMeta(md, { version: 5 }, 'timestamp'), []);
  const findings = checkVersionAgainstMeta(md, { version: 6 }, 'timestamp');
  t.equal(findings.length, 1);
  t.match(findings[0], { code: 'VERSION_MISMATCH', role: 'snapshot', expected: 6, actual: 5 });
  t.end();
});

t.test('metadataFileName', (t) => {
  const cases: [string, number | undefined, boolean, string][] = [
    ['snapshot', 3, true, '3.snapshot.json'],
    ['role1', 12, true, '12.role1.json'],
    ['snapshot', 3, false, 'snapshot.json'],
    ['targets', undefined, true, 'targets.json'],
    ['timestamp', undefined, false, 'timestamp.json'],
  ];
  for (const [role, version, consistent, expected] of cases) {
    t.equal(metadataFileName(role, version, consistent), expected, expected);
  }
  t.end();
});

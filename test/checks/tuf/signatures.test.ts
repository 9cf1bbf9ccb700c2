import { generateKeyPairSync } from 'node:crypto';
import t from 'tap';
import { signaturesCheck } from '../../../checks/tuf/signatures.js';
import { generateKey, importKey } from '../../support/builder.js';
import {
  cleanRepo,
  collected,
  commonCases,
  evidenceCodes,
  evidenceOf,
  snapshot,
  verifyBuilt,
} from '../../support/checks.js';

const check = signaturesCheck;
const flip = (sig: string): string => (sig.startsWith('0') ? '1' : '0') + sig.slice(1);

t.test('every role meets its threshold: pass, with thresholds per role', async (t) => {
  const report = await verifyBuilt(cleanRepo());
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'pass');
  t.strictSame(evidenceOf(outcome), {
    status: 'pass',
    findingCount: 0,
    findings: [],
    roles: {
      root: { threshold: 2, validSignatures: 2, keys: 2 },
      timestamp: { threshold: 1, validSignatures: 1, keys: 1 },
      snapshot: { threshold: 1, validSignatures: 1, keys: 1 },
      targets: { threshold: 1, validSignatures: 1, keys: 1 },
    },
  });
});

const twin = generateKey();
const twinAlias = importKey(twin.privateKey, 'ed25519', { legacyKeyidHashAlgorithms: true });

const cases = [
  {
    name: 'timestamp signed by 1 of 2 keys: fail',
    repo: () =>
      cleanRepo({ roles: { timestamp: { threshold: 2 } } }).editSignatures('timestamp', (sigs) =>
        sigs.slice(0, 1),
      ),
    status: 'fail',
    codes: ['SIGNATURE_THRESHOLD_NOT_MET'],
    role: { name: 'timestamp', facts: { threshold: 2, validSignatures: 1, keys: 2 } },
  },
  {
    name: 'a threshold of 0: fail',
    repo: () =>
      cleanRepo().mutateSigned('root', (s) => {
        s.roles.targets.threshold = 0;
      }),
    status: 'fail',
    codes: ['INVALID_THRESHOLD', 'SIGNATURE_THRESHOLD_NOT_MET'],
    role: { name: 'targets', facts: { threshold: 0, validSignatures: 1, keys: 1 } },
  },
  {
    name: 'a second signature that does not verify, threshold still met: warn',
    repo: () =>
      cleanRepo({ roles: { snapshot: { threshold: 2 } } })
        .mutateSigned('root', (s) => {
          s.roles.snapshot.threshold = 1;
        })
        .editSignatures('snapshot', (sigs) =>
          sigs.map((sig, i) => (i === 1 ? { ...sig, sig: flip(sig.sig) } : sig)),
        ),
    status: 'warn',
    codes: ['SIGNATURE_INVALID'],
    role: { name: 'snapshot', facts: { threshold: 1, validSignatures: 1, keys: 2 } },
  },
  {
    // TUF: a keyid MUST be unique in signatures; clients refuse the file.
    name: 'one keyid signing twice: fail, even with the threshold met',
    repo: () => cleanRepo().editSignatures('targets', (sigs) => [...sigs, ...sigs]),
    status: 'fail',
    codes: ['DUPLICATE_SIGNATURE'],
    role: { name: 'targets', facts: { threshold: 1, validSignatures: 1, keys: 1 } },
  },
  {
    name: 'one key under two keyids: warn',
    repo: () => cleanRepo({ roles: { targets: { keys: [twin, twinAlias], threshold: 1 } } }),
    status: 'warn',
    codes: ['DUPLICATE_KEY'],
    role: { name: 'targets', facts: { threshold: 1, validSignatures: 1, keys: 2 } },
  },
  {
    name: 'a key of an unknown type beside a usable one: warn',
    repo: () =>
      cleanRepo().mutateSigned('root', (s) => {
        const keyid = 'cd'.repeat(32);
        s.keys[keyid] = {
          keytype: 'sphincs',
          scheme: 'sphincs-shake-256f',
          keyval: { public: 'ab' },
        };
        s.roles.targets.keyids.push(keyid);
      }),
    status: 'warn',
    codes: ['UNKNOWN_KEY_TYPE'],
    role: { name: 'targets', facts: { threshold: 1, validSignatures: 1, keys: 2 } },
  },
  {
    // TUF: RSA keys MUST be at least 2048 bits; a 1024-bit key never counts.
    name: 'an RSA key under 2048 bits beside a usable one: warn',
    repo: () =>
      cleanRepo().mutateSigned('root', (s) => {
        const small = importKey(
          generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey,
          'rsa',
        );
        s.keys[small.keyid] = small.publicKey;
        s.roles.targets.keyids.push(small.keyid);
      }),
    status: 'warn',
    codes: ['KEY_TOO_SMALL'],
    role: { name: 'targets', facts: { threshold: 1, validSignatures: 1, keys: 2 } },
  },
] as const;

for (const c of cases) {
  t.test(c.name, async (t) => {
    const report = await verifyBuilt(c.repo());
    const outcome = check.evaluate(collected([snapshot(report)]));
    t.equal(outcome.status, c.status);
    t.strictSame(evidenceCodes(outcome), c.codes);
    const evidence = evidenceOf(outcome) as { roles: Record<string, unknown> };
    t.strictSame(evidence.roles[c.role.name], c.role.facts);
    t.match(evidence, { status: c.status, findingCount: c.codes.length });
  });
}

commonCases(t, check);

import t from 'tap';
import { keyHygieneCheck } from '../../../checks/tuf/key-hygiene.js';
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

const check = keyHygieneCheck;
const rootKeys = [generateKey(), generateKey()] as const;

t.test('separate keys, root threshold 2: pass', async (t) => {
  const report = await verifyBuilt(cleanRepo());
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'pass');
  t.strictSame(evidenceOf(outcome), {
    status: 'pass',
    findingCount: 0,
    findings: [],
    root: { version: 1, threshold: 2, keys: 2 },
    unusedKeys: [],
  });
});

t.test('timestamp signs with a root key: warn', async (t) => {
  const report = await verifyBuilt(
    cleanRepo({
      roles: { root: { keys: rootKeys, threshold: 2 }, timestamp: { keys: [rootKeys[0]] } },
    }),
  );
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'warn');
  t.match(evidenceOf(outcome), {
    findings: [
      { code: 'ONLINE_KEY_SHARED_WITH_ROOT', role: 'timestamp', keyid: rootKeys[0].keyid },
    ],
  });
});

t.test('root threshold 1: warn', async (t) => {
  const report = await verifyBuilt(cleanRepo({ roles: { root: { threshold: 1 } } }));
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'warn');
  t.strictSame(evidenceCodes(outcome), ['WEAK_ROOT_THRESHOLD']);
  t.match(evidenceOf(outcome), { root: { threshold: 1, keys: 1 } });
});

t.test('a keyid that is not the hash of its key: warn', async (t) => {
  const misnamed = importKey(generateKey().privateKey, 'ed25519', { keyid: 'ab'.repeat(32) });
  const report = await verifyBuilt(cleanRepo({ roles: { targets: { keys: [misnamed] } } }));
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'warn');
  t.match(evidenceOf(outcome), { findings: [{ code: 'KEYID_MISMATCH', keyid: misnamed.keyid }] });
});

t.test('a key no role uses is noted, and passes', async (t) => {
  const spare = generateKey();
  const report = await verifyBuilt(
    cleanRepo().mutateSigned('root', (s) => {
      s.keys[spare.keyid] = spare.publicKey;
    }),
  );
  const outcome = check.evaluate(collected([snapshot(report)]));
  t.equal(outcome.status, 'pass');
  t.strictSame(evidenceCodes(outcome), ['UNUSED_KEY']);
  t.match(evidenceOf(outcome), { unusedKeys: [spare.keyid], findingCount: 1 });
});

commonCases(t, check);

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadVerificationConfig } from '../../scripts/config.js';
import { UsageError } from '../../scripts/io.js';
import { ConfigError } from '../../server/config.js';
import { DEFAULT_HORIZONS, DEFAULT_LIMITS } from '../../tuf/limits.js';

const dir = mkdtempSync(join(tmpdir(), 'tufwatch-config-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

t.test('no config file gives the safe defaults', async (t) => {
  t.strictSame(await loadVerificationConfig(undefined), {
    horizons: DEFAULT_HORIZONS,
    limits: DEFAULT_LIMITS,
  });
});

t.test('a config without a verification section gives the defaults', async (t) => {
  const config = await loadVerificationConfig(file('other.json', '{"system":{"name":"x"}}'));
  t.strictSame(config, { horizons: DEFAULT_HORIZONS, limits: DEFAULT_LIMITS });
});

t.test('horizons and limits are overridden field by field', async (t) => {
  const path = file(
    'ok.json',
    JSON.stringify({
      verification: { horizons: { timestampWarnSeconds: 3600 }, limits: { maxTargetsBytes: 9 } },
    }),
  );
  const config = await loadVerificationConfig(path);
  t.equal(config.horizons.timestampWarnSeconds, 3600);
  t.equal(config.horizons.otherWarnSeconds, DEFAULT_HORIZONS.otherWarnSeconds);
  t.equal(config.limits.maxTargetsBytes, 9);
  t.equal(config.limits.maxRootBytes, DEFAULT_LIMITS.maxRootBytes);
});

const bad: [string, string, RegExp[]][] = [
  ['not JSON', '{', [/config .*bad-0\.json/]],
  ['not an object', '[]', [/\$: must be an object/]],
  ['verification not an object', '{"verification": 1}', [/verification: must be an object/]],
  [
    'horizons not an object',
    '{"verification": {"horizons": []}}',
    [/verification\.horizons: must be an object/],
  ],
  [
    'an unknown key in verification',
    '{"verification": {"horizon": {"timestampWarnSeconds": 1}}}',
    [/verification\.horizon: unknown field/],
  ],
  [
    'every bad field is named',
    '{"verification": {"limits": {"maxRootBytes": -1, "nope": 1}, "horizons": {"otherWarnSeconds": 1.5}}}',
    [
      /verification\.horizons\.otherWarnSeconds/,
      /verification\.limits\.maxRootBytes/,
      /verification\.limits\.nope: unknown field/,
    ],
  ],
];
bad.forEach(([name, text, patterns], i) => {
  t.test(`${name} is a UsageError`, async (t) => {
    const err = await loadVerificationConfig(file(`bad-${i}.json`, text)).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.type(err, UsageError);
    for (const p of patterns) t.match((err as Error).message, p);
  });
});

t.test('a missing file is a UsageError', async (t) => {
  await t.rejects(loadVerificationConfig(join(dir, 'missing.json')), UsageError);
});

t.test('the UsageError keeps the ConfigError with its code and problems', async (t) => {
  const err = await loadVerificationConfig(
    file('cause.json', '{"verification": {"limits": {"maxRootBytes": -1}}}'),
  ).then(
    () => undefined,
    (e: unknown) => e as UsageError,
  );
  t.type(err?.cause, ConfigError);
  t.match(err?.cause, {
    code: 'CONFIG_INVALID',
    problems: ['verification.limits.maxRootBytes: must be a non-negative integer'],
  });
  const missing = await loadVerificationConfig(join(dir, 'missing.json')).then(
    () => undefined,
    (e: unknown) => e as UsageError,
  );
  t.match(missing?.cause, { code: 'CONFIG_UNREADABLE' });
});

t.test('sections of the service are not validated by verify', async (t) => {
  const path = file('service.json', '{"repositories": "not checked here", "typo": 1}');
  t.strictSame(await loadVerificationConfig(path), {
    horizons: DEFAULT_HORIZONS,
    limits: DEFAULT_LIMITS,
  });
});

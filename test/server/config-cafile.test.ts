/** `repositories[].caFile`: a readable PEM bundle, resolved against the config file. */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ConfigError, loadConfig } from '../../server/config.js';
import { fixture } from '../support/fixtures.js';
import { TestCa } from '../support/tls.js';

const ca = new TestCa();
t.teardown(() => ca.remove());

function configWith(caFile: unknown, files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'tufwatch-cafile-'));
  mkdirSync(join(dir, 'roots'));
  copyFileSync(
    fixture('fleet', 'root_v6_updates.fleetdm.com.json'),
    join(dir, 'roots', 'fleet.json'),
  );
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const path = join(dir, 'tufwatch.json');
  writeFileSync(
    path,
    JSON.stringify({
      system: { name: 'Example', description: 'Example repository.' },
      repositories: [
        {
          name: 'example',
          url: 'https://tuf.example.com',
          trustedRoot: 'roots/fleet.json',
          caFile,
        },
      ],
    }),
  );
  return path;
}

t.test('a PEM bundle is read, resolved against the config directory', async (t) => {
  const bundle = `# our CAs\n${ca.ca.cert}\n${ca.issue('intermediate', ['x.example'], new Date(), new Date(Date.now() + 86400000)).cert}`;
  const path = configWith('ca.pem', { 'ca.pem': bundle });
  const config = await loadConfig(path, {});
  const repo = config.repositories[0]!;
  t.equal(repo.caFile, join(path, '..', 'ca.pem'));
  t.equal(repo.ca?.match(/BEGIN CERTIFICATE/g)?.length, 2);
  t.notMatch(repo.ca, /our CAs/, 'only the certificates are kept');
});

t.test('without caFile: nothing set', async (t) => {
  const config = await loadConfig(configWith(undefined), {});
  t.equal(config.repositories[0]!.caFile, undefined);
  t.equal(config.repositories[0]!.ca, undefined);
});

const cases: [string, unknown, Record<string, string | Buffer>, RegExp][] = [
  ['not a string', 42, {}, /must be a non-empty string/],
  ['missing file', 'nope.pem', {}, /cannot read/],
  ['no certificate in it', 'ca.pem', { 'ca.pem': 'hello' }, /holds no PEM certificate/],
  [
    'a block that does not parse',
    'ca.pem',
    { 'ca.pem': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' },
    /certificate 1 does not parse/,
  ],
  ['larger than 1 MiB', 'ca.pem', { 'ca.pem': Buffer.alloc(1024 * 1024 + 1, 0x41) }, /larger than/],
];
for (const [name, caFile, files, problem] of cases) {
  t.test(`refused: ${name}`, async (t) => {
    const err = await loadConfig(configWith(caFile, files), {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.type(err, ConfigError);
    const problems = (err as ConfigError).problems;
    t.equal(problems.length, 1, problems.join('\n'));
    t.match(problems[0], /^repositories\[0\]\.caFile: /);
    t.match(problems[0], problem);
  });
}

import { readFileSync } from 'node:fs';
import t from 'tap';
import { main, USAGE } from '../../scripts/cli.js';
import { fakeIo } from '../support/io.js';

t.test('no command prints usage and exits 2', async (t) => {
  const io = fakeIo();
  t.equal(await main([], io), 2);
  t.equal(io.stdout, USAGE);
});

for (const flag of ['--help', '-h', 'help']) {
  t.test(`${flag} prints usage and exits 0`, async (t) => {
    const io = fakeIo();
    t.equal(await main([flag], io), 0);
    t.match(io.stdout, /verify/);
    t.match(io.stdout, /client/);
  });
}

t.test('an unknown command exits 2 with usage on stderr', async (t) => {
  const io = fakeIo();
  t.equal(await main(['frobnicate'], io), 2);
  t.match(io.stderr, /unknown command 'frobnicate'/);
});

t.test('commands are dispatched with their arguments', async (t) => {
  for (const command of ['verify', 'run', 'serve', 'demo', 'client']) {
    const io = fakeIo();
    t.equal(await main([command, '--help'], io), 0, command);
    t.match(io.stdout, /Usage: tufwatch/);
  }
});

for (const flag of ['--version', '-V', 'version']) {
  t.test(`${flag} prints the package's version and exits 0`, async (t) => {
    const io = fakeIo();
    t.equal(await main([flag], io), 0);
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    t.equal(io.stdout, `tufwatch ${pkg.version}\n`);
  });
}

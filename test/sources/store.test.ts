import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { DirectoryStore } from '../../sources/store.js';
import { quoteName } from '../../tuf/delegations.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tufwatch-store-'));
t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));

void t.test('quoted role names are single files in the store directory', async (t) => {
  const dir = path.join(root, 'quoted');
  fs.mkdirSync(dir);
  const store = new DirectoryStore(dir);
  for (const role of ['../x', '/delegatedrole', '.', '..', '?', 'ö']) {
    const name = `${quoteName(role)}.json`;
    await store.write(name, Buffer.from(role));
    t.equal(Buffer.from((await store.read(name))!).toString('utf8'), role, name);
  }
  t.same(fs.readdirSync(dir).sort(), [
    '%2Fdelegatedrole.json',
    '%3F.json',
    '%C3%B6.json',
    '..%2Fx.json',
    '...json',
    '..json',
  ]);
  t.same(fs.readdirSync(root), ['quoted'], 'nothing was written outside it');
  t.equal(await store.read('missing.json'), undefined);
});

void t.test('names that are not one file name are refused', async (t) => {
  const store = new DirectoryStore(path.join(root, 'refusing'));
  for (const name of ['', '.', '..', '../x.json', 'a/b.json', 'a\\b.json', 'a\0.json']) {
    await t.rejects(
      store.write(name, Buffer.from('x')),
      /refused store name/,
      JSON.stringify(name),
    );
    await t.rejects(store.read(name), /refused store name/, JSON.stringify(name));
  }
});

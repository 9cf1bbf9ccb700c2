import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { main, USAGE } from '../../../scripts/cli.js';
import {
  EVIDENCE_USAGE,
  evidenceCommand,
  MAX_WHOLE_BUNDLE_BYTES,
  parseInstant,
  writeFileAtomic,
} from '../../../scripts/commands/evidence.js';
import { UsageError } from '../../../scripts/io.js';
import type { Bundle } from '../../../server/evidence-export.js';
import { generateSigningKey, signingKeyPath } from '../../../server/evidence-keys.js';
import {
  addRuns,
  evidenceFixture,
  FIVE_MINUTES_MS,
  MINUTE_MS,
  realistic,
  T0,
} from '../../support/evidence.js';
import { fakeIo } from '../../support/io.js';

const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE_MS);
const FROM = '2031-01-01';
const TO = '2031-01-02T00:00:00Z';

/** A config file whose store holds `runs` runs (one every 5 minutes), with its key in the data directory. */
function instance(t: Test, runs = 12) {
  const dir = t.testdir();
  const db = join(dir, 'data', 'tufwatch.db');
  const config = join(dir, 'tufwatch.json');
  writeFileSync(config, JSON.stringify({ storage: { path: 'data/tufwatch.db' } }));
  const f = evidenceFixture({ path: db, keyPath: signingKeyPath(db) });
  addRuns(f.store, at(5), runs, FIVE_MINUTES_MS, realistic);
  f.store.close();
  return { dir, db, config, key: f.keys.current().key };
}

async function run(argv: string[]) {
  const io = fakeIo(at(24 * 60));
  const code = await evidenceCommand(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

const exportTo = (config: string, out: string, ...more: string[]) =>
  run(['export', '--config', config, '--from', FROM, '--to', TO, '--out', out, ...more]);

t.test('tufwatch evidence is a command of the CLI', async (t) => {
  const io = fakeIo();
  t.equal(await main(['evidence', '--help'], io), 0);
  t.equal(io.stdout, EVIDENCE_USAGE);
  t.match(USAGE, /\n {2}evidence {2}signed, hash-chained evidence: export a period/);
});

t.test('usage', async (t) => {
  t.match(await run(['--help']), { code: 0, stdout: EVIDENCE_USAGE });
  t.match(await run(['help']), { code: 0 });
  t.match(await run([]), { code: 2, stderr: /a command is required/ });
  t.match(await run(['sign']), { code: 2, stderr: /unknown command 'sign'/ });
  t.match(await run(['__proto__']), { code: 2, stderr: /unknown command/ });
  t.match(await run(['verify']), { code: 2, stderr: /the bundle FILE is required/ });
  t.match(await run(['verify', 'a', 'b']), { code: 2, stderr: /unexpected argument 'b'/ });
  t.match(await run(['verify', '--nope']), { code: 2, stderr: /Unknown option/ });
  t.match(await run(['export', '--to', TO, '--out', 'x']), {
    code: 2,
    stderr: /--from is required/,
  });
  t.match(await run(['export', '--from', 'yesterday', '--to', TO, '--out', 'x']), {
    code: 2,
    stderr: /--from is not a date/,
  });
  t.match(await run(['export', '--from', TO, '--to', FROM, '--out', 'x']), {
    code: 2,
    stderr: /--from must be before --to/,
  });
  t.match(await run(['export', '--from', FROM, '--to', TO]), {
    code: 2,
    stderr: /--out FILE \(the bundle\) or --csv FILE is required/,
  });
  t.equal(parseInstant('from', '2031-01-31').toISOString(), '2031-01-31T00:00:00.000Z');
  t.equal(
    parseInstant('to', '2031-01-31T12:00:00+02:00').toISOString(),
    '2031-01-31T10:00:00.000Z',
  );
  t.throws(() => parseInstant('to', undefined), UsageError);
});

t.test('a config or store that is not there exits 2, and nothing is created', async (t) => {
  const dir = t.testdir({
    'bad.json': '{"storage": 1}',
    'empty.json': '{"storage": {"path": "data/tufwatch.db"}}',
    'memory.json': '{"storage": {"path": ":memory:"}}',
    'broken.json': '{"storage": {"path": "broken.db"}}',
    'broken.db': 'not a database',
  });
  const out = join(dir, 'bundle.json');
  t.match(await exportTo(join(dir, 'bad.json'), out), {
    code: 2,
    stderr: /storage: must be an object/,
  });
  t.match(await exportTo(join(dir, 'empty.json'), out), {
    code: 2,
    stderr: /no evidence store at/,
  });
  t.notOk(existsSync(join(dir, 'data')), 'no empty store created');
  t.match(await exportTo(join(dir, 'memory.json'), out), { code: 2, stderr: /no evidence store/ });
  t.match(await exportTo(join(dir, 'broken.json'), out), {
    code: 2,
    stderr: /cannot open the evidence store/,
  });
  for (const command of ['public-key', 'rotate-key']) {
    t.match(await run([command, '--config', join(dir, 'empty.json')]), { code: 2 }, command);
  }
  t.notOk(existsSync(out));
});

t.test('export: the bundle and the CSV, written owner-only, then verified', async (t) => {
  const { dir, config, key } = instance(t);
  const out = join(dir, 'out', 'bundle.json');
  const csv = join(dir, 'out', 'controls.csv');
  mkdirSync(join(dir, 'out'));
  const result = await exportTo(config, out, '--csv', csv);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /wrote .*controls\.csv: control status per day, \d+ bytes/);
  t.match(
    result.stdout,
    /wrote .*bundle\.json: \d+ bytes\nintact: \d+ records \(seq 1\.\.\d+\), 12 runs/,
  );
  t.match(result.stdout, `signed by ed25519 key ${key.fingerprint}, the key embedded`);
  t.equal(statSync(out).mode & 0o777, 0o600);
  t.notOk(existsSync(`${out}.partial`), 'no partial file left');
  const bundle = JSON.parse(readFileSync(out, 'utf8')) as Bundle;
  t.equal(bundle.summary.runs, 12);
  t.match(readFileSync(csv, 'utf8'), /^date,control,title,runs,[^\n]+\r\n2031-01-01,TW-01,/);

  // CSV alone.
  const csvOnly = await run([
    'export',
    '--config',
    config,
    '--from',
    FROM,
    '--to',
    TO,
    '--csv',
    csv,
  ]);
  t.match(csvOnly, { code: 0, stdout: /control status per day/ });
  t.notMatch(csvOnly.stdout, /intact/);

  // Somewhere that cannot be written.
  t.match(await exportTo(config, join(dir, 'missing', 'bundle.json')), {
    code: 2,
    stderr: /cannot write .*missing\/bundle\.json/,
  });
  t.match(await exportTo(config, out, '--csv', join(dir, 'missing', 'c.csv')), {
    code: 2,
    stderr: /cannot write .*c\.csv/,
  });
});

t.test('export: a signing key others can read is refused (exit 2)', async (t) => {
  const { dir, db, config } = instance(t, 2);
  chmodSync(signingKeyPath(db) as string, 0o644);
  t.match(await exportTo(config, join(dir, 'b.json')), {
    code: 2,
    stderr: /export: .* must be readable by its owner only/,
  });
});

t.test(
  'export of a store edited behind tufwatch: written, and it does not verify (exit 1)',
  async (t) => {
    const { dir, db, config } = instance(t, 3);
    const raw = new Database(db);
    raw.exec(
      "DROP TRIGGER check_results_no_update; UPDATE check_results SET message = 'all good' WHERE seq = 4",
    );
    raw.close();
    const out = join(dir, 'b.json');
    const result = await exportTo(config, out);
    t.equal(result.code, 1);
    t.match(result.stderr, /does not verify/);
    t.match(result.stdout, /^BROKEN: RECORD_HASH_MISMATCH at record 4: /);
    t.ok(existsSync(out), 'the file is there for the operator to look at');
  },
);

t.test('verify: exit 0 intact, 1 broken with the record, 2 unreadable', async (t) => {
  const { dir, config, key } = instance(t);
  const out = join(dir, 'bundle.json');
  t.equal((await exportTo(config, out)).code, 0);
  const text = readFileSync(out, 'utf8');

  t.match(await run(['verify', out]), { code: 0, stdout: /^intact: / });
  const empty = join(dir, 'empty.json');
  t.match(
    await run([
      'export',
      '--config',
      config,
      '--from',
      '2032-01-01',
      '--to',
      '2032-02-01',
      '--out',
      empty,
    ]),
    { code: 0, stdout: /intact: 0 records \(no record\), 0 runs/ },
  );
  const json = await run(['verify', out, '--json']);
  t.match(JSON.parse(json.stdout), { ok: true, runs: 12, fingerprint: key.fingerprint });

  // The instance's key, as `public-key` prints it, pins the signature.
  const printed = await run(['public-key', '--config', config]);
  t.equal(printed.code, 0);
  t.equal(printed.stdout, key.publicKey);
  t.match(printed.stderr, `fingerprint (sha256 of the SPKI DER key): ${key.fingerprint}`);
  const pem = join(dir, 'instance.pem');
  writeFileSync(pem, printed.stdout);
  t.match(await run(['verify', out, '--public-key', pem]), { code: 0, stdout: /the given key/ });
  const other = join(dir, 'other.pem');
  writeFileSync(other, generateSigningKey().key.publicKey);
  t.match(await run(['verify', out, '--public-key', other]), {
    code: 1,
    stdout: /^BROKEN: PUBLIC_KEY_MISMATCH: /,
  });

  // One field of one record changed.
  const tampered = join(dir, 'tampered.json');
  const lines = text.split('\n');
  lines[7] = (lines[7] as string).replace(/"status":"\w+"/, '"status":"not_applicable"');
  writeFileSync(tampered, lines.join('\n'));
  t.match(await run(['verify', tampered]), {
    code: 1,
    stdout: /^BROKEN: RECORD_HASH_MISMATCH at record 6: record 6 was changed/,
  });
  t.match(JSON.parse((await run(['verify', tampered, '--json'])).stdout), {
    ok: false,
    problem: { code: 'RECORD_HASH_MISMATCH', seq: 6 },
  });

  // Reformatted by another tool: read whole, same verdict; not JSON at all: broken.
  const pretty = join(dir, 'pretty.json');
  writeFileSync(pretty, JSON.stringify(JSON.parse(text), null, 2));
  t.match(await run(['verify', pretty]), { code: 0 });
  // A leading space sends the file to the whole-file path: a record with a key twice
  // (JSON.parse reads the last, SQLite's json_extract the first) is refused there too,
  // with the instance's key pinned or not.
  const duplicated = join(dir, 'duplicated.json');
  const dup = text.split('\n');
  dup[7] = (dup[7] as string).replace(/"status":"(\w+)"/, '"status":"fail","status":"$1"');
  writeFileSync(duplicated, ` ${dup.join('\n')}`);
  for (const args of [[], ['--public-key', pem]]) {
    t.match(await run(['verify', duplicated, ...args]), {
      code: 1,
      stdout: /^BROKEN: BUNDLE_MALFORMED: the key "status" appears twice in one object/,
    });
  }
  const garbage = join(dir, 'garbage.json');
  writeFileSync(garbage, '{"format": "tufwatch-evidence-bundle"');
  t.match(await run(['verify', garbage]), {
    code: 1,
    stdout: /^BROKEN: BUNDLE_MALFORMED: not JSON/,
  });
  // Reformatted, with a byte that is not UTF-8: refused, not read as U+FFFD.
  const notText = join(dir, 'not-utf8.json');
  writeFileSync(
    notText,
    Buffer.concat([Buffer.from(JSON.stringify(JSON.parse(text), null, 2)), Buffer.from([0xff])]),
  );
  t.match(await run(['verify', notText]), {
    code: 1,
    stdout: /^BROKEN: BUNDLE_MALFORMED: the file is not UTF-8 text/,
  });
  const malformed = join(dir, 'malformed.json');
  writeFileSync(malformed, JSON.stringify({ ...JSON.parse(text), period: 1 }));
  t.match(await run(['verify', malformed]), {
    code: 1,
    stdout: /BUNDLE_MALFORMED: the bundle header is malformed\n {2}fields: period, /,
  });
  // Too large to read whole, and not in the line layout: sparse, so it costs nothing on disk.
  const huge = join(dir, 'huge.json');
  writeFileSync(huge, '');
  truncateSync(huge, MAX_WHOLE_BUNDLE_BYTES + 1);
  t.match(await run(['verify', huge]), { code: 1, stdout: /larger than 268435456 bytes/ });
  // A manifest that names a field: shown in parentheses.
  const renamed = join(dir, 'renamed.json');
  const fresh = text.split('\n');
  const sig = fresh.findIndex((l) => l.startsWith('"signature":'));
  fresh[sig] = (fresh[sig] as string).replace(
    /"keyFingerprint":"\w+"/,
    `"keyFingerprint":"${'a'.repeat(64)}"`,
  );
  writeFileSync(renamed, fresh.join('\n'));
  t.match(await run(['verify', renamed]), { code: 1, stdout: /KEY_FINGERPRINT_MISMATCH \(key\)/ });

  for (const [name, args, message] of [
    ['missing file', ['verify', join(dir, 'nope.json')], /cannot read .*nope\.json/],
    ['a directory', ['verify', dir], /cannot read/],
    ['missing key file', ['verify', out, '--public-key', join(dir, 'nope.pem')], /cannot read/],
    ['not a key', ['verify', out, '--public-key', config], /not an Ed25519 public key/],
  ] as const) {
    t.match(await run([...args]), { code: 2, stderr: message }, name);
  }
  const big = join(dir, 'big.pem');
  writeFileSync(big, 'x'.repeat(70_000));
  t.match(await run(['verify', out, '--public-key', big]), { code: 2, stderr: /larger than/ });
});

t.test('public-key before any key exists', async (t) => {
  const { db, config } = instance(t, 1);
  const { rmSync } = await import('node:fs');
  rmSync(signingKeyPath(db) as string);
  t.match(await run(['public-key', '--config', config]), {
    code: 2,
    stderr: /no signing key at .*evidence-signing-key\.pem: 'tufwatch serve' creates it/,
  });
});

t.test('rotate-key: new exports are signed by the new key, old ones still verify', async (t) => {
  const { dir, config, key } = instance(t, 4);
  const before = join(dir, 'before.json');
  t.equal((await exportTo(config, before)).code, 0);
  const oldPem = join(dir, 'old.pem');
  writeFileSync(oldPem, key.publicKey);

  const rotated = await run(['rotate-key', '--config', config]);
  t.equal(rotated.code, 0);
  const [, from, to] =
    /rotated the evidence signing key: (\w+) -> (\w+)/.exec(rotated.stdout) ?? [];
  t.equal(from, key.fingerprint);
  t.not(to, key.fingerprint);

  // Up to a day after the rotation (made at the end of the first export's period).
  const after = join(dir, 'after.json');
  const exported = await run([
    'export',
    '--config',
    config,
    '--from',
    FROM,
    '--to',
    '2031-01-03',
    '--out',
    after,
  ]);
  t.equal(exported.code, 0, exported.stderr);
  t.match(await run(['verify', before, '--public-key', oldPem]), { code: 0 });
  t.match(await run(['verify', after, '--public-key', oldPem]), {
    code: 1,
    stdout: /PUBLIC_KEY_MISMATCH/,
  });
  const bundle = JSON.parse(readFileSync(after, 'utf8')) as Bundle;
  t.equal(bundle.manifest.key.fingerprint, to);
  t.match(bundle.keys, [
    { fingerprint: key.fingerprint, reason: 'created' },
    { fingerprint: to, reason: 'rotated', retiredAt: null },
  ]);
  t.match(
    bundle.records.filter((r) => r.kind === 'signing-key').at(-1),
    { fingerprint: to, previousFingerprint: key.fingerprint, reason: 'rotated' },
    'the rotation is a record of the chain',
  );
});

t.test('rotate-key replaces a key that others could read, and says so', async (t) => {
  const { db, config } = instance(t, 1);
  chmodSync(signingKeyPath(db) as string, 0o644);
  const rotated = await run(['rotate-key', '--config', config]);
  t.equal(rotated.code, 0);
  t.match(rotated.stdout, /rotated the evidence signing key: none -> \w+/);
  t.match(rotated.stderr, /the previous key was unusable: .* readable by its owner only/);
  t.equal(statSync(signingKeyPath(db) as string).mode & 0o777, 0o600);
});

t.test('writeFileAtomic: a failure mid-write leaves neither the file nor a partial one', (t) => {
  const dir = t.testdir({ 'bundle.json': 'the previous export', 'bundle.json.partial': 'stale' });
  const path = join(dir, 'bundle.json');
  function* failing(): Generator<string> {
    yield 'x'.repeat(1000);
    throw new Error('record 7 is missing');
  }
  t.throws(() => writeFileAtomic(path, failing()), { message: 'record 7 is missing' });
  t.equal(readFileSync(path, 'utf8'), 'the previous export', 'the complete file is untouched');
  t.notOk(existsSync(`${path}.partial`), 'the partial file is removed');
  t.equal(writeFileAtomic(path, ['new ', 'content \u20ac']), 15);
  t.equal(readFileSync(path, 'utf8'), 'new content \u20ac');
  t.end();
});

const CHILD = fileURLToPath(new URL('fixtures/export-child.ts', import.meta.url));

/** Spawns the export child; `watch` sees its output as it comes and may SIGKILL it. */
async function child(
  t: Test,
  args: string[],
  watch: (output: string, kill: () => void) => void,
): Promise<{ output: string; signal: NodeJS.Signals | null }> {
  const proc = spawn(process.execPath, [...process.execArgv, CHILD, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  let output = '';
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const kill = () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  };
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    watch(output, kill);
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
    proc.on('close', (_code, s) => resolve(s)),
  );
  return { output, signal };
}

t.test(
  'a crash during export never leaves a half-written file presented as complete',
  async (t) => {
    // Enough runs for the bundle to span several chunks.
    const { dir, config } = instance(t, 150);
    const out = join(dir, 'bundle.json');
    t.equal((await exportTo(config, out)).code, 0);
    const previous = readFileSync(out);

    t.test('killed with two chunks written', async (t) => {
      const { output, signal } = await child(t, [config, out, FROM, TO, 'pause'], (o, kill) => {
        if (o.includes('paused')) kill();
      });
      t.equal(signal, 'SIGKILL', output);
      t.ok(readFileSync(out).equals(previous), 'the complete bundle from before is untouched');
      t.match(await run(['verify', out]), { code: 0 });
      const partial = `${out}.partial`;
      t.ok(statSync(partial).size >= 2 * 256 * 1024, 'the partial file has what was written');
      t.match(await run(['verify', partial]), {
        code: 1,
        stdout: /^BROKEN: BUNDLE_MALFORMED: the bundle ends inside/,
      });
      // The next export replaces the partial file and completes.
      t.equal((await exportTo(config, out)).code, 0);
      t.notOk(existsSync(partial));
    });

    t.test('killed at any moment: the file is absent, or complete and intact', async (t) => {
      for (const delayMs of [0, 20, 60, 150, 400]) {
        const fresh = join(dir, `killed-${delayMs}.json`);
        let timer: NodeJS.Timeout | undefined;
        const { output } = await child(t, [config, fresh, FROM, TO, 'cli'], (o, kill) => {
          if (o.includes('started')) timer ??= setTimeout(kill, delayMs);
        });
        clearTimeout(timer);
        if (existsSync(fresh)) {
          t.match(await run(['verify', fresh]), { code: 0 }, `after ${delayMs} ms: intact`);
        } else {
          t.pass(`after ${delayMs} ms: no file (${output.includes('exit') ? 'done' : 'killed'})`);
        }
      }
    });
  },
);

t.test('an unexpected failure is not dressed up as a usage problem', async (t) => {
  const keys = await import('../../../server/evidence-keys.js');
  class Failing extends keys.SigningKeyFile {
    override rotate(): never {
      throw new Error('the disk is on fire');
    }
  }
  const mocked = await t.mockImport<typeof import('../../../scripts/commands/evidence.js')>(
    '../../../scripts/commands/evidence.js',
    { '../../../server/evidence-keys.js': { ...keys, SigningKeyFile: Failing } },
  );
  const { config } = instance(t, 1);
  await t.rejects(mocked.evidenceCommand(['rotate-key', '--config', config], fakeIo()), {
    message: 'the disk is on fire',
  });
});

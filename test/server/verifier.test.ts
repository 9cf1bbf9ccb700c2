import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { laneOf, Verifier, VerifyTimeoutError, type VerifyJob } from '../../server/verifier.js';
import { DEFAULT_HORIZONS, DEFAULT_LIMITS } from '../../tuf/limits.js';
import { RepoBuilder, writeRepo } from '../support/builder.js';

const now = new Date('2030-01-01T00:00:00Z');
const files = new RepoBuilder({ now, roles: { root: { threshold: 2 } } })
  .addTarget('a.txt', 'hello')
  .build();
const dir = mkdtempSync(join(tmpdir(), 'tufwatch-verifier-'));
writeRepo(files, dir);

const common = {
  trustedRoot: files.get('1.root.json') as Uint8Array,
  now: now.toISOString(),
  limits: { ...DEFAULT_LIMITS },
  horizons: { ...DEFAULT_HORIZONS },
};
const repositoryJob: VerifyJob = {
  ...common,
  kind: 'repository',
  url: dir,
  targetsUrl: join(dir, 'targets'),
  checkTargets: true,
  verifiedTargets: [],
};

t.test('a repository is verified in the worker, with its targets', async (t) => {
  const verifier = new Verifier();
  t.teardown(() => verifier.close());
  const report = await verifier.verify(repositoryJob, 30_000);
  t.equal(report.ok, true);
  t.strictSame(Object.keys(report.targets ?? {}), ['a.txt']);
  t.strictSame(Object.keys(report.verifiedTargets ?? {}), ['a.txt']);
});

t.test('a host that redirects: the report names where each answer came from', async (t) => {
  // /old/... answers with a redirect to /new/...; /new/ serves the repository.
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/old/')) {
      res.writeHead(301, { location: `/new/${url.slice('/old/'.length)}` }).end();
      return;
    }
    const file = join(dir, ...decodeURIComponent(url.slice('/new/'.length)).split('/'));
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const verifier = new Verifier();
  t.teardown(() => verifier.close());
  const report = await verifier.verify(
    { ...repositoryJob, url: `${base}/old/`, targetsUrl: `${base}/old/targets` },
    30_000,
  );
  t.equal(report.ok, true, JSON.stringify(report.findings));
  t.equal(report.redirects?.[`${base}/old/timestamp.json`], `${base}/new/timestamp.json`);
  t.equal(report.redirects?.[`${base}/old/targets/a.txt`], `${base}/new/targets/a.txt`);
});

t.test('staged files are verified from memory', async (t) => {
  const verifier = new Verifier();
  t.teardown(() => verifier.close());
  const staged = [...files].filter(([name]) => !name.startsWith('targets/'));
  const report = await verifier.verify({ ...common, kind: 'staged', files: staged }, 30_000);
  t.equal(report.ok, true, JSON.stringify(report.findings));
  t.equal(report.roles.timestamp?.version, 1);
});

t.test('a release upload is verified over the published repository', async (t) => {
  // Published: root v1 and everything at version 1. The release: timestamp, snapshot and targets only.
  const b = new RepoBuilder({ now, roles: { root: { threshold: 2 } } }).addTarget('a.txt', 'hello');
  const live = mkdtempSync(join(tmpdir(), 'tufwatch-published-'));
  const published = b.build();
  writeRepo(published, live);
  for (const role of ['timestamp', 'snapshot', 'targets']) b.setVersion(role, 2);
  const release = b.addTarget('b.txt', 'b').build();
  const upload = (...names: string[]): [string, Uint8Array][] =>
    names.map((name) => [name, release.get(name) as Uint8Array]);
  const verifier = new Verifier();
  t.teardown(() => verifier.close());
  const trustedRoot = published.get('1.root.json') as Uint8Array;
  const job = { ...common, trustedRoot, kind: 'staged', published: live } as const;

  const report = await verifier.verify(
    { ...job, files: upload('timestamp.json', 'snapshot.json', 'targets.json') },
    30_000,
  );
  t.strictSame(report.findings, [], 'nothing to say: root and the rest are what is live');
  t.equal(report.ok, true);
  t.equal(report.roles.targets?.version, 2);

  // A new root uploaded as 2.root.json alone: root.json is that one, as a release writes it.
  const rotated = b.rotateRoot().setVersion('timestamp', 3).build();
  const withRoot = await verifier.verify(
    {
      ...job,
      files: ['2.root.json', 'timestamp.json', 'snapshot.json', 'targets.json'].map((name) => [
        name,
        rotated.get(name) as Uint8Array,
      ]),
    },
    30_000,
  );
  t.strictSame(withRoot.findings, []);
  t.equal(withRoot.roles.root?.version, 2);

  // What changed is still judged: a timestamp behind the live one.
  writeRepo(b.setVersion('timestamp', 9).build(), live);
  const behind = await verifier.verify({ ...job, files: upload('timestamp.json') }, 30_000);
  t.ok(behind.findings.some((f) => f.code === 'VERSION_ROLLBACK' && f.role === 'timestamp'));
});

t.test('jobs run one at a time, in order', async (t) => {
  const verifier = new Verifier();
  t.teardown(() => verifier.close());
  const results = await Promise.all([
    verifier.verify(repositoryJob, 30_000),
    verifier.verify({ ...repositoryJob, url: join(dir, 'missing') }, 30_000),
  ]);
  t.equal(results[0].ok, true);
  t.equal(results[1].ok, false);
});

t.test('a failure inside the worker rejects that job only', async (t) => {
  const verifier = new Verifier();
  t.teardown(() => verifier.close());
  // An invalid reference time makes the report impossible to write: the job throws in the worker.
  await t.rejects(verifier.verify({ ...repositoryJob, now: 'not a date' }, 30_000), {
    message: /Invalid time value/,
  });
  t.equal((await verifier.verify(repositoryJob, 30_000)).ok, true);
});

t.test('a job over its timeout stops the worker; the next job gets a fresh one', async (t) => {
  const verifier = new Verifier();
  t.teardown(() => verifier.close());
  await t.rejects(verifier.verify(repositoryJob, 1), VerifyTimeoutError);
  t.equal((await verifier.verify(repositoryJob, 30_000)).ok, true);
});

t.test('a worker that cannot start fails the job', async (t) => {
  const verifier = new Verifier(new URL('./no-such-worker.mjs', import.meta.url));
  t.teardown(() => verifier.close());
  await t.rejects(verifier.verify(repositoryJob, 30_000));
});

t.test('a worker that exits on its own fails the job in flight', async (t) => {
  const exiting = new URL('data:text/javascript,process.exit(3)');
  const verifier = new Verifier(exiting);
  t.teardown(() => verifier.close());
  await t.rejects(verifier.verify(repositoryJob, 30_000), { message: /exited/ });
});

t.test('after close, jobs are refused', async (t) => {
  const verifier = new Verifier();
  await verifier.close();
  await t.rejects(verifier.verify(repositoryJob, 30_000), { message: /closed/ });
});

/** test/server/fixtures/hold-verify-worker.ts: holds staged jobs until released. */
const HOLD_WORKER = new URL('./fixtures/hold-verify-worker.ts', import.meta.url);

/** Atomics.waitAsync (Node 16+, ES2024: not in this project's TypeScript lib). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(this: void, a: Int32Array, i: number, v: number): { value: Promise<string> | string };
  }
).waitAsync;

/** An upload the hold worker blocks on: [0] releases it, [1] is set when it has started. */
function heldUpload(): { job: VerifyJob; started: Promise<unknown>; release: () => void } {
  const hold = new Int32Array(new SharedArrayBuffer(8));
  return {
    job: { ...common, kind: 'staged', files: [['hold', new Uint8Array(hold.buffer)]] },
    started: Promise.resolve(waitAsync(hold, 1, 0).value),
    release: () => {
      Atomics.store(hold, 0, 1);
      Atomics.notify(hold, 0);
    },
  };
}

t.test('a run completes while an upload holds its worker (issue 9)', async (t) => {
  const verifier = new Verifier(HOLD_WORKER);
  t.teardown(() => verifier.close());
  const order: string[] = [];
  const upload = heldUpload();
  const uploaded = verifier.verify(upload.job, 60_000).then(() => order.push('upload'));
  await upload.started;
  // With one shared worker the run would wait behind the upload forever: the safety net
  // releases the upload after a while, and the order shows who finished first.
  const safetyNet = setTimeout(upload.release, 10_000);
  await verifier.verify(repositoryJob, 60_000).then(() => order.push('run'));
  upload.release();
  await uploaded;
  clearTimeout(safetyNet);
  t.strictSame(order, ['run', 'upload'], 'the run finished while the upload was held');
});

t.test("an upload over its timeout stops the upload's worker only", async (t) => {
  const verifier = new Verifier(HOLD_WORKER);
  t.teardown(() => verifier.close());
  const upload = heldUpload();
  const uploaded = verifier.verify(upload.job, 50);
  const queued = heldUpload();
  // Queued behind the held upload in the upload lane; the run is not.
  const next = verifier.verify(queued.job, 60_000);
  t.equal((await verifier.verify(repositoryJob, 60_000)).ok, true);
  await t.rejects(uploaded, VerifyTimeoutError);
  // The next upload gets a fresh worker.
  await queued.started;
  queued.release();
  t.equal((await next).ok, true);
  t.equal((await verifier.verify(repositoryJob, 60_000)).ok, true, 'the run lane still answers');
});

t.test('jobs go to their lane: staged metadata to uploads, repositories to runs', (t) => {
  t.equal(laneOf(repositoryJob), 'monitor');
  t.equal(laneOf({ ...common, kind: 'staged', files: [] }), 'upload');
  t.end();
});

import t, { type Test } from 'tap';
import type { AppDeps } from '../../../server/types.js';
import { MemorySource } from '../../../sources/memory.js';
import { stagedSource } from '../../../sources/overlay.js';
import type { MetadataSource } from '../../../tuf/source.js';
import { verifyRepository, type VerifyReport } from '../../../tuf/verify.js';
import { RepoBuilder } from '../../support/builder.js';
import {
  AUTH,
  DAY_MS,
  EMPTY_REPORT,
  fakeDeps,
  json,
  NOW,
  OTHER_TOKEN,
  testApp,
  TOKEN,
} from '../../support/fakes.js';

/** A staged repository as a release engineer would upload it: metadata only. */
function staged(builder: RepoBuilder): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, bytes] of builder.build()) {
    if (!name.startsWith('targets/')) files[name] = bytes.toString('utf8');
  }
  return files;
}

const repo = (style: 'indent' | 'compact' = 'indent') =>
  new RepoBuilder({ now: NOW, roles: { root: { threshold: 2 } }, style })
    .addTarget('orbit/macos/stable/orbit', 'binary')
    .addDelegation({ name: 'role1', paths: ['role1/*'], targets: { 'role1/a.txt': 'a' } });

/** verifyStaged as the service's worker runs it, in-process: the upload over what is published. */
function realVerifier(
  trustedRoot: Uint8Array,
  published?: MetadataSource,
): AppDeps['verifyStaged'] {
  return (files, { at }) =>
    verifyRepository({
      repository: stagedSource(files, published),
      trustedRoot,
      published,
      targetsMode: 'skip',
      now: at ?? NOW,
    });
}

async function realApp(
  t: Test,
  builder: RepoBuilder,
  maxUploadBytes = 1024 * 1024,
  published?: MetadataSource,
) {
  const files = staged(builder);
  const trustedRoot = Buffer.from(files['1.root.json'] as string, 'utf8');
  const deps = fakeDeps({ maxUploadBytes, verifyStaged: realVerifier(trustedRoot, published) });
  return { ...(await testApp(t, deps, { rateLimit: { max: 1000, timeWindowMs: 60_000 } })), files };
}

const verify = (payload: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST' as const,
  url: '/api/v1/verify',
  headers: { ...AUTH, ...headers },
  payload: payload as Record<string, unknown>,
});

t.test('a valid staged repository: 200 with the verify report', async (t) => {
  const { app, files, deps } = await realApp(t, repo());
  const res = await app.inject(verify({ files }));
  t.equal(res.statusCode, 200);
  const report = json<VerifyReport>(res);
  t.equal(report.ok, true, JSON.stringify(report.findings));
  t.equal(report.referenceTime, NOW.toISOString(), 'at defaults to now');
  t.strictSame(Object.keys(report.roles).sort(), [
    'role1',
    'root',
    'snapshot',
    'targets',
    'timestamp',
  ]);
  t.match(report.roles.root, { version: 1, threshold: 2, validSignatures: 2, keys: 2 });
  t.equal(report.targetCount, 2);
  t.strictSame(report.findings, []);
  t.notOk('verifiedTargets' in report);
  t.notOk('targets' in report);
  t.strictSame([...(deps.verifyCalls[0]?.files.keys() ?? [])].sort(), Object.keys(files).sort());
  t.equal(
    Buffer.from(deps.verifyCalls[0]?.files.get('timestamp.json') ?? []).toString(),
    files['timestamp.json'],
    'strings are passed as their exact UTF-8 bytes',
  );
});

t.test('files sent as objects are serialized with JSON.stringify', async (t) => {
  // Compact JSON re-serializes to the same bytes, so lengths and hashes still match.
  const { app, files } = await realApp(t, repo('compact'));
  const objects = Object.fromEntries(
    Object.entries(files).map(([name, text]) => [name, JSON.parse(text) as object]),
  );
  const res = await app.inject(verify({ files: objects }));
  t.equal(res.statusCode, 200);
  t.equal(json<VerifyReport>(res).ok, true);

  // Indented files do not: timestamp lists the snapshot's length and hash.
  const indented = await realApp(t, repo('indent'));
  const reparsed = Object.fromEntries(
    Object.entries(indented.files).map(([name, text]) => [name, JSON.parse(text) as object]),
  );
  const report = json<VerifyReport>(await indented.app.inject(verify({ files: reparsed })));
  t.equal(report.ok, false);
  t.ok(report.findings.some((f) => f.code === 'LENGTH_MISMATCH' || f.code === 'HASH_MISMATCH'));
});

t.test('a report with errors is still 200 with ok: false', async (t) => {
  const expired = await realApp(t, repo());
  const late = new Date(NOW.getTime() + 400 * DAY_MS).toISOString();
  const res = await expired.app.inject(verify({ files: expired.files, at: late }));
  t.equal(res.statusCode, 200);
  const report = json<VerifyReport>(res);
  t.equal(report.ok, false);
  t.equal(report.referenceTime, late);
  t.ok(report.findings.some((f) => f.code === 'METADATA_EXPIRED' && f.severity === 'error'));

  const tampered = await realApp(
    t,
    repo().tamper('timestamp', (signed) => {
      signed.version = 99;
    }),
  );
  const bad = json<VerifyReport>(await tampered.app.inject(verify({ files: tampered.files })));
  t.equal(bad.ok, false);
  t.ok(
    bad.findings.some((f) => f.code === 'SIGNATURE_THRESHOLD_NOT_MET' && f.role === 'timestamp'),
  );
  t.strictSame(bad.untrustedRoles, ['timestamp'], 'the role that did not check out is named');

  const missing = await realApp(t, repo());
  const { ['snapshot.json']: _snapshot, ...withoutSnapshot } = missing.files;
  const gone = json<VerifyReport>(await missing.app.inject(verify({ files: withoutSnapshot })));
  t.equal(gone.ok, false);
  t.ok(gone.findings.some((f) => f.code === 'METADATA_MISSING'));
});

t.test(
  'the usual release upload is judged over what is published: only changes speak',
  async (t) => {
    const builder = repo().setVersion('targets', 3).setVersion('timestamp', 5);
    const live = new MemorySource(builder.build(), 'https://updates.example/');
    builder.setVersion('timestamp', 6).setVersion('snapshot', 2).setVersion('targets', 4);
    const { app, files } = await realApp(t, builder.addTarget('new', 'n'), 1024 * 1024, live);
    const release = Object.fromEntries(
      ['timestamp.json', 'snapshot.json', 'targets.json'].map((name) => [name, files[name]]),
    );
    const report = json<VerifyReport>(await app.inject(verify({ files: release })));
    t.strictSame(report.findings, []);
    t.equal(report.ok, true);
    t.equal(report.roles.targets?.version, 4);
    t.strictSame(report.roles.timestamp?.keyids, [builder.keysOf('timestamp')[0]?.keyid]);

    // A timestamp key rotation lets the timestamp start again: reported, and named in the report.
    builder.rotateRoot({ roles: { timestamp: {} } }).setVersion('timestamp', 1);
    const recovery = staged(builder);
    const recovered = json<VerifyReport>(
      await app.inject(
        verify({
          files: Object.fromEntries(
            ['2.root.json', 'timestamp.json', 'snapshot.json', 'targets.json'].map((name) => [
              name,
              recovery[name],
            ]),
          ),
        }),
      ),
    );
    t.strictSame(
      recovered.findings.map((f) => [f.code, f.role, f.expected, f.actual]),
      [['FAST_FORWARD_RECOVERY', 'timestamp', 5, 1]],
    );
    t.equal(recovered.ok, true);
    t.strictSame(recovered.recoveredRoles, ['timestamp']);

    // A targets upload behind the published one is still a rollback.
    builder.setVersion('targets', 2);
    const behind = staged(builder);
    const rolledBack = json<VerifyReport>(
      await app.inject(
        verify({
          files: {
            'snapshot.json': behind['snapshot.json'],
            'timestamp.json': behind['timestamp.json'],
            'targets.json': behind['targets.json'],
          },
        }),
      ),
    );
    t.ok(rolledBack.findings.some((f) => f.code === 'VERSION_ROLLBACK' && f.role === 'targets'));
  },
);

t.test('at must be an RFC 3339 date-time', async (t) => {
  const { app, deps } = await testApp(t);
  for (const at of ['tomorrow', '2031-03-01', '2031-02-30T00:00:00Z']) {
    const res = await app.inject(verify({ files: { 'root.json': '{}' }, at }));
    t.equal(res.statusCode, 400, at);
    t.equal(json(res).code, 'BAD_REQUEST');
  }
  t.equal(deps.verifyCalls.length, 0, 'nothing was verified');
  const ok = await app.inject(
    verify({ files: { 'root.json': '{}' }, at: '2031-03-01T00:00:00-05:00' }),
  );
  t.equal(ok.statusCode, 200);
  t.equal(deps.verifyCalls[0]?.at?.toISOString(), '2031-03-01T05:00:00.000Z');
});

t.test('a verifier that fails is 422 VERIFY_FAILED, without its message', async (t) => {
  const deps = fakeDeps({
    verifyStaged: () => Promise.reject(new Error('worker crashed at /srv/secret/path')),
  });
  const { app } = await testApp(t, deps);
  const res = await app.inject(verify({ files: { 'root.json': { signed: {} } } }));
  t.equal(res.statusCode, 422);
  const body = json(res);
  t.equal(body.code, 'VERIFY_FAILED');
  t.notMatch(res.body, /secret|crashed/);
});

t.test('file names: metadata files of one directory only, every problem reported', async (t) => {
  const { app, deps } = await testApp(t);
  const bad = {
    '../root.json': '{}',
    'targets/orbit.json': '{}',
    'a\\b.json': '{}',
    '1...json': '{}',
    'bad\u0001.json': '{}',
    'root.txt': '{}',
    '': '{}',
    [`${'x'.repeat(251)}.json`]: '{}',
  };
  const res = await app.inject(verify({ files: { 'root.json': '{}', ...bad } }));
  t.equal(res.statusCode, 400);
  const { code, message } = json<{ code: string; message: string }>(res);
  t.equal(code, 'BAD_REQUEST');
  t.equal(message.split('; ').length, Object.keys(bad).length, message);
  t.equal(deps.verifyCalls.length, 0);
  const fine = await app.inject(
    verify({
      files: { [`${'x'.repeat(250)}.json`]: '{}', '2.root.json': '{}', 'role%2F1.json': '{}' },
    }),
  );
  t.equal(fine.statusCode, 200, 'names up to 255 characters');
});

t.test('hostile uploads are refused with 4xx codes', async (t) => {
  const { app, deps } = await testApp(t, fakeDeps({ maxUploadBytes: 64 * 1024 }), {
    rateLimit: { max: 1000, timeWindowMs: 60_000 },
  });
  const nested = (depth: number): unknown => {
    let value: unknown = 'leaf';
    for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
    return value;
  };
  const files = (n: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`${i}.root.json`, '']));
  const raw = (payload: string, contentType = 'application/json') => ({
    method: 'POST' as const,
    url: '/api/v1/verify',
    headers: { ...AUTH, 'content-type': contentType },
    payload,
  });
  const cases: [string, ReturnType<typeof raw> | ReturnType<typeof verify>, number, string][] = [
    [
      'over maxUploadBytes',
      verify({ files: { 'root.json': 'x'.repeat(64 * 1024) } }),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    ['deeply nested file', verify({ files: { 'root.json': nested(65) } }), 400, 'BAD_REQUEST'],
    [
      'very deeply nested JSON',
      raw(`{"files":{"root.json":${'['.repeat(30_000)}${']'.repeat(30_000)}}}`),
      400,
      'BAD_REQUEST',
    ],
    ['1001 files', verify({ files: files(1001) }), 400, 'BAD_REQUEST'],
    ['no files', verify({ files: {} }), 400, 'BAD_REQUEST'],
    ['files missing', verify({ at: '2031-01-01T00:00:00Z' }), 400, 'BAD_REQUEST'],
    ['an array as a file', raw('{"files":{"root.json":[1,2]}}'), 400, 'BAD_REQUEST'],
    // The validator would coerce these to strings: the bytes verified would not be those sent.
    ['a number as a file', raw('{"files":{"root.json":1}}'), 400, 'BAD_REQUEST'],
    ['a boolean as a file', raw('{"files":{"root.json":true}}'), 400, 'BAD_REQUEST'],
    ['null as a file', raw('{"files":{"root.json":null}}'), 400, 'BAD_REQUEST'],
    ['files not an object', verify({ files: ['root.json'] }), 400, 'BAD_REQUEST'],
    ['malformed JSON', raw('{"files":'), 400, 'INVALID_JSON'],
    ['empty JSON body', raw(''), 400, 'INVALID_JSON'],
    ['__proto__ key', raw('{"files":{"root.json":"{}"},"__proto__":{"x":1}}'), 400, 'INVALID_JSON'],
    [
      'constructor.prototype',
      raw('{"files":{"root.json":{"constructor":{"prototype":{"x":1}}}}}'),
      400,
      'INVALID_JSON',
    ],
    ['text/plain', raw('{"files":{}}', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    [
      'form data',
      raw('files=x', 'application/x-www-form-urlencoded'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['not a media type', raw('{}', 'json'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a JSON array', raw('[]'), 400, 'BAD_REQUEST'],
    ['JSON null', raw('null'), 400, 'BAD_REQUEST'],
  ];
  for (const [name, request, status, code] of cases) {
    const res = await app.inject(request);
    t.equal(res.statusCode, status, name);
    t.equal(json(res).code, code, name);
  }
  t.equal(deps.verifyCalls.length, 0, 'nothing reached the verifier');

  const thousand = await app.inject(verify({ files: files(1000) }));
  t.equal(thousand.statusCode, 200, '1000 files are allowed');
  t.equal(deps.verifyCalls[0]?.files.size, 1000);
  const deepEnough = await app.inject(verify({ files: { 'root.json': nested(63) } }));
  t.equal(deepEnough.statusCode, 200, '64 levels are allowed');
});

t.test('a body of exactly maxUploadBytes is accepted', async (t) => {
  const { app } = await testApp(t, fakeDeps({ maxUploadBytes: 1000 }));
  const base = JSON.stringify({ files: { 'root.json': '' } });
  const payload = JSON.stringify({ files: { 'root.json': 'x'.repeat(1000 - base.length) } });
  t.equal(Buffer.byteLength(payload), 1000);
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/verify',
    headers: { ...AUTH, 'content-type': 'application/json' },
    payload,
  });
  t.equal(res.statusCode, 200);
  const over = await app.inject({
    method: 'POST',
    url: '/api/v1/verify',
    headers: { ...AUTH, 'content-type': 'application/json' },
    payload: `${payload} `,
  });
  t.equal(over.statusCode, 413);
});

t.test('the token is checked before the body is read', async (t) => {
  const { app, deps } = await testApp(t, fakeDeps({ maxUploadBytes: 100 }));
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/verify',
    headers: { 'content-type': 'application/json' },
    payload: '{'.repeat(1000),
  });
  t.equal(res.statusCode, 401, 'not 413 or 400: unauthenticated bodies are never parsed');
  t.equal(deps.verifyCalls.length, 0);
  t.same(EMPTY_REPORT.findings, []);
});

t.test('uploads in progress are capped per token (429) and in total (503)', async (t) => {
  const pending: (() => void)[] = [];
  const deps = fakeDeps({
    verifyStaged: () =>
      new Promise((resolve) => {
        pending.push(() => resolve(EMPTY_REPORT));
      }),
  });
  const { app } = await testApp(t, deps, {
    rateLimit: { max: 1000, timeWindowMs: 60_000 },
    uploads: { maxInFlight: 3, maxPerToken: 2 },
  });
  const upload = (token: string) =>
    app.inject(verify({ files: { 'root.json': '{}' } }, { authorization: `Bearer ${token}` }));
  const held = [upload(TOKEN), upload(TOKEN)];
  // Until both are inside the verifier, they hold their slots.
  while (pending.length < 2) await new Promise((r) => setImmediate(r));
  const perToken = await upload(TOKEN);
  t.equal(perToken.statusCode, 429);
  t.equal(json(perToken).code, 'TOO_MANY_UPLOADS');
  t.equal(perToken.headers['retry-after'], '10');
  const third = upload(OTHER_TOKEN);
  while (pending.length < 3) await new Promise((r) => setImmediate(r));
  const total = await upload(OTHER_TOKEN);
  t.equal(total.statusCode, 503);
  t.equal(json(total).code, 'UPLOADS_BUSY');
  // Unauthenticated uploads are refused before they take a slot.
  t.equal(
    (await app.inject(verify({ files: {} }, { authorization: 'Bearer nope' }))).statusCode,
    401,
  );
  for (const release of pending) release();
  for (const res of await Promise.all([...held, third])) t.equal(res.statusCode, 200);
  // Answered uploads gave their slots back.
  const after = upload(TOKEN);
  while (pending.length < 4) await new Promise((r) => setImmediate(r));
  pending[3]?.();
  t.equal((await after).statusCode, 200);
});

import t, { type Test } from 'tap';
import { buildApp } from '../../../server/app.js';
import type { Bundle } from '../../../server/evidence-export.js';
import { KeyError } from '../../../server/evidence-keys.js';
import { verifyBundleObject } from '../../../server/evidence-verify.js';
import type { AppDeps, EvidenceService } from '../../../server/types.js';
import { addRuns, DAY_MS, evidenceFixture } from '../../support/evidence.js';
import { AUTH, fakeDeps, json, NOW, testApp } from '../../support/fakes.js';

/** The app over the real evidence service and store, the rest faked. */
async function evidenceApp(t: Test, evidence?: EvidenceService) {
  // fakeDeps' clock is NOW (2031-03-01): runs over the 30 days before it, one every 6 hours.
  const start = new Date(NOW.getTime() - 30 * DAY_MS);
  const f = evidenceFixture({ now: start });
  addRuns(f.store, start, 120, DAY_MS / 4);
  f.clock.now = NOW;
  const deps: AppDeps = { ...fakeDeps(), evidence: evidence ?? f.service };
  const app = await buildApp(deps);
  t.teardown(() => app.close());
  return { app, f };
}

t.test('GET /api/v1/evidence/public-key: the key and its history', async (t) => {
  const { app, f } = await evidenceApp(t);
  const res = await app.inject({ url: '/api/v1/evidence/public-key', headers: AUTH });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['cache-control'], 'no-store');
  const key = f.keys.current().key;
  t.strictSame(json(res), {
    algorithm: 'ed25519',
    fingerprint: key.fingerprint,
    publicKey: key.publicKey,
    keys: f.store.signingKeys(),
  });
  t.equal((await app.inject({ url: '/api/v1/evidence/public-key' })).statusCode, 401);
});

t.test('GET /api/v1/evidence/export: a signed bundle, streamed, that verifies', async (t) => {
  const { app } = await evidenceApp(t);
  const res = await app.inject({
    url: '/api/v1/evidence/export?from=2031-02-01&to=2031-02-15T00:00:00Z',
    headers: AUTH,
  });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  t.equal(
    res.headers['content-disposition'],
    'attachment; filename="tufwatch-evidence-20310201T000000Z-20310215T000000Z.json"',
  );
  t.equal(res.headers['cache-control'], 'no-store');
  const bundle = json<Bundle>(res);
  t.strictSame(bundle.period, {
    from: '2031-02-01T00:00:00.000Z',
    to: '2031-02-15T00:00:00.000Z',
  });
  t.equal(bundle.summary.runs, 14 * 4);
  t.match(verifyBundleObject(bundle), { ok: true, runs: 56 });

  // Default: the 30 days before now.
  const recent = json<Bundle>(await app.inject({ url: '/api/v1/evidence/export', headers: AUTH }));
  t.strictSame(recent.period, {
    from: new Date(NOW.getTime() - 30 * DAY_MS).toISOString(),
    to: NOW.toISOString(),
  });
  t.equal(recent.summary.runs, 120);
});

t.test('GET /api/v1/evidence/export.csv: control status per day', async (t) => {
  const { app } = await evidenceApp(t);
  const res = await app.inject({
    url: '/api/v1/evidence/export.csv?from=2031-02-27&to=2031-03-01',
    headers: AUTH,
  });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/csv/);
  t.match(res.headers['content-disposition'], /filename="tufwatch-controls-20310227T000000Z-/);
  const rows = res.body.trimEnd().split('\r\n');
  t.match(rows[0], /^date,control,title,runs,/);
  t.match(rows[1], /^2031-02-27,TW-01,[^,]+,4,4,/);
});

t.test('bad periods are 400 BAD_REQUEST, before anything is read', async (t) => {
  const { app } = await evidenceApp(t);
  for (const query of [
    'from=x',
    'from=2031-02-02&to=2031-02-01',
    'from=2029-01-01&to=2031-01-01',
  ]) {
    for (const path of ['export', 'export.csv']) {
      const res = await app.inject({ url: `/api/v1/evidence/${path}?${query}`, headers: AUTH });
      t.equal(res.statusCode, 400, `${path}?${query}`);
      t.equal(json(res).code, 'BAD_REQUEST');
    }
  }
});

t.test(
  'a key that cannot be read is 503 SIGNING_KEY_UNAVAILABLE; other failures 500',
  async (t) => {
    const failing = (err: Error): EvidenceService => ({
      publicKey: () => {
        throw err;
      },
      exportBundle: () => {
        throw err;
      },
      exportCsv: () => '',
    });
    const { app } = await evidenceApp(
      t,
      failing(new KeyError('KEY_INSECURE_PERMISSIONS', 'mode 644')),
    );
    for (const url of ['/api/v1/evidence/public-key', '/api/v1/evidence/export']) {
      const res = await app.inject({ url, headers: AUTH });
      t.equal(res.statusCode, 503, url);
      t.strictSame(json(res), {
        statusCode: 503,
        code: 'SIGNING_KEY_UNAVAILABLE',
        message: 'the evidence signing key cannot be read',
      });
    }
    const broken = await evidenceApp(t, failing(new Error('disk on fire')));
    for (const url of ['/api/v1/evidence/public-key', '/api/v1/evidence/export']) {
      const res = await broken.app.inject({ url, headers: AUTH });
      t.equal(res.statusCode, 500, url);
      t.equal(json(res).code, 'INTERNAL');
    }
  },
);

t.test('the routes need a token and are rate limited like other expensive routes', async (t) => {
  const { app } = await testApp(t, fakeDeps(), { rateLimit: { max: 2, timeWindowMs: 60_000 } });
  for (const path of ['export', 'export.csv']) {
    t.equal((await app.inject({ url: `/api/v1/evidence/${path}` })).statusCode, 401);
  }
  const codes: number[] = [];
  for (let i = 0; i < 3; i++) {
    codes.push((await app.inject({ url: '/api/v1/evidence/export', headers: AUTH })).statusCode);
  }
  t.strictSame(codes, [200, 200, 429]);
});

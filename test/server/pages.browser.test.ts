import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import t, { type Test } from 'tap';

import { CONTROL_CATALOG, evaluateControls } from '../../checks/controls.js';
import { ALL_CHECKS } from '../../checks/registry.js';
import type { CheckResult, CheckStatus } from '../../checks/types.js';
import { buildApp } from '../../server/app.js';
import { ASSETS } from '../../server/pages/assets.js';
import { renderDashboard } from '../../server/pages/dashboard.js';
import type { TrustedRoles } from '../../server/types.js';
import { at, DAY_MS, fakeDeps, NOW, TOKEN, type FakeDeps } from '../support/fakes.js';

/*
 * The pages in a real browser: Debian's chromium driven by playwright-core.
 *
 * First against the real app (`buildApp` over the fake store of
 * test/support/fakes.ts, listening on a port), with the registered checks and
 * a store holding two runs and verified TUF roles: the trust page and the
 * dashboard render what the running server answers, under its CSP, with no
 * inline script or style and no page error. Then against a small scripted API
 * for what a real server does not produce on demand: a run started elsewhere
 * in between (409), a server error, a dropped connection.
 */

const CHROMIUM = '/usr/bin/chromium';
const DAY = 86_400;

/** The latest run's statuses; checks not listed pass. */
const LATEST: Readonly<Record<string, CheckStatus>> = {
  'tuf.expiry': 'fail',
  'tuf.target-integrity': 'warn',
  'tuf.key-hygiene': 'error',
  'tuf.orbit-layout': 'not_applicable',
};

const MESSAGES: Readonly<Record<string, string>> = {
  'tuf.expiry': 'fleet: timestamp.json expired 2 hours ago',
  'tuf.target-integrity': '<b>not bold</b>: 1 target file could not be read',
  'tuf.key-hygiene': 'fleet: root.json could not be fetched (HTTP 503)',
};

const EXPIRY_EVIDENCE = {
  fleet: { timestamp: { version: 4242, expires: '2031-03-01T10:00:00Z', expiresInSeconds: -7200 } },
};

function results(statuses: Readonly<Record<string, CheckStatus>>, when: Date): CheckResult[] {
  return ALL_CHECKS.map((check) => {
    const status = statuses[check.id] ?? 'pass';
    return {
      id: check.id,
      status,
      message: MESSAGES[check.id] ?? `${check.id}: ${status}`,
      evidence: check.id === 'tuf.expiry' ? EXPIRY_EVIDENCE : { fleet: { status } },
      evaluatedAt: when.toISOString(),
      durationMs: 12,
    };
  });
}

/** A run as the monitor stores it. */
function storeRun(
  deps: FakeDeps,
  statuses: Readonly<Record<string, CheckStatus>>,
  when: Date,
): void {
  const run = deps.store.startRun('schedule', new Date(when.getTime() - 4200));
  const checks = results(statuses, when);
  deps.store.completeRun(run.id, when, checks, evaluateControls(CONTROL_CATALOG, checks));
}

function roles(spec: Record<string, [number, number?, number?]>): TrustedRoles {
  return Object.fromEntries(
    Object.entries(spec).map(([name, [expiresInSeconds, threshold = 1, valid = threshold]]) => [
      name,
      {
        version: 3,
        expires: new Date(NOW.getTime() + expiresInSeconds * 1000).toISOString(),
        threshold,
        validSignatures: valid,
        keys: threshold,
        length: 1000,
        sha256: '0'.repeat(64),
        signedSha256: '1'.repeat(64),
        firstSeenAt: at(-DAY_MS).toISOString(),
      },
    ]),
  );
}

/** The fake store as a server in service would hold it after two runs. */
function seededDeps(): FakeDeps {
  const deps = fakeDeps();
  deps.checks = ALL_CHECKS;
  // A run that passed (key hygiene only warned: TW-04 never passed), then the latest.
  storeRun(deps, { 'tuf.key-hygiene': 'warn' }, at(-DAY_MS));
  storeRun(deps, LATEST, NOW);
  deps.store.saveTrustedRoles(
    'fleet',
    roles({
      root: [300 * DAY, 2],
      targets: [60 * DAY],
      snapshot: [20 * DAY],
      timestamp: [2 * DAY],
    }),
  );
  deps.store.saveTrustedRoles(
    'staging',
    roles({ root: [400 * DAY, 3, 2], snapshot: [-3600], timestamp: [5 * DAY] }),
  );
  // A third repository, not verified yet: the API answers NOT_READY for its roles.
  const [first] = deps.config.repositories;
  if (first === undefined) throw new Error('fakeConfig has no repository');
  deps.config.repositories.push({ ...first, name: 'mirror', url: 'https://mirror.example.test' });
  return deps;
}

interface Recorded {
  method: string;
  path: string;
  authorization: string | undefined;
}

interface Server {
  url: string;
  requests: Recorded[];
}

function record(server: http.Server): Recorded[] {
  const requests: Recorded[] = [];
  server.on('request', (req: http.IncomingMessage) => {
    requests.push({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      authorization: req.headers.authorization,
    });
  });
  return requests;
}

/** What a page must never produce: CSP violations (inline script or style) and uncaught errors. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return problems;
}

/** The dashboard's token in the tab's session storage. (Browser code as strings: the project's types have no DOM.) */
function storedToken(page: Page): Promise<string | null> {
  return page.evaluate<string | null>("sessionStorage.getItem('tufwatch.apiToken')");
}

/** The words of the first status badge in a locator: icon and label. */
async function badgeOf(locator: Locator): Promise<string | undefined> {
  return (await locator.getByTestId('status-badge').first().textContent())?.trim();
}

async function waitFor(predicate: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

if (!existsSync(CHROMIUM)) {
  t.plan(0, `${CHROMIUM} is not installed (apt-get install chromium): no browser to drive`);
} else {
  const userDataDir = mkdtempSync(join(tmpdir(), 'tufwatch-chromium-'));
  let context: BrowserContext | undefined;
  const browser = (): BrowserContext => {
    if (context === undefined) throw new Error('the browser did not start');
    return context;
  };

  /** A new tab, closed when the test ends, pass or fail (an open tab keeps polling the server). */
  const openPage = async (t: Test): Promise<{ page: Page; problems: string[] }> => {
    const page = await browser().newPage();
    t.teardown(() => page.close());
    return { page, problems: watch(page) };
  };

  t.before(async () => {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
      timeout: 60_000,
    });
    context.setDefaultTimeout(15_000);
  });

  t.teardown(async () => {
    await context?.close();
    rmSync(userDataDir, { recursive: true, force: true });
  });

  t.test('the real app', async (t) => {
    const deps = seededDeps();
    const app = await buildApp(deps);
    t.teardown(async () => {
      // Chromium keeps idle and preconnected sockets open; close waits for them (headersTimeout)
      // unless they are ended. They are, until the server is closed.
      const sweep = setInterval(() => app.server.closeAllConnections(), 20);
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
      }
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const server: Server = { url: `http://127.0.0.1:${port}`, requests: record(app.server) };

    t.test('trust page: controls and their status, without JavaScript', async (t) => {
      const { page, problems } = await openPage(t);
      const response = await page.goto(`${server.url}/trust`);
      t.equal(response?.status(), 200);
      t.match(response?.headers()['content-security-policy'], "script-src 'self'");
      t.equal(await page.title(), `${deps.config.system.name} — Trust center`);
      t.equal(await page.getByTestId('system-name').textContent(), deps.config.system.name);

      const failing = page.getByTestId('control-TW-02');
      t.equal(await failing.getAttribute('data-status'), 'fail');
      t.equal(await badgeOf(failing), '\u2715 Failing', 'the failing control says so in words');
      t.ok(await failing.getByTestId('status-badge').isVisible());
      t.match(await failing.innerText(), /Update metadata is fresh and never rolled back/);
      t.match(await failing.innerText(), /Last passed\s+2031-02-28 12:00 UTC/);

      const expected = {
        'TW-01': ['pass', '\u2713 Passing'],
        'TW-03': ['warn', '! Needs attention'],
        'TW-04': ['error', '? Unknown'],
      };
      for (const [id, [status, label]] of Object.entries(expected)) {
        const card = page.getByTestId(`control-${id}`);
        t.equal(await card.getAttribute('data-status'), status, `${id} ${status}`);
        t.equal(await badgeOf(card), label, `${id}: ${label}`);
      }
      t.match(await page.getByTestId('control-TW-04').innerText(), /Has not passed yet/);
      t.match(await page.getByTestId('overall').innerText(), /3 of 7 controls are not passing/);
      t.match(await page.getByTestId('updated').innerText(), /Last updated 2031-03-01 12:00 UTC/);

      // The stylesheet loaded under the CSP: badges are pills, not unstyled text.
      t.equal(
        await page.evaluate<string>(
          "getComputedStyle(document.querySelector('[data-testid=control-TW-02] .badge')).borderRadius",
        ),
        '999px',
      );
      t.equal(await page.locator('script').count(), 0, 'no script at all');

      await page.screenshot({ path: '/tmp/tufwatch-trust.png', fullPage: true });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.screenshot({ path: '/tmp/tufwatch-trust-dark.png', fullPage: true });
      t.same(problems, [], 'no CSP violation, no page error');
    });

    t.test('dashboard: controls, checks, roles, runs, auto-refresh, run now', async (t) => {
      const { page, problems } = await openPage(t);
      await page.clock.install();
      const first = server.requests.length;
      await page.goto(`${server.url}/#token=${TOKEN}`);

      // The token leaves the address bar at once and stays in this tab's storage.
      await page.getByTestId('control-TW-02').waitFor();
      t.equal(page.url(), `${server.url}/`, 'fragment removed from the address bar');
      t.equal(await storedToken(page), TOKEN);
      // The timelines and the signing key load once the controls are known.
      await page.getByTestId('timeline-TW-02').waitFor();
      await page.getByTestId('key-fingerprint').waitFor();
      const api = server.requests.slice(first).filter((r) => r.path.startsWith('/api/'));
      t.same(
        new Set(api.map((r) => r.path)),
        new Set([
          '/api/v1/controls',
          '/api/v1/checks',
          '/api/v1/runs?limit=10',
          '/api/v1/system',
          '/api/v1/repositories/fleet/roles',
          '/api/v1/repositories/staging/roles',
          '/api/v1/repositories/mirror/roles',
          // The 30 days up to the end of the latest run's day (2031-03-01).
          ...deps.config.controls.map(
            (c) => `/api/v1/controls/${c.id}/history?from=2031-01-31&to=2031-03-02`,
          ),
          '/api/v1/evidence/public-key',
        ]),
      );
      t.ok(
        api.every((r) => r.authorization === `Bearer ${TOKEN}`),
        'every API call carries the bearer token',
      );

      t.equal(await page.getByTestId('system-name').textContent(), deps.config.system.name);
      const control = page.getByTestId('control-TW-02');
      t.equal(await control.getAttribute('data-status'), 'fail');
      t.equal(await badgeOf(control), '\u2715 Failing');
      t.equal(await page.getByTestId('control-TW-01').getAttribute('data-status'), 'pass');
      t.equal(await page.getByTestId('control-TW-04').getAttribute('data-status'), 'error');
      t.match(
        await page.getByTestId('controls-meta').innerText(),
        /Run #2 · evaluated 2031-03-01 12:00:00 UTC/,
      );

      // Failing, error and warning checks first, each with message, remediation and evidence.
      const cards = page.getByTestId('checks').locator('article.check');
      const order = await Promise.all(
        (await cards.all()).map((c) => c.getAttribute('data-status')),
      );
      t.same(order.slice(0, 3), ['fail', 'error', 'warn'], 'problems first');
      t.same(new Set(order.slice(3)), new Set(['pass', 'not_applicable']));
      const failing = page.getByTestId('check-tuf.expiry');
      t.equal(await failing.getAttribute('data-status'), 'fail');
      t.ok(await failing.getByText(MESSAGES['tuf.expiry'] as string).isVisible());
      const remediation = ALL_CHECKS.find((c) => c.id === 'tuf.expiry')?.remediation as string;
      t.equal(
        await failing.getByTestId('remediation').locator('p').textContent(),
        remediation,
        'remediation of the registered check',
      );
      const evidence = failing.getByTestId('evidence');
      t.notOk(await evidence.locator('pre').isVisible(), 'evidence collapsed');
      await evidence.locator('summary').click();
      t.same(JSON.parse(await evidence.locator('pre').innerText()), EXPIRY_EVIDENCE);
      const warn = page.getByTestId('check-tuf.target-integrity');
      t.equal(
        await warn.getByTestId('check-message').textContent(),
        MESSAGES['tuf.target-integrity'],
        'API text shown as text, never parsed as HTML',
      );
      t.equal(await warn.locator('b').count(), 0);
      t.notOk(await page.getByTestId('check-tuf.signatures').isVisible(), 'passing checks folded');

      // Role expiry countdowns: timestamp within 4 days, others within 30 days.
      const states: Record<string, string> = {
        'role-fleet-timestamp': 'soon',
        'role-fleet-snapshot': 'soon',
        'role-fleet-targets': 'ok',
        'role-fleet-root': 'ok',
        'role-staging-timestamp': 'ok',
        'role-staging-snapshot': 'expired',
        'role-staging-root': 'ok',
      };
      for (const [testid, state] of Object.entries(states)) {
        t.equal(await page.getByTestId(testid).getAttribute('data-state'), state, testid);
      }
      const countdown = (testid: string) =>
        page.getByTestId(testid).getByTestId('countdown').innerText();
      t.match(await countdown('role-fleet-timestamp'), /^(1d 23h 5\dm|2d 0h 00m)\s*Expires soon$/);
      t.match(await countdown('role-fleet-targets'), /^(59d 23h 5\dm|60d 0h 00m)$/);
      t.match(await countdown('role-staging-snapshot'), /^expired 1h 0\dm \d\ds ago\s*Expired$/);
      t.match(await page.getByTestId('role-staging-root').innerText(), /2 of 3\s*Below threshold/);
      t.same(await page.getByTestId('repository-fleet').locator('tbody th').allTextContents(), [
        'root',
        'targets',
        'snapshot',
        'timestamp',
      ]);
      t.match(await page.getByTestId('repository-mirror').innerText(), /mirror: not verified yet/);
      t.notOk(await page.getByTestId('banner').isVisible(), 'NOT_READY is no error');

      // Recent runs.
      t.equal(await page.getByTestId('run-2').getAttribute('data-result'), 'fail');
      t.match(
        await page.getByTestId('run-1').innerText(),
        /#1\s+2031-02-28 11:59:55 UTC\s+4\.2 s\s+schedule\s+\u2713\s+Passing/,
      );

      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: '/tmp/tufwatch-dashboard.png', fullPage: true });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.screenshot({ path: '/tmp/tufwatch-dashboard-dark.png', fullPage: true });
      await page.emulateMedia({ colorScheme: 'light' });

      // Auto-refresh every 60 s.
      const calls = (path: string) => server.requests.filter((r) => r.path === path).length;
      const before = calls('/api/v1/controls');
      await page.clock.fastForward('01:01');
      await t.resolves(
        waitFor(() => calls('/api/v1/controls') > before),
        'refreshed after 60 s',
      );

      // Run now: the real POST /api/v1/runs starts run #3 on the monitor.
      const runNow = page.getByTestId('run-now');
      await runNow.click();
      await page.getByTestId('run-status').getByText('Run #3 started.').waitFor();
      t.same(deps.monitor.triggers, ['api'], 'the monitor started a run');
      t.same(
        server.requests.filter((r) => r.method === 'POST'),
        [{ method: 'POST', path: '/api/v1/runs', authorization: `Bearer ${TOKEN}` }],
      );
      // While it runs, the button waits and the page polls the runs.
      await page.clock.fastForward(1500);
      await page.getByTestId('run-3').and(page.locator('[data-status=running]')).waitFor();
      t.ok(await runNow.isDisabled(), 'no second run while one is in progress');
      t.equal(await runNow.textContent(), 'Run in progress…');
      deps.monitor.finish();
      await page.clock.fastForward(3500);
      await page.getByTestId('run-3').and(page.locator('[data-result=pass]')).waitFor();
      t.ok(await runNow.isEnabled(), 'the button is back when the run completed');
      await page.getByTestId('control-TW-02').and(page.locator('[data-status=pass]')).waitFor();
      t.equal(await badgeOf(page.getByTestId('control-TW-02')), '\u2713 Passing', 'new results');

      t.same(problems, [], 'no CSP violation, no page error');
    });

    t.test(
      'dashboard: control timelines over a chosen period, the signing key, exports',
      async (t) => {
        const { page, problems } = await openPage(t);
        await page.goto(`${server.url}/#token=${TOKEN}`);
        const tw02 = page.getByTestId('timeline-TW-02');
        await tw02.waitFor();
        t.equal(await page.locator('#period-from').inputValue(), '2031-01-31');
        t.equal(await page.locator('#period-to').inputValue(), '2031-03-02');
        t.match(await page.getByTestId('timeline-meta').innerText(), /2031-01-31 to 2031-03-02/);
        // 30 days in cells of 6 hours; the runs of 2031-02-28 12:00 and 2031-03-01 12:00 show
        // (with the run the previous test started, when it ran first).
        const cells = tw02.locator('.tl-cell');
        t.equal(await cells.count(), 120);
        const marked = await Promise.all(
          (await tw02.locator('.tl-cell:not([data-status=none])').all()).map((c) =>
            c.getAttribute('data-status'),
          ),
        );
        t.same(marked, ['pass', 'fail'], 'the worst status of each cell');
        const history = deps.store.controlHistory(
          'TW-02',
          new Date('2031-01-31T00:00:00Z'),
          new Date('2031-03-02T00:00:00Z'),
        );
        const operating = history.filter((h) => h.status === 'pass' || h.status === 'warn').length;
        const share = `${((100 * operating) / history.length).toFixed(1)}% of ${history.length} runs operating`;
        t.equal(await tw02.getByTestId('timeline-share').innerText(), share);
        t.match(
          await tw02.locator('.timeline').getAttribute('aria-label'),
          new RegExp(`^TW-02: ${share.replace('.', '\\.')}, \\d+ status changes$`),
        );
        t.match(
          await tw02.locator('.tl-cell[data-status=fail]').getAttribute('title'),
          /^2031-03-01 12:00 UTC, 6h 00m 00s: \d runs, worst Failing$/,
        );
        await tw02.locator('details summary').click();
        t.match(await tw02.getByTestId('transitions').innerText(), /pass \u2192 fail/);

        await page
          .locator('section', { has: page.locator('#timeline-heading') })
          .screenshot({ path: '/tmp/tufwatch-timelines.png' });

        // A shorter period: 7 days up to the same end.
        const before = server.requests.length;
        await page.getByRole('button', { name: '7 days' }).click();
        await page.getByTestId('timeline-meta').getByText('2031-02-23 to 2031-03-02').waitFor();
        t.ok(
          server.requests
            .slice(before)
            .some((r) => r.path === '/api/v1/controls/TW-01/history?from=2031-02-23&to=2031-03-02'),
        );
        t.equal(await tw02.locator('.tl-cell').count(), 28, '7 days in cells of 6 hours');
        // A period that ends before it starts is not asked for.
        await page.locator('#period-from').fill('2031-03-05');
        await page.getByRole('button', { name: 'Show' }).click();
        await page
          .getByTestId('timeline-meta')
          .getByText(/start is before its end/)
          .waitFor();

        // The signing key: fingerprint, PEM, history.
        const key = deps.evidence.publicKey();
        t.equal(await page.getByTestId('key-fingerprint').textContent(), key.fingerprint);
        t.equal(await page.getByTestId('public-key').textContent(), key.publicKey);
        t.equal(await page.getByTestId('key-history').locator('tbody tr').count(), 1);
        await page
          .locator('section', { has: page.locator('#evidence-heading') })
          .screenshot({ path: '/tmp/tufwatch-evidence-key.png' });

        // Exports of the chosen period, downloaded with the token.
        await page.getByRole('button', { name: '30 days' }).click();
        await page.getByTestId('timeline-meta').getByText('2031-01-31 to 2031-03-02').waitFor();
        const [csv] = await Promise.all([
          page.waitForEvent('download'),
          page.getByTestId('download-csv').click(),
        ]);
        t.equal(csv.suggestedFilename(), 'tufwatch-controls-2031-01-31-2031-03-02.csv');
        const [bundle] = await Promise.all([
          page.waitForEvent('download'),
          page.getByTestId('download-bundle').click(),
        ]);
        t.equal(bundle.suggestedFilename(), 'tufwatch-evidence-2031-01-31-2031-03-02.json');
        t.match(deps.evidence.exports.slice(-2), [
          { kind: 'csv', from: '2031-01-31T00:00:00.000Z', to: '2031-03-02T00:00:00.000Z' },
          { kind: 'bundle', from: '2031-01-31T00:00:00.000Z' },
        ]);
        t.same(problems, [], 'no CSP violation, no page error');
      },
    );

    t.test('dashboard: a refused token shows the form, and the form signs in', async (t) => {
      const { page, problems } = await openPage(t);
      await page.goto(`${server.url}/#token=wrong`);
      await page.getByTestId('token-form').waitFor();
      t.match(await page.getByTestId('banner').innerText(), /token was refused \(HTTP 401\)/);
      t.equal(await storedToken(page), null, 'a refused token is forgotten');
      t.notOk(await page.getByTestId('controls').isVisible());
      t.ok(await page.getByTestId('run-now').isDisabled(), 'nothing to run without a token');

      await page.getByLabel('API token').fill(TOKEN);
      await page.getByRole('button', { name: 'Open dashboard' }).click();
      await page.getByTestId('control-TW-02').waitFor();
      t.notOk(await page.getByTestId('banner').isVisible(), 'banner cleared');
      t.equal(await storedToken(page), TOKEN);

      // A reload keeps the tab's token.
      await page.reload();
      await page.getByTestId('control-TW-02').waitFor();
      t.notOk(await page.getByTestId('token-form').isVisible());

      await page.getByTestId('forget-token').click();
      t.ok(await page.getByTestId('token-form').isVisible(), 'forgetting the token asks for one');
      t.equal(await storedToken(page), null);
      t.same(problems, []);
    });
  });

  t.test('a scripted API: 409, a server error, a dropped connection', async (t) => {
    const SCRIPTED = 'scripted-token';
    let posts = 0;
    const json = (res: http.ServerResponse, status: number, body: unknown): void => {
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-security-policy': "default-src 'none'; connect-src 'self'",
      });
      res.end(JSON.stringify(body));
    };
    const httpServer = http.createServer((req, res) => {
      const path = req.url ?? '/';
      if (path === '/') {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy':
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'",
        });
        return res.end(renderDashboard({ version: 'scripted' }));
      }
      const asset = ASSETS[path.slice('/assets/'.length)];
      if (path.startsWith('/assets/') && asset !== undefined) {
        res.writeHead(200, { 'content-type': asset.contentType });
        return res.end(asset.body);
      }
      const dropping = req.headers.authorization === 'Bearer drop-checks';
      if (req.headers.authorization !== `Bearer ${SCRIPTED}` && !dropping) {
        return json(res, 401, { statusCode: 401, code: 'UNAUTHORIZED', message: 'no' });
      }
      if (dropping && path === '/api/v1/checks') return req.socket.destroy();
      if (req.method === 'POST' && path === '/api/v1/runs') {
        posts += 1;
        if (posts === 1) {
          const message = 'a run is already in progress';
          return json(res, 409, { statusCode: 409, code: 'RUN_IN_PROGRESS', message });
        }
        const message = 'the store is read-only';
        return json(res, 500, { statusCode: 500, code: 'INTERNAL', message });
      }
      const answers: Record<string, unknown> = {
        '/api/v1/controls': {
          runId: 1,
          evaluatedAt: '2030-01-01T00:00:00.000Z',
          controls: [
            {
              id: 'TW-01',
              title: 'Signed',
              description: 'd',
              criteria: ['CC6.1'],
              status: 'fail',
              checks: [{ id: 'tuf.signatures', status: 'fail' }],
              lastPassedAt: null,
            },
          ],
        },
        '/api/v1/checks': { checks: [] },
        '/api/v1/runs?limit=10': { runs: [] },
        '/api/v1/system': { name: 'Scripted', description: 'd', components: [] },
      };
      const answer = answers[path];
      if (answer === undefined)
        return json(res, 404, { statusCode: 404, code: 'NOT_FOUND', message: path });
      return json(res, 200, answer);
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    t.teardown(
      () =>
        new Promise<void>((resolve) => {
          httpServer.close(() => resolve());
          httpServer.closeAllConnections();
        }),
    );
    const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;

    t.test('run now: 409 RUN_IN_PROGRESS is news, a 500 is an error', async (t) => {
      const { page, problems } = await openPage(t);
      await page.goto(`${url}/#token=${SCRIPTED}`);
      await page.getByTestId('control-TW-01').and(page.locator('[data-status=fail]')).waitFor();
      t.match(await page.getByTestId('runs').innerText(), /No run yet/);
      t.match(await page.getByTestId('checks').innerText(), /No check results yet/);
      t.match(await page.getByTestId('repositories').innerText(), /No TUF repository in scope/);

      const runNow = page.getByTestId('run-now');
      await runNow.click();
      await page
        .getByTestId('run-status')
        .getByText(/already in progress/)
        .waitFor();
      t.notOk(await page.getByTestId('banner').isVisible(), '409 is not an error');
      t.equal(posts, 1);

      await runNow.click();
      await page.getByTestId('banner').waitFor();
      t.match(
        await page.getByTestId('banner').innerText(),
        /could not be started: the store is read-only \(INTERNAL, HTTP 500\)/,
      );
      t.equal(posts, 2);
      t.ok(await runNow.isEnabled(), 'the button can be used again');
      await page.getByRole('button', { name: 'Dismiss' }).click();
      t.notOk(await page.getByTestId('banner').isVisible());
      t.same(problems, []);
    });

    t.test('a dropped connection: a banner, and the rest renders', async (t) => {
      const { page, problems } = await openPage(t);
      await page.goto(`${url}/`);
      await page.getByTestId('token-form').waitFor();
      await page.getByLabel('API token').fill('drop-checks');
      await page.getByLabel('API token').press('Enter');
      await page.getByTestId('banner').waitFor();
      t.match(
        await page.getByTestId('banner').innerText(),
        /checks: the server could not be reached/,
      );
      t.equal(await page.getByTestId('control-TW-01').getAttribute('data-status'), 'fail');
      t.same(problems, []);
    });
  });
}

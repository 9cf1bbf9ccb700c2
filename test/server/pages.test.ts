import { Script } from 'node:vm';
import t from 'tap';

import { CHECK_STATUSES, type CheckStatus, type Criterion } from '../../checks/types.js';
import { ASSETS } from '../../server/pages/assets.js';
import { renderDashboard } from '../../server/pages/dashboard.js';
import {
  escapeHtml,
  formatTime,
  markup,
  renderDocument,
  STATUS_WORDING,
  statusBadge,
} from '../../server/pages/html.js';
import { renderTrustPage } from '../../server/pages/trust.js';
import type { TrustModel } from '../../server/trust-model.js';

const HOSTILE = `<script>alert("x")</script><img src=x onerror='alert(1)'>&amp;`;
const HOSTILE_ESCAPED =
  '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;&amp;amp;';

/** A control of the trust model, with defaults. */
function control(
  overrides: Partial<TrustModel['controls'][number]> = {},
): TrustModel['controls'][number] {
  return {
    id: 'TW-01',
    title: 'Updates are signed by authorized keys',
    description: 'Every piece of update metadata carries enough signatures.',
    criteria: ['CC6.1', 'CC8.1'],
    status: 'pass',
    lastPassedAt: '2030-01-02T03:04:05.000Z',
    ...overrides,
  };
}

function model(overrides: Partial<TrustModel> = {}): TrustModel {
  return {
    system: { name: 'Orbit update service', description: 'The TUF repository behind Orbit.' },
    controls: [control()],
    updatedAt: '2030-01-02T03:04:05.000Z',
    ...overrides,
  };
}

/** The markup of one control's list item. */
/** The headline sentence of the trust page. */
function overallText(page: string): string {
  return /data-testid="overall">([^<]*)<\/p>/.exec(page)?.[1] ?? '';
}

function controlItem(page: string, id: string): string {
  const start = page.indexOf(`data-testid="control-${id}"`);
  if (start === -1) throw new Error(`no control ${id}`);
  const end = page.indexOf('</li>\n', start);
  return page.slice(start, end);
}

t.test('escapeHtml', (t) => {
  const cases: { input: string; expected: string; why: string }[] = [
    { input: '', expected: '', why: 'empty' },
    { input: 'plain text', expected: 'plain text', why: 'nothing to escape' },
    { input: '&', expected: '&amp;', why: 'ampersand' },
    { input: '<', expected: '&lt;', why: 'less than' },
    { input: '>', expected: '&gt;', why: 'greater than' },
    { input: '"', expected: '&quot;', why: 'double quote (attribute values)' },
    { input: "'", expected: '&#39;', why: 'single quote (attribute values)' },
    {
      input: '&lt;',
      expected: '&amp;lt;',
      why: 'entities are escaped again, never passed through',
    },
    { input: HOSTILE, expected: HOSTILE_ESCAPED, why: 'script and event handler' },
    {
      input: 'ünïcødé \u2713 \u{1F512}',
      expected: 'ünïcødé \u2713 \u{1F512}',
      why: 'unicode kept',
    },
    { input: 'a\nb\tc', expected: 'a\nb\tc', why: 'whitespace kept' },
  ];
  for (const c of cases) t.equal(escapeHtml(c.input), c.expected, c.why);
  t.end();
});

t.test('markup template escapes every interpolation that is not SafeHtml', (t) => {
  const inner = markup`<b>${'<i>'}</b>`;
  t.equal(inner.value, '<b>&lt;i&gt;</b>');
  t.equal(String(inner), '<b>&lt;i&gt;</b>', 'toString gives the markup');
  t.equal(
    markup`<p title="${'" onclick="x'}">${inner}</p>`.value,
    '<p title="&quot; onclick=&quot;x"><b>&lt;i&gt;</b></p>',
    'attribute breakout is escaped, SafeHtml is kept',
  );
  t.equal(
    markup`${['<a>', markup`<br>`, ['&', 1]]}`.value,
    '&lt;a&gt;<br>&amp;1',
    'arrays, nested',
  );
  t.equal(
    markup`[${null}${undefined}${false}${0}]`.value,
    '[0]',
    'null, undefined, false are empty',
  );
  t.equal(markup``.value, '', 'empty template');
  t.end();
});

t.test('formatTime', (t) => {
  t.equal(
    formatTime('2030-01-02T03:04:05.678Z').value,
    '<time datetime="2030-01-02T03:04:05.678Z">2030-01-02 03:04 UTC</time>',
  );
  t.equal(
    formatTime('2034-10-05T15:57:51-05:00').value,
    '<time datetime="2034-10-05T20:57:51.000Z">2034-10-05 20:57 UTC</time>',
    'offsets are shown in UTC',
  );
  t.equal(formatTime('<not a date>').value, '<span>&lt;not a date&gt;</span>', 'escaped as is');
  t.end();
});

t.test('status badges: words and an icon for every status, never color alone', (t) => {
  const labels = new Set<string>();
  for (const status of CHECK_STATUSES) {
    const badge = statusBadge(status).value;
    const wording = STATUS_WORDING[status];
    t.match(badge, `class="badge badge-${status}"`, status);
    t.match(badge, `aria-hidden="true">${escapeHtml(wording.icon)}</span> ${wording.label}</span>`);
    t.ok(wording.meaning.length > 20, `${status} explains itself`);
    labels.add(wording.label);
  }
  t.equal(labels.size, CHECK_STATUSES.length, 'every status has its own words');
  t.same(
    Object.fromEntries(CHECK_STATUSES.map((s) => [s, STATUS_WORDING[s].label])),
    {
      pass: 'Passing',
      warn: 'Needs attention',
      fail: 'Failing',
      error: 'Unknown',
      not_applicable: 'Not applicable',
    },
    'customer wording',
  );
  t.end();
});

t.test('renderDocument: external stylesheet and scripts only', (t) => {
  const page = renderDocument({
    title: 'T <1>',
    bodyClass: 'x',
    body: markup`<p>hi</p>`,
    scripts: ['a.js'],
  });
  t.match(page, /^<!doctype html>\n<html lang="en">/);
  t.match(page, '<title>T &lt;1&gt;</title>');
  t.match(page, '<link rel="stylesheet" href="/assets/tufwatch.css">');
  t.match(page, '<script src="/assets/a.js" defer></script>');
  t.match(page, '<meta name="referrer" content="no-referrer">');
  t.notMatch(renderDocument({ title: 't', bodyClass: 'x', body: markup`` }), '<script');
  t.end();
});

t.test('trust page', (t) => {
  t.test('shows the system, the controls and the last update', (t) => {
    const page = renderTrustPage(model());
    t.match(page, '<h1 data-testid="system-name">Orbit update service</h1>');
    t.match(page, 'The TUF repository behind Orbit.');
    t.match(page, '<title>Orbit update service — Trust center</title>');
    t.match(page, 'Last updated <time datetime="2030-01-02T03:04:05.000Z">2030-01-02 03:04 UTC');
    const item = controlItem(page, 'TW-01');
    t.match(item, 'data-status="pass"');
    t.match(item, 'Updates are signed by authorized keys');
    t.match(item, 'Every piece of update metadata carries enough signatures.');
    t.match(item, '<abbr title="Logical access security">CC6.1</abbr>', 'known criterion named');
    t.match(item, '<abbr title="Change management">CC8.1</abbr>');
    t.match(item, 'badge-pass');
    t.match(page, 'The 1 applicable control is passing.');
    t.notMatch(page, '<script', 'works without JavaScript');
    t.notMatch(page, /\sstyle=/, 'no inline style (CSP)');
    t.notMatch(page, /\son[a-z]+=/, 'no inline event handler (CSP)');
    t.end();
  });

  t.test('escapes hostile system names, descriptions and control fields', (t) => {
    const page = renderTrustPage(
      model({
        system: { name: HOSTILE, description: `${HOSTILE}"'` },
        controls: [
          control({
            id: `X"><script>1</script>`,
            title: HOSTILE,
            description: HOSTILE,
            criteria: [HOSTILE as Criterion],
            lastPassedAt: HOSTILE,
          }),
        ],
        updatedAt: HOSTILE,
      }),
    );
    t.notMatch(page, '<script', 'no script element came through');
    t.notMatch(page, '<img', 'no img element came through');
    t.notMatch(page, /onerror='/, 'no attribute came through');
    t.match(page, `<title>${HOSTILE_ESCAPED} — Trust center</title>`);
    t.match(page, `<h1 data-testid="system-name">${HOSTILE_ESCAPED}</h1>`);
    t.match(page, `${HOSTILE_ESCAPED}&quot;&#39;</p>`);
    t.match(page, 'data-testid="control-X&quot;&gt;&lt;script&gt;1&lt;/script&gt;"');
    t.match(page, `<li class="chip">${HOSTILE_ESCAPED}</li>`, 'unknown criterion shown alone');
    t.match(page, `<dd data-testid="last-passed"><span>${HOSTILE_ESCAPED}</span></dd>`);
    t.match(page, `Last updated <span>${HOSTILE_ESCAPED}</span>`);
    t.end();
  });

  t.test('every status has its wording on the control', (t) => {
    const page = renderTrustPage(
      model({
        controls: CHECK_STATUSES.map((status) => control({ id: `C-${status}`, status })),
      }),
    );
    for (const status of CHECK_STATUSES) {
      const item = controlItem(page, `C-${status}`);
      t.match(item, `data-status="${status}"`, status);
      t.match(item, `badge-${status}`);
      t.match(item, `</span> ${STATUS_WORDING[status].label}</span>`);
      t.match(item, `<dd>${escapeHtml(STATUS_WORDING[status].meaning)}</dd>`);
    }
    t.match(page, '3 of 4 applicable controls are not passing. 1 does not apply to this system.');
    t.match(page, 'What the statuses mean');
    t.end();
  });

  t.test('lastPassedAt shown or absent', (t) => {
    const page = renderTrustPage(
      model({
        controls: [
          control({ id: 'A', status: 'fail', lastPassedAt: '2030-05-06T07:08:09Z' }),
          control({ id: 'B', status: 'fail', lastPassedAt: undefined }),
        ],
      }),
    );
    t.match(
      controlItem(page, 'A'),
      '<dd data-testid="last-passed"><time datetime="2030-05-06T07:08:09.000Z">2030-05-06 07:08 UTC</time></dd>',
    );
    t.match(controlItem(page, 'B'), '<dd data-testid="last-passed">Has not passed yet</dd>');
    t.match(page, '2 of 2 applicable controls are not passing.');
    t.end();
  });

  t.test('before the first evaluation', (t) => {
    const page = renderTrustPage(model({ controls: [], updatedAt: undefined }));
    t.match(page, 'No control has been evaluated yet.');
    t.match(page, '<p class="updated muted" data-testid="updated">Not evaluated yet</p>');
    t.end();
  });

  t.test('the headline counts applicable controls only (issue 8)', (t) => {
    const of = (...statuses: CheckStatus[]) =>
      overallText(
        renderTrustPage(
          model({ controls: statuses.map((status, i) => control({ id: `C${i}`, status })) }),
        ),
      );
    const pass = 'pass' as const;
    const na = 'not_applicable' as const;
    t.equal(
      of(pass, pass, pass, pass, na, na),
      'All 4 applicable controls are passing. 2 do not apply to this system.',
    );
    t.equal(
      of(pass, 'fail', na),
      '1 of 2 applicable controls is not passing. 1 does not apply to this system.',
    );
    t.equal(of('warn', 'error', pass), '2 of 3 applicable controls are not passing.');
    t.equal(of(na, na), 'No control applies to this system.');
    t.end();
  });

  t.test('backticks in descriptions are inline code, escaped first', (t) => {
    const page = renderTrustPage(
      model({
        system: { name: 'S', description: 'Run `tufwatch verify` <daily>' },
        controls: [
          control({ id: 'A', description: 'Publish with `fleetctl <b>x</b> & co` then `x`.' }),
          control({ id: 'B', description: 'One ` backtick is text' }),
        ],
      }),
    );
    t.match(page, 'Run <code>tufwatch verify</code> &lt;daily&gt;</p>');
    t.match(
      controlItem(page, 'A'),
      'Publish with <code>fleetctl &lt;b&gt;x&lt;/b&gt; &amp; co</code> then <code>x</code>.',
    );
    t.match(controlItem(page, 'B'), 'One ` backtick is text');
    t.notMatch(page, '<b>');
    t.end();
  });

  t.test('summary counts controls by status, worst first', (t) => {
    const page = renderTrustPage(
      model({
        controls: [
          control({ id: 'A', status: 'not_applicable' }),
          control({ id: 'B', status: 'pass' }),
          control({ id: 'C', status: 'pass' }),
        ],
      }),
    );
    t.match(page, 'All 2 applicable controls are passing. 1 does not apply to this system.');
    const summary = page.slice(page.indexOf('aria-label="Controls by status"'));
    t.ok(summary.indexOf('badge-pass') < summary.indexOf('badge-not_applicable'));
    t.match(summary, /Passing<\/span> 2<\/li>/);
    t.match(summary, /Not applicable<\/span> 1<\/li>/);
    t.end();
  });
  t.end();
});

t.test('dashboard shell', (t) => {
  const page = renderDashboard({ version: '1.2.3' });
  t.match(page, '<title>tufwatch — operations dashboard</title>');
  t.match(page, '<script src="/assets/dashboard.js" defer></script>');
  t.match(page, '<span data-testid="version">1.2.3</span>');
  for (const testid of [
    'run-now',
    'banner',
    'token-form',
    'controls',
    'checks',
    'repositories',
    'runs',
  ]) {
    t.match(page, `data-testid="${testid}"`, testid);
  }
  t.match(page, '<noscript>', 'says what to do without JavaScript');
  t.notMatch(page, /<script>/, 'no inline script (CSP)');
  t.notMatch(page, /\sstyle=/, 'no inline style (CSP)');
  t.notMatch(page, /\son[a-z]+=/, 'no inline event handler (CSP)');
  t.match(renderDashboard({ version: '<b>' }), '<span data-testid="version">&lt;b&gt;</span>');
  t.end();
});

t.test('assets', (t) => {
  t.same(Object.keys(ASSETS).sort(), ['dashboard.js', 'tufwatch.css']);
  const css = ASSETS['tufwatch.css'];
  const js = ASSETS['dashboard.js'];
  if (css === undefined || js === undefined) throw new Error('missing asset');
  t.equal(css.contentType, 'text/css; charset=utf-8');
  t.equal(js.contentType, 'text/javascript; charset=utf-8');
  t.match(css.body, 'prefers-color-scheme: dark', 'light and dark');
  for (const status of CHECK_STATUSES) t.match(css.body, `.badge-${status} {`, status);

  t.doesNotThrow(() => new Script(js.body, { filename: 'dashboard.js' }), 'dashboard.js parses');
  t.notMatch(
    js.body,
    /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/,
    'no HTML sinks',
  );
  t.match(js.body, 'textContent');
  t.match(js.body, `const STATUS = ${JSON.stringify(STATUS_WORDING)};`, 'shares the wording');
  for (const path of [
    '/api/v1/controls',
    '/api/v1/checks',
    '/api/v1/runs?limit=10',
    '/api/v1/system',
    '/api/v1/repositories/',
  ]) {
    t.match(js.body, `'${path}`, path);
  }
  t.match(js.body, "'Bearer '");
  t.match(js.body, 'history.replaceState');
  t.end();
});

import { markup, renderDocument } from './html.js';

/**
 * The ops dashboard: a static shell that `/assets/dashboard.js` fills from the
 * JSON API with the bearer token the operator gives it. The shell holds no
 * data, so it needs no token itself; every value it shows comes through the
 * authenticated API and is put into the page with DOM text nodes.
 */
export function renderDashboard(opts: { version: string }): string {
  const body = markup`<a class="skip-link" href="#main">Skip to content</a>
<header class="topbar">
<div class="wrap topbar-inner">
<div class="brand"><span class="brand-mark" aria-hidden="true"></span><span class="brand-name">tufwatch</span><span class="brand-sub">Operations</span></div>
<div class="topbar-actions">
<span id="refresh-status" class="refresh-status" role="status" aria-live="polite"></span>
<button id="forget-token" class="button secondary" type="button" data-testid="forget-token" hidden>Forget token</button>
<button id="run-now" class="button primary" type="button" data-testid="run-now" disabled>Run now</button>
</div>
</div>
</header>
<div id="banner" class="banner" role="alert" data-testid="banner" hidden>
<div class="wrap banner-inner"><p id="banner-text" class="banner-text"></p><button id="banner-dismiss" class="button secondary small" type="button">Dismiss</button></div>
</div>
<main id="main" class="wrap">
<noscript><p class="notice">This dashboard needs JavaScript. The public status of the controls is on the <a href="/trust">trust page</a>.</p></noscript>
<section id="token-section" class="panel token-panel" aria-labelledby="token-heading" hidden>
<h1 id="token-heading">Sign in to the dashboard</h1>
<p class="muted">Enter an API token (one of <code>TUFWATCH_API_TOKENS</code>). It is kept in this browser tab only and sent to the API as a bearer token.</p>
<form id="token-form" class="token-form" data-testid="token-form">
<label for="token-input">API token</label>
<div class="token-row"><input id="token-input" name="token" type="password" autocomplete="off" spellcheck="false" required><button class="button primary" type="submit">Open dashboard</button></div>
</form>
</section>
<div id="app" hidden>
<section id="system" class="system" aria-labelledby="system-name">
<p class="eyebrow">Audited system</p>
<h1 id="system-name" data-testid="system-name">Loading\u2026</h1>
<p id="system-description" class="lede"></p>
<ul id="components" class="components" aria-label="Components in scope"></ul>
<p id="run-status" class="run-status" role="status" aria-live="polite" data-testid="run-status"></p>
</section>
<section class="section" aria-labelledby="controls-heading">
<div class="section-head"><h2 id="controls-heading">Controls</h2><p id="controls-meta" class="muted" data-testid="controls-meta"></p></div>
<div id="control-summary" class="summary" data-testid="control-summary"></div>
<div id="controls" class="cards" data-testid="controls"></div>
</section>
<section class="section" aria-labelledby="checks-heading">
<div class="section-head"><h2 id="checks-heading">Checks</h2><p id="checks-meta" class="muted"></p></div>
<div id="checks" data-testid="checks"></div>
</section>
<section class="section" aria-labelledby="roles-heading">
<div class="section-head"><h2 id="roles-heading">TUF role expiry</h2><p class="muted">Highlighted: timestamp within 4 days, other roles within 30 days.</p></div>
<div id="repositories" data-testid="repositories"></div>
</section>
<section class="section" aria-labelledby="runs-heading">
<div class="section-head"><h2 id="runs-heading">Recent runs</h2></div>
<div id="runs" data-testid="runs"></div>
</section>
<section class="section" aria-labelledby="timeline-heading">
<div class="section-head"><h2 id="timeline-heading">Control timelines</h2><p id="timeline-meta" class="muted" data-testid="timeline-meta"></p></div>
<form id="period-form" class="period-form" data-testid="period-form">
<label for="period-from">From</label><input id="period-from" name="from" type="date" required>
<label for="period-to">To (exclusive)</label><input id="period-to" name="to" type="date" required>
<button class="button primary small" type="submit">Show</button>
<span class="period-presets"><button class="button secondary small" type="button" data-days="7">7 days</button><button class="button secondary small" type="button" data-days="30">30 days</button><button class="button secondary small" type="button" data-days="90">90 days</button></span>
<span class="period-downloads"><button id="download-csv" class="button secondary small" type="button" data-testid="download-csv">Download CSV</button><button id="download-bundle" class="button secondary small" type="button" data-testid="download-bundle">Download signed bundle</button></span>
</form>
<div id="timelines" data-testid="timelines"></div>
</section>
<section class="section" aria-labelledby="evidence-heading">
<div class="section-head"><h2 id="evidence-heading">Evidence signing key</h2><p class="muted">Exports are hash-chained and signed with this Ed25519 key. Verify one offline with <code>tufwatch evidence verify FILE --public-key KEY.pem</code>.</p></div>
<div id="evidence-key" data-testid="evidence-key"></div>
</section>
</div>
</main>
<footer class="footer"><div class="wrap">tufwatch <span data-testid="version">${opts.version}</span> \u00b7 <a href="/trust">Public trust page</a></div></footer>`;
  return renderDocument({
    title: 'tufwatch \u2014 operations dashboard',
    bodyClass: 'dashboard',
    body,
    scripts: ['dashboard.js'],
  });
}

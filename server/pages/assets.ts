import { STATUS_WORDING } from './html.js';

/**
 * Static assets of the pages, served at `/assets/<name>`. They are separate
 * files because the CSP forbids inline scripts and styles. They live in a
 * TypeScript module (no build step copies other files into dist/), as raw
 * strings: the text is exactly what the browser gets. They hold no backtick
 * and no dollar-brace, which would end or interpolate the template.
 */

const CSS = String.raw`/* tufwatch: trust page and ops dashboard. System fonts only (offline, no CDN). */
:root {
  color-scheme: light dark;
  --bg: #f5f7fa;
  --surface: #ffffff;
  --surface-2: #f0f3f7;
  --text: #17202b;
  --muted: #566170;
  --border: #d8dee6;
  --accent: #2456c9;
  --accent-text: #ffffff;
  --focus: #2456c9;
  --pass: #17703a;
  --pass-bg: #e3f5e8;
  --fail: #b42318;
  --fail-bg: #fdecea;
  --warn: #8a5a00;
  --warn-bg: #fff4d6;
  --error: #5b3fb8;
  --error-bg: #efeafc;
  --na: #556070;
  --na-bg: #eceff3;
  --radius: 10px;
  --shadow: 0 1px 2px rgba(16, 24, 40, 0.05), 0 1px 3px rgba(16, 24, 40, 0.08);
  --mono: ui-monospace, SFMono-Regular, 'SF Mono', Menlo, Consolas, 'Liberation Mono', monospace;
  --sans: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
  font-family: var(--sans);
  font-size: 16px;
  line-height: 1.5;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0e1217;
    --surface: #161c24;
    --surface-2: #1d2530;
    --text: #e6ebf1;
    --muted: #9aa6b4;
    --border: #2c3642;
    --accent: #6f9bff;
    --accent-text: #0e1217;
    --focus: #8fb1ff;
    --pass: #5ad17f;
    --pass-bg: rgba(63, 185, 100, 0.14);
    --fail: #ff7b72;
    --fail-bg: rgba(248, 81, 73, 0.15);
    --warn: #e3b341;
    --warn-bg: rgba(210, 153, 34, 0.16);
    --error: #b69cff;
    --error-bg: rgba(160, 130, 255, 0.16);
    --na: #9aa6b4;
    --na-bg: rgba(150, 160, 175, 0.14);
    --shadow: 0 1px 2px rgba(0, 0, 0, 0.4);
  }
}
*,
*::before,
*::after {
  box-sizing: border-box;
}
html {
  background: var(--bg);
  color: var(--text);
}
body {
  margin: 0;
  min-height: 100vh;
  display: flex;
  flex-direction: column;
}
main {
  flex: 1;
  padding-bottom: 3rem;
}
a {
  color: var(--accent);
}
:focus-visible {
  outline: 3px solid var(--focus);
  outline-offset: 2px;
}
code,
pre {
  font-family: var(--mono);
  font-size: 0.875em;
}
h1,
h2,
h3,
h4 {
  line-height: 1.25;
  margin: 0 0 0.5rem;
}
h1 {
  font-size: 1.9rem;
  letter-spacing: -0.01em;
}
h2 {
  font-size: 1.3rem;
}
h3 {
  font-size: 1.05rem;
}
h4 {
  font-size: 0.8rem;
  text-transform: uppercase;
  letter-spacing: 0.06em;
  color: var(--muted);
}
p {
  margin: 0 0 0.75rem;
}
[hidden] {
  display: none !important;
}
.wrap {
  width: 100%;
  max-width: 72rem;
  margin: 0 auto;
  padding: 0 1.25rem;
}
.muted {
  color: var(--muted);
}
.small {
  font-size: 0.875rem;
}
.eyebrow {
  text-transform: uppercase;
  letter-spacing: 0.08em;
  font-size: 0.75rem;
  font-weight: 600;
  color: var(--muted);
  margin: 0 0 0.35rem;
}
.lede {
  font-size: 1.05rem;
  color: var(--muted);
  max-width: 48rem;
}
.skip-link {
  position: absolute;
  left: -999px;
  top: 0.5rem;
  background: var(--surface);
  padding: 0.5rem 0.75rem;
  border-radius: var(--radius);
  z-index: 10;
}
.skip-link:focus {
  left: 0.5rem;
}
.visually-hidden {
  position: absolute;
  width: 1px;
  height: 1px;
  overflow: hidden;
  clip: rect(0 0 0 0);
  white-space: nowrap;
}

/* Status badges: an icon and words, never color alone. */
.badge {
  display: inline-flex;
  align-items: center;
  gap: 0.35rem;
  padding: 0.15rem 0.6rem 0.15rem 0.3rem;
  border-radius: 999px;
  border: 1px solid currentColor;
  font-size: 0.8rem;
  font-weight: 600;
  white-space: nowrap;
  line-height: 1.4;
}
.badge-icon {
  display: inline-flex;
  align-items: center;
  justify-content: center;
  width: 1.15rem;
  height: 1.15rem;
  border-radius: 50%;
  color: var(--surface);
  font-size: 0.72rem;
  font-weight: 800;
}
.badge-icon::selection {
  background: transparent;
}
.badge-pass {
  color: var(--pass);
  background: var(--pass-bg);
}
.badge-fail {
  color: var(--fail);
  background: var(--fail-bg);
}
.badge-warn {
  color: var(--warn);
  background: var(--warn-bg);
}
.badge-error {
  color: var(--error);
  background: var(--error-bg);
}
.badge-not_applicable {
  color: var(--na);
  background: var(--na-bg);
}
.badge-pass .badge-icon {
  background: var(--pass);
}
.badge-fail .badge-icon {
  background: var(--fail);
}
.badge-warn .badge-icon {
  background: var(--warn);
}
.badge-error .badge-icon {
  background: var(--error);
}
.badge-not_applicable .badge-icon {
  background: var(--na);
}
.badge.small {
  font-size: 0.72rem;
  padding: 0.05rem 0.5rem 0.05rem 0.2rem;
}
.badge.small .badge-icon {
  width: 0.95rem;
  height: 0.95rem;
  font-size: 0.62rem;
}

/* Cards */
.cards {
  display: grid;
  grid-template-columns: repeat(auto-fill, minmax(min(100%, 32rem), 1fr));
  gap: 1rem;
  list-style: none;
  margin: 0;
  padding: 0;
}
.card {
  background: var(--surface);
  border: 1px solid var(--border);
  border-left: 5px solid var(--na);
  border-radius: var(--radius);
  box-shadow: var(--shadow);
  padding: 1rem 1.25rem;
  min-width: 0;
}
.card[data-status='pass'] {
  border-left-color: var(--pass);
}
.card[data-status='fail'] {
  border-left-color: var(--fail);
}
.card[data-status='warn'] {
  border-left-color: var(--warn);
}
.card[data-status='error'] {
  border-left-color: var(--error);
}
.card-head {
  display: flex;
  align-items: flex-start;
  justify-content: space-between;
  gap: 0.75rem;
  margin-bottom: 0.5rem;
}
.card-head h3 {
  margin: 0;
}
.card-id {
  display: block;
  font-family: var(--mono);
  font-size: 0.78rem;
  color: var(--muted);
  font-weight: 500;
  margin-bottom: 0.15rem;
}
.card p.description {
  color: var(--muted);
  font-size: 0.95rem;
}
.facts {
  display: grid;
  grid-template-columns: max-content 1fr;
  gap: 0.3rem 1rem;
  margin: 0.75rem 0 0;
  font-size: 0.9rem;
}
.facts dt {
  color: var(--muted);
  font-weight: 500;
}
.facts dd {
  margin: 0;
  min-width: 0;
}
.chips {
  display: flex;
  flex-wrap: wrap;
  gap: 0.35rem;
  list-style: none;
  margin: 0;
  padding: 0;
}
.chip {
  display: inline-flex;
  align-items: center;
  gap: 0.3rem;
  padding: 0.05rem 0.5rem;
  border-radius: 6px;
  background: var(--surface-2);
  border: 1px solid var(--border);
  font-size: 0.8rem;
}
.chip abbr {
  text-decoration: none;
}

/* Trust page */
.hero {
  background: var(--surface);
  border-bottom: 1px solid var(--border);
  padding: 2.5rem 0 2rem;
  margin-bottom: 2rem;
}
.brand {
  display: flex;
  align-items: center;
  gap: 0.5rem;
  font-weight: 700;
}
.brand-mark {
  width: 1.3rem;
  height: 1.3rem;
  border-radius: 5px;
  background: linear-gradient(135deg, var(--accent), var(--pass));
}
.brand-sub {
  color: var(--muted);
  font-weight: 500;
  padding-left: 0.5rem;
  border-left: 1px solid var(--border);
}
.hero .brand {
  margin-bottom: 1.75rem;
}
.overall {
  display: flex;
  align-items: center;
  flex-wrap: wrap;
  gap: 0.75rem 1.5rem;
  margin-top: 1.25rem;
  padding: 0.9rem 1.1rem;
  background: var(--surface-2);
  border: 1px solid var(--border);
  border-radius: var(--radius);
}
.overall-text {
  margin: 0;
  font-weight: 600;
}
.overall .summary {
  margin: 0;
}
.overall .updated {
  flex-basis: 100%;
  margin: 0;
  font-size: 0.9rem;
}
.legend {
  margin-top: 2rem;
  background: var(--surface);
  border: 1px solid var(--border);
  border-radius: var(--radius);
  padding: 1rem 1.25rem;
}
.legend dl {
  display: grid;
  grid-template-columns: max-content 1fr;
  gap: 0.6rem 1rem;
  align-items: center;
  margin: 0.75rem 0 0;
}
.legend dd {
  margin: 0;
  color: var(--muted);
  font-size: 0.92rem;
}
.section {
  margin-top: 2rem;
}
.section-head {
  display: flex;
  align-items: baseline;
  justify-content: space-between;
  flex-wrap: wrap;
  gap: 0.25rem 1rem;
  margin-bottom: 0.75rem;
}
.section-head h2 {
  margin: 0;
}
.section-head p {
  margin: 0;
  font-size: 0.9rem;
}
.footer {
  border-top: 1px solid var(--border);
  padding: 1.25rem 0;
  color: var(--muted);
  font-size: 0.875rem;
}

/* Dashboard */
.topbar {
  background: var(--surface);
  border-bottom: 1px solid var(--border);
  position: sticky;
  top: 0;
  z-index: 5;
}
.topbar-inner {
  display: flex;
  align-items: center;
  justify-content: space-between;
  gap: 1rem;
  min-height: 3.5rem;
  flex-wrap: wrap;
}
.topbar-actions {
  display: flex;
  align-items: center;
  gap: 0.6rem;
  flex-wrap: wrap;
}
.refresh-status {
  color: var(--muted);
  font-size: 0.85rem;
}
.button {
  font: inherit;
  font-size: 0.9rem;
  font-weight: 600;
  border-radius: 8px;
  padding: 0.45rem 0.95rem;
  border: 1px solid var(--border);
  background: var(--surface-2);
  color: var(--text);
  cursor: pointer;
}
.button.primary {
  background: var(--accent);
  border-color: var(--accent);
  color: var(--accent-text);
}
.button.small {
  padding: 0.25rem 0.6rem;
  font-size: 0.8rem;
}
.button:disabled {
  opacity: 0.55;
  cursor: not-allowed;
}
.banner {
  background: var(--fail-bg);
  color: var(--fail);
  border-bottom: 1px solid var(--fail);
  font-weight: 600;
}
.banner-inner {
  display: flex;
  align-items: center;
  justify-content: space-between;
  gap: 1rem;
  padding-top: 0.6rem;
  padding-bottom: 0.6rem;
}
.banner-text {
  margin: 0;
}
.banner-text::before {
  content: '\26A0\FE0E  ';
}
.notice {
  background: var(--surface);
  border: 1px solid var(--border);
  border-radius: var(--radius);
  padding: 0.9rem 1.1rem;
}
.notice.ok {
  border-left: 5px solid var(--pass);
}
.panel {
  background: var(--surface);
  border: 1px solid var(--border);
  border-radius: var(--radius);
  box-shadow: var(--shadow);
  padding: 1.5rem;
}
.token-panel {
  max-width: 34rem;
  margin: 3rem auto 0;
}
.token-form label {
  display: block;
  font-weight: 600;
  margin-bottom: 0.35rem;
}
.token-row {
  display: flex;
  gap: 0.5rem;
}
.token-row input {
  flex: 1;
  font: inherit;
  padding: 0.45rem 0.6rem;
  border-radius: 8px;
  border: 1px solid var(--border);
  background: var(--bg);
  color: var(--text);
  min-width: 0;
}
.system {
  padding-top: 1.75rem;
}
.components {
  display: flex;
  flex-wrap: wrap;
  gap: 0.5rem;
  list-style: none;
  margin: 0;
  padding: 0;
}
.components li {
  background: var(--surface);
  border: 1px solid var(--border);
  border-radius: 8px;
  padding: 0.3rem 0.7rem;
  font-size: 0.85rem;
  min-width: 0;
  overflow-wrap: anywhere;
}
.components .kind {
  color: var(--muted);
  font-size: 0.75rem;
  text-transform: uppercase;
  letter-spacing: 0.05em;
  margin-right: 0.4rem;
}
.run-status {
  margin: 0.75rem 0 0;
  font-weight: 600;
}
.run-status:empty {
  display: none;
}
.summary {
  display: flex;
  flex-wrap: wrap;
  gap: 0.5rem;
  margin-bottom: 1rem;
}
.check-list {
  display: grid;
  gap: 0.75rem;
}
.message {
  margin: 0.25rem 0 0.75rem;
  overflow-wrap: anywhere;
}
.remediation {
  background: var(--surface-2);
  border-radius: 8px;
  padding: 0.6rem 0.85rem;
  margin-bottom: 0.75rem;
}
.remediation p {
  margin: 0;
}
details.evidence summary,
details.more summary {
  cursor: pointer;
  font-weight: 600;
  font-size: 0.9rem;
}
details.more {
  margin-top: 1rem;
}
details.more > .check-list {
  margin-top: 0.75rem;
}
pre.json {
  background: var(--surface-2);
  border: 1px solid var(--border);
  border-radius: 8px;
  padding: 0.75rem;
  overflow: auto;
  max-height: 28rem;
  margin: 0.5rem 0 0;
}
.table-wrap {
  overflow-x: auto;
  background: var(--surface);
  border: 1px solid var(--border);
  border-radius: var(--radius);
  box-shadow: var(--shadow);
  margin-bottom: 1rem;
}
table {
  width: 100%;
  border-collapse: collapse;
  font-size: 0.88rem;
}
caption {
  text-align: left;
  font-weight: 700;
  padding: 0.7rem 0.9rem 0.2rem;
}
th,
td {
  text-align: left;
  padding: 0.5rem 0.9rem;
  border-bottom: 1px solid var(--border);
  white-space: nowrap;
}
th {
  color: var(--muted);
  font-weight: 600;
  font-size: 0.78rem;
  text-transform: uppercase;
  letter-spacing: 0.04em;
}
tbody th {
  color: var(--text);
  font-family: var(--mono);
  font-size: 0.85rem;
  text-transform: none;
  letter-spacing: 0;
}
tbody tr:last-child td,
tbody tr:last-child th {
  border-bottom: 0;
}
td.num {
  font-variant-numeric: tabular-nums;
}
tr.role-soon {
  background: var(--warn-bg);
}
tr.role-expired,
tr.sig-short {
  background: var(--fail-bg);
}
.countdown {
  font-variant-numeric: tabular-nums;
  font-weight: 600;
}
.state {
  display: inline-block;
  margin-left: 0.4rem;
  font-size: 0.75rem;
  font-weight: 700;
}
.role-soon .state {
  color: var(--warn);
}
.role-expired .state,
.sig-short .state {
  color: var(--fail);
}
/* Control timelines: one cell per bucket of time, the worst status of its runs. */
.period-form {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 0.5rem 0.75rem;
  margin-bottom: 1rem;
}
.period-form input {
  font: inherit;
  padding: 0.3rem 0.5rem;
  border: 1px solid var(--border);
  border-radius: 6px;
  background: var(--surface);
  color: var(--text);
}
.period-presets,
.period-downloads {
  display: inline-flex;
  gap: 0.4rem;
}
.timeline-row {
  background: var(--surface);
  border: 1px solid var(--border);
  border-radius: var(--radius);
  padding: 0.75rem 1rem;
  margin-bottom: 0.75rem;
}
.timeline-head {
  display: flex;
  justify-content: space-between;
  gap: 1rem;
  flex-wrap: wrap;
  margin-bottom: 0.5rem;
}
.timeline {
  display: flex;
  gap: 1px;
  height: 1.5rem;
}
.tl-cell {
  flex: 1 1 0;
  /* No border and no minimum width: 120 cells shrink to fit a phone's card. */
  min-width: 0;
  border-radius: 2px;
  background: transparent;
  box-shadow: inset 0 0 0 1px var(--border);
}
.tl-pass {
  background: var(--pass);
  box-shadow: none;
}
.tl-warn {
  background: var(--warn);
  box-shadow: none;
}
.tl-fail {
  background: var(--fail);
  box-shadow: none;
}
.tl-error {
  background: var(--error);
  box-shadow: none;
}
.tl-not_applicable {
  background: var(--na);
  box-shadow: none;
}
.timeline-axis {
  display: flex;
  justify-content: space-between;
  font-size: 0.78rem;
  color: var(--muted);
  margin-top: 0.25rem;
}
.timeline-row details {
  margin-top: 0.4rem;
  font-size: 0.88rem;
}
.fingerprint {
  font-family: var(--mono);
  word-break: break-all;
}
.key-panel {
  background: var(--surface);
  border: 1px solid var(--border);
  border-radius: var(--radius);
  padding: 1rem 1.25rem;
}
code {
  font-family: var(--mono);
  font-size: 0.9em;
  background: var(--surface-2);
  border-radius: 4px;
  padding: 0.05em 0.3em;
  overflow-wrap: anywhere;
}
pre code {
  background: none;
  padding: 0;
}
@media (max-width: 40rem) {
  h1 {
    font-size: 1.5rem;
  }
  .timeline {
    gap: 0;
  }
  /* Tables become one block per row, each cell labelled by its column: every column stays on screen. */
  table.stack thead {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  table.stack,
  table.stack tbody,
  table.stack tr {
    display: block;
  }
  table.stack tr {
    border-bottom: 1px solid var(--border);
    padding: 0.4rem 0;
  }
  table.stack tbody tr:last-child {
    border-bottom: 0;
  }
  table.stack tbody th,
  table.stack td {
    display: block;
    border-bottom: 0;
    padding: 0.15rem 0.9rem;
    white-space: normal;
    overflow-wrap: anywhere;
  }
  table.stack [data-label]::before {
    content: attr(data-label);
    display: inline-block;
    min-width: 6.5rem;
    color: var(--muted);
    font-family: var(--sans);
    font-size: 0.75rem;
    font-weight: 600;
    text-transform: uppercase;
    letter-spacing: 0.04em;
  }
}
@media print {
  .topbar,
  .banner,
  .button {
    display: none !important;
  }
}
`;

// The dashboard script: vanilla JS for evergreen browsers, no framework, no
// build step. Data reaches the DOM only through textContent and attributes.
const DASHBOARD_JS = String.raw`// Runs in the browser. Values from the API reach the DOM as text nodes and attributes only.
const ORDER = { fail: 0, error: 1, warn: 2, pass: 3, not_applicable: 4 };
const REFRESH_MS = 60000;
const RUNNING_POLL_MS = 3000;
const TOKEN_KEY = 'tufwatch.apiToken';
const DAY = 86400;
const ROLE_ORDER = ['root', 'targets', 'snapshot', 'timestamp'];

const state = {
  token: null,
  loading: false,
  again: false,
  refreshTimer: null,
  followUp: null,
  runInProgress: false,
  controls: [],
  evidenceLoaded: false,
};

const $ = (id) => document.getElementById(id);

// --- DOM helpers: text nodes and attributes only ---
function h(tag, attrs, children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const key of Object.keys(attrs)) {
      const value = attrs[key];
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  add(el, children);
  return el;
}
function add(el, child) {
  if (child === undefined || child === null || child === false) return;
  if (Array.isArray(child)) child.forEach((c) => add(el, c));
  else if (child instanceof Node) el.appendChild(child);
  else el.appendChild(document.createTextNode(String(child)));
}
// Text with inline code: a span between backticks becomes a code element (text nodes only, so
// nothing in it is markup). Unbalanced backticks stay as they are.
function withCode(text) {
  const parts = String(text).split('\u0060');
  if (parts.length < 3 || parts.length % 2 === 0) return [String(text)];
  return parts.map((part, i) => (i % 2 === 1 ? h('code', null, part) : part)).filter((part) => part !== '');
}
// Labels each body cell with its column's heading, for the one-block-per-row layout of phones.
function stackable(table) {
  table.classList.add('stack');
  const headings = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
  for (const row of table.querySelectorAll('tbody tr')) {
    const cells = [...row.children];
    if (cells.length !== headings.length) continue;
    cells.forEach((cell, i) => cell.setAttribute('data-label', headings[i]));
  }
  return table;
}
function str(v, fallback) {
  return typeof v === 'string' ? v : v === undefined || v === null ? fallback || '' : String(v);
}
function arr(v) {
  return Array.isArray(v) ? v : [];
}
function known(status) {
  return Object.prototype.hasOwnProperty.call(STATUS, status);
}
function badge(status, small) {
  const s = known(status) ? status : 'error';
  const wording = STATUS[s];
  return h(
    'span',
    { class: 'badge badge-' + s + (small ? ' small' : ''), 'data-testid': 'status-badge', title: wording.meaning },
    [h('span', { class: 'badge-icon', 'aria-hidden': 'true' }, wording.icon), ' ', known(status) ? wording.label : 'Unknown (' + str(status) + ')'],
  );
}

// --- time ---
function pad(n) {
  return n < 10 ? '0' + n : String(n);
}
function time(iso) {
  if (iso === undefined || iso === null || iso === '') return h('span', { class: 'muted' }, '\u2014');
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return h('span', null, str(iso));
  const d = new Date(ms);
  const text = d.toISOString().slice(0, 10) + ' ' + d.toISOString().slice(11, 19) + ' UTC';
  return h('time', { datetime: d.toISOString(), title: d.toString() }, text);
}
function clock(d) {
  return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}
function span(seconds) {
  let s = Math.max(0, Math.floor(Math.abs(seconds)));
  const d = Math.floor(s / DAY);
  s -= d * DAY;
  const hr = Math.floor(s / 3600);
  s -= hr * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return d + 'd ' + hr + 'h ' + pad(m) + 'm';
  if (hr > 0) return hr + 'h ' + pad(m) + 'm ' + pad(s) + 's';
  return m + 'm ' + pad(s) + 's';
}
function ms(n) {
  if (typeof n !== 'number') return '\u2014';
  return n < 1000 ? n + ' ms' : (n / 1000).toFixed(1) + ' s';
}

// --- banner and status lines ---
function showBanner(text) {
  $('banner-text').textContent = text;
  $('banner').hidden = false;
}
function hideBanner() {
  $('banner').hidden = true;
  $('banner-text').textContent = '';
}
function setRefreshStatus(text) {
  $('refresh-status').textContent = text;
}
function setRunStatus(text) {
  $('run-status').textContent = text;
}

// --- token ---
function storage() {
  try {
    return window.sessionStorage;
  } catch (e) {
    return null;
  }
}
function tokenFromFragment() {
  const hash = window.location.hash.replace(/^#/, '');
  for (const part of hash.split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq) === 'token') {
      try {
        return decodeURIComponent(part.slice(eq + 1));
      } catch (e) {
        return part.slice(eq + 1);
      }
    }
  }
  return null;
}
function saveToken(token) {
  state.token = token;
  const s = storage();
  if (s) {
    try {
      s.setItem(TOKEN_KEY, token);
    } catch (e) {
      /* storage full or disabled: the token lives in memory for this page */
    }
  }
}
function forgetToken() {
  state.token = null;
  state.evidenceLoaded = false;
  const s = storage();
  if (s) {
    try {
      s.removeItem(TOKEN_KEY);
    } catch (e) {
      /* nothing stored */
    }
  }
}
function showTokenForm() {
  stopTimers();
  $('app').hidden = true;
  $('forget-token').hidden = true;
  $('run-now').disabled = true;
  $('token-section').hidden = false;
  setRefreshStatus('');
  $('token-input').focus();
}
function showApp() {
  $('token-section').hidden = true;
  $('app').hidden = false;
  $('forget-token').hidden = false;
  $('run-now').disabled = state.runInProgress;
}

// --- API ---
class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}
async function request(method, path) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: { Authorization: 'Bearer ' + state.token, Accept: 'application/json' },
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', 'the server could not be reached (' + str(e && e.message, 'network error') + ')');
  }
  let body = null;
  try {
    body = await res.json();
  } catch (e) {
    body = null;
  }
  return { status: res.status, body };
}
async function get(path) {
  const { status, body } = await request('GET', path);
  if (status < 200 || status > 299) throw apiError(status, body);
  return body || {};
}
function apiError(status, body) {
  const code = body && typeof body.code === 'string' ? body.code : 'HTTP_' + status;
  const message = body && typeof body.message === 'string' ? body.message : 'HTTP ' + status;
  return new ApiError(status, code, message);
}
function describe(err) {
  if (err instanceof ApiError) return err.status === 0 ? err.message : err.message + ' (' + err.code + ', HTTP ' + err.status + ')';
  return str(err && err.message, String(err));
}
function notReady(err) {
  return err instanceof ApiError && err.code === 'NOT_READY';
}
function unauthorized() {
  forgetToken();
  showTokenForm();
  showBanner('The API token was refused (HTTP 401). Enter a valid token to continue.');
}

// --- rendering ---
function renderSystem(system) {
  $('system-name').textContent = str(system.name, 'Unnamed system');
  $('system-description').replaceChildren(...withCode(str(system.description)));
  $('components').replaceChildren(
    ...arr(system.components).map((c) =>
      h('li', { 'data-testid': 'component-' + str(c.name) }, [
        h('span', { class: 'kind' }, str(c.kind)),
        h('strong', null, str(c.name)),
        ' ',
        h('span', { class: 'muted' }, str(c.location)),
      ]),
    ),
  );
}

function renderSummary(target, items) {
  const counts = {};
  for (const item of items) counts[item.status] = (counts[item.status] || 0) + 1;
  target.replaceChildren(
    ...Object.keys(counts)
      .sort((a, b) => rank(a) - rank(b))
      .map((s) => h('span', { class: 'summary-item', 'data-testid': 'summary-' + s }, [badge(s), ' ', String(counts[s])])),
  );
}
function rank(status) {
  return known(status) ? ORDER[status] : ORDER.error;
}

function renderControls(data) {
  const controls = arr(data.controls);
  const hasRun = data.runId !== undefined && data.runId !== null;
  $('controls-meta').replaceChildren(
    ...(hasRun
      ? ['Run #' + str(data.runId) + ' \u00b7 evaluated ', data.evaluatedAt ? time(data.evaluatedAt) : 'at an unknown time']
      : ['No completed run yet.']),
  );
  renderSummary($('control-summary'), controls);
  $('controls').replaceChildren(
    ...controls.map((c) => {
      const id = str(c.id);
      return h('article', { class: 'card', 'data-testid': 'control-' + id, 'data-status': str(c.status), 'aria-labelledby': 'control-title-' + id }, [
        h('div', { class: 'card-head' }, [
          h('h3', { id: 'control-title-' + id }, [h('span', { class: 'card-id' }, id), str(c.title)]),
          badge(c.status),
        ]),
        h('p', { class: 'description' }, withCode(str(c.description))),
        h('dl', { class: 'facts' }, [
          h('dt', null, 'Checks'),
          h(
            'dd',
            null,
            h(
              'ul',
              { class: 'chips' },
              arr(c.checks).map((check) =>
                h('li', { class: 'chip' }, [
                  h('a', { href: '#check-' + str(check.id) }, h('code', null, str(check.id))),
                  badge(check.status, true),
                ]),
              ),
            ),
          ),
          h('dt', null, 'Criteria'),
          h('dd', null, h('ul', { class: 'chips' }, arr(c.criteria).map((cr) => h('li', { class: 'chip' }, str(cr))))),
          h('dt', null, 'Last passed'),
          h('dd', { 'data-testid': 'last-passed' }, c.lastPassedAt ? time(c.lastPassedAt) : 'Not yet'),
        ]),
      ]);
    }),
  );
}

function checkCard(c) {
  const id = str(c.id);
  const problem = rank(c.status) <= ORDER.warn;
  let evidence;
  try {
    evidence = JSON.stringify(c.evidence === undefined ? {} : c.evidence, null, 2);
  } catch (e) {
    evidence = String(c.evidence);
  }
  return h('article', { class: 'card check', id: 'check-' + id, 'data-testid': 'check-' + id, 'data-status': str(c.status) }, [
    h('div', { class: 'card-head' }, [h('h3', null, [h('span', { class: 'card-id' }, id), str(c.title, id)]), badge(c.status)]),
    h('p', { class: 'message', 'data-testid': 'check-message' }, str(c.message)),
    problem && c.remediation
      ? h('div', { class: 'remediation', 'data-testid': 'remediation' }, [h('h4', null, 'Remediation'), h('p', null, withCode(str(c.remediation)))])
      : null,
    h('dl', { class: 'facts' }, [
      h('dt', null, 'Severity'),
      h('dd', null, str(c.severity, '\u2014')),
      h('dt', null, 'Component'),
      h('dd', null, str(c.component, '\u2014')),
      h('dt', null, 'Criteria'),
      h('dd', null, arr(c.criteria).map(str).join(', ') || '\u2014'),
      h('dt', null, 'Evaluated'),
      h('dd', null, time(c.evaluatedAt)),
    ]),
    h('details', { class: 'evidence', 'data-testid': 'evidence' }, [
      h('summary', null, 'Evidence'),
      h('pre', { class: 'json' }, h('code', null, evidence)),
    ]),
  ]);
}

function renderChecks(data) {
  const checks = arr(data.checks)
    .slice()
    .sort((a, b) => rank(a.status) - rank(b.status) || str(a.id).localeCompare(str(b.id)));
  const problems = checks.filter((c) => rank(c.status) <= ORDER.warn);
  const others = checks.filter((c) => rank(c.status) > ORDER.warn);
  $('checks-meta').textContent =
    checks.length === 0 ? '' : problems.length + ' of ' + checks.length + ' need attention';
  const parts = [];
  if (checks.length === 0) parts.push(h('p', { class: 'notice' }, 'No check results yet.'));
  else if (problems.length === 0) parts.push(h('p', { class: 'notice ok', 'data-testid': 'all-checks-ok' }, 'Every check passes or does not apply.'));
  else parts.push(h('div', { class: 'check-list' }, problems.map(checkCard)));
  if (others.length > 0) {
    parts.push(
      h('details', { class: 'more' }, [
        h('summary', null, 'Passing and not applicable checks (' + others.length + ')'),
        h('div', { class: 'check-list' }, others.map(checkCard)),
      ]),
    );
  }
  $('checks').replaceChildren(...parts);
}

function roleRank(name) {
  const i = ROLE_ORDER.indexOf(name);
  return i === -1 ? ROLE_ORDER.length : i;
}
function renderRepositories(results) {
  const parts = results.map((r) => {
    if (r.error) {
      return h('div', { class: 'notice', 'data-testid': 'repository-' + r.name }, [
        h('strong', null, r.name + ': '),
        notReady(r.error) ? 'not verified yet; its roles show after the first run.' : 'roles could not be loaded: ' + describe(r.error),
      ]);
    }
    const roles = r.body.roles && typeof r.body.roles === 'object' ? r.body.roles : {};
    const names = Object.keys(roles).sort((a, b) => roleRank(a) - roleRank(b) || a.localeCompare(b));
    const loadedAt = Date.now();
    const rows = names.map((name) => {
      const role = roles[name] || {};
      const deadline =
        typeof role.expiresInSeconds === 'number' ? loadedAt + role.expiresInSeconds * 1000 : Date.parse(role.expires);
      const horizon = (name === 'timestamp' ? 4 : 30) * DAY;
      const short = typeof role.validSignatures === 'number' && typeof role.threshold === 'number' && role.validSignatures < role.threshold;
      return h('tr', { 'data-testid': 'role-' + r.name + '-' + name, 'data-horizon': horizon, class: short ? 'sig-short' : null }, [
        h('th', { scope: 'row' }, name),
        h('td', { class: 'num' }, str(role.version, '\u2014')),
        h('td', null, time(role.expires)),
        h('td', { class: 'countdown', 'data-deadline': Number.isNaN(deadline) ? '' : String(deadline), 'data-testid': 'countdown' }, '\u2014'),
        h('td', { class: 'num' }, [
          str(role.validSignatures, '?') + ' of ' + str(role.threshold, '?'),
          short ? h('span', { class: 'state' }, 'Below threshold') : null,
        ]),
        h('td', { class: 'num' }, str(role.keys, '\u2014')),
      ]);
    });
    return h('div', { class: 'table-wrap', 'data-testid': 'repository-' + r.name }, [
      stackable(h('table', null, [
        h('caption', null, r.name),
        h('thead', null, h('tr', null, ['Role', 'Version', 'Expires', 'Time left', 'Signatures', 'Keys'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colspan: '6', class: 'muted' }, 'No roles verified yet.'))),
      ])),
    ]);
  });
  $('repositories').replaceChildren(...(parts.length ? parts : [h('p', { class: 'notice' }, 'No TUF repository in scope.')]));
  tickCountdowns();
}

// Role expiry: highlight timestamp within 4 days and the other roles within 30 days.
function tickCountdowns() {
  const now = Date.now();
  for (const cell of document.querySelectorAll('td.countdown')) {
    const row = cell.parentElement;
    const deadline = Number(cell.getAttribute('data-deadline'));
    if (!cell.getAttribute('data-deadline') || Number.isNaN(deadline)) {
      cell.textContent = 'unknown';
      row.setAttribute('data-state', 'unknown');
      continue;
    }
    const left = (deadline - now) / 1000;
    const horizon = Number(row.getAttribute('data-horizon'));
    const st = left <= 0 ? 'expired' : left < horizon ? 'soon' : 'ok';
    row.setAttribute('data-state', st);
    row.classList.toggle('role-expired', st === 'expired');
    row.classList.toggle('role-soon', st === 'soon');
    const label = st === 'expired' ? 'Expired' : st === 'soon' ? 'Expires soon' : null;
    cell.replaceChildren(st === 'expired' ? 'expired ' + span(left) + ' ago' : span(left));
    if (label) cell.appendChild(h('span', { class: 'state' }, label));
  }
}

function renderRuns(data) {
  const runs = arr(data.runs);
  const latest = runs[0];
  state.runInProgress = !!latest && latest.status === 'running';
  $('run-now').disabled = state.runInProgress || !state.token;
  $('run-now').textContent = state.runInProgress ? 'Run in progress\u2026' : 'Run now';
  if (runs.length === 0) {
    $('runs').replaceChildren(h('p', { class: 'notice' }, 'No run yet.'));
    return;
  }
  $('runs').replaceChildren(
    h('div', { class: 'table-wrap' }, [
      stackable(h('table', null, [
        h('thead', null, h('tr', null, ['Run', 'Started', 'Duration', 'Trigger', 'Outcome'].map((t) => h('th', { scope: 'col' }, t)))),
        h(
          'tbody',
          null,
          runs.map((run) =>
            h('tr', { 'data-testid': 'run-' + str(run.id), 'data-status': str(run.status), 'data-result': str(run.result) }, [
              h('th', { scope: 'row' }, '#' + str(run.id)),
              h('td', null, time(run.startedAt)),
              h('td', { class: 'num' }, ms(run.durationMs)),
              h('td', null, str(run.trigger)),
              h('td', null, runOutcome(run)),
            ]),
          ),
        ),
      ])),
    ]),
  );
}
function runOutcome(run) {
  if (run.status === 'running') return h('span', { class: 'badge badge-not_applicable small' }, [h('span', { class: 'badge-icon', 'aria-hidden': 'true' }, '\u2026'), ' Running']);
  if (run.status === 'completed' && run.result === 'pass') return badge('pass', true);
  if (run.status === 'completed' && run.result === 'fail') {
    return h('span', { class: 'badge badge-fail small' }, [h('span', { class: 'badge-icon', 'aria-hidden': 'true' }, STATUS.fail.icon), ' Failures found']);
  }
  return h('span', { class: 'badge badge-error small' }, [h('span', { class: 'badge-icon', 'aria-hidden': 'true' }, STATUS.error.icon), ' ' + str(run.status, 'unknown')]);
}

// --- evidence: signing key and control timelines ---
const HOUR = 3600;
const BUCKETS = [HOUR, 6 * HOUR, DAY, 7 * DAY];
const MAX_CELLS = 120;

function isoDay(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}
function dayStart(ms) {
  return Math.floor(ms / (DAY * 1000)) * DAY * 1000;
}
/** The default period: the 30 days up to the end of the day of the latest run (or today). */
function setPeriod(days, endMs) {
  const end = endMs === undefined ? Date.parse($('period-to').value + 'T00:00:00Z') : endMs;
  $('period-to').value = isoDay(end);
  $('period-from').value = isoDay(end - days * DAY * 1000);
}
function period() {
  return { from: $('period-from').value, to: $('period-to').value };
}
function query(p) {
  return 'from=' + encodeURIComponent(p.from) + '&to=' + encodeURIComponent(p.to);
}

function renderKey(info) {
  const keys = arr(info.keys);
  $('evidence-key').replaceChildren(
    h('div', { class: 'key-panel' }, [
      h('dl', { class: 'facts' }, [
        h('dt', null, 'Algorithm'),
        h('dd', null, str(info.algorithm)),
        h('dt', null, 'Fingerprint'),
        h('dd', { class: 'fingerprint', 'data-testid': 'key-fingerprint' }, str(info.fingerprint)),
        h('dt', null, 'Key history'),
        h('dd', null, keys.length + (keys.length === 1 ? ' key' : ' keys')),
      ]),
      h('details', { class: 'evidence' }, [
        h('summary', null, 'Public key (PEM)'),
        h('pre', { class: 'json', 'data-testid': 'public-key' }, h('code', null, str(info.publicKey))),
      ]),
      h('div', { class: 'table-wrap' }, [
        stackable(h('table', { 'data-testid': 'key-history' }, [
          h('thead', null, h('tr', null, ['Fingerprint', 'Active from', 'Until', 'Why'].map((t) => h('th', { scope: 'col' }, t)))),
          h(
            'tbody',
            null,
            keys.map((k) =>
              h('tr', null, [
                h('td', { class: 'fingerprint' }, str(k.fingerprint)),
                h('td', null, time(k.activatedAt)),
                h('td', null, k.retiredAt ? time(k.retiredAt) : 'active'),
                h('td', null, str(k.reason)),
              ]),
            ),
          ),
        ])),
      ]),
    ]),
  );
}
async function loadKey() {
  try {
    renderKey(await get('/api/v1/evidence/public-key'));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return unauthorized();
    $('evidence-key').replaceChildren(h('p', { class: 'notice' }, 'The signing key could not be loaded: ' + describe(err)));
  }
}

/** Worst status of each bucket of the period; null where no run falls. */
function buckets(history, fromMs, toMs) {
  const spanS = (toMs - fromMs) / 1000;
  const size = BUCKETS.find((b) => spanS / b <= MAX_CELLS) || Math.ceil(spanS / MAX_CELLS);
  const count = Math.max(1, Math.ceil(spanS / size));
  const cells = Array.from({ length: count }, (_, i) => ({ start: fromMs + i * size * 1000, runs: 0, status: null }));
  for (const entry of history) {
    const ms = Date.parse(entry.at);
    const i = Math.floor((ms - fromMs) / (size * 1000));
    const cell = cells[i];
    if (!cell) continue;
    cell.runs += 1;
    if (cell.status === null || rank(entry.status) < rank(cell.status)) cell.status = known(entry.status) ? entry.status : 'error';
  }
  return { cells, size };
}
function timelineRow(control, body, fromMs, toMs) {
  const id = str(control.id);
  const history = arr(body.history);
  const transitions = arr(body.transitions);
  const { cells, size } = buckets(history, fromMs, toMs);
  const passing = history.filter((e) => e.status === 'pass' || e.status === 'warn').length;
  const share = history.length ? ((100 * passing) / history.length).toFixed(1) + '% of ' + history.length + ' runs operating' : 'No run in this period';
  const changes = transitions.length + (transitions.length === 1 ? ' status change' : ' status changes');
  const label = id + ': ' + share + ', ' + changes;
  return h('article', { class: 'timeline-row', 'data-testid': 'timeline-' + id }, [
    h('div', { class: 'timeline-head' }, [
      h('strong', null, [h('span', { class: 'card-id' }, id), str(control.title)]),
      h('span', { class: 'muted', 'data-testid': 'timeline-share' }, share),
    ]),
    h(
      'div',
      { class: 'timeline', role: 'img', 'aria-label': label },
      cells.map((c) =>
        h('span', {
          class: 'tl-cell' + (c.status ? ' tl-' + c.status : ''),
          'data-status': c.status || 'none',
          title:
            new Date(c.start).toISOString().slice(0, 16).replace('T', ' ') +
            ' UTC, ' + span(size) + ': ' +
            (c.status ? c.runs + ' runs, worst ' + STATUS[c.status].label : 'no run'),
        }),
      ),
    ),
    h('div', { class: 'timeline-axis' }, [h('span', null, isoDay(fromMs)), h('span', null, isoDay(toMs))]),
    transitions.length
      ? h('details', null, [
          h('summary', null, changes),
          h(
            'ul',
            { 'data-testid': 'transitions' },
            transitions.map((tr) => h('li', null, [time(tr.at), ' ', str(tr.from, 'none'), ' → ', str(tr.to)])),
          ),
        ])
      : null,
  ]);
}
async function loadTimelines() {
  const p = period();
  const fromMs = Date.parse(p.from + 'T00:00:00Z');
  const toMs = Date.parse(p.to + 'T00:00:00Z');
  if (Number.isNaN(fromMs) || Number.isNaN(toMs) || fromMs >= toMs) {
    $('timeline-meta').textContent = 'Choose a period whose start is before its end.';
    return;
  }
  $('timeline-meta').textContent = 'Loading ' + p.from + ' to ' + p.to + '…';
  const controls = state.controls;
  const results = await Promise.all(
    controls.map((c) =>
      get('/api/v1/controls/' + encodeURIComponent(str(c.id)) + '/history?' + query(p)).then(
        (body) => ({ c, body }),
        (error) => ({ c, error }),
      ),
    ),
  );
  if (results.some((r) => r.error instanceof ApiError && r.error.status === 401)) return unauthorized();
  $('timelines').replaceChildren(
    ...results.map((r) =>
      r.error
        ? h('p', { class: 'notice', 'data-testid': 'timeline-' + str(r.c.id) }, str(r.c.id) + ': ' + describe(r.error))
        : timelineRow(r.c, r.body, fromMs, toMs),
    ),
  );
  $('timeline-meta').textContent = p.from + ' to ' + p.to + ' (UTC) · each cell is the worst status of its runs';
}
async function download(path, name) {
  try {
    const res = await fetch(path, { headers: { Authorization: 'Bearer ' + state.token }, cache: 'no-store', credentials: 'omit' });
    if (!res.ok) {
      let body = null;
      try {
        body = await res.json();
      } catch (e) {
        body = null;
      }
      if (res.status === 401) return unauthorized();
      throw apiError(res.status, body);
    }
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: name });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (err) {
    showBanner('The export could not be downloaded: ' + describe(err));
  }
}

// --- loading ---
async function refresh() {
  if (!state.token) return;
  if (state.loading) {
    state.again = true;
    return;
  }
  state.loading = true;
  setRefreshStatus('Refreshing\u2026');
  try {
    const labels = ['controls', 'checks', 'runs', 'system'];
    const [results, ready] = await Promise.all([
      Promise.allSettled([
        get('/api/v1/controls'),
        get('/api/v1/checks'),
        get('/api/v1/runs?limit=10'),
        get('/api/v1/system'),
      ]),
      // Readiness says when runs are evaluated but not stored (STORAGE_DEGRADED).
      get('/readyz').then(
        () => null,
        (err) => err,
      ),
    ]);
    if (results.some((r) => r.status === 'rejected' && r.reason instanceof ApiError && r.reason.status === 401)) {
      unauthorized();
      return;
    }
    const errors = [];
    if (ready instanceof ApiError && ready.code === 'STORAGE_DEGRADED') {
      errors.push('DEGRADED: runs are not being stored as evidence (' + ready.message + '); they are kept and retried at the next run');
    }
    results.forEach((r, i) => {
      if (r.status === 'rejected') errors.push(labels[i] + ': ' + describe(r.reason));
    });
    const [controls, checks, runs, system] = results.map((r) => (r.status === 'fulfilled' ? r.value : null));
    if (system) {
      renderSystem(system);
      const repos = arr(system.components).filter((c) => c.kind === 'tuf-repository').map((c) => str(c.name));
      const roleResults = await Promise.all(
        repos.map((name) =>
          get('/api/v1/repositories/' + encodeURIComponent(name) + '/roles').then(
            (body) => ({ name, body }),
            (error) => ({ name, error }),
          ),
        ),
      );
      if (roleResults.some((r) => r.error instanceof ApiError && r.error.status === 401)) {
        unauthorized();
        return;
      }
      roleResults.forEach((r) => {
        // NOT_READY: the repository was not verified yet; the section says so, it is no failure.
        if (r.error && !notReady(r.error)) errors.push('roles of ' + r.name + ': ' + describe(r.error));
      });
      renderRepositories(roleResults);
    }
    if (controls) {
      renderControls(controls);
      state.controls = arr(controls.controls);
      // Timelines and the key load once, then when asked: months of runs are not re-read every minute.
      if (!state.evidenceLoaded) {
        state.evidenceLoaded = true;
        const latest = Date.parse(controls.evaluatedAt);
        setPeriod(30, dayStart(Number.isNaN(latest) ? Date.now() : latest) + DAY * 1000);
        loadTimelines();
        loadKey();
      }
    }
    if (checks) renderChecks(checks);
    if (runs) renderRuns(runs);
    else $('run-now').disabled = state.runInProgress;
    if (errors.length > 0) showBanner('Some data could not be loaded or stored, and what is shown may be stale. ' + errors.join('; '));
    else hideBanner();
    setRefreshStatus('Updated ' + clock(new Date()) + ' \u00b7 auto-refresh every 60 s');
    if (state.runInProgress) followUp(RUNNING_POLL_MS);
  } finally {
    state.loading = false;
    if (state.again) {
      state.again = false;
      refresh();
    }
  }
}
function followUp(delay) {
  if (state.followUp) clearTimeout(state.followUp);
  state.followUp = setTimeout(() => {
    state.followUp = null;
    refresh();
  }, delay);
}
function startTimers() {
  stopTimers();
  state.refreshTimer = setInterval(refresh, REFRESH_MS);
}
function stopTimers() {
  if (state.refreshTimer) clearInterval(state.refreshTimer);
  if (state.followUp) clearTimeout(state.followUp);
  state.refreshTimer = null;
  state.followUp = null;
}

async function runNow() {
  const button = $('run-now');
  button.disabled = true;
  setRunStatus('Starting a run\u2026');
  try {
    const { status, body } = await request('POST', '/api/v1/runs');
    if (status === 401) {
      setRunStatus('');
      unauthorized();
      return;
    }
    if (status === 202) {
      const run = body && (body.run || body);
      setRunStatus(run && run.id !== undefined ? 'Run #' + str(run.id) + ' started.' : 'Run started.');
    } else if (status === 409) {
      setRunStatus('A run is already in progress; its results will show here when it completes.');
    } else {
      throw apiError(status, body);
    }
    followUp(1000);
  } catch (err) {
    setRunStatus('');
    showBanner('The run could not be started: ' + describe(err));
    button.disabled = false;
  }
}

function start(token) {
  saveToken(token);
  showApp();
  startTimers();
  refresh();
}

function init() {
  $('banner-dismiss').addEventListener('click', hideBanner);
  $('run-now').addEventListener('click', runNow);
  $('forget-token').addEventListener('click', () => {
    forgetToken();
    hideBanner();
    showTokenForm();
  });
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = $('token-input').value.trim();
    if (!value) return;
    $('token-input').value = '';
    hideBanner();
    start(value);
  });
  setInterval(tickCountdowns, 1000);
  $('period-form').addEventListener('submit', (event) => {
    event.preventDefault();
    loadTimelines();
  });
  for (const button of document.querySelectorAll('[data-days]')) {
    button.addEventListener('click', () => {
      setPeriod(Number(button.getAttribute('data-days')));
      loadTimelines();
    });
  }
  $('download-csv').addEventListener('click', () => {
    const p = period();
    download('/api/v1/evidence/export.csv?' + query(p), 'tufwatch-controls-' + p.from + '-' + p.to + '.csv');
  });
  $('download-bundle').addEventListener('click', () => {
    const p = period();
    download('/api/v1/evidence/export?' + query(p), 'tufwatch-evidence-' + p.from + '-' + p.to + '.json');
  });

  // The token comes in the fragment (never sent to a server, kept out of logs),
  // and leaves the address bar at once so that it is not bookmarked or shared.
  const fromFragment = tokenFromFragment();
  if (fromFragment !== null) {
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  const s = storage();
  let stored = null;
  try {
    stored = s ? s.getItem(TOKEN_KEY) : null;
  } catch (e) {
    stored = null;
  }
  const token = fromFragment || stored;
  if (token) start(token);
  else showTokenForm();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
`;

export const ASSETS: Readonly<Record<string, { contentType: string; body: string }>> = {
  'tufwatch.css': { contentType: 'text/css; charset=utf-8', body: CSS },
  'dashboard.js': {
    contentType: 'text/javascript; charset=utf-8',
    // The status wording is shared with the server-rendered pages: one source.
    body:
      "'use strict';\n(() => {\nconst STATUS = " +
      JSON.stringify(STATUS_WORDING) +
      ';\n' +
      DASHBOARD_JS +
      '})();\n',
  },
};

import type { CheckStatus } from '../../checks/types.js';
import type { TrustModel } from '../trust-model.js';
import {
  formatTime,
  inlineCode,
  markup,
  renderDocument,
  STATUS_ORDER,
  STATUS_WORDING,
  statusBadge,
  type SafeHtml,
} from './html.js';

/**
 * SOC 2 trust services criteria (2017, points of focus revised 2022) in a few
 * words, for customers who do not know the codes by heart. A code not listed
 * here is shown alone.
 */
const CRITERIA_NAMES: Readonly<Record<string, string>> = {
  'CC6.1': 'Logical access security',
  'CC6.6': 'Protection against threats from outside the system',
  'CC6.7': 'Restricted transmission and movement of information',
  'CC6.8': 'Prevention of unauthorized or malicious software',
  'CC7.1': 'Detection of configuration changes and vulnerabilities',
  'CC7.2': 'Monitoring of system components for anomalies',
  'CC7.3': 'Evaluation of security events',
  'CC8.1': 'Change management',
  'A1.2': 'Availability: recovery infrastructure',
  'PI1.4': 'Processing integrity: complete and accurate outputs',
  'PI1.5': 'Processing integrity: complete and accurate storage',
};

function criterion(code: string): SafeHtml {
  const name = CRITERIA_NAMES[code];
  return name === undefined
    ? markup`<li class="chip">${code}</li>`
    : markup`<li class="chip"><abbr title="${name}">${code}</abbr> <span class="muted">${name}</span></li>`;
}

type Control = TrustModel['controls'][number];

function control(c: Control): SafeHtml {
  const titleId = `control-${c.id}-title`;
  const lastPassed =
    c.lastPassedAt === undefined
      ? markup`<dd data-testid="last-passed">Has not passed yet</dd>`
      : markup`<dd data-testid="last-passed">${formatTime(c.lastPassedAt)}</dd>`;
  return markup`<li class="card" id="control-${c.id}" data-testid="control-${c.id}" data-status="${c.status}">
<article aria-labelledby="${titleId}">
<div class="card-head"><h3 id="${titleId}"><span class="card-id">${c.id}</span>${c.title}</h3>${statusBadge(c.status)}</div>
<p class="description">${inlineCode(c.description)}</p>
<dl class="facts">
<dt>Status</dt><dd>${STATUS_WORDING[c.status].meaning}</dd>
<dt>Criteria</dt><dd><ul class="chips" aria-label="SOC 2 criteria">${c.criteria.map(criterion)}</ul></dd>
<dt>Last passed</dt>${lastPassed}
</dl>
</article>
</li>
`;
}

/** One sentence on the whole system, worst news first. */
function overall(controls: readonly Control[]): SafeHtml {
  if (controls.length === 0) {
    return markup`<p class="overall-text" data-testid="overall">No control has been evaluated yet.</p>`;
  }
  const counts = new Map<CheckStatus, number>();
  for (const c of controls) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
  // Controls that do not apply to this system are neither passing nor failing: they are
  // counted apart, never as applicable ones.
  const notApplicable = counts.get('not_applicable') ?? 0;
  const applicable = controls.length - notApplicable;
  const problems = applicable - (counts.get('pass') ?? 0);
  const apart =
    notApplicable === 0
      ? ''
      : ` ${notApplicable} ${notApplicable === 1 ? 'does' : 'do'} not apply to this system.`;
  const headline =
    applicable === 0
      ? `No control applies to this system.`
      : problems === 0
        ? `${applicable === 1 ? 'The 1 applicable control is' : `All ${applicable} applicable controls are`} passing.${apart}`
        : `${problems} of ${applicable} applicable controls ${problems === 1 ? 'is' : 'are'} not passing.${apart}`;
  const parts = STATUS_ORDER.filter((s) => counts.has(s)).map(
    (s) => markup`<li class="summary-item">${statusBadge(s)} ${counts.get(s)}</li>`,
  );
  return markup`<p class="overall-text" data-testid="overall">${headline}</p><ul class="summary chips" aria-label="Controls by status">${parts}</ul>`;
}

/**
 * The public trust page: the audited system, each control's live status, its
 * criteria and when it last passed. No evidence and no check detail: those
 * stay behind the API token. Needs no JavaScript.
 */
export function renderTrustPage(model: TrustModel): string {
  const updated =
    model.updatedAt === undefined
      ? markup`<p class="updated muted" data-testid="updated">Not evaluated yet</p>`
      : markup`<p class="updated muted" data-testid="updated">Last updated ${formatTime(model.updatedAt)}</p>`;
  const legend = STATUS_ORDER.map(
    (s) => markup`<dt>${statusBadge(s)}</dt><dd>${STATUS_WORDING[s].meaning}</dd>`,
  );
  const body = markup`<header class="hero">
<div class="wrap">
<div class="brand"><span class="brand-mark" aria-hidden="true"></span><span class="brand-name">Trust center</span><span class="brand-sub">Security status</span></div>
<h1 data-testid="system-name">${model.system.name}</h1>
<p class="lede" data-testid="system-description">${inlineCode(model.system.description)}</p>
<div class="overall">${overall(model.controls)}${updated}</div>
</div>
</header>
<main id="main" class="wrap">
<section aria-labelledby="controls-heading">
<div class="section-head"><h2 id="controls-heading">Controls</h2><p class="muted">Evaluated automatically and continuously against the live system.</p></div>
<ul class="cards" data-testid="controls">
${model.controls.map(control)}</ul>
</section>
<section class="legend" aria-labelledby="legend-heading">
<h2 id="legend-heading">What the statuses mean</h2>
<dl>${legend}</dl>
</section>
</main>
<footer class="footer"><div class="wrap">Criteria refer to the AICPA SOC 2 Trust Services Criteria. Monitored by tufwatch. Machine-readable status: <a href="/api/v1/trust">/api/v1/trust</a>.</div></footer>`;
  return renderDocument({
    title: `${model.system.name} \u2014 Trust center`,
    bodyClass: 'trust',
    body,
  });
}

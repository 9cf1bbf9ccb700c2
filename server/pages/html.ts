import type { CheckStatus } from '../../checks/types.js';

/**
 * HTML building blocks for the server-rendered pages. Everything that is not
 * markup written here is escaped: interpolations into `markup` are escaped
 * unless they are themselves `SafeHtml` built by `markup`.
 */

function escapeChar(c: string): string {
  switch (c) {
    case '&':
      return '&amp;';
    case '<':
      return '&lt;';
    case '>':
      return '&gt;';
    case '"':
      return '&quot;';
    default:
      return '&#39;';
  }
}

/** Escapes text for element content and for quoted attribute values (OWASP's five characters). */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, escapeChar);
}

/** Markup that is already safe: `markup` makes it. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue =
  SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** Tagged template: the literal parts are markup, every interpolation is escaped. */
export function markup(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  // values has one element fewer than strings: the last values[i] is undefined, rendered empty.
  const out = strings.map((s, i) => s + render(values[i])).join('');
  return new SafeHtml(out);
}

/**
 * Text whose spans between backticks are inline code, as descriptions and
 * remediations write commands (`fleetctl updates timestamp`). Every part is
 * escaped first; only the `<code>` elements are markup. Unbalanced backticks
 * stay as they are.
 */
export function inlineCode(text: string): SafeHtml {
  const parts = text.split('`');
  if (parts.length < 3 || parts.length % 2 === 0) return markup`${text}`;
  return markup`${parts.map((part, i) => (i % 2 === 1 ? markup`<code>${part}</code>` : part))}`;
}

/** What a status means, in words a customer understands; the icon repeats it without color. */
export interface StatusWording {
  label: string;
  icon: string;
  meaning: string;
}

export const STATUS_WORDING: Readonly<Record<CheckStatus, StatusWording>> = {
  pass: {
    label: 'Passing',
    icon: '\u2713',
    meaning: 'The latest automated evaluation found the control operating as intended.',
  },
  fail: {
    label: 'Failing',
    icon: '\u2715',
    meaning: 'The latest automated evaluation found the control not operating as intended.',
  },
  warn: {
    label: 'Needs attention',
    icon: '!',
    meaning:
      'The control operates, but something needs action soon (for example a signature that expires shortly).',
  },
  error: {
    label: 'Unknown',
    icon: '?',
    meaning:
      'The control could not be evaluated (for example the repository could not be reached); it is not counted as passing.',
  },
  not_applicable: {
    label: 'Not applicable',
    icon: '\u2013',
    meaning: 'The control does not apply to this system as configured.',
  },
};

/** Worst first, as the control roll-up orders them. */
export const STATUS_ORDER: readonly CheckStatus[] = [
  'fail',
  'error',
  'warn',
  'pass',
  'not_applicable',
];

/** A status badge: icon and words, so that color is never the only signal. */
export function statusBadge(status: CheckStatus): SafeHtml {
  const wording = STATUS_WORDING[status];
  return markup`<span class="badge badge-${status}" data-testid="status-badge"><span class="badge-icon" aria-hidden="true">${wording.icon}</span> ${wording.label}</span>`;
}

/**
 * A timestamp as `<time>`, shown in UTC so that every reader sees the same
 * words (the page is rendered on the server, without the reader's zone).
 * Text that is not a date is shown as it is, escaped.
 */
export function formatTime(iso: string): SafeHtml {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return markup`<span>${iso}</span>`;
  const d = new Date(ms).toISOString();
  return markup`<time datetime="${d}">${d.slice(0, 10)} ${d.slice(11, 16)} UTC</time>`;
}

export interface DocumentOptions {
  title: string;
  bodyClass: string;
  body: SafeHtml;
  /** Asset names under /assets/ (the CSP allows no inline script). */
  scripts?: readonly string[];
}

/** The document shell: one stylesheet, external scripts only, no referrer. */
export function renderDocument(opts: DocumentOptions): string {
  const scripts = (opts.scripts ?? []).map(
    (name) => markup`<script src="/assets/${name}" defer></script>`,
  );
  return markup`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light dark">
<title>${opts.title}</title>
<link rel="stylesheet" href="/assets/tufwatch.css">
${scripts}
</head>
<body class="${opts.bodyClass}">
${opts.body}
</body>
</html>
`.value;
}

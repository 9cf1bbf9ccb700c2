import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import t from 'tap';

import { renderMetrics } from '../../server/metrics.js';
import {
  familyNames,
  realisticMetricsInput,
  tufwatchMetricNames,
} from '../support/metrics-input.js';
import { promtool, promtoolMissing } from '../support/promtool.js';

const DIR = fileURLToPath(new URL('../../deploy/prometheus/', import.meta.url));
const RULES = readFileSync(`${DIR}tufwatch-alerts.yml`, 'utf8');
const TESTS = readFileSync(`${DIR}tufwatch-alerts.test.yml`, 'utf8');

/** The alert rules, one text block each (no YAML parser among the dependencies; the layout is ours). */
function alertBlocks(): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const block of RULES.split(/^\s*- alert: /m).slice(1)) {
    const name = /^\w+/.exec(block)?.[0] ?? '';
    blocks.set(name, block);
  }
  return blocks;
}

t.test('promtool check rules accepts the alert rules', { skip: promtoolMissing }, (t) => {
  const result = promtool(['check', 'rules', 'tufwatch-alerts.yml'], { cwd: DIR });
  t.equal(result.status, 0, 'promtool check rules exits 0', { output: result.output });
  if (result.status !== 0) t.comment(result.output);
  t.match(result.output, `SUCCESS: ${alertBlocks().size} rules found`);
  t.end();
});

t.test('promtool test rules passes', { skip: promtoolMissing }, (t) => {
  const result = promtool(['test', 'rules', 'tufwatch-alerts.test.yml'], { cwd: DIR });
  t.equal(result.status, 0, 'promtool test rules exits 0', { output: result.output });
  if (result.status !== 0) t.comment(result.output);
  t.end();
});

t.test('every alert has a severity and runbook annotations', (t) => {
  const blocks = alertBlocks();
  t.ok(blocks.size >= 13, `${blocks.size} alerts`);
  for (const [name, block] of blocks) {
    t.match(name, /^Tufwatch[A-Z]\w+$/, `${name}: named Tufwatch...`);
    t.match(block, /^\s+severity: (critical|warning)$/m, `${name}: severity critical or warning`);
    for (const annotation of ['summary', 'description', 'runbook']) {
      t.match(block, new RegExp(`^\\s+${annotation}: `, 'm'), `${name}: ${annotation}`);
    }
  }
  t.end();
});

t.test('the rule tests cover every alert, firing and not firing', (t) => {
  const firing = new Set<string>();
  const silent = new Set<string>();
  for (const block of TESTS.split(/^\s*- eval_time: /m).slice(1)) {
    const name = /alertname: (\w+)/.exec(block)?.[1] ?? '';
    (/exp_alerts: \[\]/.test(block) ? silent : firing).add(name);
  }
  for (const name of alertBlocks().keys()) {
    t.ok(firing.has(name), `${name} is tested firing`);
    t.ok(silent.has(name), `${name} is tested not firing`);
  }
  t.end();
});

t.test('every metric the rules and their tests use is exposed', (t) => {
  const exposed = familyNames(renderMetrics(realisticMetricsInput()));
  for (const [file, text] of [
    ['tufwatch-alerts.yml', RULES],
    ['tufwatch-alerts.test.yml', TESTS],
  ] as const) {
    const used = tufwatchMetricNames(text);
    t.ok(used.size > 0, `${file} uses tufwatch metrics`);
    for (const name of used) t.ok(exposed.has(name), `${file}: ${name} is exposed`);
  }
  t.end();
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import t from 'tap';

import { renderMetrics } from '../../server/metrics.js';
import {
  familyNames,
  realisticMetricsInput,
  tufwatchMetricNames,
} from '../support/metrics-input.js';
import { promtool, promtoolMissing } from '../support/promtool.js';

const PATH = fileURLToPath(
  new URL('../../deploy/grafana/tufwatch-dashboard.json', import.meta.url),
);
const TEXT = readFileSync(PATH, 'utf8');
const DS = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };

interface Target {
  refId: string;
  expr: string;
  datasource: unknown;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource: unknown;
  targets: Target[];
}
interface Dashboard {
  __inputs: { name: string; type: string; pluginId: string }[];
  schemaVersion: number;
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; datasource: unknown; query: { query: string } }[] };
}

const dashboard = JSON.parse(TEXT) as Dashboard;
const targets = dashboard.panels.flatMap((p) => p.targets.map((target) => ({ panel: p, target })));

t.test('an importable dashboard: schema 39+, datasource as an input', (t) => {
  t.ok(dashboard.schemaVersion >= 39, `schemaVersion ${dashboard.schemaVersion}`);
  t.equal(dashboard.uid, 'tufwatch');
  t.same(
    dashboard.__inputs.map(({ name, type, pluginId }) => ({ name, type, pluginId })),
    [{ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }],
  );
  const ids = dashboard.panels.map((p) => p.id);
  t.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  for (const panel of dashboard.panels) {
    t.same(panel.datasource, DS, `${panel.title}: panel datasource`);
    t.ok(panel.targets.length > 0, `${panel.title}: has queries`);
    for (const target of panel.targets)
      t.same(target.datasource, DS, `${panel.title} ${target.refId}`);
  }
  for (const variable of dashboard.templating.list) t.same(variable.datasource, DS, variable.name);
  t.notMatch(TEXT, /"uid": "(?!\$\{DS_PROMETHEUS\}|tufwatch"|-- Grafana --)/, 'no hard-coded uid');
  t.end();
});

t.test('the panels an on-call engineer needs', (t) => {
  const panels = new Map(dashboard.panels.map((p) => [p.title, p.type]));
  t.equal(panels.get('Control status'), 'table');
  t.equal(panels.get('Failing checks'), 'table');
  t.equal(panels.get('TUF role expiry countdown'), 'bargauge');
  t.equal(panels.get('Run duration'), 'timeseries');
  t.equal(panels.get('Runs by result'), 'timeseries');
  t.end();
});

t.test('every metric the dashboard queries is exposed, and every exposed one is shown', (t) => {
  const exposed = familyNames(renderMetrics(realisticMetricsInput()));
  const queries = [
    ...targets.map(({ target }) => target.expr),
    ...dashboard.templating.list.map((v) => v.query.query),
  ];
  const used = tufwatchMetricNames(queries.join('\n'));
  for (const name of used) t.ok(exposed.has(name), `${name} is exposed`);
  for (const name of exposed) t.ok(used.has(name), `${name} is on the dashboard`);
  t.same(tufwatchMetricNames(TEXT), used, 'no metric name outside the queries');
  t.end();
});

t.test(
  'every panel query is valid PromQL (promtool check rules)',
  { skip: promtoolMissing },
  (t) => {
    // Grafana variables replaced by what they expand to, each query a recording rule.
    const rules = targets.map(({ panel, target }) => ({
      record: `dashboard:panel_${panel.id}_${target.refId}`,
      expr: target.expr.replaceAll('$instance', '.*').replaceAll('$repository', '.*'),
    }));
    t.notOk(
      rules.some((r) => r.expr.includes('$')),
      'no Grafana variable left unexpanded',
    );
    const file = join(mkdtempSync(join(tmpdir(), 'tufwatch-dashboard-')), 'rules.yml');
    // JSON is YAML.
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
    const result = promtool(['check', 'rules', file]);
    t.equal(result.status, 0, 'promtool check rules exits 0', { output: result.output });
    if (result.status !== 0) t.comment(result.output);
    t.match(result.output, `SUCCESS: ${rules.length} rules found`);
    t.end();
  },
);

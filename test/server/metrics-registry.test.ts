import t from 'tap';

import {
  MetricFamily,
  MetricsRegistry,
  escapeHelp,
  escapeLabelValue,
  formatValue,
} from '../../server/metrics-registry.js';

t.test('renders families by name and series by label values, in code-unit order', (t) => {
  const registry = new MetricsRegistry();
  const b = registry.gauge('b_metric', 'Second.', ['x', 'y']);
  registry.counter('a_events_total', 'First.').set({}, 3);
  b.set({ x: 'b', y: '1' }, 1);
  b.set({ x: 'a', y: '2' }, 2);
  b.set({ x: 'a', y: '10' }, 3);
  b.set({ x: 'B', y: '1' }, 4);
  b.set({ x: 'é', y: '1' }, 5);
  registry.gauge('c_empty', 'No series yet.');
  t.equal(
    registry.render(),
    `# HELP a_events_total First.
# TYPE a_events_total counter
a_events_total 3
# HELP b_metric Second.
# TYPE b_metric gauge
b_metric{x="B",y="1"} 4
b_metric{x="a",y="10"} 3
b_metric{x="a",y="2"} 2
b_metric{x="b",y="1"} 1
b_metric{x="é",y="1"} 5
# HELP c_empty No series yet.
# TYPE c_empty gauge
`,
  );
  t.equal(new MetricsRegistry().render(), '', 'an empty registry renders nothing');
  t.end();
});

t.test('escaping per the 0.0.4 text format', (t) => {
  t.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  t.equal(escapeHelp('a\\b"c\nd'), 'a\\\\b"c\\nd', 'HELP keeps double quotes');
  const registry = new MetricsRegistry();
  registry.gauge('m', 'line one\nline two \\').set({}, 1);
  t.equal(registry.render(), '# HELP m line one\\nline two \\\\\n# TYPE m gauge\nm 1\n');
  t.end();
});

t.test('values as Go reads them', (t) => {
  const cases: [number, string][] = [
    [1, '1'],
    [0.1, '0.1'],
    [-0, '0'],
    [1893553212.345, '1893553212.345'],
    [1e21, '1e+21'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ];
  for (const [value, text] of cases) t.equal(formatValue(value), text, text);
  t.end();
});

t.test('refuses what would break the exposition', (t) => {
  const registry = new MetricsRegistry();
  const family = registry.gauge('tufwatch_thing', 'Help.', ['role']);
  t.throws(() => registry.gauge('tufwatch_thing', 'Again.'), /registered twice/);
  t.throws(() => registry.gauge('0bad', 'Help.'), /invalid metric name/);
  t.throws(() => registry.gauge('bad-name', 'Help.'), /invalid metric name/);
  t.throws(() => registry.counter('tufwatch_runs', 'Help.'), /_total/);
  t.throws(() => registry.gauge('tufwatch_runs_total', 'Help.'), /_total/);
  t.throws(() => registry.gauge('m1', 'Help.', ['__name']), /invalid label name/);
  t.throws(() => registry.gauge('m2', 'Help.', ['bad-label']), /invalid label name/);
  t.throws(() => registry.gauge('m3', 'Help.', ['a', 'a']), /duplicate label name/);
  t.throws(() => family.set({} as { role: string }, 1), /label role is missing/);
  t.throws(
    () => family.set({ role: 'root', request: 'id' } as { role: string }, 1),
    /unexpected labels/,
  );
  family.set({ role: 'root' }, 1);
  t.throws(() => family.set({ role: 'root' }, 2), /set twice/);
  const counter = new MetricFamily('c_total', 'counter', 'Help.', []);
  t.throws(() => counter.set({}, -1), /cannot be -1/);
  t.throws(() => counter.set({}, NaN), /cannot be NaN/);
  counter.set({}, 0);
  t.equal(counter.render(), '# HELP c_total Help.\n# TYPE c_total counter\nc_total 0\n');
  t.end();
});

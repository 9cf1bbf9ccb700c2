/**
 * A tiny registry for the Prometheus text exposition format 0.0.4: one per
 * scrape, filled from the latest results, rendered, and dropped. Not
 * prom-client: its global registry is a hidden singleton, and every value
 * here is computed at scrape time anyway (STYLE.md, "Metrics and logs").
 *
 * Format: https://prometheus.io/docs/instrumenting/exposition_formats/
 */

export type MetricType = 'counter' | 'gauge';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Sample {
  labelValues: string[];
  value: number;
}

/** `\` and newline in HELP; `\`, `"` and newline in label values (0.0.4). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Go's ParseFloat spellings of the special values; JS prints the rest as Go reads them. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/**
 * Code-unit order, never locale order: the output must not depend on the host.
 * Series are unique (`set` refuses duplicates), so some label value differs.
 */
function compareLabelValues(a: readonly string[], b: readonly string[]): number {
  const i = a.findIndex((value, j) => value !== b[j]);
  return (a[i] as string) < (b[i] as string) ? -1 : 1;
}

/** One metric family: a name, its HELP and TYPE, and its series. */
export class MetricFamily<L extends string> {
  readonly #samples = new Map<string, Sample>();

  constructor(
    readonly name: string,
    readonly type: MetricType,
    readonly help: string,
    readonly labelNames: readonly L[],
  ) {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    // The naming guide, which promtool's linter enforces: counters and only counters end in _total.
    if ((type === 'counter') !== name.endsWith('_total')) {
      throw new Error(`${name}: only a counter's name ends in _total, and a counter's always does`);
    }
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__')) {
        throw new Error(`${name}: invalid label name ${JSON.stringify(label)}`);
      }
    }
    if (new Set(labelNames).size !== labelNames.length) {
      throw new Error(`${name}: duplicate label name`);
    }
  }

  /**
   * Sets one series. Its labels must be exactly the family's: labels stay
   * bounded by construction. A series set twice is a bug in the caller (the
   * exposition would hold a duplicate, which Prometheus rejects).
   */
  set(labels: Readonly<Record<L, string>>, value: number): void {
    const given: Readonly<Record<string, unknown>> = labels;
    const labelValues: string[] = [];
    for (const label of this.labelNames) {
      const v = given[label];
      if (typeof v !== 'string') throw new Error(`${this.name}: label ${label} is missing`);
      labelValues.push(v);
    }
    if (Object.keys(given).length !== this.labelNames.length) {
      throw new Error(`${this.name}: unexpected labels ${JSON.stringify(Object.keys(given))}`);
    }
    if (this.type === 'counter' && !(value >= 0)) {
      throw new Error(`${this.name}: a counter cannot be ${value}`);
    }
    const key = JSON.stringify(labelValues);
    if (this.#samples.has(key)) throw new Error(`${this.name}: series ${key} set twice`);
    this.#samples.set(key, { labelValues, value });
  }

  /** HELP and TYPE even without series, so the family is documented before the first run. */
  render(): string {
    const lines = [
      `# HELP ${this.name} ${escapeHelp(this.help)}`,
      `# TYPE ${this.name} ${this.type}`,
    ];
    const samples = [...this.#samples.values()].sort((a, b) =>
      compareLabelValues(a.labelValues, b.labelValues),
    );
    for (const { labelValues, value } of samples) {
      const labels = this.labelNames.map(
        (label, i) => `${label}="${escapeLabelValue(labelValues[i] as string)}"`,
      );
      const selector = labels.length === 0 ? '' : `{${labels.join(',')}}`;
      lines.push(`${this.name}${selector} ${formatValue(value)}`);
    }
    return lines.map((line) => `${line}\n`).join('');
  }
}

export class MetricsRegistry {
  readonly #families = new Map<string, { render(): string }>();

  gauge<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
  ): MetricFamily<L> {
    return this.#add(new MetricFamily(name, 'gauge', help, labelNames));
  }

  counter<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
  ): MetricFamily<L> {
    return this.#add(new MetricFamily(name, 'counter', help, labelNames));
  }

  /** Families sorted by name, series by label values: the same state always renders the same bytes. */
  render(): string {
    return [...this.#families.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, family]) => family.render())
      .join('');
  }

  #add<L extends string>(family: MetricFamily<L>): MetricFamily<L> {
    if (this.#families.has(family.name)) throw new Error(`${family.name} registered twice`);
    this.#families.set(family.name, family);
    return family;
  }
}

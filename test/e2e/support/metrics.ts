// Reading Prometheus text in tests: the value of a series found by its name and some labels.

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Series[] {
  const series: Series[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!;
    }
    series.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return series;
}

/** The value of the series `name` having every label in `labels` (undefined when none has). */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = parse(text).find(
    (series) =>
      series.name === name &&
      Object.entries(labels).every(([key, value]) => series.labels[key] === value),
  );
  return found?.value;
}

/** Every series named `name`, with its labels. */
export function metricSeries(text: string, name: string): Series[] {
  return parse(text).filter((series) => series.name === name);
}

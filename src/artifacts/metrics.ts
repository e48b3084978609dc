import { writeFile } from 'node:fs/promises';

/** An evaluate stage's `metrics` output: the aggregate values (per-query values go to the store). */
export interface MetricsSummary {
  run: string;
  dataset: string;
  queries: number;
  all: Record<string, number | string>;
}

export async function writeMetricsSummary(path: string, m: MetricsSummary): Promise<void> {
  await writeFile(path, `${JSON.stringify(m, null, 2)}\n`);
}

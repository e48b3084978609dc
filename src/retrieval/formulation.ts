/** How a query and its expansions are combined (the experiment's `retrieval.formulation`). */
export interface FormulationSpec {
  mode: 'query2doc' | 'none';
  repeat_query: number;
  separator: string;
  concat: number;
}

/**
 * The text BM25 searches for a query and its expansions. query2doc's sparse formulation repeats
 * the query (5 times by default) so that its terms keep their weight beside a long
 * pseudo-passage, then appends the expansion (or the first `concat` of several, as MuGI does);
 * `none` is the query alone.
 */
export function formulate(query: string, expansions: readonly string[], f: FormulationSpec): string {
  if (f.mode === 'none') return query;
  const parts: string[] = [];
  for (let i = 0; i < f.repeat_query; i++) parts.push(query);
  parts.push(...expansions.slice(0, f.concat));
  return parts.join(f.separator);
}

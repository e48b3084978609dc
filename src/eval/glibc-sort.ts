/**
 * glibc's qsort is a top-down merge sort (msort.c): stable, and with a comparator that is not a
 * total order (NaN scores, trec_eval's gain comparison that truncates differences to int) its
 * result depends on this exact sequence of comparisons. Sorting with it reproduces trec_eval's
 * order in those cases too.
 */
export function glibcSort<T>(items: T[], cmp: (a: T, b: T) => number): T[] {
  const tmp = new Array<T>(items.length);
  msort(items, 0, items.length, cmp, tmp);
  return items;
}

function msort<T>(b: T[], lo: number, n: number, cmp: (a: T, b: T) => number, tmp: T[]): void {
  if (n <= 1) return;
  const n1 = n >>> 1;
  const n2 = n - n1;
  msort(b, lo, n1, cmp, tmp);
  msort(b, lo + n1, n2, cmp, tmp);
  let i = lo;
  let j = lo + n1;
  const iEnd = j;
  const jEnd = lo + n;
  let t = 0;
  while (i < iEnd && j < jEnd) {
    if (cmp(b[i] as T, b[j] as T) <= 0) tmp[t++] = b[i++] as T;
    else tmp[t++] = b[j++] as T;
  }
  while (i < iEnd) tmp[t++] = b[i++] as T;
  for (let k = 0; k < t; k++) b[lo + k] = tmp[k] as T;
}

/**
 * The same algorithm on an index array (the hot path: ranking a query's documents). With
 * `totalOrder` (the comparator is consistent), halves already in order are not merged: the same
 * result, and a run written in rank order sorts in linear time.
 */
export function glibcSortIndices(idx: Int32Array, cmp: (a: number, b: number) => number, totalOrder: boolean): Int32Array {
  const tmp = new Int32Array(idx.length);
  msortIdx(idx, 0, idx.length, cmp, tmp, totalOrder);
  return idx;
}

function msortIdx(b: Int32Array, lo: number, n: number, cmp: (a: number, b: number) => number, tmp: Int32Array, totalOrder: boolean): void {
  if (n <= 1) return;
  const n1 = n >>> 1;
  msortIdx(b, lo, n1, cmp, tmp, totalOrder);
  msortIdx(b, lo + n1, n - n1, cmp, tmp, totalOrder);
  let i = lo;
  let j = lo + n1;
  const iEnd = j;
  const jEnd = lo + n;
  if (totalOrder && cmp(b[iEnd - 1] as number, b[j] as number) <= 0) return;
  let t = 0;
  while (i < iEnd && j < jEnd) {
    if (cmp(b[i] as number, b[j] as number) <= 0) tmp[t++] = b[i++] as number;
    else tmp[t++] = b[j++] as number;
  }
  while (i < iEnd) tmp[t++] = b[i++] as number;
  b.set(tmp.subarray(0, t), lo);
}

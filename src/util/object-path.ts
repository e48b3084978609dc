/** Value at a path of keys (numeric segments index lists); undefined when any step is missing. */
export function getPath(root: unknown, path: readonly string[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (Array.isArray(cur) && /^\d+$/.test(seg)) cur = cur[Number(seg)];
    else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur)) cur = (cur as Record<string, unknown>)[seg];
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Sets a value at a path, creating maps on the way; returns an error text when a step is not a container. */
export function setPath(root: Record<string, unknown>, path: readonly string[], value: unknown): string | undefined {
  let cur: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i] as string;
    const next = Array.isArray(cur) ? cur[Number(seg)] : (cur as Record<string, unknown>)[seg];
    if (next === undefined || next === null) {
      if (Array.isArray(cur)) return `${path.slice(0, i + 1).join('.')} is past the end of the list`;
      (cur as Record<string, unknown>)[seg] = {};
    } else if (typeof next !== 'object') {
      return `${path.slice(0, i + 1).join('.')} is ${JSON.stringify(next)}, not a map`;
    }
    cur = Array.isArray(cur) ? cur[Number(seg)] : (cur as Record<string, unknown>)[seg];
  }
  const last = path[path.length - 1] as string;
  if (Array.isArray(cur)) {
    if (!/^\d+$/.test(last) || Number(last) >= cur.length) return `${path.join('.')} is not an item of the list`;
    cur[Number(last)] = value;
  } else (cur as Record<string, unknown>)[last] = value;
  return undefined;
}

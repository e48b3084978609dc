// A V8 CPU profile (the inspector's Profiler.stop, or a .cpuprofile file that node --cpu-prof
// writes) summed by function: each function's share of the samples taken in it (its self time).

/** [[name, samples]] by self time, largest first, and the samples in all; a name is "function file:line". */
export function selfTimes(profile) {
  const self = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const f = node.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.split('/').slice(-1)[0]}:${f.lineNumber + 1}` : ''}`.trim();
    self.set(name, (self.get(name) ?? 0) + node.hitCount);
    total += node.hitCount;
  }
  return { byFunction: [...self].sort((a, b) => b[1] - a[1]), total };
}

/** Prints the functions that hold `least` of the samples or more, as percentages of them all. */
export function printSelfTimes({ byFunction, total }, least = 0.01) {
  for (const [name, hits] of byFunction)
    if (hits >= least * total) console.log(`${((100 * hits) / total).toFixed(1).padStart(5)}%  ${name}`);
}

/**
 * The lines of the functions whose names contain `match` by self time (V8's positionTicks):
 * [[`function file:line`, samples]], largest first.
 */
export function lineTimes(profile, match) {
  const lines = new Map();
  for (const node of profile.nodes) {
    const f = node.callFrame;
    if (!(f.functionName || '(anonymous)').includes(match) || !node.positionTicks) continue;
    const file = f.url.split('/').slice(-1)[0];
    for (const { line, ticks } of node.positionTicks) {
      const name = `${f.functionName || '(anonymous)'} ${file}:${line}`;
      lines.set(name, (lines.get(name) ?? 0) + ticks);
    }
  }
  return [...lines].sort((a, b) => b[1] - a[1]);
}

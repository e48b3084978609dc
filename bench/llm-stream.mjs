// The cost of reading a provider's answers as a stream (llm/event-stream.ts) instead of by plain
// callbacks: the same producer (an answer every call, a turn of the event loop every 32, as
// answers arriving from the network) read both ways in this process, three rounds each. It
// prints both times and the difference per answer. BENCH_STREAM_EVENTS changes the count.
import { streamOf } from '../dist/llm/event-stream.js';

const N = Number(process.env.BENCH_STREAM_EVENTS ?? 200_000);
const turn = () => new Promise((r) => setImmediate(r));

async function produce(emit) {
  for (let i = 0; i < N; i++) {
    emit(i);
    if (i % 32 === 0) await turn();
  }
}

for (let round = 1; round <= 3; round++) {
  let seen = 0;
  let t0 = performance.now();
  await produce(() => seen++);
  const callbacks = performance.now() - t0;
  t0 = performance.now();
  for await (const _ of streamOf(new AbortController().signal, produce)) seen++;
  const streamed = performance.now() - t0;
  if (seen !== 2 * N) throw new Error(`saw ${seen} answers of ${2 * N}`);
  console.log(
    `round ${round}: ${N} answers by callbacks ${callbacks.toFixed(0)} ms, as a stream ${streamed.toFixed(0)} ms (${(((streamed - callbacks) / N) * 1000).toFixed(2)} µs more per answer)`,
  );
}

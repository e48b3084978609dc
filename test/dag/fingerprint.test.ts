import { describe, expect, it } from 'vitest';
import { explainChange } from '../../src/dag/explain.js';
import { type FingerprintParts, fingerprintOf } from '../../src/dag/fingerprint.js';
import { canonicalJson } from '../../src/util/canonical-json.js';

const parts = (over: Partial<FingerprintParts> = {}): FingerprintParts => ({
  kind: 'shell',
  version: 1,
  config: { own: { command: 'x', env: {} }, uses: { 'retrieval.bm25.k1': 0.9 } },
  inputs: { data: 'a'.repeat(64) },
  files: { 'data/q.tsv': 'b'.repeat(64) },
  ...over,
});

describe('fingerprints', () => {
  it('canonical JSON sorts keys at every level and ignores key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 'é' }], e: null })).toBe('{"a":[{"c":"é","d":2}],"b":1,"e":null}');
    expect(canonicalJson({ x: 1e21, y: 0.1, z: -0 })).toBe('{"x":1e+21,"y":0.1,"z":0}');
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/non-finite/);
    const a = parts();
    const b = JSON.parse(
      JSON.stringify({ files: a.files, inputs: a.inputs, config: a.config, version: 1, kind: 'shell' }),
    ) as FingerprintParts;
    expect(fingerprintOf(a)).toBe(fingerprintOf(b));
    expect(fingerprintOf(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with every part and explains the change in experiment terms', () => {
    const base = parts();
    const cases: [Partial<FingerprintParts>, string[]][] = [
      [{ version: 2 }, ['code version 1 → 2']],
      [{ config: { own: { command: 'y', env: {} }, uses: { 'retrieval.bm25.k1': 0.9 } } }, ['stages.score.command: "x" → "y"']],
      [{ config: { own: { command: 'x', env: {} }, uses: { 'retrieval.bm25.k1': 1.2 } } }, ['retrieval.bm25.k1: 0.9 → 1.2']],
      [{ config: { own: { command: 'x', env: { A: '1' } }, uses: { 'retrieval.bm25.k1': 0.9 } } }, ['stages.score.env.A: (unset) → "1"']],
      [{ inputs: { data: 'c'.repeat(64) } }, ['input data changed']],
      [{ inputs: {} }, ['input data removed']],
      [{ files: { 'data/q.tsv': 'd'.repeat(64) } }, ['file data/q.tsv changed']],
      [{ kind: 'dataset' }, ['kind shell → dataset']],
    ];
    for (const [over, reasons] of cases) {
      const next = parts(over);
      expect(fingerprintOf(next)).not.toBe(fingerprintOf(base));
      expect(explainChange('score', base, next)).toEqual(reasons);
    }
  });
});

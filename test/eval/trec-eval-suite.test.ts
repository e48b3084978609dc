import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { MIRROR } from '../helpers/mirror.js';
import { CLI } from '../helpers/workspace.js';

/*
 * trec_eval's own regression suite (its test/ folder: inputs, trec_eval 9.0.7's outputs and
 * quicktest.txt, the command line behind each output), kept in the data mirror: every command
 * line runs through `qexp eval` and its output must equal trec_eval's byte for byte.
 */
const SUITE = MIRROR ? join(MIRROR, 'trec_eval-test') : undefined;
const present = SUITE !== undefined && existsSync(join(SUITE, 'quicktest.txt'));
if (!present) console.warn(`trec_eval regression suite skipped: ${SUITE ?? 'no data mirror'}/quicktest.txt is absent`);

/** `./trec_eval ARGS | diff - test/EXPECTED` lines of quicktest.txt. */
function cases(): { args: string[]; expected: string }[] {
  const text = readFileSync(join(SUITE as string, 'quicktest.txt'), 'utf8');
  const out: { args: string[]; expected: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*\.\/trec_eval\s+(.*?)\s*\|\s*diff\s+-\s+test\/(\S+)\s*$/.exec(line);
    if (m) out.push({ args: (m[1] as string).split(/\s+/).map((a) => a.replace(/^test\//, '')), expected: m[2] as string });
  }
  return out;
}

describe.skipIf(!present)("trec_eval's regression suite (trec_eval 9.0.7's expected outputs)", () => {
  const all = present ? cases() : [];

  it('reads every case of quicktest.txt', () => {
    expect(all.length).toBe(11);
  });

  for (const c of all) {
    it(`trec_eval ${c.args.join(' ')}  →  ${c.expected}`, async () => {
      const r = await execa('node', [CLI, 'eval', ...c.args], {
        cwd: SUITE as string,
        reject: false,
        encoding: 'buffer',
        stripFinalNewline: false,
        env: { CI: 'true' },
      });
      // only warnings (ndcg_cut.23.4 is read as 23, as trec_eval's atol reads it)
      const stderr = Buffer.from(r.stderr).toString();
      expect(
        stderr.split('\n').filter((l) => l && !l.startsWith('qexp eval: warning: ')),
        stderr,
      ).toEqual([]);
      expect(r.exitCode).toBe(0);
      const got = Buffer.from(r.stdout);
      const want = readFileSync(join(SUITE as string, c.expected));
      if (!got.equals(want)) {
        // a readable first difference instead of two long buffers
        const g = got.toString('latin1').split('\n');
        const w = want.toString('latin1').split('\n');
        const i = w.findIndex((l, k) => g[k] !== l);
        expect(`line ${i + 1}: ${g[i]}`).toBe(`line ${i + 1}: ${w[i]}`);
      }
      expect(got.equals(want)).toBe(true);
    });
  }
});

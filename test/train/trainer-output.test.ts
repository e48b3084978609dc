import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTrainerJson, TrainerOutputError, trainCurves } from '../../src/train/checkpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'qexp-trainer-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What reading a trainer_state.json written as `text` (or a folder in its place) says. */
function damage(name: string, text: string | null): string {
  const file = join(dir, name, 'trainer_state.json');
  mkdirSync(join(dir, name), { recursive: true });
  if (text === null) mkdirSync(file);
  else writeFileSync(file, text);
  try {
    trainCurves(file);
  } catch (err) {
    expect(err).toBeInstanceOf(TrainerOutputError);
    return (err as Error).message.replace(`${dir}/`, '');
  }
  return 'read';
}

describe("a trainer's damaged output is named, with what is wrong", () => {
  it('trainer_state.json cut off, null, empty, a folder, or with a log_history that is not a list', () => {
    expect(damage('cut', '{"global_step": 10, "log_history": [{"step": 1, "lo')).toMatch(
      /^cut\/trainer_state.json: is not JSON \(cut off while it was written\?\): .*; the trainer's state is damaged: run the stage again/,
    );
    expect(damage('null', 'null')).toMatch(/^null\/trainer_state.json: holds null, not a JSON object/);
    expect(damage('empty', '')).toMatch(/^empty\/trainer_state.json: is empty/);
    expect(damage('dir', null)).toMatch(/^dir\/trainer_state.json: is a folder, not a file/);
    expect(damage('five', '{"log_history": 5}')).toMatch(/^five\/trainer_state.json: log_history is 5, not a list of log entries/);
    expect(damage('list', '[1, 2]')).toMatch(/holds a list, not a JSON object/);
  });

  it('reads a sound state, skipping entries that are not log entries', () => {
    mkdirSync(join(dir, 'ok'));
    writeFileSync(
      join(dir, 'ok', 'trainer_state.json'),
      JSON.stringify({ log_history: [{ step: 1, loss: 2 }, 'x', null, { step: 2, loss: 1.5 }] }),
    );
    expect(trainCurves(join(dir, 'ok', 'trainer_state.json'))).toEqual([
      { step: 1, name: 'loss', value: 2 },
      { step: 2, name: 'loss', value: 1.5 },
    ]);
  });

  it('metrics.json that is not JSON, or missing', () => {
    writeFileSync(join(dir, 'metrics.json'), 'train_loss: 1.4');
    expect(() => readTrainerJson(join(dir, 'metrics.json'), 'metrics')).toThrow(
      /metrics.json: is not JSON .*the trainer's metrics is damaged/,
    );
    expect(() => readTrainerJson(join(dir, 'nowhere.json'), 'metrics')).toThrow(/nowhere.json: cannot be read \(ENOENT\)/);
  });
});

#!/usr/bin/env python3
"""Stands in for a GPU machine's python in the report's tests, with results that differ by run.

  fake-trainer.py train_trl.py --job job.json
      trains: curves shaped by the number of training examples and DPO's beta; a complete
      final folder
  fake-trainer.py generate.py --job gen.json --stream
      the student: query i gets the words of its relevant documents when i % 12 is below a
      share set by its DPO examples and beta (more pairs, a better student), else one word

The jobs are read with the real loaders (trainers/qexp_trainer_config.py).
"""

import json
import math
import os
import sys

script = sys.argv[1]
sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
from qexp_trainer_config import load_examples, load_generate_job, load_job  # noqa: E402


def arg(name):
    return sys.argv[sys.argv.index(name) + 1]


if script.endswith("generate.py"):
    job = load_generate_job(arg("--job"))
    with open(os.path.join(job["model"], "qexp-done.json")) as f:
        done = json.load(f)
    good = min(12, round(done["examples"] * 0.75 * (0.6 + done["beta"])))
    for r in job["requests"]:
        query = r["messages"][-1]["content"].split(": ", 1)[-1]
        i = int(query.split()[0][1:-1])
        words = f"w{i}c w{i}d w{i}e" if i % 12 < good else f"w{i}c"
        answer = {"key": r["key"], "texts": [" ".join([words] * 6)], "finish_reasons": ["stop"], "prompt_tokens": 9, "completion_tokens": 4, "latency_ms": 2.0}
        print("qexp:answer " + json.dumps(answer), flush=True)
    sys.exit(0)

job = load_job(arg("--job"))
n = len(load_examples(job["train_file"], job["method"]))
beta = job["args"].get("beta", 0.1)
out = job["output_dir"]
history = []
for step in range(1, 21):
    # more examples: a slower, deeper fall of the loss and a wider reward margin
    wobble = 0.03 * math.sin(step * 1.7 + n)
    entry = {"step": step, "epoch": step / 20, "loss": round(0.6 + 1.4 * math.exp(-step / (2 + n / 3)) + wobble, 4), "learning_rate": 5e-6}
    if job["method"] == "dpo":
        margin = (n / 8) * (0.5 + 2 * beta) * (1 - math.exp(-step / 6))
        entry.update(
            {
                "rewards/chosen": round(margin / 3 + wobble, 4),
                "rewards/rejected": round(-2 * margin / 3 + wobble, 4),
                "rewards/margins": round(margin, 4),
                "rewards/accuracies": round(min(1.0, 0.5 + 0.45 * (1 - math.exp(-step / 5)) + wobble), 4),
            }
        )
    history.append(entry)
    if step % 10 == 0:
        history.append({"step": step, "eval_loss": round(0.7 + 1.2 * math.exp(-step / (2 + n / 3)), 4)})
    print(f"qexp:progress {step}/20 steps", flush=True)
final = os.path.join(out, "final")
os.makedirs(final, exist_ok=True)
with open(os.path.join(final, "adapter_config.json"), "w") as f:
    json.dump({"base_model_name_or_path": job["base"], "r": 8}, f)
with open(os.path.join(final, "trainer_state.json"), "w") as f:
    json.dump({"global_step": 20, "log_history": history}, f)
with open(os.path.join(final, "metrics.json"), "w") as f:
    json.dump({"train_loss": history[-2]["loss"]}, f)
with open(os.path.join(final, "qexp-done.json"), "w") as f:
    json.dump({"method": job["method"], "base": job["base"], "examples": n, "beta": beta}, f)

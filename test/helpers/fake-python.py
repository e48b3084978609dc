#!/usr/bin/env python3
"""Stands in for the GPU machine's python in qexp's tests: run as `fake-python.py train_trl.py --job
job.json` or `fake-python.py .../generate.py --job gen-job.json --stream`, it reads and checks the
job with the real torch-free loaders (trainers/qexp_trainer_config.py), then acts as the
FAKE_TRAINER variable says:

  ok        logs a few steps and writes a complete final checkpoint (after resuming, if a
            checkpoint-N is there)
  fail      prints a traceback and exits 1
  hang      saves checkpoint-3, then waits forever; on SIGTERM it "saves" and exits 143
  slow      saves checkpoint-2 and waits for SIGTERM (exit 143); resumed, it finishes as `ok`
  no-final  exits 0 without writing the final checkpoint
"""

import json
import os
import signal
import sys
import time

script = sys.argv[1]
sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
from qexp_trainer_config import last_checkpoint, load_examples, load_generate_job, load_job  # noqa: E402


def args(name):
    return sys.argv[sys.argv.index(name) + 1]


if script.endswith("generate.py"):
    job = load_generate_job(args("--job"))
    with open(os.path.join(job["model"], "qexp-done.json")) as f:
        done = json.load(f)
    for r in job["requests"]:
        query = r["messages"][-1]["content"].split(": ", 1)[-1]
        answer = {
            "key": r["key"],
            "texts": [f"{query} student {done['method']} expansion"],
            "finish_reasons": ["stop"],
            "prompt_tokens": 7,
            "completion_tokens": 5,
            "latency_ms": 1.5,
        }
        print("qexp:answer " + json.dumps(answer), flush=True)
    sys.exit(0)

mode = os.environ.get("FAKE_TRAINER", "ok")
job = load_job(args("--job"))
train = load_examples(job["train_file"], job["method"])
out = job["output_dir"]
print(f"fake trainer: {job['method']} of {job['base']} on {len(train)} examples", flush=True)
resume = last_checkpoint(out)
if resume:
    print(f"fake trainer: resuming from {resume}", flush=True)


def save(step):
    os.makedirs(os.path.join(out, f"checkpoint-{step}"), exist_ok=True)
    with open(os.path.join(out, f"checkpoint-{step}", "trainer_state.json"), "w") as f:
        json.dump({"global_step": step}, f)


def stop(signum, frame):
    print("fake trainer: SIGTERM: saving", flush=True)
    save(4)
    sys.exit(143)


if mode == "fail":
    print("Traceback (most recent call last):", file=sys.stderr, flush=True)
    print("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 GiB", file=sys.stderr, flush=True)
    sys.exit(1)
if mode == "hang" or (mode == "slow" and not resume):
    signal.signal(signal.SIGTERM, stop)
    save(3 if mode == "hang" else 2)
    print("qexp:progress 3/10 steps", flush=True)
    time.sleep(3600)
if mode == "no-final":
    sys.exit(0)

history = []
for step in range(1, 11):
    entry = {"step": step, "epoch": step / 10, "loss": round(2.0 - 0.1 * step, 4), "learning_rate": 1e-4 * (1 - step / 10)}
    if job["method"] == "dpo":
        entry.update({"rewards/chosen": 0.01 * step, "rewards/rejected": -0.01 * step, "rewards/margins": 0.02 * step, "rewards/accuracies": 0.5 + 0.04 * step})
    history.append(entry)
    print(f"qexp:progress {step}/10 steps", flush=True)
final = os.path.join(out, "final")
os.makedirs(final, exist_ok=True)
with open(os.path.join(final, "adapter_config.json"), "w") as f:
    json.dump({"base_model_name_or_path": job["base"], "r": job["lora"]["r"] if job["lora"] else 0}, f)
with open(os.path.join(final, "adapter_model.safetensors"), "wb") as f:
    f.write(os.urandom(64))
with open(os.path.join(final, "trainer_state.json"), "w") as f:
    json.dump({"global_step": 10, "log_history": history}, f)
with open(os.path.join(final, "metrics.json"), "w") as f:
    json.dump({"train_loss": 1.45, "last/loss": history[-1]["loss"]}, f)
with open(os.path.join(final, "qexp-done.json"), "w") as f:
    json.dump({"method": job["method"], "base": job["base"], "base_adapter": job["base_adapter"], "resumed_from": resume, "args": job["args"], "lora": job["lora"]}, f)
print("fake trainer: done", flush=True)

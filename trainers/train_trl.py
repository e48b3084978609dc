"""qexp's TRL trainer: SFT or DPO of a causal language model, LoRA (peft) or full fine-tuning.

A qexp `train` stage writes a job folder (job.json, train.jsonl, eval.jsonl, run.sh) and runs

    python3 train_trl.py --job job.json

there (locally, in a Slurm job, or by hand on a GPU machine). The trainer

- checks the job and every example before it loads anything heavy;
- resumes from the last `checkpoint-N` under the output folder, if an earlier run left one;
- on SIGTERM (a timeout, Ctrl-C in qexp, Slurm preemption) saves a checkpoint at the end of the
  current step and exits with status 143, so that the next run resumes from it;
- on success writes OUTPUT/final: the LoRA adapter (or, merged or full fine-tuning, the model),
  the tokenizer, trainer_state.json, metrics.json, and qexp-done.json last.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from qexp_trainer_config import (  # noqa: E402
    JobError,
    final_metrics,
    last_checkpoint,
    load_examples,
    load_job,
    quiet_progress_bars,
    trl_major,
    write_json,
)

STOP = {"asked": False}


def on_term(signum, _frame):
    if STOP["asked"]:
        sys.exit(143)
    STOP["asked"] = True
    print(f"qexp-trainer: got signal {signum}: saving a checkpoint at the end of this step", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--job", default="job.json", help="the job file a qexp train stage wrote")
    opts = parser.parse_args()
    try:
        job = load_job(opts.job)
        train = load_examples(job["train_file"], job["method"])
        evaluation = load_examples(job["eval_file"], job["method"]) if job["eval_file"] else None
    except (JobError, OSError) as e:
        print(f"qexp-trainer: {e}", file=sys.stderr)
        return 2
    print(
        f"qexp-trainer: {job['method']} of {job['base']} on {len(train)} examples"
        f"{f' ({len(evaluation)} for evaluation)' if evaluation else ''}",
        flush=True,
    )
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    import torch
    import transformers
    import trl
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback

    quiet_progress_bars()

    declared, installed = trl_major(job["trl_version"]), trl_major(trl.__version__)
    if declared != installed:
        print(
            f"qexp-trainer: the experiment declares trl_version {job['trl_version']} but TRL {trl.__version__} is installed; "
            "install the declared version (trainers/requirements.txt) or declare the installed one",
            file=sys.stderr,
        )
        return 2

    class StopOnSignal(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            # qexp's progress display reads these lines
            print(f"qexp:progress {state.global_step}/{state.max_steps} steps", flush=True)
            if STOP["asked"]:
                control.should_save = True
                control.should_training_stop = True
            return control

    started = time.time()
    tokenizer = AutoTokenizer.from_pretrained(job["base"])
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    dtype = torch.bfloat16 if job["args"].get("bf16") else torch.float32
    model = AutoModelForCausalLM.from_pretrained(job["base"], dtype=dtype)
    merge = job["merge_lora"]
    if job["base_adapter"]:
        from peft import PeftModel

        print(f"qexp-trainer: merging the adapter {job['base_adapter']} into {job['base']}", flush=True)
        model = PeftModel.from_pretrained(model, job["base_adapter"]).merge_and_unload()
        if job["lora"] is not None and not merge:
            # an adapter over a merged base would not load on the plain base: save the merged model
            print("qexp-trainer: the base is itself a merged adapter, so the final checkpoint is merged", flush=True)
            merge = True

    peft_config = None
    if job["lora"] is not None:
        from peft import LoraConfig

        peft_config = LoraConfig(**job["lora"])

    output_dir = job["output_dir"]
    # logged values are printed one line each (progress bars are noise in a log file)
    config_args = {"disable_tqdm": True, **job["args"]}
    common = dict(
        model=model,
        train_dataset=Dataset.from_list(train),
        eval_dataset=Dataset.from_list(evaluation) if evaluation else None,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=[StopOnSignal()],
    )
    if job["method"] == "sft":
        trainer = trl.SFTTrainer(args=trl.SFTConfig(output_dir=output_dir, **config_args), **common)
    else:
        trainer = trl.DPOTrainer(args=trl.DPOConfig(output_dir=output_dir, **config_args), **common)

    resume = last_checkpoint(output_dir)
    if resume:
        print(f"qexp-trainer: resuming from {resume}", flush=True)
    result = trainer.train(resume_from_checkpoint=resume)
    if STOP["asked"]:
        print(f"qexp-trainer: stopped at step {trainer.state.global_step}; the checkpoint is saved for the next run", flush=True)
        return 143

    metrics = dict(result.metrics)
    if evaluation:
        metrics.update(trainer.evaluate())
    final = os.path.join(output_dir, "final")
    os.makedirs(final, exist_ok=True)
    if peft_config is not None and merge:
        trainer.model.merge_and_unload().save_pretrained(final)
    else:
        trainer.save_model(final)
    tokenizer.save_pretrained(final)
    trainer.state.save_to_json(os.path.join(final, "trainer_state.json"))
    write_json(os.path.join(final, "metrics.json"), final_metrics(trainer.state.log_history, metrics))
    write_json(
        os.path.join(final, "qexp-done.json"),
        {
            "method": job["method"],
            "base": job["base"],
            "base_adapter": job["base_adapter"],
            "merged": bool(peft_config is None or merge),
            "steps": trainer.state.global_step,
            "wall_s": time.time() - started,
            "versions": {
                "python": platform.python_version(),
                "torch": torch.__version__,
                "transformers": transformers.__version__,
                "trl": trl.__version__,
            },
            "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu",
        },
    )
    print(f"qexp-trainer: done after {trainer.state.global_step} steps; checkpoint {final}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

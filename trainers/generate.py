"""qexp's offline generation: a trained student (or any local model) answers chat requests
without a server.

A qexp `generate` stage whose model has `provider: local` writes gen-job.json (the model, the
sampling settings, and the requests: a key and chat messages each) and runs

    python3 generate.py --job gen-job.json --out answers.jsonl

The answers (one JSON line per request: key, texts, finish_reasons, token counts, latency) are
appended as each batch finishes, and requests already answered in that file are skipped, so a
stopped run goes on where it stopped. vLLM's offline engine is used when it is installed
(engine `auto` or `vllm`), else transformers' generate (`transformers`). A LoRA adapter folder
(adapter_config.json) is loaded over its base model.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from qexp_trainer_config import JobError, answered_keys, load_generate_job, quiet_progress_bars  # noqa: E402


def with_transformers(job: dict, todo: list[dict], emit) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    quiet_progress_bars()

    path = job["model"]
    adapter = None
    if os.path.isfile(os.path.join(path, "adapter_config.json")):
        with open(os.path.join(path, "adapter_config.json"), encoding="utf-8") as f:
            adapter, path = path, json.load(f)["base_model_name_or_path"]
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    tokenizer = AutoTokenizer.from_pretrained(adapter or path)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype).to(device)
    if adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter)
    model.eval()
    s = job["sampling"]
    n = int(s.get("n", 1))
    temperature = float(s.get("temperature", 1.0))
    stop = s.get("stop") or []
    stop = [stop] if isinstance(stop, str) else stop
    for i in range(0, len(todo), job["batch_size"]):
        batch = todo[i : i + job["batch_size"]]
        t0 = time.time()
        # transformers samples a batch from one generator: the batch's first seed seeds it
        seed = batch[0].get("seed", s.get("seed"))
        if seed is not None:
            torch.manual_seed(int(seed))
        prompts = [
            tokenizer.apply_chat_template(r["messages"], add_generation_prompt=True, tokenize=False, **job["chat_template_kwargs"])
            for r in batch
        ]
        enc = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
        with torch.no_grad():
            out = model.generate(
                **enc,
                max_new_tokens=int(s.get("max_tokens", 256)),
                do_sample=temperature > 0,
                temperature=temperature if temperature > 0 else None,
                top_p=float(s.get("top_p", 1.0)) if temperature > 0 else None,
                num_return_sequences=n,
                pad_token_id=tokenizer.pad_token_id,
            )
        width = enc["input_ids"].shape[1]
        latency = (time.time() - t0) * 1000 / len(batch)
        for j, r in enumerate(batch):
            texts, reasons, completion = [], [], 0
            for k in range(n):
                ids = out[j * n + k][width:].tolist()
                while ids and ids[-1] == tokenizer.pad_token_id:
                    ids.pop()
                reason = "stop" if ids and ids[-1] == tokenizer.eos_token_id else "length"
                text = tokenizer.decode(ids, skip_special_tokens=True)
                for st in stop:
                    if st in text:
                        text, reason = text[: text.index(st)], "stop"
                texts.append(text)
                reasons.append(reason)
                completion += len(ids)
            emit(
                {
                    "key": r["key"],
                    "texts": texts,
                    "finish_reasons": reasons,
                    "prompt_tokens": int(enc["attention_mask"][j].sum()),
                    "completion_tokens": completion,
                    "latency_ms": latency,
                }
            )


def with_vllm(job: dict, todo: list[dict], emit) -> None:
    from vllm import LLM, SamplingParams

    path, lora = job["model"], None
    kwargs = {}
    if os.path.isfile(os.path.join(path, "adapter_config.json")):
        from vllm.lora.request import LoRARequest

        with open(os.path.join(path, "adapter_config.json"), encoding="utf-8") as f:
            config = json.load(f)
        lora = LoRARequest("student", 1, path)
        path = config["base_model_name_or_path"]
        kwargs = {"enable_lora": True, "max_lora_rank": int(config.get("r", 16))}
    llm = LLM(model=path, seed=int(job["sampling"].get("seed", 0)), **kwargs)
    s = job["sampling"]

    def params(r: dict):
        return SamplingParams(
            n=int(s.get("n", 1)),
            temperature=float(s.get("temperature", 1.0)),
            top_p=float(s.get("top_p", 1.0)),
            max_tokens=int(s.get("max_tokens", 256)),
            stop=s.get("stop"),
            seed=r.get("seed", s.get("seed")),
        )

    for i in range(0, len(todo), job["batch_size"]):
        batch = todo[i : i + job["batch_size"]]
        t0 = time.time()
        outs = llm.chat(
            [r["messages"] for r in batch],
            [params(r) for r in batch],
            lora_request=lora,
            chat_template_kwargs=job["chat_template_kwargs"] or None,
            use_tqdm=False,
        )
        latency = (time.time() - t0) * 1000 / len(batch)
        for r, o in zip(batch, outs):
            emit(
                {
                    "key": r["key"],
                    "texts": [c.text for c in o.outputs],
                    "finish_reasons": [c.finish_reason for c in o.outputs],
                    "prompt_tokens": len(o.prompt_token_ids or []),
                    "completion_tokens": sum(len(c.token_ids) for c in o.outputs),
                    "latency_ms": latency,
                }
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--job", required=True, help="gen-job.json written by a qexp generate stage")
    parser.add_argument("--out", help="answers JSONL (appended; answered keys are skipped)")
    parser.add_argument("--stream", action="store_true", help="print each answer as a line `qexp:answer JSON` (what qexp reads)")
    opts = parser.parse_args()
    if not opts.out and not opts.stream:
        parser.error("give --out FILE, --stream, or both")
    try:
        job = load_generate_job(opts.job)
        done = answered_keys(opts.out) if opts.out else set()
    except (JobError, OSError) as e:
        print(f"qexp-generate: {e}", file=sys.stderr)
        return 2
    todo = [r for r in job["requests"] if r["key"] not in done]
    engine = job["engine"]
    if engine == "auto":
        try:
            import vllm  # noqa: F401

            engine = "vllm"
        except ImportError:
            engine = "transformers"
    print(f"qexp-generate: {len(todo)} of {len(job['requests'])} requests to answer with {engine} ({job['model']})", flush=True)
    total = len(job["requests"])
    count = [total - len(todo)]
    out = open(opts.out, "a", encoding="utf-8") if opts.out else None

    def emit(answer: dict) -> None:
        line = json.dumps(answer)
        if out:
            out.write(line + "\n")
            out.flush()
        count[0] += 1
        if opts.stream:
            print(f"qexp:answer {line}", flush=True)
        else:
            print(f"qexp:progress {count[0]}/{total} requests", flush=True)

    try:
        if todo:
            (with_vllm if engine == "vllm" else with_transformers)(job, todo, emit)
    finally:
        if out:
            out.close()
    print(f"qexp-generate: done; {count[0]} of {total} requests answered", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

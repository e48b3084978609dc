"""The torch-free half of qexp's trainers: reading and checking the job a qexp `train` stage
wrote (job.json and its JSONL data), finding the checkpoint to resume from, and writing the
files qexp reads back (metrics.json, qexp-done.json).

Everything here runs with the standard library alone, so that CI (which has no GPU and no
torch) tests it, and so that a bad job fails in a second instead of after the model loaded.
"""

from __future__ import annotations

import json
import math
import os
import re
from typing import Any

METHODS = ("sft", "dpo")
ROLES = ("system", "user", "assistant")


class JobError(Exception):
    """A job file or a data file qexp's trainer cannot use; the message names the file and record."""


def _require(job: dict, key: str, kinds: tuple, path: str, nullable: bool = False) -> Any:
    if key not in job:
        raise JobError(f"{path}: '{key}' is missing")
    value = job[key]
    if value is None and nullable:
        return None
    if not isinstance(value, kinds) or isinstance(value, bool) and bool not in kinds:
        names = " or ".join(k.__name__ for k in kinds)
        raise JobError(f"{path}: '{key}' must be {names}, not {type(value).__name__}")
    return value


def _read_job(path: str, missing: str) -> dict:
    """A job file's JSON object; `missing` is the message when the file is not there."""
    try:
        with open(path, encoding="utf-8") as f:
            job = json.load(f)
    except FileNotFoundError:
        raise JobError(f"{path}: {missing}") from None
    except json.JSONDecodeError as e:
        raise JobError(f"{path}:{e.lineno}:{e.colno}: not JSON: {e.msg}") from None
    if not isinstance(job, dict):
        raise JobError(f"{path}: a job is a JSON object")
    return job


def load_job(path: str) -> dict:
    """Reads job.json; paths in it are made absolute against the job's folder."""
    job = _read_job(path, "no such job file (qexp writes it into the job folder)")
    method = _require(job, "method", (str,), path)
    if method not in METHODS:
        raise JobError(f"{path}: method '{method}' is not one of {', '.join(METHODS)}")
    _require(job, "base", (str,), path)
    _require(job, "base_adapter", (str,), path, nullable=True)
    _require(job, "train_file", (str,), path)
    _require(job, "eval_file", (str,), path, nullable=True)
    _require(job, "output_dir", (str,), path)
    _require(job, "args", (dict,), path)
    _require(job, "lora", (dict,), path, nullable=True)
    _require(job, "merge_lora", (bool,), path)
    _require(job, "trl_version", (str,), path)
    if "output_dir" in job["args"]:
        raise JobError(f"{path}: args.output_dir is set by the trainer from output_dir; remove it")
    here = os.path.dirname(os.path.abspath(path))
    for key in ("train_file", "eval_file", "output_dir", "base_adapter"):
        if job.get(key) is not None and not os.path.isabs(job[key]):
            job[key] = os.path.join(here, job[key])
    # a base that is a folder beside the job (a copied checkpoint) is found from anywhere
    if not os.path.isabs(job["base"]) and os.path.isdir(os.path.join(here, job["base"])):
        job["base"] = os.path.join(here, job["base"])
    return job


def _check_messages(value: Any, where: str, field: str, need_last: str | None) -> None:
    if not isinstance(value, list) or not value:
        raise JobError(f"{where}: '{field}' must be a non-empty list of messages")
    for i, m in enumerate(value):
        if not isinstance(m, dict) or not isinstance(m.get("content"), str) or m.get("role") not in ROLES:
            raise JobError(f"{where}: {field}[{i}] must be {{role: system|user|assistant, content: string}}")
    if need_last is not None and value[-1]["role"] != need_last:
        raise JobError(f"{where}: the last message of '{field}' must be the {need_last}'s")


def check_record(record: Any, method: str, where: str) -> None:
    """One example in TRL's conversational format: `messages` (SFT) or `prompt`/`chosen`/`rejected` (DPO)."""
    if not isinstance(record, dict):
        raise JobError(f"{where}: an example is a JSON object")
    if method == "sft":
        _check_messages(record.get("messages"), where, "messages", "assistant")
    else:
        _check_messages(record.get("prompt"), where, "prompt", "user")
        _check_messages(record.get("chosen"), where, "chosen", "assistant")
        _check_messages(record.get("rejected"), where, "rejected", "assistant")
        if record["chosen"] == record["rejected"]:
            raise JobError(f"{where}: chosen and rejected are the same")


def load_examples(path: str, method: str) -> list[dict]:
    """The JSONL examples of a data file, each checked; errors name the file and line."""
    out: list[dict] = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise JobError(f"{path}:{n}:{e.colno}: not JSON: {e.msg}") from None
            check_record(record, method, f"{path}:{n}")
            out.append(record)
    if not out:
        raise JobError(f"{path}: no examples")
    return out


def last_checkpoint(output_dir: str) -> str | None:
    """The `checkpoint-N` folder with the highest N that holds a trainer state (a complete save)."""
    if not os.path.isdir(output_dir):
        return None
    best: tuple[int, str] | None = None
    for name in os.listdir(output_dir):
        m = re.fullmatch(r"checkpoint-(\d+)", name)
        full = os.path.join(output_dir, name)
        if m and os.path.isfile(os.path.join(full, "trainer_state.json")):
            step = int(m.group(1))
            if best is None or step > best[0]:
                best = (step, full)
    return best[1] if best else None


def final_metrics(log_history: list[dict], train_metrics: dict) -> dict:
    """metrics.json: the trainer's summary plus the last logged value of each curve (`last/NAME`)."""
    out: dict[str, Any] = {}
    for k, v in train_metrics.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            out[k] = v
    for entry in log_history:
        for k, v in entry.items():
            if k in ("step", "epoch") or isinstance(v, bool) or not isinstance(v, (int, float)):
                continue
            if math.isfinite(v):
                out[f"last/{k}"] = v
    if log_history:
        out["steps"] = max(int(e.get("step", 0)) for e in log_history)
    return out


def write_json(path: str, value: Any) -> None:
    """Writes JSON through a temporary file, so that a reader never sees half of it."""
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def trl_major(version: str) -> int | None:
    m = re.match(r"(\d+)\.", version)
    return int(m.group(1)) if m else None


ENGINES = ("auto", "vllm", "transformers")


def load_generate_job(path: str) -> dict:
    """Reads gen-job.json (trainers/generate.py): the model, engine, sampling and requests."""
    job = _read_job(path, "no such job file")
    _require(job, "model", (str,), path)
    engine = job.setdefault("engine", "auto")
    if engine not in ENGINES:
        raise JobError(f"{path}: engine '{engine}' is not one of {', '.join(ENGINES)}")
    sampling = job.setdefault("sampling", {})
    if not isinstance(sampling, dict):
        raise JobError(f"{path}: 'sampling' must be an object")
    if int(sampling.get("n", 1)) > 1 and float(sampling.get("temperature", 1.0)) == 0:
        raise JobError(f"{path}: n > 1 with temperature 0 would give n copies of one answer; set a temperature")
    batch = job.setdefault("batch_size", 16)
    if not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
        raise JobError(f"{path}: batch_size must be a positive integer")
    kwargs = job.setdefault("chat_template_kwargs", {})
    if not isinstance(kwargs, dict):
        raise JobError(f"{path}: chat_template_kwargs must be an object")
    requests = _require(job, "requests", (list,), path)
    seen = set()
    for i, r in enumerate(requests):
        where = f"{path}: requests[{i}]"
        if not isinstance(r, dict) or not isinstance(r.get("key"), str):
            raise JobError(f"{where} must be {{key: string, messages: [...]}}")
        if r["key"] in seen:
            raise JobError(f"{where}: key {r['key']} appears twice")
        seen.add(r["key"])
        _check_messages(r.get("messages"), where, "messages", "user")
    here = os.path.dirname(os.path.abspath(path))
    if not os.path.isabs(job["model"]) and os.path.isdir(os.path.join(here, job["model"])):
        job["model"] = os.path.join(here, job["model"])
    return job


def answered_keys(path: str) -> set[str]:
    """Keys already answered in an answers file; a last line cut off by a crash is dropped."""
    if not os.path.exists(path):
        return set()
    keys: set[str] = set()
    good = 0
    with open(path, "rb") as f:
        data = f.read()
    for line in data.split(b"\n"):
        if not line.strip():
            good += len(line) + 1
            continue
        try:
            keys.add(json.loads(line)["key"])
        except (json.JSONDecodeError, KeyError, TypeError):
            break
        good += len(line) + 1
    if good < len(data):
        # a half-written last answer: cut it, so that appending goes on cleanly
        with open(path, "r+b") as f:
            f.truncate(good)
    elif data and not data.endswith(b"\n"):
        with open(path, "ab") as f:
            f.write(b"\n")
    return keys


def quiet_progress_bars() -> None:
    """Turns off the progress bars of transformers (weights loading) and datasets (tokenizing): in
    a log file each redraw is a line of noise; the trainer prints its own `qexp:progress` lines."""
    import importlib

    for module in ("transformers.utils.logging", "datasets.utils.logging"):
        try:
            importlib.import_module(module).disable_progress_bar()
        except (ImportError, AttributeError):
            pass

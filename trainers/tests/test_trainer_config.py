"""Tests of the torch-free half of qexp's trainers (run by CI with the machine's python3)."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from qexp_trainer_config import (  # noqa: E402
    JobError,
    answered_keys,
    final_metrics,
    last_checkpoint,
    load_examples,
    load_generate_job,
    load_job,
    trl_major,
)

SFT = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
DPO = {
    "prompt": [{"role": "user", "content": "q"}],
    "chosen": [{"role": "assistant", "content": "good"}],
    "rejected": [{"role": "assistant", "content": "bad"}],
}


def job(**over):
    j = {
        "method": "sft",
        "base": "Qwen/Qwen3-0.6B",
        "base_adapter": None,
        "train_file": "train.jsonl",
        "eval_file": None,
        "output_dir": "output",
        "args": {"learning_rate": 1e-4},
        "lora": {"r": 16},
        "merge_lora": False,
        "trl_version": "1.13",
    }
    j.update(over)
    return j


class Folder(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path


class LoadJob(Folder):
    def test_paths_become_absolute_against_the_job_folder(self):
        path = self.write("job.json", json.dumps(job(eval_file="eval.jsonl")))
        j = load_job(path)
        self.assertEqual(j["train_file"], os.path.join(self.dir, "train.jsonl"))
        self.assertEqual(j["eval_file"], os.path.join(self.dir, "eval.jsonl"))
        self.assertEqual(j["output_dir"], os.path.join(self.dir, "output"))
        self.assertEqual(j["base"], "Qwen/Qwen3-0.6B")  # a hub id stays as it is

    def test_a_base_folder_beside_the_job_is_found(self):
        os.makedirs(os.path.join(self.dir, "base"))
        j = load_job(self.write("job.json", json.dumps(job(base="base"))))
        self.assertEqual(j["base"], os.path.join(self.dir, "base"))

    def test_bad_json_names_line_and_column(self):
        path = self.write("job.json", '{\n  "method": "sft",\n  oops\n}')
        with self.assertRaisesRegex(JobError, r"job\.json:3:3: not JSON"):
            load_job(path)

    def test_missing_and_mistyped_keys(self):
        j = job()
        del j["train_file"]
        with self.assertRaisesRegex(JobError, "'train_file' is missing"):
            load_job(self.write("a.json", json.dumps(j)))
        with self.assertRaisesRegex(JobError, "'merge_lora' must be bool, not str"):
            load_job(self.write("b.json", json.dumps(job(merge_lora="yes"))))
        with self.assertRaisesRegex(JobError, "method 'ppo' is not one of sft, dpo"):
            load_job(self.write("c.json", json.dumps(job(method="ppo"))))
        with self.assertRaisesRegex(JobError, "args.output_dir is set by the trainer"):
            load_job(self.write("d.json", json.dumps(job(args={"output_dir": "x"}))))

    def test_a_missing_job_file(self):
        with self.assertRaisesRegex(JobError, "no such job file"):
            load_job(os.path.join(self.dir, "nope.json"))


class LoadExamples(Folder):
    def test_sft_and_dpo_examples_load(self):
        sft = self.write("sft.jsonl", json.dumps(SFT) + "\n\n" + json.dumps(SFT) + "\n")
        self.assertEqual(len(load_examples(sft, "sft")), 2)
        dpo = self.write("dpo.jsonl", json.dumps(DPO) + "\n")
        self.assertEqual(load_examples(dpo, "dpo")[0]["chosen"][0]["content"], "good")

    def test_errors_name_file_and_line(self):
        bad = dict(SFT, messages=[{"role": "user", "content": "q"}])
        path = self.write("sft.jsonl", json.dumps(SFT) + "\n" + json.dumps(bad) + "\n")
        with self.assertRaisesRegex(JobError, r"sft\.jsonl:2: the last message of 'messages' must be the assistant's"):
            load_examples(path, "sft")
        path = self.write("x.jsonl", json.dumps(SFT) + "\n{not json\n")
        with self.assertRaisesRegex(JobError, r"x\.jsonl:2:2: not JSON"):
            load_examples(path, "sft")
        path = self.write("role.jsonl", json.dumps({"messages": [{"role": "bot", "content": "a"}]}) + "\n")
        with self.assertRaisesRegex(JobError, r"role\.jsonl:1: messages\[0\] must be"):
            load_examples(path, "sft")

    def test_dpo_checks(self):
        same = dict(DPO, rejected=DPO["chosen"])
        with self.assertRaisesRegex(JobError, "chosen and rejected are the same"):
            load_examples(self.write("a.jsonl", json.dumps(same) + "\n"), "dpo")
        sft_data = self.write("b.jsonl", json.dumps(SFT) + "\n")
        with self.assertRaisesRegex(JobError, r"b\.jsonl:1: 'prompt' must be a non-empty list"):
            load_examples(sft_data, "dpo")

    def test_an_empty_file(self):
        with self.assertRaisesRegex(JobError, "no examples"):
            load_examples(self.write("e.jsonl", "\n"), "sft")


class Checkpoints(Folder):
    def test_the_highest_complete_checkpoint(self):
        out = os.path.join(self.dir, "output")
        self.assertIsNone(last_checkpoint(out))
        for step in (5, 10, 40):
            self.write(f"output/checkpoint-{step}/trainer_state.json", "{}")
        os.makedirs(os.path.join(out, "checkpoint-80"))  # a save cut off before its state was written
        self.write("output/checkpoint-x/trainer_state.json", "{}")
        self.assertEqual(last_checkpoint(out), os.path.join(out, "checkpoint-40"))


class Metrics(unittest.TestCase):
    def test_last_values_and_summary(self):
        history = [
            {"loss": 2.0, "learning_rate": 1e-4, "step": 1, "epoch": 0.1},
            {"loss": 1.5, "rewards/margins": 0.3, "step": 2, "epoch": 0.2},
            {"train_runtime": 3.0, "train_loss": 1.7, "step": 2},
        ]
        m = final_metrics(history, {"train_loss": 1.7, "total_flos": float("nan"), "ok": True})
        self.assertEqual(m["last/loss"], 1.5)
        self.assertEqual(m["last/rewards/margins"], 0.3)
        self.assertEqual(m["last/learning_rate"], 1e-4)
        self.assertEqual(m["train_loss"], 1.7)
        self.assertEqual(m["steps"], 2)
        self.assertNotIn("total_flos", m)
        self.assertNotIn("ok", m)

    def test_trl_major(self):
        self.assertEqual(trl_major("1.13"), 1)
        self.assertEqual(trl_major("0.19.1"), 0)
        self.assertIsNone(trl_major("latest"))


class GenerateJob(Folder):
    def gen(self, **over):
        j = {"model": "m", "requests": [{"key": "k1", "messages": [{"role": "user", "content": "q"}]}]}
        j.update(over)
        return self.write("gen.json", json.dumps(j))

    def test_defaults(self):
        j = load_generate_job(self.gen())
        self.assertEqual((j["engine"], j["batch_size"], j["sampling"], j["chat_template_kwargs"]), ("auto", 16, {}, {}))

    def test_errors(self):
        with self.assertRaisesRegex(JobError, "engine 'tgi'"):
            load_generate_job(self.gen(engine="tgi"))
        with self.assertRaisesRegex(JobError, "n > 1 with temperature 0"):
            load_generate_job(self.gen(sampling={"n": 4, "temperature": 0}))
        twice = [{"key": "k", "messages": [{"role": "user", "content": "q"}]}] * 2
        with self.assertRaisesRegex(JobError, r"requests\[1\]: key k appears twice"):
            load_generate_job(self.gen(requests=twice))
        with self.assertRaisesRegex(JobError, r"requests\[0\]: the last message of 'messages' must be the user's"):
            load_generate_job(self.gen(requests=[{"key": "k", "messages": [{"role": "assistant", "content": "a"}]}]))

    def test_answered_keys_drop_a_cut_off_line(self):
        path = self.write("answers.jsonl", '{"key": "a", "texts": ["x"]}\n{"key": "b", "texts": ["y"]}\n{"key": "c", "te')
        self.assertEqual(answered_keys(path), {"a", "b"})
        with open(path, encoding="utf-8") as f:
            self.assertTrue(f.read().endswith('"y"]}\n'))
        path = self.write("b.jsonl", '{"key": "a"}')
        self.assertEqual(answered_keys(path), {"a"})
        with open(path, encoding="utf-8") as f:
            self.assertEqual(f.read(), '{"key": "a"}\n')
        self.assertEqual(answered_keys(os.path.join(self.dir, "none.jsonl")), set())


if __name__ == "__main__":
    unittest.main()

"""A tiny Qwen3-architecture model for smoke-testing a GPU machine without any download.

    python3 tiny_qwen3.py --out /tmp/qexp-tiny-qwen3 --text train.jsonl [--text more.jsonl]

trains a byte-level BPE tokenizer on the texts of the given JSONL files (every string in them),
gives it a ChatML chat template (Qwen's `<|im_start|>role ... <|im_end|>` turns), and saves it
with a randomly initialised Qwen3ForCausalLM of a few hundred thousand parameters. qexp's train
stages can then use `base: /tmp/qexp-tiny-qwen3` to check the whole path (SFT, DPO, checkpoint,
generation) in a minute.
"""

from __future__ import annotations

import argparse
import json
import os

CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)


def texts(paths):
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield from strings(json.loads(line))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--text", action="append", required=True, help="JSONL file whose strings train the tokenizer")
    parser.add_argument("--vocab", type=int, default=4000)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    opts = parser.parse_args()

    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen3Config, Qwen3ForCausalLM

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=opts.vocab, special_tokens=SPECIAL, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    bpe.train_from_iterator(texts(opts.text), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>", additional_special_tokens=SPECIAL[1:]
    )
    tokenizer.chat_template = CHAT_TEMPLATE

    torch.manual_seed(opts.seed)
    config = Qwen3Config(
        vocab_size=len(tokenizer),
        hidden_size=opts.hidden,
        intermediate_size=opts.hidden * 2,
        num_hidden_layers=opts.layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=opts.hidden // 4,
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
    )
    model = Qwen3ForCausalLM(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    os.makedirs(opts.out, exist_ok=True)
    model.save_pretrained(opts.out)
    tokenizer.save_pretrained(opts.out)
    params = sum(p.numel() for p in model.parameters())
    print(f"tiny Qwen3: {params} parameters, vocabulary {len(tokenizer)}, saved in {opts.out}", flush=True)


if __name__ == "__main__":
    main()

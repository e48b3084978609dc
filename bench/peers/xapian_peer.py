"""Xapian peer for bench/retrieval-speed.mjs (Debian's python3-xapian, run with /usr/bin/python3).

Indexes a TSV corpus (id<TAB>text, the text already tokenized: one term per white-space-separated
word) with one posting per token, then times OR queries over each query's distinct terms with
BM25Weight(k1=0.9, k2=0, k3=1, b=0.4, min_normlen=0.5). Prints one JSON object.
Usage: xapian_peer.py CORPUS.tsv QUERIES.json DBDIR K[,K...]
"""

import json
import sys
import time

import xapian


def main():
    corpus, queries_path, db_dir, ks = sys.argv[1], sys.argv[2], sys.argv[3], [int(k) for k in sys.argv[4].split(",")]
    db = xapian.WritableDatabase(db_dir, xapian.DB_CREATE_OR_OVERWRITE)
    t0 = time.perf_counter()
    n = 0
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            docid, _, text = line.rstrip("\n").partition("\t")
            doc = xapian.Document()
            for term in text.split():
                doc.add_term(term)
            doc.set_data(docid)
            db.add_document(doc)
            n += 1
    db.commit()
    index_secs = time.perf_counter() - t0
    with open(queries_path, encoding="utf-8") as f:
        sets = json.load(f)
    enquire = xapian.Enquire(db)
    enquire.set_weighting_scheme(xapian.BM25Weight(0.9, 0, 1, 0.4, 0.5))
    qps = {}
    for name, texts in sets.items():
        parsed = [xapian.Query(xapian.Query.OP_OR, sorted(set(t.split()))) for t in texts]
        for k in ks:
            best = None
            for _ in range(2):
                start = time.perf_counter()
                for q in parsed:
                    enquire.set_query(q)
                    enquire.get_mset(0, k)
                secs = time.perf_counter() - start
                best = secs if best is None else min(best, secs)
            qps[f"{name}@{k}"] = len(parsed) / best
    print(json.dumps({"docs": n, "indexRate": n / index_secs, "qps": qps}))


if __name__ == "__main__":
    main()

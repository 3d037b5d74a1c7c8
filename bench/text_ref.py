"""The text benchmark (bench/text.sh), in parts:

    python bench/text_ref.py gen --bin BIN --rows 100000 --out POSTS.csv
    python bench/text_ref.py gen-wide --rows 100000 --out WIDE.csv
    python bench/text_ref.py vader POSTS.csv --out SCORES.csv
    python bench/text_ref.py classify POSTS.csv --out SUMMARY.json
    python bench/text_ref.py bench --bin BIN --python PY --data POSTS.csv --work DIR --reps 3 --command CMD

`gen` writes the first ROWS posts of `marketing-workbench sample --reviews` (seed 7, enough
customers for ROWS posts) with the rating turned into a label: `liked` is yes for 4 or 5 stars, no
otherwise (the rating column is left out, so it cannot leak).

`vader` is the reference sentiment: vaderSentiment 3.3.2's SentimentIntensityAnalyzer on every
text, written as `compound` and `label` (positive at 0.05 and above, negative at -0.05 and below).

`classify` is the reference text classifier: scikit-learn's TfidfVectorizer (words and word pairs,
English stop words, min_df=2, sublinear tf, L2 rows) and LogisticRegression (default L2, C=1,
lbfgs), fitted on a seeded 80% of the rows and judged on the other 20%: AUC and accuracy.
`--max-features N` keeps the N most frequent terms as ours does (500); without it, every term.

`bench` times whole processes (start to exit, wall clock; peak RSS from wait4), alternating, REPS
each: ours `text POSTS.csv --text text --sentiment --out …` against `vader`; ours `train POSTS.csv
--target liked --model logistic` (the text only; logistic regression reads every term, sparse)
against `classify` with every term, and `classify` with 500 terms for context. It checks that the two sentiment files agree row by row (to 1e-4) and writes WORK/results.json
and the `text` section of BENCHMARKS.md.
"""

import argparse
import csv
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
csv.field_size_limit(1 << 24)


def gen(o):
    # The sample gives about 0.39 posts per customer.
    customers = int(o.rows / 0.38) + 1000
    tmp = Path(o.out).with_suffix(".all.csv")
    cust = Path(o.out).with_suffix(".customers.csv")
    subprocess.run([o.bin, "sample", "--rows", str(customers), "--seed", "7", "--out", str(cust),
                    "--reviews", str(tmp)], check=True)
    with open(tmp, newline="") as f, open(o.out, "w", newline="") as g:
        r = csv.DictReader(f)
        w = csv.writer(g)
        w.writerow(["post_id", "customer_id", "post_date", "source", "text", "liked"])
        n = 0
        for row in r:
            if n == o.rows:
                break
            w.writerow([row["post_id"], row["customer_id"], row["post_date"], row["source"], row["text"],
                        "yes" if int(row["rating"]) >= 4 else "no"])
            n += 1
    tmp.unlink()
    cust.unlink()
    if n < o.rows:
        raise SystemExit(f"only {n} posts")
    print(f"{o.out}: {n} posts", file=sys.stderr)


def gen_wide(o):
    """Posts with a wide vocabulary: each of ROWS texts is 30 words drawn from 100,000 made-up
    words by Zipf's law (exponent 1.05), and `liked` follows 300 of them (weights ±1, logistic
    noise): the TF-IDF matrix is ROWS × tens of thousands of terms."""
    import math
    import random

    rng = random.Random(7)
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    words, seen = [], set()
    while len(words) < 100_000:
        w = "".join(rng.choice(syllables) for _ in range(rng.choice((2, 3, 3, 4))))
        if w not in seen:
            seen.add(w)
            words.append(w)
    weights = [1.0 / (r + 1) ** 1.05 for r in range(len(words))]
    signal = {i: rng.choice((-1.0, 1.0)) for i in rng.sample(range(50, 20_000), 300)}
    with open(o.out, "w", newline="") as g:
        w = csv.writer(g)
        w.writerow(["post_id", "text", "liked"])
        for n in range(o.rows):
            idx = rng.choices(range(len(words)), weights=weights, k=30)
            z = sum(signal.get(i, 0.0) for i in idx)
            u = min(max(rng.random(), 1e-12), 1 - 1e-12)
            liked = z + math.log(u / (1 - u)) * 0.5 > 0
            w.writerow([n + 1, " ".join(words[i] for i in idx), "yes" if liked else "no"])


def vader(o):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()
    with open(o.data, newline="") as f, open(o.out, "w", newline="") as g:
        r = csv.DictReader(f)
        w = csv.writer(g)
        w.writerow(["post_id", "compound", "label"])
        for row in r:
            c = sia.polarity_scores(row["text"])["compound"]
            label = "positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral"
            w.writerow([row["post_id"], c, label])


def classify(o):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline

    texts, y = [], []
    with open(o.data, newline="") as f:
        for row in csv.DictReader(f):
            texts.append(row["text"])
            y.append(1 if row["liked"] == "yes" else 0)
    xtr, xte, ytr, yte = train_test_split(texts, y, test_size=0.2, random_state=42)
    pipe = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), stop_words="english", min_df=2, sublinear_tf=True,
                        max_features=o.max_features),
        LogisticRegression(max_iter=1000),
    )
    pipe.fit(xtr, ytr)
    p = pipe.predict_proba(xte)[:, 1]
    summary = {
        "auc": roc_auc_score(yte, p),
        "accuracy": accuracy_score(yte, (p >= 0.5).astype(int)),
        "terms": len(pipe[0].vocabulary_),
        "train_rows": len(xtr),
        "test_rows": len(xte),
    }
    Path(o.out).write_text(json.dumps(summary, indent=1))


def timed(cmd, out_dir, label):
    with open(out_dir / f"{label}.stdout", "wb") as so, open(out_dir / f"{label}.stderr", "wb") as se:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=so, stderr=se, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        raise SystemExit(f"{label} failed ({rc}): {(out_dir / f'{label}.stderr').read_text()[-500:]}")
    return {"wall": wall, "rss_mb": usage.ru_maxrss / 1024}


def agreement(ours_csv, ref_csv):
    """Rows whose compound scores agree to 1e-4, and rows compared."""
    with open(ours_csv, newline="") as f:
        ours = {r["post_id"]: float(r["sentiment"]) for r in csv.DictReader(f)}
    same = total = 0
    with open(ref_csv, newline="") as f:
        for r in csv.DictReader(f):
            total += 1
            same += abs(ours.get(r["post_id"], float("nan")) - float(r["compound"])) <= 1e-4
    return same, total


def bench(o):
    import benchmd

    work = Path(o.work)
    work.mkdir(parents=True, exist_ok=True)
    me = str(Path(__file__).resolve())
    jobs = {
        "sentiment": (
            [o.bin, "text", o.data, "--text", "text", "--sentiment", "--out", str(work / "ours_sentiment.csv")],
            [o.python, me, "vader", o.data, "--out", str(work / "ref_sentiment.csv")],
        ),
        "classify": (
            [o.bin, "train", o.data, "--target", "liked", "--positive", "yes", "--model", "logistic",
             "--text", "text", "--ignore", "post_id", "--ignore", "customer_id", "--ignore", "post_date",
             "--ignore", "source", "--seed", "42", "--metrics", str(work / "ours_classify.json")],
            [o.python, me, "classify", o.data, "--out", str(work / "ref_classify.json")],
        ),
        "classify_wide": (
            [o.bin, "train", o.wide, "--target", "liked", "--positive", "yes", "--model", "logistic",
             "--text", "text", "--ignore", "post_id", "--seed", "42", "--metrics", str(work / "ours_wide.json")],
            [o.python, me, "classify", o.wide, "--out", str(work / "ref_wide.json")],
        ),
        "classify_500": (
            None,
            [o.python, me, "classify", o.data, "--max-features", "500", "--out", str(work / "ref_classify_500.json")],
        ),
    }
    runs = {job: {"ours": [], "ref": []} for job in jobs}
    for rep in range(o.reps):
        for job, (ours, ref) in jobs.items():
            for side in (["ours", "ref"] if rep % 2 == 0 else ["ref", "ours"]):
                cmd = ours if side == "ours" else ref
                if cmd is None:
                    continue
                print(f"[text {rep + 1}/{o.reps}] {job} {side}", flush=True)
                runs[job][side].append(timed(cmd, work, f"{job}_{side}"))
    med = {j: {s: statistics.median(r["wall"] for r in v) for s, v in sides.items() if v}
           for j, sides in runs.items()}
    rss = {j: {s: max(r["rss_mb"] for r in v) for s, v in sides.items() if v} for j, sides in runs.items()}
    same, total = agreement(work / "ours_sentiment.csv", work / "ref_sentiment.csv")
    ours_c = json.loads((work / "ours_classify.json").read_text())
    ref_c = json.loads((work / "ref_classify.json").read_text())
    ref_500 = json.loads((work / "ref_classify_500.json").read_text())
    ours_w = json.loads((work / "ours_wide.json").read_text())
    ref_w = json.loads((work / "ref_wide.json").read_text())
    results = {"runs": runs, "median": med, "rss": rss, "sentiment_agree": [same, total],
               "ours_classify": ours_c, "ref_classify": ref_c, "ref_classify_500": ref_500,
               "ours_wide": ours_w, "ref_wide": ref_w}
    (work / "results.json").write_text(json.dumps(results, indent=1, default=str))
    ratio = lambda r: f"{r:.2f}" if r >= 0.1 else f"{r:.2g}"
    rows_n = total
    body = "\n".join([
        f"## Text: sentiment and a text classifier, side by side ({datetime.date.today()})",
        "",
        f"`{o.command}`: {rows_n:,} English posts from `sample --reviews` (seed 7; template sentences "
        "about six themes, so the classes separate almost perfectly and accuracy says little beyond "
        "\"both learn it\"); `liked` = 4 or 5 stars. Whole processes, "
        f"{o.reps} runs each, alternating; median wall time, largest peak RSS. Targets: sentiment at "
        "least 10× faster than vaderSentiment; the classifier at most 1.0× scikit-learn's time at "
        "equal accuracy.",
        "",
        f"Machine: {benchmd.machine()}.",
        "",
        "| job | ours | reference | ours / ref | ours: quality | reference: quality | our peak RSS | ref peak RSS |",
        "|---|---|---|---|---|---|---|---|",
        f"| VADER sentiment of every post (ours: `text --sentiment`, which also builds the vocabulary) | "
        f"{med['sentiment']['ours']:.2f} s | {med['sentiment']['ref']:.2f} s (vaderSentiment 3.3.2) | "
        f"{ratio(med['sentiment']['ours'] / med['sentiment']['ref'])}× | "
        f"compound equal to 1e-4 on {same:,} of {total:,} posts | — | "
        f"{rss['sentiment']['ours']:.0f} MB | {rss['sentiment']['ref']:.0f} MB |",
        f"| TF-IDF (words and pairs in ≥ 2 texts, every term: {ref_c['terms']:,} in the reference) + logistic regression, 80/20 | "
        f"{med['classify']['ours']:.2f} s | {med['classify']['ref']:.2f} s (scikit-learn, sparse) | "
        f"{ratio(med['classify']['ours'] / med['classify']['ref'])}× | "
        f"AUC {ours_c['auc']:.4f}, accuracy {ours_c['accuracy']:.4f} | "
        f"AUC {ref_c['auc']:.4f}, accuracy {ref_c['accuracy']:.4f} | "
        f"{rss['classify']['ours']:.0f} MB | {rss['classify']['ref']:.0f} MB |",
        f"| the same on {ref_w['train_rows'] + ref_w['test_rows']:,} posts with a wide vocabulary "
        f"(`gen-wide`; reference: {ref_w['terms']:,} terms, ours: the 50,000 most frequent) | "
        f"{med['classify_wide']['ours']:.2f} s | {med['classify_wide']['ref']:.2f} s | "
        f"{ratio(med['classify_wide']['ours'] / med['classify_wide']['ref'])}× | "
        f"AUC {ours_w['auc']:.4f}, accuracy {ours_w['accuracy']:.4f} | "
        f"AUC {ref_w['auc']:.4f}, accuracy {ref_w['accuracy']:.4f} | "
        f"{rss['classify_wide']['ours']:.0f} MB | {rss['classify_wide']['ref']:.0f} MB |",
        f"| the reference with the 500 most frequent terms (what our other models read) | — | {med['classify_500']['ref']:.2f} s | — | — | "
        f"AUC {ref_500['auc']:.4f}, accuracy {ref_500['accuracy']:.4f} | — | "
        f"{rss['classify_500']['ref']:.0f} MB |",
        "",
        "The two sides hold out different random 20% of the rows (ours: the app's seeded split; the "
        "reference: train_test_split(random_state=42)). Both keep the TF-IDF matrix sparse (ours: "
        "f32 values, u32 columns) and train on it directly; our run also scores the held-out rows "
        "through the saved model's path (as `score` does) and writes the model file with its "
        "vocabulary. Our sentiment run also tokenizes every post and fits the vocabulary for the "
        "metrics.",
    ])
    benchmd.replace_section(HERE.parent / "BENCHMARKS.md", "text", body)
    print(body)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--bin", required=True)
    g.add_argument("--rows", type=int, default=100_000)
    g.add_argument("--out", required=True)
    gw = sub.add_parser("gen-wide")
    gw.add_argument("--rows", type=int, default=100_000)
    gw.add_argument("--out", required=True)
    v = sub.add_parser("vader")
    v.add_argument("data")
    v.add_argument("--out", required=True)
    c = sub.add_parser("classify")
    c.add_argument("data")
    c.add_argument("--max-features", type=int, default=None)
    c.add_argument("--out", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--bin", required=True)
    b.add_argument("--python", required=True)
    b.add_argument("--data", required=True)
    b.add_argument("--wide", required=True)
    b.add_argument("--work", required=True)
    b.add_argument("--reps", type=int, default=3)
    b.add_argument("--command", default="bench/text.sh")
    o = ap.parse_args()
    {"gen": gen, "gen-wide": gen_wide, "vader": vader, "classify": classify, "bench": bench}[o.cmd](o)


if __name__ == "__main__":
    main()

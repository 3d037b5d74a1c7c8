#!/usr/bin/env bash
# Fills fuzz/corpus/{load,recipe,model} with real inputs to start from (see ARCHITECTURE.md,
# Fuzzing). Model seeds are trained with the CLI: `cargo run --release`, or the binary in
# $MWB_BIN. Run from anywhere; safe to re-run (libFuzzer adds its own finds beside these).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$root/fuzz/corpus"
mkdir -p "$corpus/load" "$corpus/recipe" "$corpus/model"
mwb() {
  if [[ -n "${MWB_BIN:-}" ]]; then "$MWB_BIN" "$@"; else (cd "$root" && cargo run --release --quiet -- "$@"); fi
}

# load: the bad-input corpus, a workbook, and the sample's first lines in the shapes exports take.
cp "$root"/tests/data/bad/* "$root/tests/data/customers.xlsx" "$corpus/load/"
head -n 30 "$root/assets/sample_customers.csv" > "$corpus/load/sample.csv"
tr ',' ';' < "$corpus/load/sample.csv" | sed -E 's/([0-9])\.([0-9])/\1,\2/g' > "$corpus/load/semicolon_decimal_comma.csv"
tr ',' '\t' < "$corpus/load/sample.csv" > "$corpus/load/tabs.tsv"
tr ',' '|' < "$corpus/load/sample.csv" | sed 's/$/\r/' > "$corpus/load/pipes_crlf.csv"
head -n 8 "$corpus/load/sample.csv" | iconv -f UTF-8 -t UTF-16 > "$corpus/load/utf16_bom.csv"
printf '\xef\xbb\xbf' | cat - "$corpus/load/sample.csv" > "$corpus/load/utf8_bom.csv"
head -n 8 "$corpus/load/sample.csv" | cut -d, -f1-5 | sed -E 's/,/    /g' > "$corpus/load/aligned.txt"
head -n 8 "$corpus/load/sample.csv" | cut -d, -f2-6 | tail -n +2 | sed -E 's/(20[0-9]{2})-([0-9]{2})-([0-9]{2})/\3.\2.\1/' > "$corpus/load/no_header_dmy.csv"
awk -F, 'NR==1 { for (i=1; i<=NF; i++) h[i]=$i; next }
  NR<=6 { printf "%s{", (NR==2 ? "[" : ","); for (i=1; i<=5; i++) printf "%s\"%s\":\"%s\"", (i>1?",":""), h[i], $i; printf "}" }
  END { print "]" }' "$corpus/load/sample.csv" > "$corpus/load/array.json"
awk -F, 'NR==1 { for (i=1; i<=NF; i++) h[i]=$i; next }
  NR<=6 { printf "{\"%s\":\"%s\",\"%s\":%s,\"%s\":%s}\n", h[1], $1, h[2], ($2==""?"null":$2), h[12], $12 }' \
  "$corpus/load/sample.csv" > "$corpus/load/lines.ndjson"
cp "$root"/tests/data/fuzz/load/* "$corpus/load/" 2>/dev/null || true

# recipe: the README's example and recipes that use every step on the target's table.
cp "$root"/fuzz/seeds/recipe/*.json "$corpus/recipe/"
cp "$root"/tests/data/fuzz/recipe/* "$corpus/recipe/" 2>/dev/null || true

# model: small real model files of each task (models this build can't train yet are skipped).
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mwb sample --rows 500 --seed 1 --out "$tmp/s.csv"
cp "$root/fuzz/seeds/recipe/readme.json" "$tmp/recipe.json"
for model in logistic linear kmeans gmm tree forest boosting svm naive-bayes mlp; do
  case "$model" in
    linear) args=(--target spend_next_90d --task regression) ;;
    kmeans | gmm) args=(--task segments --k 3) ;;
    *) args=(--target responded --task classification) ;;
  esac
  mwb train "$tmp/s.csv" "${args[@]}" --model "$model" --save-model "$corpus/model/$model.json" 2>/dev/null \
    || echo "seed.sh: no $model seed ($model not trainable in this build)"
done
mwb train "$tmp/s.csv" --target responded --recipe "$tmp/recipe.json" --save-model "$corpus/model/with_recipe.json"
cp "$root"/tests/data/fuzz/model/* "$corpus/model/" 2>/dev/null || true
echo "seed.sh: $(ls "$corpus/load" | wc -l) load, $(ls "$corpus/recipe" | wc -l) recipe, $(ls "$corpus/model" | wc -l) model inputs"

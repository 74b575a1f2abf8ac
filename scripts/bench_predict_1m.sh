#!/usr/bin/env bash
# bench_predict_1m.sh - measures `ludwig-infer predict` on 1,000,000 generated rows of the
# tabular test model: wall time, rows/s and peak memory (GNU time's maximum resident set size).
#
#   scripts/bench_predict_1m.sh [ROWS] [BATCH_SIZE]     (defaults: 1000000 1024)
#
# Needs ./build.sh to have built build/ludwig-infer, and /usr/bin/time (apt-get install time).
# The data file and the output go to a temporary folder, removed at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROWS=${1:-1000000}
BATCH=${2:-1024}
BIN="$ROOT/build/ludwig-infer"
[ -x "$BIN" ] || { echo "build/ludwig-infer is missing: run ./build.sh" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing: apt-get install -y time" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Rows shaped like testdata/data/tabular.csv (the same ids, ~10% missing values).
python3 - "$ROWS" "$TMP/big.csv" <<'PY'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(7)
cities = ["Paris", "London", "Berlin", "Tokyo", "Reykjavik", "paris", ""]
cells = ["599439121542283263", "608735138506866687", "617703466028236799", "622236723497533439", "624008872107900927"]
with open(path, "w") as f:
    f.write("customer_id,Age,city,member,cell\n")
    for i in range(n):
        age = "" if rng.random() < 0.1 else str(rng.randint(18, 80))
        member = "" if rng.random() < 0.1 else rng.choice(["True", "False"])
        f.write(f"c{i},{age},{rng.choice(cities)},{member},{rng.choice(cells)}\n")
PY
SIZE=$(du -h "$TMP/big.csv" | cut -f1)
echo "input: $ROWS rows, $SIZE ($TMP/big.csv), batch size $BATCH"
for out in jsonl csv; do
  start=$(date +%s.%N)
  /usr/bin/time -v "$BIN" predict --model "$ROOT/testdata/models/tabular" --dataset "$TMP/big.csv" \
    --batch-size "$BATCH" --output "$TMP/out.$out" --progress never 2> "$TMP/time.txt"
  end=$(date +%s.%N)
  secs=$(python3 -c "print(f'{$end - $start:.2f}')")
  rss=$(grep "Maximum resident set size" "$TMP/time.txt" | awk '{print $NF}')
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$TMP/time.txt")
  lines=$(wc -l < "$TMP/out.$out")
  echo "output $out: $lines lines, $(du -h "$TMP/out.$out" | cut -f1); wall ${secs}s = $(python3 -c "print(int($ROWS / $secs))") rows/s; CPU ${cpu}s = $(python3 -c "print(int($ROWS / $cpu))") rows per CPU-second; peak RSS $((rss / 1024)) MiB"
done

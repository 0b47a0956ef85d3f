#!/usr/bin/env bash
# Execute every notebook in notebooks/ against existing capsim output folders.
#
#   CAPSIM_RUN=DIR CAPSIM_SWEEP=DIR notebooks/run.sh [pytest args…]
#
# CAPSIM_RUN: a run folder with commitments (`capsim run --out DIR` then `capsim commit DIR`);
# CAPSIM_SWEEP: a sweep folder (`capsim sweep SWEEP.yaml --out DIR`); CAPSIM_RECOMMEND: a
# recommendation folder (`capsim recommend --out DIR`). Relative paths are taken
# from the repository root; the defaults are out/plugilo and out/sweeps/plugilo-spike. The Python environment is a venv in target/nbvenv with the pinned
# notebooks/requirements.txt; it is rebuilt when that file changes. Set NB_OUT=DIR to also keep
# the executed notebooks (with their charts) in DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

export CAPSIM_RUN=${CAPSIM_RUN:-out/plugilo} CAPSIM_SWEEP=${CAPSIM_SWEEP:-out/sweeps/plugilo-spike}
export CAPSIM_RECOMMEND=${CAPSIM_RECOMMEND:-out/recommend/plugilo}
for var in CAPSIM_RUN CAPSIM_SWEEP CAPSIM_RECOMMEND; do
    if [[ "${!var}" != /* ]]; then
        export "$var=$root/${!var}"
    fi
done

venv=$root/target/nbvenv
req=notebooks/requirements.txt
stamp=$venv/.requirements.sha256
want=$(sha256sum "$req" | cut -d' ' -f1)
if [[ ! -x $venv/bin/python || ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
    echo "notebooks: creating $venv from $req"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    echo "$want" >"$stamp"
fi

# Charts render inline into the executed notebook (headless; no display needed), so drawing
# errors fail the run. The kernel ("python3") is the venv's own Python. CAPSIM_ROOT lets 03_sweep
# find the sweep file that manifest.json names relative to the repository root.
export MPLBACKEND=module://matplotlib_inline.backend_inline CAPSIM_ROOT=$root

echo "notebooks: CAPSIM_RUN=$CAPSIM_RUN CAPSIM_SWEEP=$CAPSIM_SWEEP CAPSIM_RECOMMEND=$CAPSIM_RECOMMEND"
args=(--nbmake --nbmake-timeout=900 -p no:cacheprovider)
if [[ -n "${NB_OUT:-}" ]]; then
    mkdir -p "$NB_OUT"
    cp notebooks/*.ipynb "$NB_OUT"/
    cp notebooks/capsim_nb.py "$NB_OUT"/
    args+=(--overwrite)
    cd "$NB_OUT"
    "$venv/bin/python" -m pytest "${args[@]}" "$@" ./*.ipynb
else
    "$venv/bin/python" -m pytest "${args[@]}" "$@" notebooks/
fi

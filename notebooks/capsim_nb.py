"""Shared helpers for the capsim notebooks: input folders, file checks, chart style.

Everything the notebooks show is computed from capsim's output files; this module only finds
them, fails with a readable message when they are missing, and sets one chart style.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd

# Okabe & Ito (2008), "Color Universal Design": distinguishable with the common colour-vision
# deficiencies. Black first is left out of the default cycle (kept for reference lines).
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
CYCLE = [OKABE_ITO[k] for k in ("blue", "orange", "bluish_green", "vermillion", "sky_blue", "reddish_purple", "yellow")]
GREY = "#7F7F7F"


def setup_style() -> None:
    """One style for every chart: Okabe–Ito colours, light grid, readable sizes."""
    plt.style.use("tableau-colorblind10")  # a colour-blind-safe base; the cycle is replaced below
    mpl.rcParams.update(
        {
            "axes.prop_cycle": mpl.cycler(color=CYCLE),
            "figure.figsize": (11, 4.5),
            "figure.dpi": 100,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 11,
            "axes.labelsize": 10,
            "legend.fontsize": 9,
            "legend.frameon": False,
        }
    )
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 40)
    pd.set_option("display.max_colwidth", 120)


def input_dir(env: str, default: str, files: list[str], how_to_make: str) -> Path:
    """The folder named by environment variable `env` (or `default`, relative to the notebook).

    Raises FileNotFoundError naming the folder, the missing files and the command that makes
    them, so that a notebook run against a missing or partial folder stops with a clear reason.
    """
    raw = os.environ.get(env, default)
    path = Path(raw).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(
            f"{env}={raw!r}: no such folder ({path.resolve()}). "
            f"Make it with `{how_to_make}` or point {env} at an existing one."
        )
    missing = [f for f in files if not (path / f).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{env}={raw!r} ({path.resolve()}) lacks {', '.join(missing)}. "
            f"Make it with `{how_to_make}` or point {env} at a folder that has them."
        )
    return path


def read_json(path: Path) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def pct(x: float, digits: int = 3) -> str:
    return f"{100 * x:.{digits}f} %"


def usd(x: float) -> str:
    return f"${x:,.2f}"

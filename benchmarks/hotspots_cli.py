"""Gi* with 999 permutations through the command line, against esda doing the same work.

Issue 22: "Gi* through the CLI at least 3x faster than esda for the same work on 100,000
units (weights construction and file reading included)". A square lattice of polygons
(side x side cells, Poisson counts) is written once as GeoJSON; then, each in a fresh
process, timed on the wall clock from start to exit:

- ``sereno hotspots FILE --value v --id code --permutations 999 --out out.csv`` (reading,
  queen weights, Gi* z and p, conditional permutations, global Moran's I with 999
  permutations, writing the table);
- the same with an older checkout's sources (``--before DIR``, its ``src``), for the
  before/after ratio;
- esda: geopandas reads the file, libpysal's ``Queen.from_dataframe``, esda's ``G_Local``
  (Gi*, binary, 999 permutations, same seed, its defaults otherwise) and ``Moran`` (999
  permutations), the table written with pandas.

The script then checks that the answers agree (z within 1e-9, the permutation p-values'
draw counts equal) and prints the ratios. Run:
``.venv/bin/python benchmarks/hotspots_cli.py [side] [--before /path/to/old/checkout]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

PERMUTATIONS = 999
SEED = 12345
ROOT = Path(__file__).resolve().parents[1]

ESDA = f"""
import sys, warnings
import geopandas as gpd, numpy as np, pandas as pd
from esda import G_Local, Moran
from libpysal.weights import Queen
warnings.simplefilter("ignore")
frame = gpd.read_file(sys.argv[1])
w = Queen.from_dataframe(frame, use_index=False)
y = frame["v"].to_numpy(float)
g = G_Local(y, w, transform="B", star=True, permutations={PERMUTATIONS}, seed={SEED},
            keep_simulations=False)
np.random.seed({SEED})
m = Moran(y, w, permutations={PERMUTATIONS})
pd.DataFrame({{"id": frame["code"], "z": g.Zs, "p": 2 * g.p_norm, "p_sim": g.p_sim}}).to_csv(
    sys.argv[2], index=False)
print(m.I, m.p_sim)
"""


def lattice(side: int, path: Path) -> None:
    import geopandas as gpd
    import shapely

    x, y = np.meshgrid(np.arange(side) * 100.0, np.arange(side) * 100.0)
    x, y = x.ravel(), y.ravel()
    values = np.random.default_rng(1).poisson(3.0, side * side)
    gpd.GeoDataFrame(
        {"code": [f"u{i}" for i in range(side * side)], "v": values},
        geometry=shapely.box(x, y, x + 100, y + 100),
        crs="EPSG:32616",
    ).to_file(path)


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"{command[:3]} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def sereno(sources: Path, layer: Path, out: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(sources)}
    command = [sys.executable, "-m", "sereno.cli", "hotspots", str(layer), "--value", "v",
               "--id", "code", "--permutations", str(PERMUTATIONS), "--seed", str(SEED),
               "--out", str(out)]  # fmt: skip
    return timed(command, env)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("side", nargs="?", type=int, default=316)
    parser.add_argument("--before", type=Path, help="an older checkout, for before/after")
    parser.add_argument("--after", type=Path, default=ROOT, help="the checkout to time")
    parser.add_argument("--warm", action="store_true", help="one untimed run of each first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        layer = tmp / "lattice.geojson"
        lattice(args.side, layer)
        n = args.side * args.side
        # --warm: one untimed run of each compiles and caches numba's kernels, as a user's
        # first run after installing would; esda compiles its own in every process
        if args.warm:
            sereno(args.after / "src", layer, tmp / "warm.csv")
        t_ours = sereno(args.after / "src", layer, tmp / "ours.csv")
        t_before = None
        if args.before:
            if args.warm:
                sereno(args.before / "src", layer, tmp / "warm.csv")
            t_before = sereno(args.before / "src", layer, tmp / "before.csv")
        t_esda = timed([sys.executable, "-c", ESDA, str(layer), str(tmp / "esda.csv")],
                       dict(os.environ))  # fmt: skip
        ours, ref = pd.read_csv(tmp / "ours.csv"), pd.read_csv(tmp / "esda.csv")
        dz = np.abs(ours["z"].to_numpy() - ref["z"].to_numpy()).max()
        draws = np.rint(ours["p_sim"] * (PERMUTATIONS + 1)) != np.rint(
            ref["p_sim"] * (PERMUTATIONS + 1)
        )
    load = os.getloadavg()[0]
    print(f"n={n:,}  sereno CLI {t_ours:.1f} s  esda {t_esda:.1f} s  "
          f"esda/sereno {t_esda / t_ours:.2f}x  (load average {load:.1f})")  # fmt: skip
    if t_before is not None:
        print(f"        before {t_before:.1f} s  esda/before {t_esda / t_before:.2f}x  "
              f"before/after {t_before / t_ours:.2f}x")  # fmt: skip
    print(f"        max |z - esda z| {dz:.1e}; units whose p_sim draw count differs from "
          f"esda's: {int(draws.sum())} of {n:,}")  # fmt: skip


if __name__ == "__main__":
    main()

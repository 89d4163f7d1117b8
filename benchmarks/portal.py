"""Portal throughput: requests per second and p95 latency of the main API endpoints with 50
concurrent clients, against a store of one million victim records, on loopback; and the
home page's transferred bytes.

The reference is DuckDB's bare query for the same figures (the monthly counts per source)
on the same store, in this process; the ratio says what the portal's cache buys over asking
the store on every request.

    .venv/bin/python benchmarks/portal.py [--records 1000000] [--seconds 8] [--workers 2]
        [--dir DIR]   # DIR: built once, then measured again as it is (before and after)
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from sereno.demo.build import build_demo
from sereno.store import Observatory

ENDPOINTS = [
    "/api/v1/overview",
    "/api/v1/map?level=colonia&period=2024",
    "/api/v1/units/C120",
    "/api/v1/map.geojson?level=distrito",
    "/",
]
BARE = (
    "SELECT source_id, year, month, sum(n) FROM observations WHERE iccs_code = '0101' GROUP BY ALL"
)


def add_records(directory: Path, n: int) -> None:
    """Append ``n`` synthetic victims (records and harmonised rows) to the demo store."""
    with Observatory.open(directory) as obs:
        have = obs.engine.scalar("SELECT max(record_id) FROM records")
        e = obs.engine
        e.execute("CREATE TEMP TABLE colonias AS SELECT row_number() OVER () - 1 AS i, "
                  "unit_code FROM units WHERE level = 'colonia'")  # fmt: skip
        k = e.scalar("SELECT count(*) FROM colonias")
        e.execute(f"""
            CREATE TEMP TABLE extra AS
            SELECT {have} + range + 1 AS record_id,
                   DATE '2020-01-01' + CAST(floor(random() * 1826) AS INTEGER) AS date,
                   CAST(floor(random() * {k}) AS INTEGER) AS i
            FROM range({n})""")
        e.execute("""INSERT INTO records (record_id, source_id, batch_id, row_number,
                     source_record_id, version, kind, raw, raw_hash)
                     SELECT record_id, 'bench', 'bench', record_id, NULL, 1, 'victim', '{}',
                            md5(record_id::VARCHAR) FROM extra""")
        e.execute("""INSERT INTO victims (record_id, source_id, date, date_precision, year,
                     month, unit_code, location_precision, location_method, offence_label,
                     iccs_code)
                     SELECT record_id, 'bench', date, 1, year(date), month(date), unit_code,
                            2, 'code', 'homicidio', '0101' FROM extra JOIN colonias USING (i)""")
        e.execute("""INSERT INTO sources VALUES ('bench', 'other', 'victims', 'rows', 'bench',
                     'bench', 1, 'benchmark records', current_timestamp)""")


async def load(base: str, path: str, clients: int, seconds: float) -> tuple[int, np.ndarray]:
    latencies: list[float] = []
    stop = [0.0]

    async def client(http: httpx.AsyncClient) -> None:
        while time.perf_counter() < stop[0]:
            t0 = time.perf_counter()
            response = await http.get(path)
            response.raise_for_status()
            latencies.append(time.perf_counter() - t0)

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        # Warm every worker's cache (the first request to each computes the figures).
        await asyncio.gather(*(http.get(path, timeout=900) for _ in range(clients)))
        stop[0] = time.perf_counter() + seconds
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return len(latencies), np.array(latencies)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="portal worker processes")
    parser.add_argument("--dir", type=Path, help="the store to use (built there if missing)")
    args = parser.parse_args()
    directory = args.dir or Path(tempfile.mkdtemp(prefix="sereno-bench-")) / "demo"
    if not (directory / "sereno.toml").exists():
        build_demo(directory, seed=7)
        add_records(directory, args.records)
    with Observatory.open(directory) as obs:
        total = obs.engine.scalar("SELECT count(*) FROM records")
        obs.engine.frame(BARE)
        t0 = time.perf_counter()
        for _ in range(10):
            obs.engine.frame(BARE)
        bare = (time.perf_counter() - t0) / 10
    port = 8799
    if args.workers == 1:
        # One process, as ``sereno serve`` (and as before several workers were possible).
        code = ("import uvicorn; from sereno.publish.app import create_app; "
                f"uvicorn.run(create_app({str(directory)!r}), host='127.0.0.1', port={port}, "
                "log_level='warning', access_log=False)")  # fmt: skip
    else:
        # As ``sereno serve --workers N``: each worker builds its own app.
        code = (f"import os, uvicorn; os.environ['SERENO_PORTAL_DIR'] = {str(directory)!r}; "
                "uvicorn.run('sereno.publish.app:portal_from_environment', factory=True, "
                f"host='127.0.0.1', port={port}, workers={args.workers}, "
                "log_level='warning', access_log=False)")  # fmt: skip
    server = subprocess.Popen([sys.executable, "-c", code])
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/api/v1/openapi.json", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        t0 = time.perf_counter()
        httpx.get(base + "/api/v1/overview", timeout=120).raise_for_status()
        cold = time.perf_counter() - t0
        print(f"portal: {args.workers} worker process(es), {args.clients} clients")
        print(f"store: {total:,} records; DuckDB bare query (monthly counts per source): "
              f"{bare * 1e3:.1f} ms; portal's first overview: {cold * 1e3:.0f} ms")  # fmt: skip
        print(f"{'endpoint':40} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p95/bare':>9}")
        for path in ENDPOINTS:
            n, lat = asyncio.run(load(base, path, args.clients, args.seconds))
            p50, p95 = np.percentile(lat, 50), np.percentile(lat, 95)
            print(f"{path:40} {n / args.seconds:8.0f} {p50 * 1e3:8.1f} {p95 * 1e3:8.1f} "
                  f"{p95 / bare:9.2f}")  # fmt: skip
        home = httpx.get(base + "/", headers={"accept-encoding": "gzip"})
        css = httpx.get(base + "/static/sereno.css", headers={"accept-encoding": "gzip"})
        sent = home.num_bytes_downloaded + css.num_bytes_downloaded
        print(f"home page transferred: {sent:,} bytes (HTML {home.num_bytes_downloaded:,} + CSS "
              f"{css.num_bytes_downloaded:,}, gzip; no script, no font, no image)")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

"""Run the benchmarks: every bench/bench_*.py module's main(), or those named.

    make bench                      # all
    .venv/bin/python bench/run.py rollup api_ingest

Benchmarks are never part of the test suite. Each prints its figures as ratios against a bare
baseline measured in the same run, and the numbers go into docs/benchmarks.md by hand.
"""

import importlib
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent


def main(names):
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE))
    available = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    for name in names or available:
        if name not in available:
            raise SystemExit(f"no benchmark {name!r}; available: {', '.join(available)}")
        print(f"== {name}", flush=True)
        importlib.import_module(f"bench_{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])

"""Run every tests/bench/bench_*.py module's main() in turn."""
import importlib
import pkgutil
import sys
from pathlib import Path

only = sys.argv[1:]
for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda i: i.name):
    if info.name.startswith("bench_") and (not only or info.name in only):
        print(f"\n=== {info.name} ===", flush=True)
        importlib.import_module(f"tests.bench.{info.name}").main()

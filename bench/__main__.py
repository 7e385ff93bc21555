"""Run every benchmark and print its figures: `make bench`."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable

BENCHMARKS = ["bench.slice", "bench.caseload"]


def show(name: str, figures: dict[str, float]) -> None:
    """Print one benchmark's figures."""
    print(f"\n== {name}")
    for key, value in figures.items():
        print(f"  {key:<32} {value:>12.2f}")


async def main() -> None:
    """Run the benchmarks one after the other."""
    for module_name in BENCHMARKS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            print(f"\n== {module_name}: not present")
            continue
        run: Callable[[], Awaitable[dict[str, float]]] = module.run
        show(module_name, await run())


if __name__ == "__main__":
    asyncio.run(main())

"""Run every benchmark and print its figures: `make bench`."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import subprocess
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

BENCHMARKS = [
    "bench.slice",
    "bench.caseload",
    "bench.appointment",
    "bench.signature",
    "bench.relay",
    "bench.collective",
    "bench.rooms",
    "bench.reporting",
]
#: One line per run: the figures that do not depend on the machine's noise are tracked here.
HISTORY = Path(__file__).with_name("history.jsonl")
TRACKED = (
    "commands_per_request",
    "loaded_events_per_s_end_to_end",
    "ratio_slice_to_raw_rate",
    "loaded_end_to_end_p99_ms",
    "first_page_50_commands_per_call",
    "free_slot_search_90d_p95_ms",
    "booking_p99_ms",
    "seal_p95_ms",
    "ratio_seal_p95_to_30ms_target",
    "render_3_pages_p50_ms",
    "render_and_seal_per_s",
    "signed_documents_per_s_end_to_end",
    "relay_audio_only_sessions_per_core",
    "relay_video_480p_sessions_per_core",
    "join_to_connected_p99_ms",
    "collective_scaled_attendees_per_core",
    "collective_full_attendees_per_core",
    "ratio_collective_scaled_to_full_hub_cpu_per_attendee",
    "rooms_join_to_connected_p50_ms",
    "rooms_join_to_connected_p99_ms",
    "rooms_counsellor_join_to_connected_p50_ms",
    "rooms_counsellor_join_to_connected_p99_ms",
    "rebuild_events_per_s",
    "ratio_rebuild_to_raw_insert_rate",
    "rebuild_commands_per_batch",
    "dash_month_all_p95_ms",
    "dash_quarter_all_p95_ms",
)


def track(figures: dict[str, float]) -> None:
    """Print the tracked figures beside the last recorded run's, then record this run."""
    runs = (
        [json.loads(line) for line in HISTORY.read_text().splitlines()] if HISTORY.exists() else []
    )
    previous = runs[-1]["figures"] if runs else {}
    print("\n== tracked (this run / last recorded run)")
    for key in TRACKED:
        if key in figures:
            before = previous.get(key)
            shown = f"{before:>12.2f}" if before is not None else f"{'-':>12}"
            print(f"  {key:<44} {figures[key]:>12.2f} / {shown}")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    record = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "figures": {k: round(v, 2) for k, v in figures.items() if k in TRACKED},
    }
    with HISTORY.open("a", encoding="utf-8") as history:
        history.write(json.dumps(record) + "\n")


def show(name: str, figures: dict[str, float]) -> None:
    """Print one benchmark's figures."""
    print(f"\n== {name}")
    for key, value in figures.items():
        print(f"  {key:<44} {value:>12.2f}")


async def main() -> None:
    """Run the benchmarks one after the other."""
    # JALON_BENCH_ONLY=slice runs one benchmark while working on it.
    only = os.environ.get("JALON_BENCH_ONLY")
    tracked: dict[str, float] = {}
    for module_name in BENCHMARKS:
        if only and module_name != f"bench.{only}":
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            print(f"\n== {module_name}: not present")
            continue
        run: Callable[[], Awaitable[dict[str, float]]] = module.run
        figures = await run()
        show(module_name, figures)
        tracked |= {k: v for k, v in figures.items() if k in TRACKED}
    track(tracked)


if __name__ == "__main__":
    asyncio.run(main())

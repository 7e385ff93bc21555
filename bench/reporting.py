"""Benchmark reporting's read model on the embedded SecantusDB: a rebuild's ingest and dashboards.

One SecantusDB server, started here, holds everything. First the ingest during a rebuild: a
synthetic history of about 25,000 events is stored as outbox records, one collection per
producer, in a "producers" database on the same server; the real rebuild then reads it page by
page and folds it into a fresh generation, 500 events per transaction. Its rate is compared with
the same server's raw bulk insert (as many small documents, 500 per transaction, one after the
other), its round trips are counted per batch, and its counters must equal the in-memory fold
of the same history (the bench fails otherwise).

Then the dashboard over at least 1,000,000 events: two years of history for two regions of
three sites, folded in memory by the same fold code, and the resulting period documents written
into a fresh generation made active. get_dashboard is timed on it for a month, a week and a
quarter, with no filter, a site, and a site and a modality; the baseline is the same server
reading the same documents by _id alone.

Then render_chart, when reporting has a chart adapter.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import bson
from pymongo.monitoring import CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent

from bench.stack import percentile
from jalon_dev.history import PRODUCERS, generate
from jalon_dev.stack import EmbeddedMongo
from jalon_shared.events.envelope import Event
from jalon_shared.messaging.outbox import Outbox
from jalon_shared.mongo import Client, CommandCounter, Session, create_client, in_transaction
from jalon_shared.periods import PeriodKind, period_key
from jalon_shared.settings import MongoSettings
from reporting.adapters.history import MongoOutboxHistory
from reporting.adapters.mongo import (
    GENERATION_ID,
    Generation,
    MongoCounterReader,
    MongoRebuildTarget,
    ReadModelStore,
)
from reporting.application.get_dashboard import TRAILING, get_dashboard
from reporting.application.rebuild_read_model import rebuild_read_model
from reporting.domain.counters import document_id
from reporting.domain.dashboard import Dashboard, Filters
from reporting.domain.memory import MemoryReadModel, nonzero_leaves
from reporting.domain.periods import STORED_KIND, local_date, period, trailing

#: The last instant of every generated history: fixed, so each run folds the same events.
UNTIL = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
REGIONS = {
    "bretagne": ["rennes", "brest", "vannes"],
    "normandie": ["caen", "rouen", "cherbourg"],
}
LABELS = {
    "bretagne": ("Bretagne", {"rennes": "Rennes", "brest": "Brest", "vannes": "Vannes"}),
    "normandie": ("Normandie", {"caen": "Caen", "rouen": "Rouen", "cherbourg": "Cherbourg"}),
}
READ_MODEL_DB = "jalon_reporting"
PRODUCERS_DB = "producers"
RAW_DB = "bench_raw"
#: Events per rebuild transaction, and outbox records per insert while storing the history.
BATCH = 500
OUTBOX_CHUNK = 1000
#: The rebuild's history: about 25,000 events over four months.
INGEST_DAYS = 90
INGEST_CASES_PER_DAY = float(os.environ.get("JALON_BENCH_REPORTING_CASES_PER_DAY", "18"))
INGEST_TARGET_PER_S = 1000.0
#: The dashboard's history: two years, at least a million events.
MILLION_DAYS = 730
MILLION_CASES_PER_DAY = 90.0
MILLION = 1_000_000
#: Dashboard calls timed per view, after the warm-ups.
CALLS = 50
WARM_UPS = 3
DASHBOARD_TARGET_P95_MS = 200.0
DASHBOARD_REGION = "bretagne"
FILTERS = {
    "all": Filters(),
    "site": Filters(site="rennes"),
    "site_modality": Filters(site="rennes", modality="video"),
}
KINDS = (PeriodKind.MONTH, PeriodKind.WEEK, PeriodKind.QUARTER)
CHARTS_MODULE = "reporting.adapters.charts"
CHART_NAMES_MODULE = "reporting.domain.charts"
#: Renders timed per chart, after one untimed: matplotlib takes a while per figure.
CHART_CALLS = 20


class TimedCounter(CommandCounter):
    """Counts commands as the services do, and adds up their round trips as the driver saw them."""

    def __init__(self) -> None:
        super().__init__()
        self.micros: Counter[str] = Counter()
        self._pending: dict[int, str] = {}

    def started(self, event: CommandStartedEvent) -> None:
        """Count one command as it leaves, and remember what it was until its reply."""
        super().started(event)
        name = event.command_name
        if name not in self.IGNORED:
            target = event.command.get(name)
            self._pending[event.request_id] = (
                f"{name} {target}" if isinstance(target, str) else name
            )

    def succeeded(self, event: CommandSucceededEvent) -> None:
        """Add the command's round trip."""
        self._done(event.request_id, event.duration_micros)

    def failed(self, event: CommandFailedEvent) -> None:
        """Add the failed command's round trip."""
        self._done(event.request_id, event.duration_micros)

    def _done(self, request_id: int, micros: int) -> None:
        key = self._pending.pop(request_id, None)
        if key is not None:
            self.micros[key] += micros

    def timings(self) -> dict[str, int]:
        """Return the microseconds spent waiting on each command so far."""
        return dict(self.micros)


class CountedTarget(MongoRebuildTarget):
    """The real rebuild target, counting its batches and the commands sent until the switch."""

    def __init__(
        self, store: ReadModelStore, generation: Generation, counter: TimedCounter
    ) -> None:
        super().__init__(store, generation)
        self.batches = 0
        self._counter = counter
        self.at_finish: dict[str, int] = {}
        self.micros_at_finish: dict[str, int] = {}

    async def apply(self, events: Sequence[Event]) -> int:
        """Fold one batch, counted."""
        self.batches += 1
        return await super().apply(events)

    async def finish(self, seconds: float) -> None:
        """Note the commands so far (the switch and the old generation's drop are not ingest)."""
        self.at_finish = self._counter.snapshot()
        self.micros_at_finish = self._counter.timings()
        await super().finish(seconds)


def spent(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Return the commands sent between two snapshots, by command and collection."""
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0) > 0}


def expected_counters(events_by_producer: dict[str, list[Event]]) -> MemoryReadModel:
    """Fold a history in memory in the rebuild's own batches: producer by producer, 500 a time."""
    model = MemoryReadModel()
    for name in PRODUCERS:
        model.apply_all(events_by_producer[name], batch=BATCH)
    return model


async def raw_insert_rate(client: Client, count: int) -> float:
    """Return the server's bulk-insert rate: seen markers, 500 per transaction, one at a time."""
    collection = client[RAW_DB]["seen_markers"]
    await collection.drop()
    now = datetime.now(UTC)
    docs = [{"_id": str(uuid4()), "at": now} for _ in range(count)]
    batches = [docs[i : i + BATCH] for i in range(0, count, BATCH)]
    began = time.perf_counter()
    for batch in batches:

        async def insert(session: Session, batch: list[dict[str, Any]] = batch) -> None:
            await collection.insert_many(batch, ordered=False, session=session)

        await in_transaction(client, insert)
    rate = count / (time.perf_counter() - began)
    await collection.drop()
    return rate


async def ingest(client: Client, counter: TimedCounter) -> dict[str, float]:
    """Store a history as producers' outboxes, rebuild from it, and check the counters."""
    history = generate(
        regions=REGIONS,
        start=UNTIL - timedelta(days=INGEST_DAYS + 30),
        days=INGEST_DAYS,
        cases_per_day=INGEST_CASES_PER_DAY,
        seed=2026,
        until=UNTIL,
    )
    # Each producer's outbox in the order it wrote: the rebuild reads it by _id.
    by_producer = {
        name: sorted(history.by_producer[name], key=lambda e: e.occurred_at) for name in PRODUCERS
    }
    producers = client[PRODUCERS_DB]
    began = time.perf_counter()
    for name in PRODUCERS:
        records = Outbox(producers).records(by_producer[name])
        for start in range(0, len(records), OUTBOX_CHUNK):
            await producers[f"{name}_outbox"].insert_many(records[start : start + OUTBOX_CHUNK])
    stored_s = time.perf_counter() - began
    total = history.count()
    print(f"  ingest: {total} events stored as outbox records in {stored_s:.1f} s", flush=True)

    store = ReadModelStore(client, client[READ_MODEL_DB])
    await store.ensure_indexes()
    generation = await store.begin_rebuild()
    if generation is None:
        raise RuntimeError("a rebuild is already running on the bench's fresh server")
    target = CountedTarget(store, generation, counter)
    before, micros_before = counter.snapshot(), counter.timings()
    report = await rebuild_read_model(
        [MongoOutboxHistory(name, producers[f"{name}_outbox"]) for name in PRODUCERS],
        target,
        batch=BATCH,
    )
    commands = spent(before, target.at_finish)
    waited = spent(micros_before, target.micros_at_finish)
    if report.read != total or report.applied != total:
        raise RuntimeError(f"the rebuild read {report.read} and folded {report.applied} of {total}")
    print(
        f"  ingest: rebuilt {report.applied} events in {report.seconds:.1f} s "
        f"= {report.rate:.0f} events/s, {target.batches} batches",
        flush=True,
    )

    # Correctness: the rebuilt generation is active and holds what the in-memory fold holds.
    if int((await store.state())["active"]) != generation.number:
        raise RuntimeError("the rebuilt generation was not made active")
    rebuilt = await generation.counters.find({}).to_list(None)
    expected = nonzero_leaves(expected_counters(by_producer).counters.values())
    got = nonzero_leaves(rebuilt)
    if got != expected:
        differing = sorted(k for k in expected.keys() | got.keys() if expected.get(k) != got.get(k))
        raise RuntimeError(
            f"the rebuilt counters differ from the in-memory fold in {len(differing)} of "
            f"{len(expected)} counters, e.g. {differing[:5]}"
        )
    print(f"  ingest: rebuilt counters = in-memory fold ({len(expected)} non-zero counters)")

    raw = await raw_insert_rate(client, report.applied)
    batches = target.batches
    per_batch = sum(commands.values()) / batches
    batch_ms = report.seconds * 1000 / batches
    db_ms = sum(waited.values()) / 1000 / batches
    print(
        f"  ingest: per batch of {BATCH}: {batch_ms:.0f} ms; its {per_batch:.1f} round trips "
        f"(pages, the transaction, progress) add up to {db_ms:.0f} ms, the next page being"
        " read while a batch is folded:"
    )
    for command, n in sorted(commands.items(), key=lambda kv: -waited.get(kv[0], 0)):
        ms = waited.get(command, 0) / 1000 / batches
        print(f"    {command:<40} {n / batches:>6.2f} per batch {ms:>8.1f} ms per batch")
    return {
        "rebuild_events": float(report.applied),
        "rebuild_outbox_store_s": stored_s,
        "rebuild_events_per_s": report.rate,
        "ratio_rebuild_to_1000_per_s_target": report.rate / INGEST_TARGET_PER_S,
        "raw_insert_in_500_docs_tx_per_s": raw,
        "ratio_rebuild_to_raw_insert_rate": report.rate / raw,
        "rebuild_batches": float(target.batches),
        "rebuild_commands_per_batch": per_batch,
        "rebuild_batch_ms": batch_ms,
        "rebuild_batch_waiting_on_db_ms": db_ms,
        "rebuild_transactions_per_batch": commands.get("commitTransaction", 0) / target.batches,
        "rebuild_counters_checked": float(len(expected)),
    }


def fold_million() -> tuple[MemoryReadModel, dict[str, float]]:
    """Generate two years of history (at least a million events) and fold it in memory."""
    began = time.perf_counter()
    history = generate(
        regions=REGIONS,
        start=UNTIL - timedelta(days=MILLION_DAYS),
        days=MILLION_DAYS,
        cases_per_day=MILLION_CASES_PER_DAY,
        seed=11,
        until=UNTIL,
    )
    generated_s = time.perf_counter() - began
    count = history.count()
    if count < MILLION:
        raise RuntimeError(f"the generated history holds {count} events, not a million")
    model = MemoryReadModel()
    began = time.perf_counter()
    model.apply_all(history.producer_first(), batch=BATCH)
    folded_s = time.perf_counter() - began
    # Only the period documents stay: the fold's state of a million events is not what a
    # service holds, and the collector walking it would show in the dashboard's timings.
    kept = MemoryReadModel()
    kept.counters = model.counters
    return kept, {
        "million_events": float(count),
        "million_generate_s": generated_s,
        "million_fold_in_memory_s": folded_s,
        "million_fold_events_per_s": count / folded_s,
    }


async def write_counters(store: ReadModelStore, model: MemoryReadModel) -> dict[str, float]:
    """Write the folded period documents into a fresh generation and make it the one read."""
    state = await store.state()
    number = max(int(state["active"]), int(state.get("building") or 0)) + 1
    generation = store.generation(number)
    await generation.drop()
    docs = list(model.counters.values())
    sizes = [len(bson.encode(doc)) for doc in docs]
    began = time.perf_counter()
    await generation.counters.insert_many(docs, ordered=False)
    written_s = time.perf_counter() - began
    await store.meta.update_one(
        {"_id": GENERATION_ID}, {"$set": {"active": number, "building": None}}, upsert=True
    )
    for region, (label, sites) in LABELS.items():
        await store.save_region_label(region, label, sites)
    stored = await generation.counters.count_documents({})
    if stored != len(docs):
        raise RuntimeError(f"{stored} period documents stored, not {len(docs)}")
    print(
        f"  dashboard: {len(docs)} period documents, {sum(sizes) / 1e6:.1f} MB "
        f"(largest {max(sizes) / 1e3:.0f} kB), written in {written_s:.1f} s",
        flush=True,
    )
    return {
        "counters_documents": float(len(docs)),
        "counters_bytes_mb": sum(sizes) / 1e6,
        "counters_largest_document_kb": max(sizes) / 1e3,
        "counters_write_s": written_s,
    }


class MemoryCounters:
    """The folded documents behind the reader's interface: the dashboard's compute alone."""

    def __init__(self, model: MemoryReadModel) -> None:
        self._model = model

    async def documents(
        self, region: str, kind: str, keys: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """Return a region's period documents' cells by key."""
        return self._model.documents(region, kind, keys)


class FixedLabels:
    """The region labels the bench wrote, without a round trip."""

    async def region_labels(self, region: str) -> tuple[str, dict[str, str]]:
        """Return a region's label and its sites' labels."""
        return LABELS[region]


async def timed(calls: int, work: Callable[[], Awaitable[object]]) -> list[float]:
    """Await work() calls times after the warm-ups; return each latency in ms."""
    for _ in range(WARM_UPS):
        await work()
    latencies = []
    for _ in range(calls):
        began = time.perf_counter()
        await work()
        latencies.append((time.perf_counter() - began) * 1000)
    return latencies


async def dashboards(
    store: ReadModelStore, model: MemoryReadModel, counter: CommandCounter
) -> dict[str, float]:
    """Time get_dashboard on the active generation per period kind and filters; and raw reads."""
    figures: dict[str, float] = {}
    reader = MongoCounterReader(store)
    today = local_date(UNTIL)
    for kind in KINDS:
        key = period_key(kind, today)
        # The ids get_dashboard asks for: the period and the 11 before.
        letter = STORED_KIND[kind]
        keys = [p.key for p in trailing(period(kind, key), TRAILING)]
        ids = [document_id(letter, k, DASHBOARD_REGION) for k in keys]
        found = await reader.documents(DASHBOARD_REGION, letter, keys)
        generation = await store.active()

        async def raw_read(ids: list[str] = ids, generation: Generation = generation) -> None:
            await generation.counters.find({"_id": {"$in": ids}}).to_list(None)

        raw = await timed(CALLS, raw_read)
        raw_p50, raw_p95 = percentile(raw, 50), percentile(raw, 95)
        figures[f"raw_read_{kind.value}_docs"] = float(len(found))
        figures[f"raw_read_{kind.value}_p50_ms"] = raw_p50
        figures[f"raw_read_{kind.value}_p95_ms"] = raw_p95
        for name, filters in FILTERS.items():

            async def call(
                filters: Filters = filters, kind: PeriodKind = kind, key: str = key
            ) -> Dashboard:
                return await get_dashboard(
                    DASHBOARD_REGION, kind, key, filters, counters=reader, labels=store
                )

            async def compute(
                filters: Filters = filters, kind: PeriodKind = kind, key: str = key
            ) -> Dashboard:
                return await get_dashboard(
                    DASHBOARD_REGION,
                    kind,
                    key,
                    filters,
                    counters=MemoryCounters(model),
                    labels=FixedLabels(),
                )

            if await call() != await compute():
                raise RuntimeError(f"the {kind.value} dashboard differs from the in-memory one")
            before = counter.snapshot()
            latencies = await timed(CALLS, call)
            round_trips = sum(spent(before, counter.snapshot()).values()) / (CALLS + WARM_UPS)
            compute_only = await timed(CALLS, compute)
            view = f"{kind.value}_{name}"
            p95 = percentile(latencies, 95)
            figures[f"dash_{view}_p50_ms"] = percentile(latencies, 50)
            figures[f"dash_{view}_p95_ms"] = p95
            figures[f"dash_{view}_p99_ms"] = percentile(latencies, 99)
            figures[f"dash_{view}_compute_p50_ms"] = percentile(compute_only, 50)
            figures[f"dash_{view}_docs_read"] = float(len(found))
            figures[f"dash_{view}_round_trips"] = round_trips
            figures[f"ratio_{view}_p95_to_raw_read"] = p95 / raw_p95
            print(
                f"  dashboard {view:<22} p50 {percentile(latencies, 50):7.1f}  p95 {p95:7.1f}"
                f"  p99 {percentile(latencies, 99):7.1f} ms, {len(found)} docs, "
                f"{round_trips:.0f} round trips (raw read p95 {raw_p95:.1f} ms, "
                f"compute alone p50 {percentile(compute_only, 50):.1f} ms)",
                flush=True,
            )
    return figures


async def charts(store: ReadModelStore) -> dict[str, float]:
    """Time render_chart on the current month's dashboard, each chart, when reporting draws them.

    Imported by name: the chart adapter is newer than this bench, and the bench runs without it.
    """
    try:
        adapter = importlib.import_module(CHARTS_MODULE)
        names = importlib.import_module(CHART_NAMES_MODULE).ChartName
    except ModuleNotFoundError:
        print(f"  charts: {CHARTS_MODULE} not present, skipped")
        return {}
    render = adapter.render_chart
    board = await get_dashboard(
        DASHBOARD_REGION,
        PeriodKind.MONTH,
        period_key(PeriodKind.MONTH, local_date(UNTIL)),
        Filters(),
        counters=MongoCounterReader(store),
        labels=store,
    )
    figures: dict[str, float] = {}
    for chart in names:
        svg: bytes = render(board, chart)
        latencies = []
        for _ in range(CHART_CALLS):
            began = time.perf_counter()
            render(board, chart)
            latencies.append((time.perf_counter() - began) * 1000)
        p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
        figures[f"render_chart_{chart.value}_p50_ms"] = p50
        figures[f"render_chart_{chart.value}_p95_ms"] = p95
        figures[f"render_chart_{chart.value}_svg_kb"] = len(svg) / 1e3
        print(
            f"  chart {chart.value:<14} p50 {p50:7.1f}  p95 {p95:7.1f} ms, "
            f"{len(svg) / 1e3:.0f} kB of SVG",
            flush=True,
        )
    return figures


def summary(figures: dict[str, float]) -> None:
    """Print each target with its measure, its same-run baseline and the ratio."""
    rows = [
        (
            "rebuild ingest, events/s",
            figures["rebuild_events_per_s"],
            figures["raw_insert_in_500_docs_tx_per_s"],
            f">= {INGEST_TARGET_PER_S:.0f}",
            figures["rebuild_events_per_s"] >= INGEST_TARGET_PER_S,
            f"{figures['rebuild_commands_per_batch']:.1f} round trips per batch of {BATCH}",
        )
    ]
    for kind in KINDS:
        for name in FILTERS:
            view = f"{kind.value}_{name}"
            p95 = figures[f"dash_{view}_p95_ms"]
            rows.append(
                (
                    f"dashboard {view} p95, ms",
                    p95,
                    figures[f"raw_read_{kind.value}_p95_ms"],
                    f"< {DASHBOARD_TARGET_P95_MS:.0f}",
                    p95 < DASHBOARD_TARGET_P95_MS,
                    f"{figures[f'dash_{view}_docs_read']:.0f} docs, compute alone p50 "
                    f"{figures[f'dash_{view}_compute_p50_ms']:.0f} ms",
                )
            )
    print(
        f"\n  reporting summary ({figures['million_events']:.0f} events behind the dashboards)\n"
        f"  {'':<38} {'measured':>9} {'baseline':>9} {'ratio':>6}  {'target':<8} {'':<6}"
    )
    for label, measured, baseline, target, met, note in rows:
        print(
            f"  {label:<38} {measured:>9.1f} {baseline:>9.1f} {measured / baseline:>6.2f}"
            f"  {target:<8} {'met' if met else 'MISSED':<6} {note}"
        )
    for key, value in figures.items():
        if key.startswith("render_chart_") and key.endswith("_p50_ms"):
            chart = key.removeprefix("render_chart_").removesuffix("_p50_ms")
            print(f"  {'render_chart ' + chart + ' p50, ms':<38} {value:>9.1f}")
    print(
        "  baselines: insert_many of seen markers, 500 per transaction, one after the other;"
        " find of the same period documents by _id"
    )


async def run() -> dict[str, float]:
    """Start a SecantusDB, run the ingest, then the dashboards over a million events."""
    mongo = EmbeddedMongo()
    mongo.start()
    counter = TimedCounter()
    client = create_client(MongoSettings(uri=mongo.uri), counter=counter)
    began = time.perf_counter()
    try:
        figures = await ingest(client, counter)
        model, folded = await asyncio.to_thread(fold_million)
        gc.collect()
        figures |= folded
        print(
            f"  dashboard: {folded['million_events']:.0f} events generated in "
            f"{folded['million_generate_s']:.1f} s, folded in memory in "
            f"{folded['million_fold_in_memory_s']:.1f} s",
            flush=True,
        )
        store = ReadModelStore(client, client[READ_MODEL_DB])
        figures |= await write_counters(store, model)
        figures |= await dashboards(store, model, counter)
        figures |= await charts(store)
    finally:
        await client.close()
        mongo.stop()
    figures["reporting_bench_s"] = time.perf_counter() - began
    summary(figures)
    return figures


if __name__ == "__main__":
    result = asyncio.run(run())
    for key, value in result.items():
        print(f"  {key:<50} {value:>12.2f}")

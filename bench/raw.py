"""The database's own rate for the writes one accepted request needs, on the same server."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from uuid import uuid4

from bson import ObjectId

from jalon_shared.mongo import Client, Document, Session, in_transaction

#: What one request writes, in the order intake writes it.
WRITTEN = ("beneficiaries", "requests", "cases")


async def sample_writes(client: Client, database: str) -> dict[str, Any]:
    """Return copies of the documents one real request wrote, to replay their exact shapes."""
    db = client[database]
    case = await db["cases"].find_one({"counsellor_id": {"$ne": None}}, sort=[("opened_at", -1)])
    if case is None:
        raise RuntimeError("no assigned case to copy")
    request = await db["requests"].find_one({"_id": case["request_id"]})
    beneficiary = await db["beneficiaries"].find_one({"_id": case["beneficiary_id"]})
    outbox = await db["outbox"].find({"key": str(case["case_id"])}).to_list(1)
    outbox += await db["outbox"].find({"key": str(case["request_id"])}).to_list(1)
    if request is None or beneficiary is None or len(outbox) != 2:
        raise RuntimeError("the sampled request is incomplete")
    return {
        "beneficiaries": beneficiary,
        "requests": request,
        "cases": case,
        "outbox": outbox,
        "counsellor": case["counsellor_id"],
    }


def fresh(doc: Document, id_field: str | None) -> Document:
    """Return a copy of a document under new ids, so it inserts like a new one."""
    copy = dict(doc)
    new_id = uuid4()
    copy["_id"] = new_id
    if id_field is not None:
        copy[id_field] = new_id
    return copy


async def minimal_write_rate(
    client: Client, database: str, *, transactions: int, concurrency: int
) -> dict[str, float]:
    """Run the request's writes as bare transactions (no reads, no HTTP, no Kafka); return rate."""
    sample = await sample_writes(client, database)
    db = client[database]
    ids = {"beneficiaries": "beneficiary_id", "requests": "request_id", "cases": "case_id"}

    async def one() -> None:
        async def writes(session: Session) -> None:
            for name in WRITTEN:
                await db[name].insert_one(fresh(sample[name], ids[name]), session=session)
            records = [
                {**record, "_id": ObjectId(), "event_id": str(uuid4())}
                for record in sample["outbox"]
            ]
            await db["outbox"].insert_many(records, session=session)

        # The counsellor's slot is claimed by one atomic conditional update outside the
        # transaction, as intake claims it: inside, every request would conflict on one document.
        claimed = await db["counsellors"].update_one(
            {"_id": sample["counsellor"], "open_cases": {"$lt": 1_000_000}},
            {"$inc": {"open_cases": 1}},
        )
        if claimed.modified_count != 1:
            raise RuntimeError("the sampled counsellor could not be claimed")
        await in_transaction(client, writes)

    semaphore = asyncio.Semaphore(concurrency)

    async def limited() -> None:
        async with semaphore:
            await one()

    began = time.perf_counter()
    await asyncio.gather(*(limited() for _ in range(transactions)))
    elapsed = time.perf_counter() - began
    await db["counsellors"].update_one(
        {"_id": sample["counsellor"]}, {"$inc": {"open_cases": -transactions}}
    )
    return {"transactions_per_s": transactions / elapsed}

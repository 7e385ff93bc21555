"""The space's file bytes in GridFS (pymongo's AsyncGridFSBucket), written outside transactions."""

from __future__ import annotations

from uuid import UUID

from gridfs.asynchronous import AsyncGridFSBucket
from gridfs.errors import NoFile

from document_signature.adapters.mongo import FILES_BUCKET
from jalon_shared.mongo import Database


class GridFsFiles:
    """Stores each file under its own UUID, with its owner in the metadata for erasure."""

    def __init__(self, database: Database) -> None:
        self._bucket = AsyncGridFSBucket(database, bucket_name=FILES_BUCKET)

    async def put(
        self,
        file_id: UUID,
        content: bytes,
        *,
        filename: str,
        media_type: str,
        beneficiary_id: UUID,
    ) -> None:
        """Write the file's chunks, then its files entry (GridFS's own order)."""
        await self._bucket.upload_from_stream_with_id(
            file_id,
            filename,
            content,
            metadata={"beneficiary_id": beneficiary_id, "media_type": media_type},
        )

    async def get(self, file_id: UUID) -> bytes | None:
        """Return the file's bytes, or None when it is gone."""
        try:
            stream = await self._bucket.open_download_stream(file_id)
        except NoFile:
            return None
        return await stream.read()

    async def delete(self, file_id: UUID) -> None:
        """Delete the file and its chunks; one already gone is fine."""
        try:
            await self._bucket.delete(file_id)
        except NoFile:
            return

"""The attachments' bytes in GridFS (pymongo's AsyncGridFSBucket), written outside transactions."""

from __future__ import annotations

from uuid import UUID

from gridfs.asynchronous import AsyncGridFSBucket
from gridfs.errors import NoFile

from jalon_shared.mongo import Database
from remote_session.adapters.mongo import FILES_BUCKET
from remote_session.application.ports import StoredFile


class GridFsFiles:
    """Stores each attachment under its own UUID, with its case and owner for access and erasure."""

    def __init__(self, database: Database) -> None:
        self._bucket = AsyncGridFSBucket(database, bucket_name=FILES_BUCKET)

    async def put(
        self,
        file_id: UUID,
        content: bytes,
        *,
        filename: str,
        media_type: str,
        case_id: UUID,
        beneficiary_id: UUID,
    ) -> None:
        """Write the file's chunks, then its files entry (GridFS's own order)."""
        await self._bucket.upload_from_stream_with_id(
            file_id,
            filename,
            content,
            metadata={
                "case_id": case_id,
                "beneficiary_id": beneficiary_id,
                "media_type": media_type,
            },
        )

    async def get(self, file_id: UUID) -> StoredFile | None:
        """Return the file's bytes and description, or None when it is gone."""
        try:
            stream = await self._bucket.open_download_stream(file_id)
        except NoFile:
            return None
        metadata = stream.metadata or {}
        content = await stream.read()
        return StoredFile(
            content=content,
            filename=str(stream.filename or "piece-jointe"),
            media_type=str(metadata["media_type"]),
            case_id=metadata["case_id"],
        )

    async def delete(self, file_id: UUID) -> None:
        """Delete the file and its chunks; one already gone is fine."""
        try:
            await self._bucket.delete(file_id)
        except NoFile:
            return

"""A local copy of intake's staff directory, reference data and case ownership, from its events.

Services other than intake keep it so they never call intake synchronously to learn who owns a
case or which sites a region has. It holds ids, places and staff names only; an erasure removes
a beneficiary's entries.
"""

from jalon_shared.directory.consumer import register_directory
from jalon_shared.directory.model import (
    CaseEntry,
    CaseLookup,
    CaseState,
    can_access_case,
    erasure_digest,
    may_access,
)
from jalon_shared.directory.routes import CaseAccess, directory_router
from jalon_shared.directory.store import Directory

__all__ = [
    "CaseAccess",
    "CaseEntry",
    "CaseLookup",
    "CaseState",
    "Directory",
    "can_access_case",
    "directory_router",
    "erasure_digest",
    "may_access",
    "register_directory",
]

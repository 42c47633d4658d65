"""Errors of the local Athena and the constants its parts share."""

from __future__ import annotations

CATALOG = "awsdatacatalog"  # the only data catalog: moto's Glue
ENGINE_VERSION = {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"}
MAX_PAGE_SIZE = 1000
MAX_STORED_EXECUTIONS = 5000
DDL_COLUMN_TYPE = "string"  # Athena reports the Hive type of DDL result columns


class ApiError(Exception):
    """An Athena API error response (HTTP 400 unless told), e.g. InvalidRequestException."""

    def __init__(self, message: str, code: str = "InvalidRequestException", status: int = 400):
        super().__init__(message)
        self.code = code
        self.status = status


class QueryFailed(Exception):
    """A query that ends FAILED; the message is the Athena-style StateChangeReason."""


"""Athena's workgroup API, served from moto's own workgroup objects (moto runs in this process).

moto has no UpdateWorkGroup (so no workgroup can be disabled or have its results location changed), and
it reports every workgroup as created at the moment it is asked. Here a workgroup keeps the time it was
created (or first seen, for moto's built-in `primary`), and UpdateWorkGroup changes state, description,
enforcement and the results location as Athena does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from quilt_e2e.stack.athena.aws import Caller
from quilt_e2e.stack.athena.errors import ApiError

STATES = ("ENABLED", "DISABLED")


def _moto_backend(caller: Caller):
    from moto.athena.models import athena_backends
    from moto.iam.models import get_account_id_from

    try:
        return athena_backends[get_account_id_from(caller.access_key)][caller.region]
    except KeyError:
        raise ApiError(f"Athena is not available in the region {caller.region}") from None


class WorkGroups:
    """CreateWorkGroup, GetWorkGroup, ListWorkGroups and UpdateWorkGroup (DeleteWorkGroup stays with moto)."""

    def __init__(self, backend_of: Callable[[Caller], Any] = _moto_backend, clock: Callable[[], float] = time.time):
        self._backend_of = backend_of
        self._clock = clock
        self._lock = threading.Lock()
        self.operations: dict[str, Callable[[dict, Caller], dict]] = {
            "CreateWorkGroup": self.create_work_group,
            "GetWorkGroup": self.get_work_group,
            "ListWorkGroups": self.list_work_groups,
            "UpdateWorkGroup": self.update_work_group,
        }

    # ---- operations -------------------------------------------------------------------------
    def create_work_group(self, request: dict, caller: Caller) -> dict:
        name = request.get("Name") or ""
        if not name:
            raise ApiError("1 validation error detected: Value at 'name' failed to satisfy constraint")
        backend = self._backend_of(caller)
        with self._lock:
            created = backend.create_work_group(
                name, dict(request.get("Configuration") or {}), request.get("Description") or "",
                list(request.get("Tags") or []),
            )
            if created is None:
                raise ApiError("WorkGroup is already created")
            self._stamp(created)
        return {}

    def get_work_group(self, request: dict, caller: Caller) -> dict:
        group = self._group(caller, request.get("WorkGroup"))
        return {
            "WorkGroup": {
                "Name": group.name,
                "State": group.state,
                "Configuration": group.configuration,
                "Description": group.description,
                "CreationTime": self._stamp(group),
            }
        }

    def list_work_groups(self, request: dict, caller: Caller) -> dict:
        with self._lock:
            groups = list(self._backend_of(caller).work_groups.values())
        summaries = [
            {
                "Name": group.name,
                "State": group.state,
                "Description": group.description,
                "CreationTime": self._stamp(group),
                "EngineVersion": dict(group.configuration.get("EngineVersion") or {}),
            }
            for group in groups
        ]
        return {"WorkGroups": summaries}

    def update_work_group(self, request: dict, caller: Caller) -> dict:
        group = self._group(caller, request.get("WorkGroup"))
        state = request.get("State")
        if state is not None and state not in STATES:
            raise ApiError(f"1 validation error detected: Value '{state}' at 'state' failed to satisfy constraint")
        updates = request.get("ConfigurationUpdates") or {}
        with self._lock:
            if state is not None:
                group.state = state
            if "Description" in request:
                group.description = request.get("Description") or ""
            configuration = group.configuration
            if "EnforceWorkGroupConfiguration" in updates:
                configuration["EnforceWorkGroupConfiguration"] = bool(updates["EnforceWorkGroupConfiguration"])
            results = updates.get("ResultConfigurationUpdates") or {}
            result_configuration = dict(configuration.get("ResultConfiguration") or {})
            if results.get("RemoveOutputLocation"):
                result_configuration.pop("OutputLocation", None)
            elif results.get("OutputLocation"):
                result_configuration["OutputLocation"] = results["OutputLocation"]
            if result_configuration:
                configuration["ResultConfiguration"] = result_configuration
            else:
                configuration.pop("ResultConfiguration", None)
        return {}

    # ---- helpers ----------------------------------------------------------------------------
    def _group(self, caller: Caller, name: str | None):
        group = self._backend_of(caller).work_groups.get(name or "")
        if group is None:
            raise ApiError(f"WorkGroup {name} is not found.")
        return group

    def _stamp(self, group) -> float:
        """The workgroup's creation time: set once, the first time the workgroup is seen."""
        created = getattr(group, "e2e_creation_time", None)
        if created is None:
            created = self._clock()
            group.e2e_creation_time = created
        return created

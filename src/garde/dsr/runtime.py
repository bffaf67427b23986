"""From the data map in the database to what the engine runs on: the imported datasets as
specs, and one open connector per system (shared by the datasets of that system).

Every caller of the engine (the CLI, background runs from a request, the benchmark) goes through
:func:`access_collect`, so datasets, connectors and time budget are chosen in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings

from garde.dsr.connectors.base import Connector, connector_create
from garde.dsr.engine import AccessResult, Plan, access_plan, access_run
from garde.dsr.models import Dataset, DataSystem
from garde.dsr.spec import DatasetSpec

Progress = Callable[[int, int, str], None]  # done, total, message


@dataclass(frozen=True)
class DataMap:
    """The datasets the engine may traverse, with the system each belongs to."""

    specs: tuple[DatasetSpec, ...]
    systems: Mapping[str, DataSystem]  # fides_key -> system

    def system_name(self, fides_key: str) -> str:
        system = self.systems.get(fides_key)
        return system.name if system is not None else "-"


def data_map_load(fides_keys: Iterable[str] | None = None) -> DataMap:
    """Every dataset tied to a system (or those of ``fides_keys``), as specs."""
    datasets = Dataset.objects.select_related("system").filter(system__isnull=False)
    if fides_keys is not None:
        datasets = datasets.filter(fides_key__in=list(fides_keys))
    specs: list[DatasetSpec] = []
    systems: dict[str, DataSystem] = {}
    for dataset in datasets.order_by("fides_key"):
        if dataset.system is None:  # excluded by the filter; keeps the type checker informed
            continue
        specs.append(dataset.spec_object())
        systems[dataset.fides_key] = dataset.system
    return DataMap(specs=tuple(specs), systems=systems)


@contextmanager
def connectors_open(data_map: DataMap) -> Iterator[dict[str, Connector]]:
    """One connector per system, keyed by every fides_key it serves; closed on exit."""
    by_system: dict[int, Connector] = {}
    connectors: dict[str, Connector] = {}
    try:
        for fides_key, system in data_map.systems.items():
            connector = by_system.get(system.pk)
            if connector is None:
                connector = connector_create(system.type, system.url)
                by_system[system.pk] = connector
            connectors[fides_key] = connector
        yield connectors
    finally:
        for connector in by_system.values():
            connector.close()


def access_collect(
    identities: Mapping[str, object],
    *,
    data_map: DataMap | None = None,
    time_budget_s: float | None = None,
) -> tuple[Plan, AccessResult]:
    """Plan and run an access traversal from ``identities`` (type -> value) over the data map."""
    data_map = data_map if data_map is not None else data_map_load()
    plan = access_plan(data_map.specs, identities.keys())
    budget = time_budget_s if time_budget_s is not None else settings.GARDE_DSR_TIME_BUDGET_SECONDS
    with connectors_open(data_map) as connectors:
        result = access_run(
            plan, identities=identities, connectors=connectors, time_budget_s=budget
        )
    return plan, result

"""Errors of the fulfilment engine's data map."""

from __future__ import annotations

from dataclasses import dataclass

from garde.core.errors import GardeError


@dataclass(frozen=True)
class DatasetProblem:
    """One problem found in a dataset file, located by file, line and element."""

    file: str
    line: int
    element: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return (
            f"{where}: {self.element}: {self.message}"
            if self.element
            else f"{where}: {self.message}"
        )


class DatasetInvalidError(GardeError):
    """A dataset file was refused; ``problems`` lists every problem found, not just the first."""

    code = "dataset_invalid"

    def __init__(self, problems: list[DatasetProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class DsrError(GardeError):
    code = "dsr_error"

# Types of the C extension garde.connlogs._native (_native.c).
from collections.abc import Sequence

RangeTuple = tuple[int | None, int, bytes, list[bytes]]

def verify_sqlite(
    path: str, day: str, first_seq: int, low: int, high: int, marks: Sequence[int], /
) -> RangeTuple: ...

class CopyCheck:
    def __init__(
        self, day: str, first_seq: int, low: int, high: int, marks: Sequence[int]
    ) -> None: ...
    def feed(self, block: bytes | bytearray | memoryview, /) -> bool: ...
    def finish(self) -> RangeTuple: ...

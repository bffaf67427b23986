"""Merkle trees exactly as RFC 9162 §2.1 (Certificate Transparency v2): SHA-256, leaf hash
``H(0x00 || entry)``, interior node ``H(0x01 || left || right)``, and the split rule "the left
subtree holds the largest power of two strictly smaller than the number of leaves".

Every hash is a 32-byte ``bytes``. ``tree_root``, ``TreeBuilder``, the proof builders take *leaf
hashes* (the output of :func:`leaf_hash`), never raw entries, so callers hash each entry once.

Speed matters (verification must pass a million entries a second), so the tree is folded level by
level with ``hashlib`` on concatenated bytes and no object per node. An RFC 9162 tree is the same as
pairing the nodes of each level from the left and lifting a last unpaired node unchanged to the
next level; both the one-shot root and the streaming builder use that.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from hashlib import sha256

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "TreeBuilder",
    "consistency_proof",
    "consistency_verify",
    "inclusion_proof",
    "inclusion_verify",
    "leaf_hash",
    "node_hash",
    "tree_root",
]

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"

EMPTY_ROOT: bytes = sha256(b"").digest()
"""MTH({}) = SHA-256 of the empty string (RFC 9162 §2.1.1)."""


def leaf_hash(entry: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return sha256(NODE_PREFIX + left + right).digest()


def _fold_level(nodes: list[bytes]) -> list[bytes]:
    """The parents of ``nodes`` paired from the left; an odd last node is *not* included."""
    pairs = iter(nodes)
    return [
        sha256(NODE_PREFIX + left + right).digest()
        for left, right in zip(pairs, pairs, strict=False)
    ]


def tree_root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the leaf hashes ``leaves`` (RFC 9162 §2.1.1); ``EMPTY_ROOT`` for none."""
    level = list(leaves)
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        lifted = level[-1] if len(level) & 1 else None
        level = _fold_level(level)
        if lifted is not None:
            level.append(lifted)
    return level[0]


def _largest_power_of_two_below(n: int) -> int:
    """k = the largest power of two with k < n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class TreeBuilder:
    """Streaming Merkle tree head in O(log n) memory.

    Holds the *compact range* of the leaves appended so far: the roots of the perfect subtrees
    that the binary digits of ``size`` cut the leaves into, largest (leftmost) first — one per bit
    set in ``size``. ``state()``/``from_state()`` save and restore it, so a log can be extended
    later without reading its old leaves again.
    """

    __slots__ = ("_stack", "size")

    def __init__(self) -> None:
        self.size: int = 0
        self._stack: list[bytes] = []

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash at the right."""
        stack = self._stack
        stack.append(leaf)
        size = self.size
        # Each trailing one bit of the old size is a perfect subtree the new leaf completes.
        while size & 1:
            right = stack.pop()
            stack[-1] = sha256(NODE_PREFIX + stack[-1] + right).digest()
            size >>= 1
        self.size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Add many leaf hashes at the right; faster than ``append`` in a loop (level folding)."""
        level = list(leaves)
        if not level:
            return
        old_size = self.size
        added = len(level)
        stack = self._stack
        lifted: list[bytes] = []  # unpaired last nodes, lowest height first
        height = 0
        while level:
            if (old_size >> height) & 1:
                # The old subtree of this height is the left neighbour of the new nodes here.
                level.insert(0, stack.pop())
            if len(level) & 1:
                lifted.append(level.pop())
            level = _fold_level(level)
            height += 1
        stack.extend(reversed(lifted))
        self.size = old_size + added

    def root(self) -> bytes:
        """MTH of the leaves appended so far (``EMPTY_ROOT`` when none)."""
        stack = self._stack
        if not stack:
            return EMPTY_ROOT
        root = stack[-1]
        for left in reversed(stack[:-1]):
            root = sha256(NODE_PREFIX + left + root).digest()
        return root

    def state(self) -> list[str]:
        """The compact range as hex hashes, largest subtree first (JSON-able)."""
        return [node.hex() for node in self._stack]

    @classmethod
    def from_state(cls, size: int, state: Sequence[str]) -> TreeBuilder:
        """The builder that ``state()`` described at ``size`` leaves.

        Raises ``ValueError`` when the state cannot belong to a tree of that size."""
        if size < 0:
            raise ValueError("tree size must not be negative")
        if len(state) != size.bit_count():
            raise ValueError(
                f"a tree of {size} leaves has {size.bit_count()} subtree hashes, not {len(state)}"
            )
        stack: list[bytes] = []
        for text in state:
            node = bytes.fromhex(text)
            if len(node) != HASH_SIZE:
                raise ValueError(f"a subtree hash has {HASH_SIZE} bytes, not {len(node)}")
            stack.append(node)
        builder = cls()
        builder.size = size
        builder._stack = stack
        return builder


def _check_range(leaves: Sequence[bytes], size: int | None) -> int:
    if size is None:
        return len(leaves)
    if not 0 <= size <= len(leaves):
        raise ValueError(f"tree size {size} is outside 0..{len(leaves)}")
    return size


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int | None = None) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1: the audit path of leaf ``index`` in the tree of
    the first ``size`` leaf hashes (all of them by default), nearest sibling first.

    Raises ``ValueError`` for an index outside the tree."""
    size = _check_range(leaves, size)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of {size} leaves")
    siblings: list[bytes] = []  # collected from the root down
    low, high, position = 0, size, index
    while high - low > 1:
        split = _largest_power_of_two_below(high - low)
        if position < split:
            siblings.append(tree_root(leaves[low + split : high]))
            high = low + split
        else:
            siblings.append(tree_root(leaves[low : low + split]))
            low += split
            position -= split
    siblings.reverse()
    return siblings


def inclusion_verify(
    *, leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows leaf hash ``leaf`` at ``index`` in the tree of ``size`` leaves with
    head ``root`` — the algorithm of RFC 9162 §2.1.3.2, step by step."""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    result = leaf
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = sha256(NODE_PREFIX + sibling + result).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            result = sha256(NODE_PREFIX + result + sibling).digest()
        fn >>= 1
        sn >>= 1
    return sn == 0 and result == root


def consistency_proof(
    leaves: Sequence[bytes], old_size: int, new_size: int | None = None
) -> list[bytes]:
    """PROOF(old_size, D[new_size]) of RFC 9162 §2.1.4.1: shows that the tree of the first
    ``old_size`` leaf hashes is a prefix of the tree of the first ``new_size`` (all by default).

    Empty when ``old_size`` is 0 or equal to ``new_size``. Raises ``ValueError`` when
    ``old_size`` is not within ``0..new_size``."""
    new_size = _check_range(leaves, new_size)
    if not 0 <= old_size <= new_size:
        raise ValueError(f"old size {old_size} is outside 0..{new_size}")
    if old_size in (0, new_size):
        return []
    nodes: list[bytes] = []  # collected from the root down
    low, high, remaining, whole_old_subtree = 0, new_size, old_size, True
    while True:
        if remaining == high - low:
            if not whole_old_subtree:
                nodes.append(tree_root(leaves[low:high]))
            break
        split = _largest_power_of_two_below(high - low)
        if remaining <= split:
            nodes.append(tree_root(leaves[low + split : high]))
            high = low + split
        else:
            nodes.append(tree_root(leaves[low : low + split]))
            low += split
            remaining -= split
            whole_old_subtree = False
    nodes.reverse()
    return nodes


def consistency_verify(
    *, old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree (``old_size``, ``old_root``) is a prefix of the tree
    (``new_size``, ``new_root``) — RFC 9162 §2.1.4.2, step by step.

    Equal sizes need equal roots and an empty proof; an old size of 0 needs ``EMPTY_ROOT`` and an
    empty proof (any tree extends the empty one)."""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    old_result = new_result = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            old_result = sha256(NODE_PREFIX + node + old_result).digest()
            new_result = sha256(NODE_PREFIX + node + new_result).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            new_result = sha256(NODE_PREFIX + new_result + node).digest()
        fn >>= 1
        sn >>= 1
    return old_result == old_root and new_result == new_root and sn == 0

"""Issue 6, integrity: Merkle trees hashed exactly as RFC 9162 §2.1 (= RFC 6962 §2.1).

The reference values are those of the Certificate Transparency implementations, copied from
transparency-dev/merkle ``proof/verify_test.go`` (the successor of google/trillian
``merkle/log_verifier_test.go``, which holds the same roots and proofs) and ``rfc6962/
rfc6962_test.go``. Their inclusion vectors number leaves from 1; here indexes count from 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from garde.connlogs.merkle import (
    EMPTY_ROOT,
    TreeBuilder,
    consistency_proof,
    consistency_verify,
    inclusion_proof,
    inclusion_verify,
    leaf_hash,
    node_hash,
    tree_root,
)

# The 8-leaf test tree of Certificate Transparency (entries as hex bytes).
CT_ENTRIES = [
    bytes.fromhex(text)
    for text in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_LEAVES = [leaf_hash(entry) for entry in CT_ENTRIES]
# Roots of the trees of the first 1, 2, ..., 8 entries.
CT_ROOTS = [
    bytes.fromhex(text)
    for text in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
# (leaf index from 0, tree size, audit path)
CT_INCLUSION_PROOFS = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# (old size, new size, consistency proof)
CT_CONSISTENCY_PROOFS = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")

# 300 distinct leaf hashes for the properties.
LEAVES = [leaf_hash(number.to_bytes(2, "big")) for number in range(300)]


def rfc9162_mth(leaves: Sequence[bytes]) -> bytes:
    """MTH as RFC 9162 §2.1.1 writes it, recursively: the yardstick for the fast code."""
    if not leaves:
        return sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return node_hash(rfc9162_mth(leaves[:split]), rfc9162_mth(leaves[split:]))


def flip(value: bytes) -> bytes:
    return bytes([value[0] ^ 0x10]) + value[1:]


# --- hashing -------------------------------------------------------------------------------


def test_rfc9162_empty_tree_root_is_the_sha256_of_the_empty_string() -> None:
    # given
    expected = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

    # then
    assert expected == EMPTY_ROOT
    assert tree_root([]) == expected
    assert TreeBuilder().root() == expected
    assert TreeBuilder().size == 0


def test_rfc9162_leaf_and_node_hashes_match_the_reference_hasher() -> None:
    # rfc6962/rfc6962_test.go: the empty leaf differs from the empty tree
    assert leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert leaf_hash(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert node_hash(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


def test_rfc9162_domain_separation_makes_a_node_differ_from_a_leaf_of_its_children() -> None:
    # given
    left, right = leaf_hash(b"Hello"), leaf_hash(b"World")

    # then
    assert node_hash(left, right) != leaf_hash(left + right)
    assert node_hash(left, right) != node_hash(right, left)


@pytest.mark.parametrize("size", range(1, 9))
def test_ct_reference_roots_of_the_8_leaf_tree(size: int) -> None:
    # given
    leaves = CT_LEAVES[:size]
    appended, extended = TreeBuilder(), TreeBuilder()

    # when
    for leaf in leaves:
        appended.append(leaf)
    extended.extend(leaves)

    # then
    assert tree_root(leaves) == CT_ROOTS[size - 1]
    assert appended.root() == CT_ROOTS[size - 1]
    assert extended.root() == CT_ROOTS[size - 1]
    assert (appended.size, extended.size) == (size, size)


# --- inclusion proofs ----------------------------------------------------------------------


def inclusion_corruptions(
    index: int, size: int, proof: list[bytes], root: bytes, leaf: bytes
) -> list[tuple[str, dict[str, object]]]:
    """The corruption probes of transparency-dev/merkle ``corruptInclusionProof``."""
    probes: list[tuple[str, dict[str, object]]] = [
        ("index - 1", {"index": index - 1}),
        ("index + 1", {"index": index + 1}),
        ("index ^ 2", {"index": index ^ 2}),
        ("size * 2", {"size": size * 2}),
        ("size // 2", {"size": size // 2}),
        ("wrong leaf", {"leaf": b"WrongLeaf"}),
        ("empty root", {"root": EMPTY_ROOT}),
        ("random root", {"root": SOME_HASH}),
        ("trailing garbage", {"proof": [*proof, b""]}),
        ("trailing root", {"proof": [*proof, root]}),
        ("preceding garbage", {"proof": [b"", *proof]}),
        ("preceding root", {"proof": [root, *proof]}),
    ]
    for position in range(len(proof)):
        changed = list(proof)
        changed[position] = bytes([changed[position][0] ^ 8]) + changed[position][1:]
        probes.append((f"modified proof[{position}]", {"proof": changed}))
    if proof:
        probes.append(("removed component", {"proof": proof[:-1]}))
    if len(proof) > 1:
        probes.append(("inserted component", {"proof": [SOME_HASH, proof[0], *proof[1:]]}))
    return probes


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION_PROOFS)
def test_ct_reference_inclusion_proofs(index: int, size: int, path: list[str]) -> None:
    # given
    expected = [bytes.fromhex(node) for node in path]
    leaf, root = CT_LEAVES[index], CT_ROOTS[size - 1]

    # when
    proof = inclusion_proof(CT_LEAVES, index, size)

    # then
    assert proof == expected
    assert inclusion_verify(leaf=leaf, index=index, size=size, proof=proof, root=root) is True
    arguments = {"leaf": leaf, "index": index, "size": size, "proof": proof, "root": root}
    accepted = [
        name
        for name, change in inclusion_corruptions(index, size, proof, root, leaf)
        if inclusion_verify(**{**arguments, **change})  # type: ignore[arg-type]
    ]
    assert accepted == []


@pytest.mark.parametrize(("index", "size"), [(0, 0), (0, 1), (1, 0), (2, 1)])
def test_rfc9162_inclusion_verify_refuses_an_index_outside_the_tree_or_a_bad_root(
    index: int, size: int
) -> None:
    # transparency-dev/merkle TestVerifyInclusion: no leaf, root or empty proof passes these
    for leaf, root in ((SOME_HASH, b""), (b"", EMPTY_ROOT), (SOME_HASH, EMPTY_ROOT)):
        assert not inclusion_verify(leaf=leaf, index=index, size=size, proof=[], root=root)


def test_rfc9162_single_entry_tree_has_an_empty_audit_path() -> None:
    # given
    leaf = leaf_hash(b"data")

    # then
    assert inclusion_proof([leaf], 0) == []
    assert inclusion_verify(leaf=leaf, index=0, size=1, proof=[], root=leaf) is True
    assert inclusion_verify(leaf=leaf, index=0, size=1, proof=[], root=b"") is False
    assert inclusion_verify(leaf=b"", index=0, size=1, proof=[], root=leaf) is False


@pytest.mark.parametrize(("index", "size"), [(-1, 8), (8, 8), (0, 0), (0, 9)])
def test_inclusion_proof_refuses_an_index_or_size_outside_the_leaves(index: int, size: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(CT_LEAVES, index, size)


# --- consistency proofs --------------------------------------------------------------------


def consistency_corruptions(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: list[bytes]
) -> list[tuple[str, dict[str, object]]]:
    """The corruption probes of transparency-dev/merkle ``corruptConsistencyProof``."""
    probes: list[tuple[str, dict[str, object]]] = [
        ("old_size - 1", {"old_size": old_size - 1}),
        ("old_size + 1", {"old_size": old_size + 1}),
        ("old_size ^ 2", {"old_size": old_size ^ 2}),
        ("new_size * 2", {"new_size": new_size * 2}),
        ("new_size // 2", {"new_size": new_size // 2}),
        ("wrong old root", {"old_root": b"WrongRoot"}),
        ("wrong new root", {"new_root": b"WrongRoot"}),
        ("swapped roots", {"old_root": new_root, "new_root": old_root}),
        ("empty proof", {"proof": []}),
        ("trailing garbage", {"proof": [*proof, b""]}),
        ("trailing old root", {"proof": [*proof, old_root]}),
        ("trailing new root", {"proof": [*proof, new_root]}),
        ("preceding garbage", {"proof": [b"", *proof]}),
        ("preceding old root", {"proof": [old_root, *proof]}),
        ("preceding new root", {"proof": [new_root, *proof]}),
        ("preceding proof[0]", {"proof": [proof[0], *proof]}),
        ("truncated proof", {"proof": proof[:-1]}),
    ]
    for position in range(len(proof)):
        changed = list(proof)
        changed[position] = bytes([changed[position][0] ^ 16]) + changed[position][1:]
        probes.append((f"modified proof[{position}]", {"proof": changed}))
    return probes


@pytest.mark.parametrize(("old_size", "new_size", "path"), CT_CONSISTENCY_PROOFS)
def test_ct_reference_consistency_proofs(old_size: int, new_size: int, path: list[str]) -> None:
    # given
    expected = [bytes.fromhex(node) for node in path]
    old_root, new_root = CT_ROOTS[old_size - 1], CT_ROOTS[new_size - 1]

    # when
    proof = consistency_proof(CT_LEAVES, old_size, new_size)

    # then
    assert proof == expected
    arguments = {
        "old_size": old_size,
        "new_size": new_size,
        "old_root": old_root,
        "new_root": new_root,
        "proof": proof,
    }
    assert consistency_verify(**arguments) is True  # type: ignore[arg-type]
    if proof:  # as the reference: only non-trivial proofs are corrupted
        accepted = [
            name
            for name, change in consistency_corruptions(
                old_size, new_size, old_root, new_root, proof
            )
            if consistency_verify(**{**arguments, **change})  # type: ignore[arg-type]
        ]
        assert accepted == []


@pytest.mark.parametrize(
    ("old_size", "new_size", "old_root", "new_root", "proof", "valid"),
    [
        # transparency-dev/merkle TestVerifyConsistency, with this project's one deliberate
        # difference: the old root of an empty tree must be the empty root, not "don't care".
        (0, 0, b"root 1", b"root 2", [], False),
        (1, 1, b"root 1", b"root 2", [], False),
        (0, 0, b"root 1", b"root 1", [], True),
        (0, 1, EMPTY_ROOT, b"root 2", [], True),
        (0, 1, b"root 1", b"root 2", [], False),
        (1, 1, b"root 2", b"root 2", [], True),
        (1, 0, b"root 1", b"root 2", [], False),
        (2, 1, b"root 1", b"root 2", [], False),
        (1, 2, b"root 1", b"root 2", [], False),
        (0, 0, EMPTY_ROOT, b"root 2", [], False),
        (1, 1, EMPTY_ROOT, b"root 2", [], False),
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
    ],
)
def test_rfc9162_consistency_verify_edge_cases(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: list[bytes], valid: bool
) -> None:
    assert (
        consistency_verify(
            old_size=old_size, new_size=new_size, old_root=old_root, new_root=new_root, proof=proof
        )
        is valid
    )


@pytest.mark.parametrize(("old_size", "new_size"), [(-1, 8), (9, 8), (3, 9)])
def test_consistency_proof_refuses_sizes_outside_the_leaves(old_size: int, new_size: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        consistency_proof(CT_LEAVES, old_size, new_size)


def test_consistency_proofs_from_empty_or_to_the_same_size_are_empty() -> None:
    assert consistency_proof(CT_LEAVES, 0) == []
    assert consistency_proof(CT_LEAVES, 8) == []
    assert consistency_proof(CT_LEAVES, 3, 3) == []


# --- the streaming builder -----------------------------------------------------------------


def test_rfc9162_tree_root_and_builder_equal_the_recursive_definition_for_sizes_0_to_300() -> None:
    # given
    builder = TreeBuilder()

    for size in range(301):
        # then
        expected = rfc9162_mth(LEAVES[:size])
        assert tree_root(LEAVES[:size]) == expected, size
        assert builder.root() == expected, size
        assert builder.size == size
        assert len(builder.state()) == size.bit_count()
        # when
        if size < 300:
            builder.append(LEAVES[size])


@settings(max_examples=150, deadline=None)
@given(chunks=st.lists(st.integers(min_value=0, max_value=70), max_size=12))
def test_builder_extend_in_any_chunks_equals_tree_root(chunks: list[int]) -> None:
    # given
    builder, done = TreeBuilder(), 0

    for chunk in chunks:
        # when
        batch = LEAVES[done : done + chunk]
        builder.extend(iter(batch))
        done += len(batch)

        # then
        assert builder.size == done
        assert builder.root() == tree_root(LEAVES[:done])


@settings(max_examples=150, deadline=None)
@given(size=st.integers(min_value=0, max_value=250), more=st.integers(min_value=0, max_value=50))
def test_builder_state_round_trips_through_from_state(size: int, more: int) -> None:
    # given
    original = TreeBuilder()
    original.extend(LEAVES[:size])

    # when
    restored = TreeBuilder.from_state(size, original.state())
    restored.extend(LEAVES[size : size + more])
    original.extend(LEAVES[size : size + more])

    # then
    assert restored.state() == original.state()
    assert restored.size == original.size == size + more
    assert restored.root() == original.root() == tree_root(LEAVES[: size + more])


@pytest.mark.parametrize(
    ("size", "state", "message"),
    [
        (3, [LEAVES[0].hex()], "has 2 subtree hashes, not 1"),
        (0, [LEAVES[0].hex()], "has 0 subtree hashes, not 1"),
        (1, [LEAVES[0].hex()[:62]], "has 32 bytes, not 31"),
        (1, ["not hex"], "non-hexadecimal"),
        (-1, [], "must not be negative"),
    ],
)
def test_from_state_refuses_a_state_that_cannot_belong_to_the_size(
    size: int, state: list[str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        TreeBuilder.from_state(size, state)


# --- properties of the proofs --------------------------------------------------------------


@st.composite
def sized_index(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(min_value=1, max_value=300))
    return size, draw(st.integers(min_value=0, max_value=size - 1))


@settings(max_examples=300, deadline=None)
@given(sized_index(), st.data())
def test_every_inclusion_proof_verifies_and_fails_for_a_wrong_leaf_index_size_or_root(
    size_and_index: tuple[int, int], data: st.DataObject
) -> None:
    # given
    size, index = size_and_index
    leaves, root = LEAVES[:size], tree_root(LEAVES[:size])

    # when
    proof = inclusion_proof(leaves, index)

    # then
    def verify(leaf: bytes, at: int, of: int, root: bytes) -> bool:
        return inclusion_verify(leaf=leaf, index=at, size=of, proof=proof, root=root)

    assert verify(leaves[index], index, size, root)
    assert not verify(flip(leaves[index]), index, size, root)
    assert not verify(leaves[index], index, size, flip(root))
    if size > 1:
        other_index = data.draw(st.sampled_from([i for i in range(size) if i != index]))
        assert not verify(leaves[other_index], index, size, root)
        assert not verify(leaves[index], other_index, size, root)
    # Another size with the true root of that size, as a signed checkpoint pairs them.
    other_sizes = [other for other in range(index + 1, 301) if other != size]
    if other_sizes:
        other_size = data.draw(st.sampled_from(other_sizes))
        assert not verify(leaves[index], index, other_size, tree_root(LEAVES[:other_size]))
    # A size of another depth with the original root: a proof binds the tree's shape.
    assert not verify(leaves[index], index, size * 2, root)
    assert not verify(leaves[index], index, size // 2, root)


@st.composite
def old_and_new_sizes(draw: st.DrawFn) -> tuple[int, int]:
    new_size = draw(st.integers(min_value=1, max_value=300))
    return draw(st.integers(min_value=1, max_value=new_size)), new_size


@settings(max_examples=300, deadline=None)
@given(old_and_new_sizes())
def test_every_consistency_proof_verifies_and_fails_when_either_root_is_altered(
    sizes: tuple[int, int],
) -> None:
    # given
    old_size, new_size = sizes
    old_root, new_root = tree_root(LEAVES[:old_size]), tree_root(LEAVES[:new_size])

    # when
    proof = consistency_proof(LEAVES, old_size, new_size)

    # then
    def verify(old: bytes, new: bytes, path: Sequence[bytes] = proof) -> bool:
        return consistency_verify(
            old_size=old_size, new_size=new_size, old_root=old, new_root=new, proof=path
        )

    assert verify(old_root, new_root)
    assert not verify(flip(old_root), new_root)
    assert not verify(old_root, flip(new_root))
    for position in range(len(proof)):
        altered = list(proof)
        altered[position] = flip(altered[position])
        assert not verify(old_root, new_root, altered)


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=300))
def test_a_consistency_proof_from_the_empty_tree_binds_only_the_empty_root(new_size: int) -> None:
    # any tree extends the empty one: only the old root (the empty root) is checked
    new_root = tree_root(LEAVES[:new_size])
    assert consistency_proof(LEAVES, 0, new_size) == []
    assert consistency_verify(
        old_size=0, new_size=new_size, old_root=EMPTY_ROOT, new_root=new_root, proof=[]
    )
    assert not consistency_verify(
        old_size=0, new_size=new_size, old_root=flip(EMPTY_ROOT), new_root=new_root, proof=[]
    )

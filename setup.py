"""Build of the optional C extension ``garde.connlogs._native`` (everything else is in
pyproject.toml). ``optional=True``: without a compiler or the SQLite/OpenSSL headers the install
still succeeds and verification runs in pure Python (set GARDE_REQUIRE_NATIVE=1 to make the
tests insist on the extension, as CI does)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "garde.connlogs._native",
            sources=["src/garde/connlogs/_native.c"],
            libraries=["sqlite3", "crypto"],
            extra_compile_args=["-O2", "-std=c11", "-Wall", "-Wextra"],
            optional=True,
        )
    ]
)

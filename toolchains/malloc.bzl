"""The allocator our static binaries link.

    deps = [...] + static_malloc_deps()

Static (musl) builds replace musl's malloc with mimalloc (see
third_party/mimalloc): musl's takes a lock on every call and is slow at
many small allocations. The glibc baseline keeps glibc's, which is what a
conventional dynamic build ships.
"""

def static_malloc_deps():
    """mimalloc in static builds, nothing under --config=dynamic*."""
    return select({
        "//toolchains:glibc_build": [],
        "//conditions:default": ["@mimalloc"],
    })

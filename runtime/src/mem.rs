//! Memory management: allocator domains.
//!
//! This build has no mimalloc: `PYTHONMALLOC=mimalloc` and
//! `mimalloc_debug` are rejected with CPython's "unknown allocator" error,
//! exactly as by a CPython built without `WITH_MIMALLOC`.

/// True when the mimalloc allocator is built in (`WITH_MIMALLOC`).
pub const HAS_MIMALLOC: bool = false;

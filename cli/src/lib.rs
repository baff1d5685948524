//! The verno CLI library.

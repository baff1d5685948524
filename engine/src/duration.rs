//! Go durations (being written).

//! YAML 1.1 loading (being written).

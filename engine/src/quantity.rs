//! Kubernetes quantities (being written).

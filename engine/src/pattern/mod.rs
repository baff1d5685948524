//! Kyverno's validate patterns: anchors (`anchor`), scalar operators and
//! comparisons (`operators`), and the walk of a pattern over a resource
//! (`walk`). Knows nothing of rules or stages.

pub mod anchor;
pub mod operators;
pub mod walk;

//! The data the stages pass along: policies as written, the admission
//! request, and the responses. Data only; no stage logic.

pub mod policy;
pub mod resource;
pub mod response;

/// One stage of the admission order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Mutate rules, chained from policy to policy.
    Mutate,
    /// `verifyImages` rules, after every mutation: they may pin image
    /// digests and annotate the resource with their outcomes.
    VerifyImages,
    /// Validate rules (and image checks) on the mutated resource.
    Validate,
    /// Generate rules on the mutated resource.
    Generate,
}

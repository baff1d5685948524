//! Evaluate: the admission pipeline (`pipeline`) and its stages. For the
//! `kyverno.io` family: the shared rule context (`context`), enforce or
//! audit (`enforce`), `validate`, `mutate`, `generate`, and the `images`
//! context entry; for the ValidatingPolicy family, `validating` (its
//! validate stage).

pub mod context;
pub mod enforce;
pub mod generate;
pub mod images;
pub mod mutate;
pub mod pipeline;
pub mod pod_security;
pub mod validate;
pub mod validating;
pub mod verify_images;

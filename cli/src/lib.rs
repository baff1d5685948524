//! The verno command line as a library: `apply` and `test`'s discovery and
//! printing. The `kyverno-test.yaml` runner itself, and the bounded,
//! confined file reading both commands share, live in [`verno_test`].
pub mod apply;
pub mod errtext;
pub mod output;
pub mod testcmd;

pub use verno_test::{compare, fixtures, input, system, testfile, tree};

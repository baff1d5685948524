//! The verno command line as a library: `apply` and `test`'s discovery and
//! printing, and `scan`'s flags and terminal (the scan itself is
//! [`verno_scan`]). The `kyverno-test.yaml` runner itself, and the bounded,
//! confined file reading both commands share, live in [`verno_test`].
pub mod apply;
pub mod errtext;
pub mod output;
pub mod scan;
pub mod selector;
pub mod test_output;
pub mod testcmd;

pub use verno_test::{compare, fixtures, input, system, testfile, tree};

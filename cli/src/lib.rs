//! The verno command line as a library: `apply`, `test`, and the fixture
//! loading they share, so the conformance runner calls the same code path.
pub mod apply;
pub mod compare;
pub mod errtext;
pub mod fixtures;
pub mod input;
pub mod output;
pub mod system;
pub mod testcmd;
pub mod testfile;
pub mod tree;

//! The output formats, each from a finished [`crate::Tally`].

pub mod compliance;
pub mod junit;
pub mod reports;
pub mod sarif;
pub mod table;

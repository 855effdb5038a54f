//! The words of the programs lanctl drives: docker's JSON (`model`, with `ip -j`'s),
//! lanctl's labels, docker's image-reference and restart-policy grammars, the network spec
//! (`netspec`: validated, read back from `docker network inspect`, compared), address ranges
//! of either family (`range`), and the pure builders of `docker` and `ip` commands.
//!
//! Architecture invariant: nothing here runs anything or knows which host it is on beyond
//! the transport it is handed; every builder is a pure function from values to `Cmd`s.

pub mod docker;
pub mod ip;
pub mod labels;
pub mod model;
pub mod netspec;
pub mod nsenter;
pub mod range;
pub mod reference;
pub mod restart_policy;

//! The host a run drives: `Ctx` (the validated global options, the runner, the docker and
//! `ip` builders for that host, output, the deferred check failure), the host-wide lock
//! around address choice, and `fanout`, which builds one `Ctx` per host of a run on several
//! and asks them all at once.
//!
//! Architecture invariant: this layer knows no command; it hands commands a `Ctx` and
//! knows nothing of what they do with it.

pub mod ctx;
pub mod fanout;
pub mod lock;

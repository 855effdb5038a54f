//! The tenant commands: `up` (and `up --hosts`: `place`), `down`, `ls`, `update`, `logs`,
//! `restart` and `stop`, each in its own file, each a thin command over `launch`.
//!
//! Architecture invariant: no other command module imports this one; what `apply` shares
//! with these commands lives in `launch`.

pub mod down;
pub mod logs;
pub mod ls;
pub mod place;
pub mod restart;
pub mod stop;
pub mod up;
pub mod update;

//! Ctrl-C and SIGTERM during work that must end on its own terms: a change that must not
//! stop halfway (an update's swap of a tenant's container: the first signal is noted and the
//! change goes on to its end, or to its undo, so an interactive Ctrl-C never leaves a
//! customer's server down), or a loop that stops cleanly when asked (`check --watch`, which
//! reads `signalled` every tick). A second signal ends lanctl at once, as an impatient user
//! expects.
//!
//! While a `Shield` is held, the runner starts commands in a process group of their own, so
//! the terminal's Ctrl-C (sent to the whole foreground group) reaches lanctl alone and
//! never kills a `docker stop` or `docker run` between its steps.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::exec::error::{Error, Exit};

static SHIELDED: AtomicBool = AtomicBool::new(false);
static SIGNALS: AtomicUsize = AtomicUsize::new(0);

/// Counts a signal; the second restores the default action and raises it again. Only
/// async-signal-safe calls: an atomic, `signal` and `raise`.
extern "C" fn on_signal(sig: libc::c_int) {
    if SIGNALS.fetch_add(1, Ordering::SeqCst) >= 1 {
        // SAFETY: both are async-signal-safe; the default action of SIGINT/SIGTERM ends the
        // process, which is what a second Ctrl-C asks for.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }
}

/// Held around a change that must finish or be undone; dropping it puts the previous
/// signal handlers back.
#[must_use = "the shield is lifted as soon as it is dropped"]
pub struct Shield {
    old: [(libc::c_int, libc::sighandler_t); 2],
}

/// Catches SIGINT and SIGTERM until the returned `Shield` is dropped.
pub fn shield() -> Shield {
    SIGNALS.store(0, Ordering::SeqCst);
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: `signal` with a handler that only touches atomics (above).
    let old = [libc::SIGINT, libc::SIGTERM].map(|s| (s, unsafe { libc::signal(s, handler) }));
    SHIELDED.store(true, Ordering::SeqCst);
    Shield { old }
}

impl Shield {
    /// The error to end with once the change is over, if a signal came meanwhile: exit 130,
    /// with `done` saying what lanctl finished before it stopped.
    pub fn interrupted(&self, done: &str) -> Option<Error> {
        signalled().then(|| {
            Error::new(
                Exit::Interrupted,
                format!("interrupted: {done} before lanctl stopped, so nothing was left halfway; see it with `lanctl ls`"),
            )
        })
    }
}

impl Drop for Shield {
    fn drop(&mut self) {
        SHIELDED.store(false, Ordering::SeqCst);
        for (sig, old) in self.old {
            // SAFETY: puts back the handler `shield` replaced.
            unsafe { libc::signal(sig, old) };
        }
    }
}

/// Whether a shield is up: the runner then starts each command in its own process group.
pub fn shielded() -> bool {
    SHIELDED.load(Ordering::SeqCst)
}

/// Whether SIGINT or SIGTERM came since the shield that is up was raised.
pub fn signalled() -> bool {
    shielded() && SIGNALS.load(Ordering::SeqCst) > 0
}

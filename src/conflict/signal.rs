//! SIGINT and SIGTERM end `check --watch` cleanly: the handler only raises a flag, which
//! the listening loops read at least every `watch::TICK`, so they return, the observers
//! are dropped (their namespaces go with their sockets) and lanctl exits 0.

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn raise(_: libc::c_int) {
    // An atomic store is async-signal-safe.
    STOP.store(true, Ordering::SeqCst);
}

/// Installs the handler for SIGINT and SIGTERM.
pub fn catch() {
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction is valid; the handler touches only an atomic.
        unsafe {
            let mut act: libc::sigaction = std::mem::zeroed();
            act.sa_sigaction = raise as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut act.sa_mask);
            libc::sigaction(sig, &act, std::ptr::null_mut());
        }
    }
}

/// Whether SIGINT or SIGTERM came.
pub fn stopped() -> bool {
    STOP.load(Ordering::SeqCst)
}

//! The one way lanctl runs reads at the same time and collects their answers.
//!
//! Reads that do not depend on each other overlap: each costs mostly a process start-up
//! (`docker`, `ip`, ssh), so two reads at once take about as long as one. The answers come
//! back in the order the reads were written, never in the order they finished, so the
//! first error a caller meets with `?` is the first in that order and output does not
//! depend on timing. A read that panics is not turned into a second panic message on a
//! join: its panic is resumed as it was with [`std::panic::resume_unwind`].
//!
//! Architecture invariant: only threads and ordering live here; what is read is the
//! callers' business.

use std::sync::Mutex;
use std::thread::ScopedJoinHandle;

/// The answer of a read that ran on its own thread; a panic there goes on here.
fn joined<T>(h: ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// `a` and `b` at once; `a` runs on this thread.
pub fn two<A, B: Send>(a: impl FnOnce() -> A, b: impl FnOnce() -> B + Send) -> (A, B) {
    std::thread::scope(|s| {
        let b = s.spawn(b);
        let a = a();
        (a, joined(b))
    })
}

/// `a`, `b` and `c` at once; `a` runs on this thread.
pub fn three<A, B: Send, C: Send>(
    a: impl FnOnce() -> A,
    b: impl FnOnce() -> B + Send,
    c: impl FnOnce() -> C + Send,
) -> (A, B, C) {
    std::thread::scope(|s| {
        let (b, c) = (s.spawn(b), s.spawn(c));
        let a = a();
        (a, joined(b), joined(c))
    })
}

/// `a`, `b`, `c` and `d` at once; `a` runs on this thread.
pub fn four<A, B: Send, C: Send, D: Send>(
    a: impl FnOnce() -> A,
    b: impl FnOnce() -> B + Send,
    c: impl FnOnce() -> C + Send,
    d: impl FnOnce() -> D + Send,
) -> (A, B, C, D) {
    std::thread::scope(|s| {
        let (b, c, d) = (s.spawn(b), s.spawn(c), s.spawn(d));
        let a = a();
        (a, joined(b), joined(c), joined(d))
    })
}

/// `f` for every item at once, one thread an item; the answers in the items' order.
pub fn each<I: Sync, T: Send>(items: &[I], f: impl Fn(&I) -> T + Sync) -> Vec<T> {
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = items.iter().map(|i| s.spawn(move || f(i))).collect();
        handles.into_iter().map(joined).collect()
    })
}

/// `f` for every item, at most `workers` at a time (at least one), each worker taking the
/// next item when it is done with one; the answers in the items' order.
pub fn pooled<I: Sync, T: Send>(items: &[I], workers: usize, f: impl Fn(&I) -> T + Sync) -> Vec<T> {
    let queue = Mutex::new(items.iter().enumerate());
    // A poisoned lock means a worker panicked; its panic is resumed at its join below, so
    // the lock's data (an iterator, answers by index) is still whole for the others.
    let next = || queue.lock().unwrap_or_else(|p| p.into_inner()).next();
    let out: Mutex<Vec<Option<T>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    let (f, next, out_ref) = (&f, &next, &out);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers.min(items.len()).max(1))
            .map(|_| {
                s.spawn(move || {
                    while let Some((k, item)) = next() {
                        let r = f(item);
                        out_ref.lock().unwrap_or_else(|p| p.into_inner())[k] = Some(r);
                    }
                })
            })
            .collect();
        handles.into_iter().for_each(joined);
    });
    // Every worker returned, so every item was taken and answered.
    out.into_inner().unwrap_or_else(|p| p.into_inner()).into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn slow<T>(ms: u64, v: T) -> T {
        std::thread::sleep(Duration::from_millis(ms));
        v
    }

    #[test]
    fn answers_come_in_the_order_written_not_finished() {
        assert_eq!(two(|| slow(30, 1), || "b"), (1, "b"));
        assert_eq!(three(|| slow(30, 'a'), || slow(10, 2u8), || 3i64), ('a', 2, 3));
        assert_eq!(four(|| 1, || slow(20, 2), || slow(10, 3), || 4), (1, 2, 3, 4));
        assert_eq!(each(&[30u64, 0, 15], |&ms| slow(ms, ms)), vec![30, 0, 15]);
        assert_eq!(pooled(&[30u64, 0, 15, 5], 2, |&ms| slow(ms, ms)), vec![30, 0, 15, 5]);
        assert_eq!(pooled(&[1, 2, 3], 0, |&n| n * 2), vec![2, 4, 6]);
        assert!(pooled(&[] as &[u8], 4, |&n| n).is_empty());
    }

    #[test]
    fn the_first_error_is_the_first_in_order() {
        // The second read fails first in time; the first in order is still the one told.
        let got: Result<Vec<u64>, String> =
            each(&[40u64, 0, 10], |&ms| slow(ms, if ms == 10 { Ok(ms) } else { Err(format!("read {ms} failed")) }))
                .into_iter()
                .collect();
        assert_eq!(got, Err("read 40 failed".to_string()));
        let (a, b): (Result<(), &str>, Result<(), &str>) = two(|| slow(30, Err("first")), || Err("second"));
        assert_eq!(a.and(b), Err("first"));
    }

    #[test]
    fn a_panicking_read_panics_the_caller_with_its_own_message() {
        for run in [
            (|| _ = std::hint::black_box(two(|| 1, || -> u8 { panic!("read b broke") }))) as fn(),
            || _ = std::hint::black_box(three(|| 1, || 2, || -> u8 { panic!("read b broke") })),
            || _ = std::hint::black_box(four(|| 1, || 2, || 3, || -> u8 { panic!("read b broke") })),
            || drop(each(&[1, 2], |&n| if n == 2 { panic!("read b broke") } else { n })),
            || drop(pooled(&[1, 2, 3], 2, |&n| if n == 2 { panic!("read b broke") } else { n })),
        ] {
            let panic = std::panic::catch_unwind(run).expect_err("the panic goes on");
            assert_eq!(panic.downcast_ref::<&str>(), Some(&"read b broke"));
        }
    }
}

//! The runtime whatsapp-rust's clients run on: tokio's, with its long
//! sleeps lined up on a grid. Each connected session sleeps 15–30 s between
//! keepalives; at 10,000 sessions that is 444 deadlines a second, each
//! waking a parked worker thread to send one ping, and its pong wakes one
//! again. Lined up, a few hundred come due together and one wakeup serves
//! them all (the timer slack operating systems give long timeouts).

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

use tokio::time::Instant;
use whatsapp_rust::TokioRuntime;
use whatsapp_rust::wacore::runtime::{AbortHandle, Runtime};

/// The grid long sleeps end on: at most this much later than asked.
pub const GRID: Duration = Duration::from_millis(250);

/// Sleeps shorter than this keep their exact length: retries, flushes and
/// waits a person may be watching.
pub const LONG: Duration = Duration::from_secs(1);

pub struct Coalesced;

/// When a sleep of `length` asked at `now` ends: a long one on the next
/// line of the grid counted from `origin`.
/// `None`: so far off that it never comes (tokio's own sleep handles it).
pub fn deadline(origin: Instant, now: Instant, length: Duration) -> Option<Instant> {
    let exact = now.checked_add(length)?;
    if length < LONG {
        return Some(exact);
    }
    let grid = GRID.as_nanos();
    let since = exact.saturating_duration_since(origin).as_nanos();
    let lines = since.div_ceil(grid);
    let nanos = u64::try_from(lines * grid).ok()?;
    origin.checked_add(Duration::from_nanos(nanos))
}

fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

impl Runtime for Coalesced {
    fn spawn(&self, future: Pin<Box<dyn Future<Output = ()> + Send + 'static>>) -> AbortHandle {
        TokioRuntime.spawn(future)
    }

    fn spawn_detached(&self, future: Pin<Box<dyn Future<Output = ()> + Send + 'static>>) {
        TokioRuntime.spawn_detached(future);
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        match deadline(origin(), Instant::now(), duration) {
            Some(until) => Box::pin(tokio::time::sleep_until(until)),
            None => Box::pin(tokio::time::sleep(duration)),
        }
    }

    fn spawn_blocking(
        &self,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        TokioRuntime.spawn_blocking(f)
    }

    fn yield_now(&self) -> Option<Pin<Box<dyn Future<Output = ()> + Send>>> {
        TokioRuntime.yield_now()
    }
}

#[cfg(test)]
mod tests {
    use super::{GRID, LONG, deadline};
    use std::time::Duration;
    use tokio::time::Instant;

    #[test]
    fn long_sleeps_end_on_the_grid_short_ones_as_asked() {
        let origin = Instant::now();
        let ms = Duration::from_millis;
        // (asked at, length) -> ends at, from the origin.
        let table = [
            (ms(0), ms(10), ms(10)),
            (ms(3), ms(999), ms(1002)),
            (ms(0), LONG, ms(1000)),
            (ms(1), LONG, ms(1250)),
            (ms(7), ms(15_000), ms(15_250)),
            (ms(250), ms(20_000), ms(20_250)),
            (ms(1234), ms(29_999), ms(31_250)),
        ];
        for (at, length, ends) in table {
            let got = deadline(origin, origin + at, length).expect("a deadline");
            assert_eq!(got - origin, ends, "{length:?} asked at {at:?}");
            assert!(got >= origin + at + length, "never shorter than asked");
            assert!(
                got - (origin + at + length) < GRID,
                "never a grid step late"
            );
        }
        // "Forever" (Duration::MAX) has no deadline instead of overflowing.
        assert_eq!(deadline(origin, origin, Duration::MAX), None);
    }
}

//! When the dashboard draws. A keypress is drawn at once (the person is
//! waiting for it); the engine's updates at most once a frame. A restore of
//! 10,000 sessions sends thousands of updates a second, and a frame after
//! each batch of them took CPU from the serve doing the restore on the same
//! box: a third of what the scale bench's dashboard and simulator used.

use std::time::{Duration, Instant};

/// The shortest time between two draws that no key asked for: 25 a second.
pub const FRAME: Duration = Duration::from_millis(40);

#[derive(Debug, Default)]
pub struct Pace {
    last: Option<Instant>,
}

impl Pace {
    /// A screen changed at `now` (by a key or not): `None` to draw it now
    /// (counted as drawn), or the moment to draw it.
    pub fn hold(&mut self, now: Instant, key: bool) -> Option<tokio::time::Instant> {
        match self.last {
            Some(last) if !key && now < last + FRAME => Some((last + FRAME).into()),
            _ => {
                self.last = Some(now);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_draw_at_once_updates_at_most_once_a_frame() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        // (drawn last, changed at, by a key, held until: None is now)
        let table = [
            (None, t0, false, None),
            (None, t0, true, None),
            (Some(t0), t0 + ms(10), true, None),
            (Some(t0), t0 + ms(10), false, Some(t0 + FRAME)),
            (Some(t0), t0 + FRAME, false, None),
            (Some(t0), t0 + ms(500), false, None),
        ];
        for (last, now, key, want) in table {
            let mut pace = Pace { last };
            let held = pace.hold(now, key);
            assert_eq!(held, want.map(Into::into), "{last:?} {now:?} {key}");
            // Drawn now: the next frame counts from here.
            let drawn = if held.is_none() { Some(now) } else { last };
            assert_eq!(pace.last, drawn);
        }
    }
}

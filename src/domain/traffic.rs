//! A number's message traffic over the last day: messages per hour for a
//! sparkline, and when it last received and sent one. "Is this number
//! really working?" at a glance.

use super::{Direction, UnixTime};

/// Hours the traffic covers.
pub const HOURS: usize = 24;
const HOUR: i64 = 3600;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Traffic {
    pub last_in: Option<UnixTime>,
    pub last_out: Option<UnixTime>,
    /// Messages per hour, oldest first; the last is the hour running now.
    pub hours: [u64; HOURS],
    /// When the last hour began.
    pub hour: UnixTime,
}

impl Traffic {
    pub fn new(now: UnixTime) -> Self {
        Self {
            hour: now - now.rem_euclid(HOUR),
            ..Self::default()
        }
    }

    /// Count one message at `at`, the window first moved on to `now`.
    pub fn count(&mut self, direction: Direction, at: UnixTime, now: UnixTime) {
        self.advance(now);
        let last = match direction {
            Direction::In => &mut self.last_in,
            Direction::Out => &mut self.last_out,
        };
        *last = Some(last.map_or(at, |t| t.max(at)));
        let back = (self.hour - (at - at.rem_euclid(HOUR))) / HOUR;
        if (0..HOURS as i64).contains(&back) {
            self.hours[HOURS - 1 - back as usize] += 1;
        }
    }

    /// Move the window so its last hour is `now`'s.
    pub fn advance(&mut self, now: UnixTime) {
        let hour = now - now.rem_euclid(HOUR);
        let shift = ((hour - self.hour) / HOUR).clamp(0, HOURS as i64) as usize;
        if shift > 0 {
            self.hours.rotate_left(shift);
            self.hours[HOURS - shift..].fill(0);
        }
        self.hour = self.hour.max(hour);
    }

    pub fn total(&self) -> u64 {
        self.hours.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_fall_into_their_hour_and_the_window_moves_on() {
        let now = 100 * HOUR + 1800;
        let mut t = Traffic::new(now);
        for (direction, at, want_last_bucket) in [
            (Direction::In, now - 10, 1),
            (Direction::Out, now - 5, 2),
            (Direction::In, now - HOUR, 2),
            // A day and more ago: counted as last, not in the window.
            (Direction::In, now - 25 * HOUR, 2),
        ] {
            t.count(direction, at, now);
            assert_eq!(t.hours[HOURS - 1], want_last_bucket, "{at}");
        }
        assert_eq!(t.hours[HOURS - 2], 1);
        assert_eq!((t.last_in, t.last_out), (Some(now - 10), Some(now - 5)));
        assert_eq!(t.total(), 3);
        // Two hours on, what was the last hour is now third from the end.
        t.advance(now + 2 * HOUR);
        assert_eq!(&t.hours[HOURS - 3..], &[2, 0, 0]);
        assert_eq!(t.total(), 3);
        t.advance(now + 30 * HOUR);
        assert_eq!(t.total(), 0, "a quiet day empties it");
        assert_eq!(t.last_in, Some(now - 10), "the last one is still known");
    }
}

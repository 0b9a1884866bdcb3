//! Hybrid logical clock: 48 bits of wall-clock milliseconds and a 16-bit counter in one `u64`,
//! so timestamps order like integers, never go backwards on one device, and stay close to
//! real time. Pure: the wall-clock reading is passed in.
//!
//! Clocks never decide which of two *sequential* edits wins (the merge follows the values a
//! change names, docs/formats/delta.md section 7); they order only concurrent values. So a
//! remote clock may move this device's clock at most [`DRIFT_MS`] past its wall clock: a
//! clock from the far future, honest or hostile, can neither drag the device to the ceiling
//! nor make its later edits lose.

/// How far past the wall clock a received clock may move this device's clock: one hour.
pub const DRIFT_MS: u64 = 3_600_000;

/// The greatest wall-clock millisecond an HLC can carry.
const MAX_MS: u64 = (1 << 48) - 1;

/// An HLC timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hlc(pub u64);

impl Hlc {
    /// The wall-clock milliseconds part.
    pub fn millis(self) -> u64 {
        self.0 >> 16
    }
    /// The counter part.
    pub fn counter(self) -> u16 {
        (self.0 & 0xFFFF) as u16
    }
    fn from_parts(ms: u64, counter: u64) -> Hlc {
        Hlc((ms << 16) | counter)
    }

    /// The next local timestamp after `self` for wall-clock reading `now_ms`: later than
    /// `self` even when the wall clock went backwards.
    pub fn tick(self, now_ms: u64) -> Hlc {
        let now_ms = now_ms.min(MAX_MS);
        if now_ms > self.millis() {
            Hlc::from_parts(now_ms, 0)
        } else if self.counter() < u16::MAX {
            Hlc(self.0 + 1)
        } else if self.millis() < MAX_MS {
            // Counter exhausted within one millisecond: borrow the next millisecond.
            Hlc::from_parts(self.millis() + 1, 0)
        } else {
            // The very top of the range (only a hostile clock gets here; deltas refuse clocks
            // from 2^63 on): stay, rather than wrap to zero.
            self
        }
    }

    /// Merges a timestamp received from another device at wall-clock reading `now_ms`: later
    /// local timestamps follow it, but never from further than [`DRIFT_MS`] past the wall
    /// clock (a remote clock beyond that moves this clock only to the bound).
    pub fn observe(self, remote: Hlc, now_ms: u64) -> Hlc {
        self.max(remote.min(Hlc::bound(now_ms)))
    }

    /// The greatest clock [`Hlc::observe`] may move to at wall-clock reading `now_ms`.
    pub fn bound(now_ms: u64) -> Hlc {
        Hlc::from_parts(now_ms.saturating_add(DRIFT_MS).min(MAX_MS), 0)
    }

    /// Whether this clock is more than [`DRIFT_MS`] ahead of wall-clock reading `ms`.
    pub fn is_ahead_of(self, ms: u64) -> bool {
        self.millis() > ms.saturating_add(DRIFT_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_strictly_increasing_whatever_the_wall_clock_does() {
        let mut h = Hlc::default();
        let readings = [1000, 1000, 999, 5, 2000, 2000, 1999, 3000];
        for now in readings {
            let next = h.tick(now);
            assert!(next > h, "{next:?} after {h:?} at {now}");
            h = next;
        }
        assert_eq!(h.millis(), 3000);
    }

    #[test]
    fn counter_overflow_moves_to_the_next_millisecond() {
        let h = Hlc::from_parts(10, u64::from(u16::MAX));
        let next = h.tick(10);
        assert_eq!((next.millis(), next.counter()), (11, 0));
    }

    #[test]
    fn observing_a_remote_clock_within_the_drift_keeps_local_ticks_after_it() {
        let local = Hlc::from_parts(100, 0);
        let remote = Hlc::from_parts(500, 3);
        let next = local.observe(remote, 100).tick(100);
        assert!(next > remote);
    }

    #[test]
    fn a_far_future_clock_moves_the_local_clock_at_most_the_drift_past_the_wall_clock() {
        let now = 1_780_000_000_000u64; // 2026
        let ten_years = 10 * 365 * 86_400_000;
        for remote in [Hlc((1 << 63) - 1), Hlc((1 << 63) - 2), Hlc::from_parts(now + ten_years, 0)] {
            let local = Hlc::from_parts(now, 0).observe(remote, now);
            assert_eq!(local, Hlc::bound(now), "{remote:?}");
            assert!(local.millis() <= now + DRIFT_MS);
            // Ticks go on normally: edits over the next year follow the wall clock again.
            let mut h = local;
            for s in 0..1000u64 {
                h = h.tick(now + s * 31_536_000);
            }
            assert_eq!(h, Hlc::from_parts(now + 999 * 31_536_000, 0), "{remote:?}");
            assert!(remote.is_ahead_of(now) && !local.is_ahead_of(now));
        }
        // A clock ahead of ours but within the bound is followed exactly.
        let near = Hlc::from_parts(now + 60_000, 7);
        assert_eq!(Hlc::from_parts(now, 0).observe(near, now), near);
        // An earlier remote clock never moves the clock back.
        assert_eq!(Hlc::from_parts(now, 9).observe(Hlc(5), now), Hlc::from_parts(now, 9));
        // The wall clock at the top of the range does not overflow.
        assert_eq!(Hlc::bound(u64::MAX).millis(), MAX_MS);
    }
}

//! Hybrid logical clock: 48 bits of wall-clock milliseconds and a 16-bit counter in one `u64`,
//! so timestamps order like integers, never go backwards on one device, and stay close to
//! real time. Pure: the wall-clock reading is passed in.

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
        let now_ms = now_ms.min((1 << 48) - 1);
        if now_ms > self.millis() {
            Hlc::from_parts(now_ms, 0)
        } else if self.counter() < u16::MAX {
            Hlc(self.0 + 1)
        } else if self.millis() < (1 << 48) - 1 {
            // Counter exhausted within one millisecond: borrow the next millisecond.
            Hlc::from_parts(self.millis() + 1, 0)
        } else {
            // The very top of the range (only a hostile clock gets here; deltas refuse clocks
            // from 2^63 on): stay, rather than wrap to zero.
            self
        }
    }

    /// Merges a timestamp received from another device, so later local timestamps follow it.
    pub fn observe(self, remote: Hlc) -> Hlc {
        self.max(remote)
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
    fn observing_a_remote_clock_from_the_future_keeps_local_ticks_after_it() {
        let local = Hlc::from_parts(100, 0);
        let remote = Hlc::from_parts(500, 3);
        let next = local.observe(remote).tick(100);
        assert!(next > remote);
    }
}

//! When the app syncs by itself (docs/ARCHITECTURE.md, "Sync by itself"). Pure: the caller
//! passes the time, what the share's listing looks like now and whether this device has
//! changes not sent yet; [`AutoSync::due`] says what to do.
//!
//! - The app looks at the share's listing (names, sizes, modification times) every
//!   [`LOOK_MS`]. File events are not relied on: network and removable file systems report
//!   none for changes made elsewhere, and sync tools deliver in bursts. A listing that changed
//!   since the last sync and then stayed the same for one look (quiet for 15 s, so a burst of a
//!   sync tool's temp files and renames gives one sync) makes a sync that applies what arrived.
//! - A sync runs at least every [`POLL_MS`] whatever the listing says.
//! - This device's own edits are published at most every `publish_every_ms` (a setting, 15
//!   minutes by default), so that a year of work stays within what a FAT32 stick holds in one
//!   folder and the share learns less about when people work; "Sync now" publishes at once.
//! - ... and once the caseworker has left the keyboard for [`IDLE_PUBLISH_MS`], so that edits
//!   made just before walking away (and before auto-lock, which never waits for a sync) reach
//!   the others now rather than at the next unlock.

/// How often the app looks at the share's listing.
pub const LOOK_MS: u64 = 15_000;
/// A sync at least this often, whatever the listing says.
pub const POLL_MS: u64 = 300_000;
/// Unsent edits are published once nobody has touched the app for this long...
pub const IDLE_PUBLISH_MS: u64 = 60_000;
/// ... but not sooner than this after the last publish (a pause now and then must not flood
/// the share with deltas).
pub const IDLE_PUBLISH_GAP_MS: u64 = 5 * 60_000;
/// The choices for "publish my changes at most every … minutes", and the default.
pub const PUBLISH_MINUTES: [u32; 4] = [5, 15, 30, 60];
pub const DEFAULT_PUBLISH_MINUTES: u32 = 15;

/// What to do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Nothing,
    /// Apply what arrived (and republish what of ours is missing), publishing nothing new.
    Receive,
    /// A full sync: publish this device's new changes, then apply what arrived.
    Publish,
}

/// The scheduler's memory between looks.
#[derive(Debug, Clone, Default)]
pub struct AutoSync {
    last_sync_ms: Option<u64>,
    last_publish_ms: Option<u64>,
    /// The listing right after the last sync.
    synced: Option<u64>,
    /// The listing at the previous look.
    seen: Option<u64>,
}

impl AutoSync {
    /// What to do at `now_ms`, with the share's listing fingerprint `listing` (None: the share
    /// cannot be reached), `unsent` local changes, and the time since the last user activity.
    pub fn due(&mut self, now_ms: u64, listing: Option<u64>, unsent: bool, idle_ms: u64, publish_every_ms: u64) -> Due {
        let Some(listing) = listing else {
            self.seen = None;
            return Due::Nothing;
        };
        let quiet = self.seen.replace(listing) == Some(listing);
        let since = self.last_publish_ms.map(|t| now_ms.saturating_sub(t));
        let interval = since.is_none_or(|s| s >= publish_every_ms);
        let walked_away = idle_ms >= IDLE_PUBLISH_MS && since.is_none_or(|s| s >= IDLE_PUBLISH_GAP_MS);
        let publish = unsent && (interval || walked_away);
        if publish {
            return Due::Publish;
        }
        let arrived = quiet && self.synced != Some(listing);
        let poll = self.last_sync_ms.is_none_or(|t| now_ms.saturating_sub(t) >= POLL_MS);
        if arrived || poll {
            Due::Receive
        } else {
            Due::Nothing
        }
    }

    /// Records a sync that ran at `now_ms` (ok or not), with the listing after it.
    pub fn ran(&mut self, now_ms: u64, listing_after: Option<u64>, published: bool) {
        self.last_sync_ms = Some(now_ms);
        if published {
            self.last_publish_ms = Some(now_ms);
        }
        self.synced = listing_after;
        self.seen = listing_after;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60_000;

    /// (time, listing, unsent) → expected, run in order on one scheduler (the user active).
    fn check(steps: &[(u64, Option<u64>, bool, Due)], publish_every: u64) {
        let steps: Vec<_> = steps.iter().map(|&(t, l, u, e)| (t, l, u, 0, e)).collect();
        check_idle(&steps, publish_every);
    }

    /// As [`check`], with the time since the last user activity.
    fn check_idle(steps: &[(u64, Option<u64>, bool, u64, Due)], publish_every: u64) {
        let mut s = AutoSync::default();
        for (i, &(now, listing, unsent, idle, expect)) in steps.iter().enumerate() {
            let got = s.due(now, listing, unsent, idle, publish_every);
            assert_eq!(got, expect, "step {i} at {now} ms");
            if got != Due::Nothing {
                s.ran(now, listing, got == Due::Publish);
            }
        }
    }

    #[test]
    fn first_look_syncs_then_only_quiet_changes_and_the_poll_do() {
        check(
            &[
                (0, Some(1), false, Due::Receive), // just unlocked: catch up
                (15_000, Some(1), false, Due::Nothing),
                (30_000, Some(2), false, Due::Nothing), // a sync tool is delivering
                (45_000, Some(3), false, Due::Nothing), // still delivering
                (60_000, Some(3), false, Due::Receive), // quiet for one look: apply
                (75_000, Some(3), false, Due::Nothing),
                (60_000 + 5 * MIN, Some(3), false, Due::Receive), // the five-minute poll
            ],
            15 * MIN,
        );
    }

    #[test]
    fn local_edits_are_published_at_most_every_publish_interval() {
        check(
            &[
                (0, Some(1), true, Due::Publish), // edits from before: published at once
                (MIN, Some(1), true, Due::Nothing),
                (10 * MIN, Some(1), true, Due::Receive), // the poll, without publishing
                (15 * MIN, Some(1), true, Due::Publish),
                (16 * MIN, Some(1), false, Due::Nothing),
            ],
            15 * MIN,
        );
    }

    #[test]
    fn edits_made_before_walking_away_are_published_after_a_minute_of_quiet() {
        check_idle(
            &[
                (0, Some(1), true, 0, Due::Publish),
                (2 * MIN, Some(1), true, IDLE_PUBLISH_MS, Due::Nothing), // a pause, but just published
                (6 * MIN, Some(1), true, 30_000, Due::Receive),          // typing again (the poll comes)
                (7 * MIN, Some(1), true, IDLE_PUBLISH_MS, Due::Publish), // left the keyboard
                (8 * MIN, Some(1), false, 2 * MIN, Due::Nothing),        // nothing left to send
            ],
            15 * MIN,
        );
    }

    #[test]
    fn an_unreachable_share_syncs_nothing_and_is_looked_at_again() {
        check(
            &[
                (0, None, true, Due::Nothing),
                (15_000, None, false, Due::Nothing),
                (30_000, Some(7), false, Due::Receive), // back: the first look since it was gone
            ],
            15 * MIN,
        );
    }

    #[test]
    fn a_storm_of_a_thousand_changes_gives_one_sync() {
        let mut s = AutoSync::default();
        s.ran(0, Some(0), false);
        let mut syncs = 0;
        // The listing changes at every look for 1,000 looks, then stays.
        // (All within one poll interval: the looks here come faster than every 15 s.)
        for i in 1..=1002u64 {
            let listing = i.min(1000);
            if s.due(i, Some(listing), false, 0, 15 * MIN) != Due::Nothing {
                syncs += 1;
                s.ran(i, Some(listing), false);
            }
        }
        assert_eq!(syncs, 1);
    }
}

//! The merge of one field, as data (docs/formats/delta.md section 7). Pure: no SQL.
//!
//! A field holds a set of **heads**: the value it shows (the greatest head) and its conflicts
//! (the other heads). A change replaces every head it names (`prev`, `supersedes`), whatever
//! the clocks: causality decides sequential edits. Only the heads no change names compete, by
//! (HLC, device id). [`settle`] says what one change does to the heads; the writer executes it.

use super::clocks::{incoming_wins, FieldClock};

/// Which value a field shows after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// The incoming change.
    Incoming,
    /// The value shown before (the change lost to it, or did not concern it).
    Kept,
    /// A conflict that now outranks every other head (the change named the shown value but
    /// lost to this conflict).
    Promoted(FieldClock),
}

/// What one change does to a field's heads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub shown: Shown,
    /// Clocks that leave the conflicts: the ones the change named, and a promoted one.
    pub removed: Vec<FieldClock>,
    /// Clocks that join the conflicts: the change itself when it loses, or the value shown
    /// before when the change outranks it without naming it.
    pub added: Vec<FieldClock>,
}

/// Settles `incoming` against a field that shows `shown` and has the conflicts `others`.
/// `names` are the clocks the change may name (the caller dropped names outside its author's
/// causal past); names that are no head are ignored. `device_id` maps a device index to its
/// 16-byte id for ties. `None`: the change is already one of the heads (applied before).
pub fn settle(
    shown: FieldClock,
    others: &[FieldClock],
    incoming: FieldClock,
    names: &[FieldClock],
    device_id: impl Fn(u32) -> [u8; 16],
) -> Option<Settled> {
    if incoming == shown || others.contains(&incoming) {
        return None;
    }
    let beats = |a: FieldClock, b: FieldClock| incoming_wins(b, a, &device_id);
    let mut removed: Vec<FieldClock> = others.iter().copied().filter(|o| names.contains(o)).collect();
    if !names.contains(&shown) {
        // The shown value stays a head: the greater of the two shows, the other is a conflict.
        return Some(if beats(incoming, shown) {
            Settled { shown: Shown::Incoming, removed, added: vec![shown] }
        } else {
            Settled { shown: Shown::Kept, removed, added: vec![incoming] }
        });
    }
    // The change replaces the shown value: it shows unless a remaining conflict outranks it.
    let best = others.iter().copied().filter(|o| !names.contains(o)).reduce(|a, b| if beats(b, a) { b } else { a });
    Some(match best {
        Some(best) if beats(best, incoming) => {
            removed.push(best);
            Settled { shown: Shown::Promoted(best), removed, added: vec![incoming] }
        }
        _ => Settled { shown: Shown::Incoming, removed, added: Vec::new() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::hlc::Hlc;

    fn c(hlc: u64, device: u32) -> FieldClock {
        FieldClock { hlc: Hlc(hlc), device }
    }
    fn ids(d: u32) -> [u8; 16] {
        [d as u8; 16]
    }
    const FAR: u64 = (1 << 63) - 2;

    struct Case {
        what: &'static str,
        shown: FieldClock,
        others: Vec<FieldClock>,
        incoming: FieldClock,
        names: Vec<FieldClock>,
        expect: Option<Settled>,
    }

    fn s(shown: Shown, removed: Vec<FieldClock>, added: Vec<FieldClock>) -> Option<Settled> {
        Some(Settled { shown, removed, added })
    }

    #[test]
    fn table() {
        let cases = vec![
            Case {
                what: "a later edit that names the shown value replaces it",
                shown: c(10, 1),
                others: vec![],
                incoming: c(20, 2),
                names: vec![c(10, 1)],
                expect: s(Shown::Incoming, vec![], vec![]),
            },
            Case {
                what: "an edit with a smaller clock that names the shown value replaces it (far-future value)",
                shown: c(FAR, 9),
                others: vec![],
                incoming: c(20, 2),
                names: vec![c(FAR, 9)],
                expect: s(Shown::Incoming, vec![], vec![]),
            },
            Case {
                what: "a concurrent edit with a greater clock shows; the old value becomes a conflict",
                shown: c(10, 1),
                others: vec![],
                incoming: c(20, 2),
                names: vec![],
                expect: s(Shown::Incoming, vec![], vec![c(10, 1)]),
            },
            Case {
                what: "a concurrent edit with a smaller clock is kept as a conflict",
                shown: c(FAR, 9),
                others: vec![],
                incoming: c(20, 2),
                names: vec![],
                expect: s(Shown::Kept, vec![], vec![c(20, 2)]),
            },
            Case {
                what: "equal clocks: the greater device id wins",
                shown: c(10, 1),
                others: vec![],
                incoming: c(10, 2),
                names: vec![],
                expect: s(Shown::Incoming, vec![], vec![c(10, 1)]),
            },
            Case {
                what: "equal clocks, smaller device id: kept as a conflict",
                shown: c(10, 2),
                others: vec![],
                incoming: c(10, 1),
                names: vec![],
                expect: s(Shown::Kept, vec![], vec![c(10, 1)]),
            },
            Case {
                what: "a resolution names every head and leaves one",
                shown: c(30, 3),
                others: vec![c(20, 2), c(FAR, 9)],
                incoming: c(40, 1),
                names: vec![c(30, 3), c(20, 2), c(FAR, 9)],
                expect: s(Shown::Incoming, vec![c(20, 2), c(FAR, 9)], vec![]),
            },
            Case {
                what: "an edit of the shown value loses to a far-future conflict it did not name, which now shows",
                shown: c(30, 3),
                others: vec![c(FAR, 9), c(20, 2)],
                incoming: c(40, 1),
                names: vec![c(30, 3)],
                expect: s(Shown::Promoted(c(FAR, 9)), vec![c(FAR, 9)], vec![c(40, 1)]),
            },
            Case {
                what: "an edit of the shown value outranks the remaining conflicts",
                shown: c(30, 3),
                others: vec![c(20, 2)],
                incoming: c(40, 1),
                names: vec![c(30, 3)],
                expect: s(Shown::Incoming, vec![], vec![]),
            },
            Case {
                what: "a change naming only a conflict removes it and competes with the shown value",
                shown: c(30, 3),
                others: vec![c(20, 2)],
                incoming: c(25, 2),
                names: vec![c(20, 2)],
                expect: s(Shown::Kept, vec![c(20, 2)], vec![c(25, 2)]),
            },
            Case {
                what: "names that are no head change nothing",
                shown: c(10, 1),
                others: vec![],
                incoming: c(20, 2),
                names: vec![c(5, 1), c(FAR, 1)],
                expect: s(Shown::Incoming, vec![], vec![c(10, 1)]),
            },
            Case {
                what: "the shown value again: already applied",
                shown: c(10, 1),
                others: vec![],
                incoming: c(10, 1),
                names: vec![],
                expect: None,
            },
            Case {
                what: "a conflict again: already applied",
                shown: c(30, 3),
                others: vec![c(20, 2)],
                incoming: c(20, 2),
                names: vec![c(10, 1)],
                expect: None,
            },
        ];
        for k in cases {
            let got = settle(k.shown, &k.others, k.incoming, &k.names, ids);
            assert_eq!(got, k.expect, "{}", k.what);
        }
    }

    /// Every order of applying a set of causally closed changes gives the same heads.
    #[test]
    fn heads_do_not_depend_on_the_order_of_concurrent_changes() {
        // Three concurrent edits of a value created at (1, 1), then one that names two of them.
        let base = c(1, 1);
        let a = (c(FAR, 9), vec![base]);
        let b = (c(50, 2), vec![base]);
        let d = (c(40, 3), vec![base]);
        let orders: [[&(FieldClock, Vec<FieldClock>); 3]; 6] =
            [[&a, &b, &d], [&a, &d, &b], [&b, &a, &d], [&b, &d, &a], [&d, &a, &b], [&d, &b, &a]];
        let mut outcomes = Vec::new();
        for order in orders {
            let (mut shown, mut others) = (base, Vec::<FieldClock>::new());
            for (clock, names) in order {
                let st = settle(shown, &others, *clock, names, ids).unwrap();
                others.retain(|o| !st.removed.contains(o));
                others.extend(st.added.iter().copied());
                match st.shown {
                    Shown::Incoming => shown = *clock,
                    Shown::Kept => {}
                    Shown::Promoted(p) => shown = p,
                }
            }
            others.sort();
            outcomes.push((shown, others));
        }
        assert!(outcomes.windows(2).all(|w| w[0] == w[1]), "{outcomes:?}");
        assert_eq!(outcomes[0], (c(FAR, 9), vec![c(40, 3), c(50, 2)]));
    }
}

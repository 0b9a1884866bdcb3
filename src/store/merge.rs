//! The merge of one field, as data (docs/formats/delta.md section 7). Pure: no SQL.
//!
//! A field holds a set of **heads**: the value it shows (the greatest head) and its conflicts
//! (the other heads). A change replaces every head it names (`prev`, `supersedes`), whatever
//! the clocks: causality decides sequential edits. Only the heads no change names compete, by
//! (HLC, device id). [`settle`] says what one change does to the heads; the writer executes it.
//! [`replay`] recomputes a record's heads from its change log alone (a rollback voids some
//! changes and replays the rest: docs/formats/delta.md section 11.2).

use std::collections::BTreeMap;

use super::clocks::{incoming_wins, FieldClock};
use crate::model::Value;

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

/// One change of a record as the merge takes it (for [`plan_record`] and [`replay`]): `names`
/// are the names that count (its `prev` and `supersedes`, less the ones outside its
/// author's causal past).
#[derive(Debug, Clone, PartialEq)]
pub struct Counted {
    pub field: u8,
    pub value: Value,
    pub clock: FieldClock,
    pub names: Vec<FieldClock>,
}

/// A field's heads: the value it shows and its competing values.
#[derive(Debug, Clone, PartialEq)]
pub struct Heads {
    pub shown: (Value, FieldClock),
    pub others: Vec<(Value, FieldClock)>,
}

/// A record as its changes make it: the creation's clock and every field a change touched
/// (the others hold their default at the creation's clock).
#[derive(Debug, Clone, PartialEq)]
pub struct Replayed {
    pub created: FieldClock,
    pub fields: BTreeMap<u8, Heads>,
}

/// What the changes of one record do, as data: the record after them, and which of them
/// applied (the others were one of its heads already). The writer executes it
/// (`Writer::execute`); nothing here reads or writes the database.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordPlan {
    pub after: Replayed,
    /// Indices into the changes, in order.
    pub applied: Vec<usize>,
    /// The heads before the plan of every field a change applied to (empty for a creation):
    /// what the writer compares to write only the difference.
    pub before: BTreeMap<u8, Heads>,
}

/// Plans `changes`, in order, against a record as it is now (`before`; None: it does not exist
/// yet). The record's creation clock is the earliest clock of its changes, and a field that
/// no change set holds its default from there, which is no value: the first value replaces it
/// and it never competes. Every other change is settled against its field's heads by
/// [`settle`] with the names that count (`Counted::names`: the caller dropped names outside
/// the author's causal past). So the plan of a set of changes does not depend on the order in
/// which two "creations" of one id arrived. `shown(field, value)` is what a field shows for a
/// stored value (`None`: the field's default). None: no change and no record.
pub fn plan_record(
    before: Option<Replayed>,
    changes: &[Counted],
    shown: impl Fn(u8, Option<&Value>) -> Value,
    device_id: impl Fn(u32) -> [u8; 16],
) -> Option<RecordPlan> {
    // A change that names nothing and sets a field's default says nothing (honest writers
    // never send one: a creation leaves defaults out, an edit names what it replaces). It is
    // logged, and has no effect, whatever the order.
    // (A default is NULL, or 0 for a flag: other values are never one, and are not compared.)
    let no_op = |c: &Counted| {
        c.names.is_empty()
            && matches!(c.value, Value::Null | Value::Int(0))
            && shown(c.field, Some(&c.value)) == shown(c.field, None)
    };
    // The creation's clock is the earliest clock among the record's changes, whatever arrived
    // first: two replicas that meet two "creations" of one id (a member who reused another's
    // id) in either order agree on it.
    let earliest = changes.iter().filter(|c| !no_op(c)).map(|c| c.clock).reduce(|a, b| {
        if incoming_wins(a, b, &device_id) {
            a
        } else {
            b
        }
    });
    let fresh = before.is_none();
    let mut rec = match before {
        Some(r) => r,
        // Only changes that say nothing: no record.
        None => Replayed { created: earliest?, fields: BTreeMap::new() },
    };
    let mut applied: Vec<usize> = Vec::with_capacity(changes.len());
    let mut before: BTreeMap<u8, Heads> = BTreeMap::new();
    if let Some(e) = earliest.filter(|&e| e != rec.created && !incoming_wins(rec.created, e, &device_id)) {
        // An earlier "creation" arrived late: a field that holds its default holds it from there.
        let old = rec.created;
        for (&code, h) in rec.fields.iter_mut() {
            if h.shown.1 == old && h.shown.0 == shown(code, None) {
                h.shown.1 = e;
            }
        }
        rec.created = e;
    }
    let created = rec.created;
    // A field's default at the creation's clock is no value: the first value replaces it, and
    // it never becomes a competing value.
    let unset = |field: u8, v: &Value, at: FieldClock| at == created && shown(field, Some(v)) == shown(field, None);
    for (i, c) in changes.iter().enumerate() {
        if no_op(c) {
            applied.push(i);
            continue;
        }
        let h = rec
            .fields
            .entry(c.field)
            .or_insert_with(|| Heads { shown: (shown(c.field, None), created), others: Vec::new() });
        if h.others.is_empty() && unset(c.field, &h.shown.0, h.shown.1) {
            before.entry(c.field).or_insert_with(|| h.clone());
            applied.push(i);
            h.shown = (shown(c.field, Some(&c.value)), c.clock);
            continue;
        }
        let others: Vec<FieldClock> = h.others.iter().map(|o| o.1).collect();
        let Some(settled) = settle(h.shown.1, &others, c.clock, &c.names, &device_id) else { continue };
        applied.push(i);
        before.entry(c.field).or_insert_with(|| h.clone());
        let was = h.shown.0.clone();
        let promoted = match settled.shown {
            Shown::Promoted(p) => h.others.iter().find(|o| o.1 == p).map(|o| o.0.clone()),
            _ => None,
        };
        h.others.retain(|o| !settled.removed.contains(&o.1));
        for a in &settled.added {
            let value = if *a == c.clock { c.value.clone() } else { was.clone() };
            if h.others.iter().all(|o| o.1 != *a) && !unset(c.field, &value, *a) {
                h.others.push((value, *a));
            }
        }
        match (settled.shown, promoted) {
            (Shown::Incoming, _) => h.shown = (shown(c.field, Some(&c.value)), c.clock),
            (Shown::Promoted(p), Some(value)) => h.shown = (shown(c.field, Some(&value)), p),
            _ => {}
        }
    }
    if fresh {
        before.clear();
    }
    Some(RecordPlan { after: rec, applied, before })
}

/// Replays a record's changes in log order exactly as the write path applied them (a record
/// planned from nothing). None: no change is left, the record does not exist.
pub fn replay(
    changes: &[Counted],
    shown: impl Fn(u8, Option<&Value>) -> Value,
    device_id: impl Fn(u32) -> [u8; 16],
) -> Option<Replayed> {
    plan_record(None, changes, shown, device_id).map(|p| p.after)
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

    fn logged(field: u8, value: &str, clock: FieldClock, names: Vec<FieldClock>) -> Counted {
        Counted { field, value: Value::Text(value.into()), clock, names }
    }
    fn text(v: &str) -> Value {
        Value::Text(v.into())
    }
    fn as_shown(_: u8, v: Option<&Value>) -> Value {
        v.cloned().unwrap_or(Value::Null)
    }

    #[test]
    fn replay_of_nothing_is_no_record() {
        assert_eq!(replay(&[], as_shown, ids), None);
    }

    #[test]
    fn replay_creates_then_settles_in_log_order() {
        let made = c(10, 1);
        let log = vec![
            logged(1, "Ivan", made, vec![]),
            logged(2, "Tbilisi", made, vec![]),
            // Two concurrent edits of the name, then a resolution naming both.
            logged(1, "Ivan P.", c(20, 2), vec![made]),
            logged(1, "I. Petrov", c(30, 3), vec![made]),
            // A field the creation did not set starts from its default.
            logged(3, "new", c(25, 2), vec![made]),
        ];
        let r = replay(&log, as_shown, ids).unwrap();
        assert_eq!(r.created, made);
        assert_eq!(r.fields[&1].shown, (text("I. Petrov"), c(30, 3)));
        assert_eq!(r.fields[&1].others, vec![(text("Ivan P."), c(20, 2))]);
        assert_eq!(r.fields[&2].shown, (text("Tbilisi"), made));
        assert_eq!(r.fields[&3].shown, (text("new"), c(25, 2)));
        let mut resolved = log.clone();
        resolved.push(logged(1, "Ivan Petrov", c(40, 1), vec![c(30, 3), c(20, 2)]));
        let r = replay(&resolved, as_shown, ids).unwrap();
        assert_eq!(r.fields[&1], Heads { shown: (text("Ivan Petrov"), c(40, 1)), others: vec![] });
    }

    /// A rollback replays the log without the voided changes: the result is what a replica
    /// that never applied them holds, including a conflict the voided change had settled.
    #[test]
    fn replay_without_a_voided_resolution_brings_its_conflict_back() {
        let made = c(10, 1);
        let a = logged(1, "A", c(20, 1), vec![made]);
        let b = logged(1, "B", c(15, 2), vec![made]);
        let resolution = logged(1, "R", c(30, 9), vec![c(20, 1), c(15, 2)]);
        let base = logged(1, "Ivan", made, vec![]);
        let with = replay(&[base.clone(), a.clone(), b.clone(), resolution], as_shown, ids).unwrap();
        assert_eq!(with.fields[&1].others, vec![]);
        let without = replay(&[base, a, b], as_shown, ids).unwrap();
        assert_eq!(without.fields[&1].shown, (text("A"), c(20, 1)));
        assert_eq!(without.fields[&1].others, vec![(text("B"), c(15, 2))]);
    }

    #[test]
    fn replay_with_the_creation_voided_starts_from_the_first_change_left() {
        let log = vec![logged(1, "edit", c(20, 2), vec![c(10, 1)]), logged(2, "x", c(20, 2), vec![])];
        let r = replay(&log, as_shown, ids).unwrap();
        assert_eq!(r.created, c(20, 2));
        assert_eq!(r.fields[&1].shown, (text("edit"), c(20, 2)));
        assert_eq!(r.fields[&2].shown, (text("x"), c(20, 2)));
    }

    /// A plan against a record as it is: a change that is one of its heads already is not
    /// applied again; a change naming a conflict it did not settle leaves it.
    #[test]
    fn a_plan_applies_only_what_is_new() {
        let made = c(10, 1);
        let before = Replayed {
            created: made,
            fields: BTreeMap::from([(1, Heads { shown: (text("A"), c(20, 1)), others: vec![(text("B"), c(15, 2))] })]),
        };
        let changes = vec![
            logged(1, "B", c(15, 2), vec![made]),     // the conflict again
            logged(1, "C", c(30, 3), vec![c(20, 1)]), // replaces the shown value only
            logged(2, "x", c(30, 3), vec![made]),     // a field untouched so far
        ];
        let plan = plan_record(Some(before), &changes, as_shown, ids).unwrap();
        assert_eq!(plan.applied, vec![1, 2]);
        assert_eq!(plan.after.fields[&1], Heads { shown: (text("C"), c(30, 3)), others: vec![(text("B"), c(15, 2))] });
        assert_eq!(plan.after.fields[&2].shown, (text("x"), c(30, 3)));
        // From nothing, the leading changes that share a clock create the record.
        let plan = plan_record(None, &changes[1..], as_shown, ids).unwrap();
        assert_eq!((plan.applied, plan.after.created), (vec![0, 1], c(30, 3)));
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

    /// Two "creations" of one id by two devices (a member who reused another's id), each with
    /// fields the other left out and a flag at its default: in either order, and whether the
    /// second arrives in the same batch or later, the record is the same — the earliest clock
    /// creates it, a default competes with nothing, a change that names nothing and sets a
    /// default does nothing, and only the fields both set compete.
    #[test]
    fn two_creations_of_one_id_give_one_record_in_either_order() {
        let (early, late) = (c(10, 1), c(20, 2));
        let first = vec![logged(1, "Anna's", early, vec![]), logged(2, "Gyumri", early, vec![])];
        let second = vec![
            logged(1, "Forged", late, vec![]),
            logged(3, "2027-01-15", late, vec![]),
            Counted { field: 4, value: Value::Null, clock: late, names: vec![] },
        ];
        let plan = |before: Option<Replayed>, changes: &[Counted]| plan_record(before, changes, as_shown, ids).unwrap();
        let mut outcomes = Vec::new();
        for (a, b) in [(&first, &second), (&second, &first)] {
            let incremental = plan(Some(plan(None, a).after), b).after;
            let batch: Vec<Counted> = a.iter().chain(b.iter()).cloned().collect();
            outcomes.push(incremental);
            outcomes.push(plan(None, &batch).after);
        }
        for r in &mut outcomes {
            r.fields.retain(|_, h| !(h.shown == (Value::Null, early) && h.others.is_empty()));
        }
        assert!(outcomes.windows(2).all(|w| w[0] == w[1]), "{outcomes:#?}");
        let r = &outcomes[0];
        assert_eq!(r.created, early);
        assert_eq!(r.fields[&1], Heads { shown: (text("Forged"), late), others: vec![(text("Anna's"), early)] });
        assert_eq!(r.fields[&2].shown, (text("Gyumri"), early));
        assert_eq!(r.fields[&3], Heads { shown: (text("2027-01-15"), late), others: vec![] });
        assert!(!r.fields.contains_key(&4), "a default set by a change that names nothing is no value");
    }
}

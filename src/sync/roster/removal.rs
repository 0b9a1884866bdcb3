//! Who is removed (docs/formats/roster.md sections 4.1, 4.3, 4.6): strong remove with cutoffs.
//! Revocations form a graph of devices; every device in a cycle is removed (a seized
//! coordinator that counter-revokes, with any parents, takes both out), and the rest is
//! decided from the graph's sources on. Forks remove their author from the fork on. The
//! recovery chain is decided once, by signatures alone.

use std::collections::{BTreeMap, BTreeSet};

use super::crypt;
use super::entry::{Clear, DeviceId, EntryId, RecoveryAction, Sealed};
use super::fold::{self, Chain, Eval, Graph};
use super::state::Alarm;

/// Where a removed device's history stops counting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cutoff {
    /// Its roster entries count up to this number.
    pub roster_seq: u32,
    /// Its deltas count up to this number (and this id); `None`: the roster sets no limit.
    pub delta: Option<(u64, [u8; 32])>,
}

impl Cutoff {
    /// The common prefix of two views.
    fn min(&self, other: &Cutoff) -> Cutoff {
        let delta = match (&self.delta, &other.delta) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { *a } else { *b }),
            (a, b) => a.or(*b),
        };
        Cutoff { roster_seq: self.roster_seq.min(other.roster_seq), delta }
    }
}

/// A revocation (or a leave: author = target) that passes every check but its author's removal.
#[derive(Debug, Clone)]
pub struct Revocation {
    pub author: DeviceId,
    pub seq: u32,
    pub target: DeviceId,
    pub cutoff: Cutoff,
}

/// What one round decides and the next round uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Judgement {
    pub removed: BTreeMap<DeviceId, Cutoff>,
    /// Device → demotions of it: (the `from_seq` it names, the entry).
    pub demoted: BTreeMap<DeviceId, Vec<(u32, usize)>>,
    /// Invite → the one approval or decline that counts (the lowest id).
    pub chosen: BTreeMap<[u8; 16], EntryId>,
}

impl Judgement {
    /// Every removal of every round, with the lowest cutoffs: when the rounds do not settle.
    pub fn union(all: &[Judgement]) -> Judgement {
        let mut out = all.last().cloned().unwrap_or_default();
        for j in all {
            for (d, c) in &j.removed {
                let merged = out.removed.get(d).map_or_else(|| c.clone(), |o| o.min(c));
                out.removed.insert(*d, merged);
            }
        }
        out
    }
}

/// Decides the next round's removals, demotions and invite uses from this round's evaluation.
pub(super) fn judge(g: &Graph, chain: &Chain, ev: &Eval, alarms: &mut BTreeSet<Alarm>) -> Judgement {
    let mut removed = forks(g, alarms);
    let revs = fold::revocations(g, ev, chain);
    for (d, c) in strong_remove(&revs, alarms) {
        let merged = removed.get(&d).map_or_else(|| c.clone(), |o: &Cutoff| o.min(&c));
        removed.insert(d, merged);
    }
    // A recovery entry that annuls a device's entries removes the device too (section 4.6).
    for &r in &chain.used {
        if let Clear::Recovery { target, action: RecoveryAction::Annul, from_seq, .. } = &g.nodes[r].e.clear {
            let c = Cutoff { roster_seq: from_seq.saturating_sub(1), delta: None };
            let merged = removed.get(target).map_or_else(|| c.clone(), |o: &Cutoff| o.min(&c));
            removed.insert(*target, merged);
        }
    }
    let mut demoted: BTreeMap<DeviceId, Vec<(u32, usize)>> = BTreeMap::new();
    for (i, node) in g.nodes.iter().enumerate() {
        if let (true, Clear::Role { target }, Some(Ok(Sealed::Role { role: super::Role::Member, from_seq }))) =
            (ev.counts[i], &node.e.clear, &node.sealed)
        {
            demoted.entry(*target).or_default().push((*from_seq, i));
        }
    }
    let chosen = ev.invite_uses.iter().filter_map(|(inv, uses)| uses.first().map(|u| (*inv, *u))).collect();
    Judgement { removed, demoted, chosen }
}

/// Two entries of one device with one number, both signed by it: removed from there on (F12).
fn forks(g: &Graph, alarms: &mut BTreeSet<Alarm>) -> BTreeMap<DeviceId, Cutoff> {
    let mut seen: BTreeMap<(DeviceId, u32), usize> = BTreeMap::new();
    let mut out: BTreeMap<DeviceId, Cutoff> = BTreeMap::new();
    for (i, node) in g.nodes.iter().enumerate() {
        let e = &node.e;
        if e.author == [0; 16] || node.signer.is_none() {
            continue;
        }
        if seen.insert((e.author, e.seq), i).is_some() {
            alarms.insert(Alarm::Fork { device: e.author, seq: e.seq });
            let c = Cutoff { roster_seq: e.seq - 1, delta: None };
            let merged = out.get(&e.author).map_or_else(|| c.clone(), |o| o.min(&c));
            out.insert(e.author, merged);
        }
    }
    out
}

/// Strong remove (section 4.3): cycles remove all their devices; the rest is decided from the
/// sources of the revocation graph on, a revocation counting when its author is not removed or
/// it lies at or before the author's cutoff; the lowest counting cutoff wins.
pub fn strong_remove(revs: &[Revocation], alarms: &mut BTreeSet<Alarm>) -> BTreeMap<DeviceId, Cutoff> {
    let devices: BTreeSet<DeviceId> = revs.iter().flat_map(|r| [r.author, r.target]).collect();
    let index: BTreeMap<DeviceId, usize> = devices.iter().enumerate().map(|(i, d)| (*d, i)).collect();
    let ids: Vec<DeviceId> = devices.into_iter().collect();
    let mut edges = vec![Vec::new(); ids.len()];
    for r in revs {
        if r.author != r.target {
            edges[index[&r.author]].push(index[&r.target]);
        }
    }
    let components = tarjan(&edges);
    let mut removed: BTreeMap<DeviceId, Cutoff> = BTreeMap::new();
    // Tarjan yields sinks first: walk its output backwards, from the sources on.
    for comp in components.iter().rev() {
        let in_comp: BTreeSet<DeviceId> = comp.iter().map(|&i| ids[i]).collect();
        let cycle = comp.len() > 1;
        if cycle {
            alarms.insert(Alarm::RevocationCycle(in_comp.iter().copied().collect()));
        }
        for target in &in_comp {
            let mut cut: Option<Cutoff> = None;
            for r in revs.iter().filter(|r| r.target == *target) {
                let counts = r.author == r.target
                    || (cycle && in_comp.contains(&r.author))
                    || removed.get(&r.author).is_none_or(|c| r.seq <= c.roster_seq);
                if counts {
                    cut = Some(cut.map_or_else(|| r.cutoff.clone(), |c| c.min(&r.cutoff)));
                }
            }
            if let Some(c) = cut {
                removed.insert(*target, c);
            }
        }
    }
    removed
}

/// Strongly connected components, each a list of vertices; sinks come first.
fn tarjan(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let (mut index, mut low, mut on) = (vec![usize::MAX; n], vec![0; n], vec![false; n]);
    let (mut stack, mut out, mut next) = (Vec::new(), Vec::new(), 0);
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        // Iterative depth-first search: (vertex, next edge to look at).
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut k)) = work.last_mut() {
            if *k == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on[v] = true;
            }
            if let Some(&w) = edges[v].get(*k) {
                *k += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut comp = Vec::new();
                loop {
                    let w = stack.pop().expect("on the stack");
                    on[w] = false;
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                comp.sort_unstable();
                out.push(comp);
            }
        }
    }
    out
}

/// The recovery chain (section 4.6): entry `k` is signed by the key entry `k − 1` named (the
/// genesis names the first) and follows it; of two with one number the lowest id counts.
pub(super) fn recovery_chain(g: &Graph, alarms: &mut BTreeSet<Alarm>) -> Chain {
    let Clear::Genesis { recovery, .. } = &g.nodes[g.genesis].e.clear else { unreachable!("checked") };
    let mut chain = Chain { used: Vec::new(), next_key: *recovery, next_seq: 1, last: [0; 32] };
    let mut used_keys = Vec::new();
    let candidates: Vec<usize> = (0..g.nodes.len())
        .filter(|&i| g.nodes[i].sound && matches!(g.nodes[i].e.clear, Clear::Recovery { .. }))
        .collect();
    let verifies = |i: usize, key: &[u8; 32]| {
        let n = &g.nodes[i];
        crypt::verify(key, &n.bytes[..n.signed_len], &n.e.signature).is_ok()
    };
    loop {
        let mut here: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&i| {
                g.nodes[i].e.seq == chain.next_seq && g.nodes[i].e.prev == chain.last && verifies(i, &chain.next_key)
            })
            .collect();
        here.sort_by_key(|&i| g.nodes[i].id);
        let Some(&first) = here.first() else { break };
        if here.len() > 1 {
            alarms.insert(Alarm::RecoveryKeyCopied);
        }
        let Clear::Recovery { next, target, action, .. } = &g.nodes[first].e.clear else { unreachable!("filtered") };
        alarms.insert(Alarm::RecoveryUsed { seq: chain.next_seq, target: *target, action: *action as u8 });
        used_keys.push(chain.next_key);
        chain.used.push(first);
        chain.next_key = *next;
        chain.next_seq += 1;
        chain.last = g.nodes[first].id;
    }
    for &i in &candidates {
        if !chain.used.contains(&i) && used_keys.iter().any(|k| verifies(i, k)) {
            alarms.insert(Alarm::RecoveryKeyReused(g.nodes[i].id));
        }
    }
    chain
}

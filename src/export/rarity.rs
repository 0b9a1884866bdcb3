//! How rare the selected cases are in this vault, by the facts a `no-identity` bundle keeps
//! about a person (review F10, the wizard's rarity line): category, stage, country, risk level
//! and citizenship. A combination that few cases share can single the person out even without
//! a name. The count is a lower bound on how many people share the facts (the world is larger
//! than one vault), so it warns, it never reassures.

use std::collections::HashMap;

use serde::Serialize;

use super::cases::Selection;
use crate::error::Result;
use crate::model::{TableDef, CASE};
use crate::store::records::CaseSet;
use crate::store::Store;

/// Below this many cases sharing its facts, a case is rare (the summary's suppression limit).
pub const RARE_BELOW: u64 = super::cases::MIN_CELL;

/// The facts compared.
const FACTS: [&str; 5] = ["category", "stage", "country", "risk_level", "citizenship"];

/// The rarest selected case: how many cases of this vault (itself included) share its facts.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Rarity {
    /// The fewest cases sharing the facts of one selected case (0 when nothing is selected).
    pub smallest: u64,
    /// How many selected cases are rare (fewer than [`RARE_BELOW`]).
    pub rare: u64,
    pub rare_below: u64,
}

fn key_of(table: &TableDef, values: &[crate::model::Value]) -> Vec<crate::model::Value> {
    FACTS
        .iter()
        .map(|name| {
            let at = table.fields.iter().position(|f| f.name == *name);
            at.and_then(|i| values.get(i).cloned()).unwrap_or(crate::model::Value::Null)
        })
        .collect()
}

/// Counts, for the cases of `selection`, how many cases of the vault share their facts.
pub fn rarity(store: &Store, selection: &Selection) -> Result<Rarity> {
    let all = store.records_of_cases(CaseSet::All, &[&CASE])?.remove(0);
    let mut counts: HashMap<Vec<crate::model::Value>, u64> = HashMap::new();
    for r in &all {
        *counts.entry(key_of(&CASE, &r.values)).or_default() += 1;
    }
    let chosen = super::cases::with_case_set(selection, |set| store.records_of_cases(set, &[&CASE]))?.remove(0);
    let shares: Vec<u64> = chosen.iter().map(|r| counts.get(&key_of(&CASE, &r.values)).copied().unwrap_or(1)).collect();
    Ok(Rarity {
        smallest: shares.iter().copied().min().unwrap_or(0),
        rare: shares.iter().filter(|n| **n < RARE_BELOW).count() as u64,
        rare_below: RARE_BELOW,
    })
}

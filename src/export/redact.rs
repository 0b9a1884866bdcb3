//! Redaction as data (docs/formats/bundle.md section 6): a profile is a transform per class of
//! what a field reveals (`model::Reveals`, declared next to each field); a field or a part of
//! a compound field that is not classified is left out of every redacted bundle. Redacted
//! bundles also drop record timestamps, carry record ids derived per partner
//! ([`pseudonym`]), and list records in a shuffled order, so that two partners' bundles about
//! one person do not link by id, time or position. Pure.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value as Json;
use sha2::Sha256;

use super::cases::{CaseRec, ChildRec, Profile};
use crate::model::{reveals, Reveals, TableDef, CASE, EVENT, NOTE, TASK};

/// What a profile does with a class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    Keep,
    Drop,
}

/// A profile's options (the signed manifest's `options`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// `no-identity` keeps the city (otherwise only the country).
    pub include_city: bool,
}

impl Options {
    /// The manifest's `options` for `profile`: `include_city` in `no-identity` bundles.
    pub fn to_json(self, profile: Profile) -> serde_json::Map<String, Json> {
        let mut m = serde_json::Map::new();
        if profile == Profile::NoIdentity {
            m.insert("include_city".into(), Json::Bool(self.include_city));
        }
        m
    }
}

/// The redaction table: what `profile` (with `options`) does with `class`.
pub fn transform(profile: Profile, class: Reveals, options: Options) -> Transform {
    use Reveals::*;
    use Transform::*;
    match (profile, class) {
        (_, Structure | Compound) => Keep, // a compound value is redacted part by part
        (Profile::Full, _) => Keep,
        (Profile::NoIdentity, Pseudonym | CaseCore | CaseFacts | LegalStatus | CaseDate) => Keep,
        (Profile::NoIdentity, Place) if options.include_city => Keep,
        (Profile::NoIdentity, Identity | Contact | FreeText | Place | OfficialId | ThirdParty | Staff) => Drop,
        (Profile::Summary, CaseCore) => Keep,
        (Profile::Summary, _) => Drop,
    }
}

/// Which record kinds a profile carries at all.
pub fn carries(profile: Profile, table: &TableDef) -> bool {
    if !crate::model::CASE_TABLES.iter().any(|t| t.code == table.code) {
        // The contact book's keys are no part of a case file.
        return false;
    }
    match profile {
        Profile::Full => true,
        // Notes are free text through and through.
        Profile::NoIdentity => table.code != NOTE.code,
        Profile::Summary => table.code == CASE.code,
    }
}

fn class_of(table: &TableDef, name: &str) -> Option<Reveals> {
    table.field(name).map(|f| f.reveals)
}

/// Redacts one record's fields in place: unclassified or dropped fields go; compound values
/// keep only the parts whose class the profile keeps (an item left empty goes).
fn fields(table: &TableDef, map: &mut serde_json::Map<String, Json>, profile: Profile, options: Options) {
    map.retain(|name, value| {
        let Some(class) = class_of(table, name) else { return false };
        if transform(profile, class, options) == Transform::Drop {
            return false;
        }
        if class != Reveals::Compound {
            return true;
        }
        let Json::Array(items) = value else { return false };
        for item in items.iter_mut() {
            if let Json::Object(o) = item {
                o.retain(|part, _| {
                    reveals::subfield(name, part).is_some_and(|c| transform(profile, c, options) == Transform::Keep)
                });
            }
        }
        items.retain(|i| i.as_object().is_some_and(|o| !o.is_empty()));
        !items.is_empty()
    });
}

/// Applies `profile` to the cases read for export: fields by class, record kinds, and for a
/// redacted profile the record timestamps.
pub fn apply(cases: &mut [CaseRec], profile: Profile, options: Options) {
    let redacted = profile != Profile::Full;
    for c in cases.iter_mut() {
        fields(&CASE, &mut c.fields, profile, options);
        if redacted {
            (c.created_at, c.updated_at, c.clocks) = (None, None, None);
        }
        for (table, list) in [(&NOTE, &mut c.notes), (&TASK, &mut c.tasks), (&EVENT, &mut c.events)] {
            if !carries(profile, table) {
                list.clear();
            }
            for ch in list.iter_mut() {
                child(table, ch, profile, options);
            }
        }
    }
}

fn child(table: &TableDef, ch: &mut ChildRec, profile: Profile, options: Options) {
    fields(table, &mut ch.fields, profile, options);
    if profile != Profile::Full {
        (ch.created_at, ch.clocks) = (None, None);
    }
}

/// A record's id as one partner sees it in redacted bundles: HMAC-SHA256(key, label ‖ 0 ‖ id)
/// shaped as a random (version 4) UUID. The same for every bundle to that partner, so its
/// replies match; unrelated between partners, so their bundles do not link by id.
pub fn pseudonym(key: &[u8; 32], label: &str, id: &[u8; 16]) -> [u8; 16] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    mac.update(label.as_bytes());
    mac.update(&[0]);
    mac.update(id);
    let out = mac.finalize().into_bytes();
    let mut b: [u8; 16] = out[..16].try_into().expect("16 of 32 bytes");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    b
}

/// The label pseudonyms are made for: the partner's name (case-folded), else the recipients'
/// keys, else (a passphrase bundle for nobody named) the bundle id, fresh each time.
pub fn label(partner: Option<&str>, recipients: Option<&[String]>, bundle_id: &[u8; 16]) -> String {
    if let Some(p) = partner {
        return format!("partner:{}", p.to_lowercase());
    }
    if let Some(keys) = recipients {
        let mut k = keys.to_vec();
        k.sort();
        return format!("keys:{}", k.join(","));
    }
    format!("bundle:{}", crate::hex::encode(bundle_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CASE_TABLES, TABLES};

    /// The redaction table, proved from the field classes: each profile's allow-list is exactly
    /// the fields whose class it keeps, and every class has a transform in every profile.
    #[test]
    fn each_profile_keeps_exactly_the_fields_of_the_classes_it_allows() {
        let keep = |p, c| transform(p, c, Options::default()) == Transform::Keep;
        // A compound field is kept when one of its parts is.
        let keeps = move |p: Profile, f: &crate::model::FieldDef| match f.reveals {
            Reveals::Compound => reveals::SUBFIELDS.iter().any(|(n, _, c)| *n == f.name && keep(p, *c)),
            class => keep(p, class),
        };
        let kept = |p: Profile| -> Vec<String> {
            TABLES
                .iter()
                .filter(|t| carries(p, t))
                .flat_map(|t| {
                    t.fields.iter().filter(move |f| keeps(p, f)).map(move |f| format!("{}.{}", t.noun, f.name))
                })
                .collect()
        };
        assert_eq!(kept(Profile::Full).len(), CASE_TABLES.iter().map(|t| t.fields.len()).sum::<usize>());
        let no_identity = kept(Profile::NoIdentity);
        for gone in [
            "case.full_name",
            "case.aliases",
            "case.assigned_to",
            "case.partner_org",
            "case.city",
            "case.criminal_case_number",
            "task.title",
            "event.text",
            "note.body",
        ] {
            assert!(!no_identity.contains(&gone.to_string()), "no-identity keeps {gone}");
        }
        for kept in ["case.stage", "case.country", "case.risk_flags", "case.documents", "task.due", "event.kind"] {
            assert!(no_identity.contains(&kept.to_string()), "no-identity drops {kept}");
        }
        assert_eq!(kept(Profile::Summary), ["case.category", "case.stage", "case.country", "case.risk_level"]);
        assert_eq!(transform(Profile::NoIdentity, Reveals::Place, Options { include_city: true }), Transform::Keep);
        // Every compound field has its parts classified, and only compound fields do.
        for t in TABLES {
            for f in t.fields {
                let parts = reveals::SUBFIELDS.iter().filter(|(n, ..)| *n == f.name).count();
                assert_eq!(f.reveals == Reveals::Compound, parts > 0, "{}.{}", t.noun, f.name);
            }
        }
        assert!(!kept(Profile::NoIdentity).contains(&"case.contacts".to_string()), "contacts: every part dropped");
        assert!(kept(Profile::NoIdentity).contains(&"case.documents".to_string()), "documents: kinds and statuses");
    }

    #[test]
    fn pseudonyms_differ_per_partner_and_are_v4_uuids() {
        let key = [9u8; 32];
        let id = [1u8; 16];
        let a = pseudonym(&key, "partner:memorial", &id);
        let b = pseudonym(&key, "partner:ark", &id);
        assert_ne!(a, b);
        assert_eq!(a, pseudonym(&key, "partner:memorial", &id), "stable for one partner");
        assert_eq!(uuid::Uuid::from_bytes(a).get_version_num(), 4);
        assert_eq!(label(Some("Memorial"), None, &[0; 16]), label(Some("memorial"), Some(&[]), &[1; 16]));
    }
}

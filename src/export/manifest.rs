//! The signed part of a version-2 bundle (docs/formats/bundle.md sections 3–3.2): the manifest
//! that names bundle id, signer, recipients, partner, profile and the bundle it replies to, and
//! `SHA256SUMS`, the list of every entry's hash that the signature covers. Pure.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use sha2::{Digest, Sha256};

use super::cases::Counts;
use crate::error::{Error, Result};

/// The recipients a manifest names: age keys, or a passphrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Recipients {
    Keys(Vec<String>),
    /// Always the string `"passphrase"`.
    Passphrase(String),
}

/// `manifest.json`, version 2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestV2 {
    pub format: String,
    pub version: u32,
    pub bundle_id: String,
    pub created: String,
    pub signer: String,
    pub vault_id: String,
    pub recipients: Recipients,
    pub partner: Option<String>,
    pub profile: String,
    pub options: Map<String, Json>,
    pub in_reply_to: Option<String>,
    pub reply_to: Vec<String>,
    pub counts: Counts,
    /// Version 3: the attachments it carries (docs/formats/bundle.md section 9).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<ManifestAttachment>,
}

/// One attachment of a version-3 bundle, as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestAttachment {
    pub entry: String,
    pub id: String,
    pub case: String,
    pub name: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
    pub label: Option<String>,
    pub metadata_removed: bool,
}

/// A record id as a manifest writes it: lowercase hyphenated.
pub fn parse_record_id(s: &str, what: &str) -> Result<[u8; 16]> {
    match uuid::Uuid::try_parse(s) {
        Ok(u) if u.hyphenated().to_string() == s => Ok(*u.as_bytes()),
        _ => Err(bad(format!("manifest.json: {what} is not an id in lowercase hyphenated form"))),
    }
}

impl ManifestAttachment {
    /// The rules of `attach add` for what the manifest says of one attachment, and its entry's
    /// name derived from its id and name (section 9.2). Returns the id, the case and the hash.
    pub fn check(&self) -> Result<([u8; 16], [u8; 16], [u8; 32])> {
        let id = parse_record_id(&self.id, "an attachment's id")?;
        let case = parse_record_id(&self.case, "an attachment's case")?;
        let what = |w: &str| bad(format!("manifest.json: attachment {}: {w}", self.id));
        if self.name.is_empty() || crate::attach::kind::safe_name(&self.name) != self.name {
            return Err(what("its name is not one Casebook stores"));
        }
        if self.entry != super::bundle::attachment_entry(&uuid::Uuid::from_bytes(id), &self.name) {
            return Err(what("its entry is not named after its id and name"));
        }
        if !crate::attach::kind::media_type_shaped(&self.media_type) {
            return Err(what("its media type is not one"));
        }
        if self.size > crate::attach::blob::MAX_CONTENT {
            return Err(what("it is larger than 256 MiB"));
        }
        let sha = crate::hex::decode::<32>(&self.sha256)
            .filter(|_| self.sha256.bytes().all(|b| !b.is_ascii_uppercase()))
            .ok_or_else(|| what("its sha256 is not 64 lowercase hex digits"))?;
        let label_def = crate::model::ATTACHMENT.field("label").expect("attachments have a label");
        let label = self.label.as_ref().map_or(Json::Null, |l| Json::String(l.clone()));
        crate::model::input::field_value(label_def, &label).map_err(|e| what(&format!("its label: {e}")))?;
        Ok((id, case, sha))
    }
}

/// Longest partner name.
pub const MAX_PARTNER_NAME: usize = 200;

fn bad(reason: impl Into<String>) -> Error {
    Error::invalid("bundle", &reason.into())
}

/// A random (version 4) UUID of a bundle, as the manifest writes it.
pub fn parse_bundle_id(s: &str, what: &str) -> Result<uuid::Uuid> {
    match uuid::Uuid::try_parse(s) {
        Ok(u) if u.hyphenated().to_string() == s && u.get_version_num() == 4 => Ok(u),
        _ => Err(bad(format!("manifest.json: {what} is not a random UUID in lowercase hyphenated form"))),
    }
}

/// Checks a partner name (the contact book's rule, and a manifest's).
pub fn check_partner_name(name: &str) -> Result<()> {
    let n = name.chars().count();
    if n == 0 || n > MAX_PARTNER_NAME || name.chars().any(char::is_control) || name.trim() != name {
        return Err(Error::invalid(
            "partner",
            &format!("a partner's name has 1 to {MAX_PARTNER_NAME} characters, no control characters and no spaces at either end"),
        ));
    }
    Ok(())
}

impl ManifestV2 {
    /// The checks of section 3 beyond the JSON shape: ids, recipients, partner, options,
    /// reply keys. (`signer` against the signature, and `counts` against `cases.json`, are the
    /// reader's.)
    pub fn check(&self) -> Result<()> {
        parse_bundle_id(&self.bundle_id, "bundle_id")?;
        if let Some(r) = &self.in_reply_to {
            parse_bundle_id(r, "in_reply_to")?;
        }
        match &self.recipients {
            Recipients::Passphrase(p) if p == "passphrase" => {}
            Recipients::Passphrase(_) => {
                return Err(bad("manifest.json: recipients is a list of age keys or \"passphrase\""))
            }
            Recipients::Keys(keys) => check_keys(keys, "recipients")?,
        }
        check_keys(&self.reply_to, "reply_to")?;
        if let Some(p) = &self.partner {
            check_partner_name(p).map_err(|_| bad("manifest.json: the partner's name is not a valid name"))?;
        }
        for (k, v) in &self.options {
            match (k.as_str(), v) {
                ("include_city", Json::Bool(_)) if self.profile == "no-identity" => {}
                _ => return Err(bad(format!("manifest.json: unknown option {k:?} (made by a newer Casebook?)"))),
            }
        }
        crate::dates::parse_rfc3339(&self.created).ok_or_else(|| bad("manifest.json: created is not a timestamp"))?;
        // Version 3 is version 2 with attachments: neither without the other.
        match (self.version, self.attachments.is_empty()) {
            (2, true) | (3, false) => {}
            _ => return Err(bad("manifest.json: its version does not fit its attachments (version 3 carries them)")),
        }
        if self.attachments.len() > super::bundle::MAX_ATTACHMENTS {
            return Err(bad("manifest.json lists more attachments than a bundle holds"));
        }
        Ok(())
    }

    /// The age keys it was encrypted to; None for a passphrase.
    pub fn keys(&self) -> Option<&[String]> {
        match &self.recipients {
            Recipients::Keys(k) => Some(k),
            Recipients::Passphrase(_) => None,
        }
    }
}

fn check_keys(keys: &[String], what: &str) -> Result<()> {
    if keys.is_empty() || keys.len() > super::MAX_RECIPIENTS {
        return Err(bad(format!("manifest.json: {what} names 1 to {} age keys", super::MAX_RECIPIENTS)));
    }
    for (i, k) in keys.iter().enumerate() {
        super::crypt::recipient(k)
            .map_err(|_| bad(format!("manifest.json: {what} holds a key that is not an age key")))?;
        if keys[..i].contains(k) {
            return Err(bad(format!("manifest.json: {what} names a key twice")));
        }
    }
    Ok(())
}

/// `SHA256SUMS` of `entries` (name, bytes): sorted by name, `sha256sum`'s format, LF.
pub fn sums(entries: &[(&str, &[u8])]) -> String {
    sums_of(&entries.iter().map(|(n, b)| (n.to_string(), Sha256::digest(b).into())).collect::<Vec<_>>())
}

/// `SHA256SUMS` of entries given by name and hash (the attachments, hashed as they stream).
pub fn sums_of(hashes: &[(String, [u8; 32])]) -> String {
    let mut lines: Vec<&(String, [u8; 32])> = hashes.iter().collect();
    lines.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    lines.iter().map(|(n, h)| format!("{}  {n}\n", crate::hex::encode(h))).collect()
}

/// Reads `SHA256SUMS`: (name, hash) per line, checking the exact grammar, sorted, no name twice.
pub fn parse_sums(bytes: &[u8]) -> Result<Vec<(String, [u8; 32])>> {
    let text = std::str::from_utf8(bytes).map_err(|_| bad("SHA256SUMS is not UTF-8"))?;
    let Some(body) = text.strip_suffix('\n') else {
        return Err(bad("SHA256SUMS must end with a line end (LF)"));
    };
    let mut out: Vec<(String, [u8; 32])> = Vec::new();
    for line in body.split('\n') {
        let parsed = line.split_once("  ").and_then(|(h, n)| {
            let hash = (h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
                .then(|| crate::hex::decode::<32>(h))
                .flatten()?;
            (!n.is_empty() && !n.contains('\r')).then(|| (n.to_string(), hash))
        });
        let (name, hash) = parsed.ok_or_else(|| bad("SHA256SUMS has a line that is not `<64 hex digits>  <name>`"))?;
        if let Some((last, _)) = out.last() {
            if last.as_bytes() >= name.as_bytes() {
                return Err(bad("SHA256SUMS must list each entry once, sorted by name"));
            }
        }
        out.push((name, hash));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_round_trip_in_sha256sum_format() {
        let s = sums(&[("cases.json", b"{}"), ("README.txt", b"r"), ("cases.csv", b"")]);
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].ends_with("  README.txt") && lines[2].ends_with("  cases.json"), "{s}");
        assert!(lines[1].starts_with("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        let parsed = parse_sums(s.as_bytes()).unwrap();
        assert_eq!(parsed.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(), ["README.txt", "cases.csv", "cases.json"]);
    }

    #[test]
    fn sums_outside_the_grammar_are_refused() {
        let good = sums(&[("a", b"1"), ("b", b"2")]);
        let (l1, l2) = good.split_once('\n').unwrap();
        for evil in [
            good.trim_end().to_string(),      // no final LF
            good.replace('\n', "\r\n"),       // CR
            format!("{l2}{l1}\n"),            // not sorted
            format!("{l1}\n{l1}\n"),          // twice
            format!("{good}\n"),              // blank line
            good.replacen("  a", " *a", 1),   // binary-mode marker
            good.to_uppercase(),              // upper-case hex
            format!("# comment\n{good}"),     // comment
            good.replacen(&l1[..2], "zz", 1), // not hex
        ] {
            assert!(parse_sums(evil.as_bytes()).is_err(), "{evil:?}");
        }
    }

    #[test]
    fn partner_names_and_bundle_ids_are_checked() {
        assert!(check_partner_name("Memorial Yerevan").is_ok());
        for evil in ["", " x", "x ", "a\nb", &"я".repeat(201)] {
            assert!(check_partner_name(evil).is_err(), "{evil:?}");
        }
        let v4 = uuid::Uuid::from_bytes([0xab; 16]);
        let v4 = uuid::Builder::from_random_bytes(*v4.as_bytes()).into_uuid().to_string();
        assert!(parse_bundle_id(&v4, "id").is_ok());
        assert!(parse_bundle_id(&v4.to_uppercase(), "id").is_err());
        assert!(parse_bundle_id("0193a5c2-0000-7000-8000-000000000001", "id").is_err());
    }
}

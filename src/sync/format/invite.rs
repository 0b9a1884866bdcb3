//! Invites (docs/formats/delta.md section 8): the cleartext head, the sealed secret, the text form.

use super::{check_prefix, prefix, Bad, Cursor, KIND_INVITE};
use crate::base32;

/// Invite: fixed length and where the sealed secret starts.
pub const INVITE_LEN: usize = 192;
pub const INVITE_AAD: usize = 60;
pub const INVITE_SECRET: usize = 116;
pub const INVITE_TEXT_PREFIX: &str = "CASEBOOK-INVITE-1:";

/// An invite's cleartext part (the KDF parameters, salt and nonce).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteHead {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
    pub salt: [u8; 16],
    pub nonce: [u8; 24],
}

/// The secret an invite carries.
#[derive(Clone, PartialEq, Eq, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct InviteSecret {
    pub group: [u8; 16],
    pub epoch: u32,
    pub group_key: [u8; 32],
    pub inviter: [u8; 16],
    pub inviter_key: [u8; 32],
    pub created_ms: u64,
    pub expires_ms: u64,
}

pub fn encode_invite_head(h: &InviteHead) -> Vec<u8> {
    let mut out = prefix(KIND_INVITE).to_vec();
    out.extend_from_slice(&h.m_kib.to_be_bytes());
    out.extend_from_slice(&h.t.to_be_bytes());
    out.extend_from_slice(&h.p.to_be_bytes());
    out.extend_from_slice(&h.salt);
    out.extend_from_slice(&h.nonce);
    out
}

/// Splits a 192-byte invite into its head and the sealed secret.
pub fn decode_invite(bytes: &[u8]) -> Result<(InviteHead, &[u8]), Bad> {
    check_prefix(bytes, KIND_INVITE)?;
    if bytes.len() != INVITE_LEN {
        return Err(Bad::new(format!("an invite has {INVITE_LEN} bytes, this one {}", bytes.len())));
    }
    let mut c = Cursor::new(bytes);
    c.take(8)?;
    let head = InviteHead { m_kib: c.u32()?, t: c.u32()?, p: c.u32()?, salt: c.array()?, nonce: c.array()? };
    Ok((head, &bytes[INVITE_AAD..]))
}

pub fn encode_invite_secret(s: &InviteSecret) -> zeroize::Zeroizing<Vec<u8>> {
    let mut out = zeroize::Zeroizing::new(Vec::with_capacity(INVITE_SECRET));
    out.extend_from_slice(&s.group);
    out.extend_from_slice(&s.epoch.to_be_bytes());
    out.extend_from_slice(&s.group_key);
    out.extend_from_slice(&s.inviter);
    out.extend_from_slice(&s.inviter_key);
    out.extend_from_slice(&s.created_ms.to_be_bytes());
    out.extend_from_slice(&s.expires_ms.to_be_bytes());
    out
}

pub fn decode_invite_secret(bytes: &[u8]) -> Result<InviteSecret, Bad> {
    if bytes.len() != INVITE_SECRET {
        return Err(Bad::new("the invite's secret has the wrong length"));
    }
    let mut c = Cursor::new(bytes);
    let s = InviteSecret {
        group: c.array()?,
        epoch: c.u32()?,
        group_key: c.array()?,
        inviter: c.array()?,
        inviter_key: c.array()?,
        created_ms: c.u64()?,
        expires_ms: c.u64()?,
    };
    if s.epoch == 0 {
        return Err(Bad::new("key epoch 0 does not exist"));
    }
    Ok(s)
}

/// The invite's text form: `CASEBOOK-INVITE-1:` and Crockford base32 (`base32::encode`).
pub fn invite_to_text(bytes: &[u8]) -> String {
    format!("{INVITE_TEXT_PREFIX}{}", base32::encode(bytes).as_str())
}

/// Reads the text form back, as `base32::decode` reads typed text (white space, dashes, case
/// and look-alikes do not matter).
pub fn invite_from_text(text: &str) -> Result<Vec<u8>, Bad> {
    let text = text.trim_start_matches('\u{feff}').trim();
    let head = text.get(..INVITE_TEXT_PREFIX.len()).filter(|h| h.eq_ignore_ascii_case(INVITE_TEXT_PREFIX));
    let rest = head
        .map(|h| &text[h.len()..])
        .ok_or_else(|| Bad::new(format!("an invite starts with {INVITE_TEXT_PREFIX}")))?;
    if rest.len() > 1024 {
        return Err(Bad::new("the invite text is far too long"));
    }
    let decoded = base32::decode(rest)
        .map_err(|ch| Bad::new(format!("the invite text holds {ch:?}, which is not part of an invite")))?;
    Ok(decoded.bytes.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_text_round_trips_with_look_alikes_and_spaces() {
        let bytes: Vec<u8> = (0..INVITE_LEN as u32).map(|i| (i * 37 % 256) as u8).collect();
        let text = invite_to_text(&bytes);
        assert_eq!(invite_from_text(&text).unwrap(), bytes);
        let messy = format!("  {}\n", text.to_lowercase().replace('0', "o"));
        assert_eq!(invite_from_text(&messy).unwrap(), bytes);
        assert!(invite_from_text("hello").is_err());
    }
}

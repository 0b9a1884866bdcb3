//! Invites v2, join requests and the code people compare (docs/formats/roster.md section 5).
//! An invite carries no group key: an intercepted invite and its words read nothing without an
//! approval. Pure: the passphrase's key comes in from the caller (Argon2id in `seal`).

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::SigningKey;
use zeroize::Zeroizing;

use super::crypt::{self, BoxSecret};
use super::entry::{DeviceId, EntryId, MAX_LABEL};
use crate::base32;
use crate::sync::format::{prefix_v, Bad, Cursor, InviteHead, KIND_INVITE, KIND_REQUEST};

pub const INVITE_V2: u8 = 2;
pub const INVITE_TEXT_PREFIX_V2: &str = "CASEBOOK-INVITE-2:";
/// Head (prefix, KDF parameters, salt, nonce), the sealed secret and its tag.
pub const INVITE2_AAD: usize = 60;
pub const INVITE2_SECRET: usize = 32 + 16 + 32 + 32 + 16 + 8;
pub const INVITE2_LEN: usize = INVITE2_AAD + INVITE2_SECRET + 16;
/// The largest KDF parameters an invite may ask for (F17): the default and a margin.
pub const MAX_INVITE_M_KIB: u32 = 262_144;
pub const MAX_INVITE_T: u32 = 4;
pub const MAX_INVITE_P: u32 = 4;
pub const REQUEST_V1: u8 = 1;
/// The largest age file a request carries (the joiner's label and the grease stanza).
pub const MAX_REQUEST_BOX: usize = 1024;

/// What an invite v2 holds under its words.
#[derive(Clone, PartialEq, Eq, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct InviteV2 {
    pub genesis: EntryId,
    pub invite: [u8; 16],
    /// The invite's one-time signing key: the joiner's request carries its signature.
    pub invite_secret: [u8; 32],
    /// The inviter's request key: only the inviter opens a request.
    pub request_box: [u8; 32],
    pub inviter: DeviceId,
    pub expires_ms: u64,
}

pub fn encode_invite(head: &InviteHead, key: &[u8; 32], s: &InviteV2) -> Vec<u8> {
    let mut out = prefix_v(KIND_INVITE, INVITE_V2).to_vec();
    for v in [head.m_kib, head.t, head.p] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(&head.salt);
    out.extend_from_slice(&head.nonce);
    let mut plain = Zeroizing::new(Vec::with_capacity(INVITE2_SECRET));
    for part in [&s.genesis[..], &s.invite, &s.invite_secret, &s.request_box, &s.inviter, &s.expires_ms.to_be_bytes()] {
        plain.extend_from_slice(part);
    }
    let sealed = XChaCha20Poly1305::new_from_slice(key)
        .expect("32 bytes")
        .encrypt(&XNonce::from(head.nonce), Payload { msg: &plain, aad: &out })
        .expect("seals");
    out.extend_from_slice(&sealed);
    out
}

/// The head of an invite v2, checked (length, prefix, KDF bounds) before any KDF runs.
pub fn invite_head(bytes: &[u8]) -> Result<InviteHead, Bad> {
    if bytes.len() < 8 || bytes[..8] != prefix_v(KIND_INVITE, INVITE_V2) {
        return Err(Bad::new("not an invite of version 2"));
    }
    if bytes.len() != INVITE2_LEN {
        return Err(Bad::new(format!("an invite has {INVITE2_LEN} bytes, this one {}", bytes.len())));
    }
    let mut c = Cursor::new(&bytes[8..]);
    let head = InviteHead { m_kib: c.u32()?, t: c.u32()?, p: c.u32()?, salt: c.array()?, nonce: c.array()? };
    if head.m_kib > MAX_INVITE_M_KIB || head.t > MAX_INVITE_T || head.p > MAX_INVITE_P {
        return Err(Bad::new(format!(
            "the invite asks for more work than an invite may (at most {MAX_INVITE_M_KIB} KiB, t = {MAX_INVITE_T}, p = {MAX_INVITE_P})"
        )));
    }
    Ok(head)
}

/// Opens an invite v2 with the key its words gave. `Err(None)`: wrong words (or a changed invite).
pub fn open_invite(bytes: &[u8], key: &[u8; 32]) -> Result<InviteV2, Option<Bad>> {
    let head = invite_head(bytes).map_err(Some)?;
    let plain = Zeroizing::new(
        XChaCha20Poly1305::new_from_slice(key)
            .expect("32 bytes")
            .decrypt(&XNonce::from(head.nonce), Payload { msg: &bytes[INVITE2_AAD..], aad: &bytes[..INVITE2_AAD] })
            .map_err(|_| None)?,
    );
    let mut c = Cursor::new(&plain);
    let s = InviteV2 {
        genesis: c.array().map_err(Some)?,
        invite: c.array().map_err(Some)?,
        invite_secret: c.array().map_err(Some)?,
        request_box: c.array().map_err(Some)?,
        inviter: c.array().map_err(Some)?,
        expires_ms: c.u64().map_err(Some)?,
    };
    crypt::check_box_key(&s.request_box).map_err(Some)?;
    Ok(s)
}

pub fn invite_to_text(bytes: &[u8]) -> String {
    format!("{INVITE_TEXT_PREFIX_V2}{}", base32::encode(bytes).as_str())
}

// ---------------------------------------------------------------------------------------------
// Join request `<joiner>/request-<invite: 32 hex>`

/// A join request's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub group: [u8; 16],
    pub invite: [u8; 16],
    pub joiner_sign: [u8; 32],
    pub joiner_box: [u8; 32],
    /// An age file to the invite's request key: the joiner's label.
    pub sealed_label: Vec<u8>,
    pub joiner_signature: [u8; 64],
    pub invite_signature: [u8; 64],
}

fn request_signed(r: &Request) -> Vec<u8> {
    let mut out = prefix_v(KIND_REQUEST, REQUEST_V1).to_vec();
    for part in [&r.group[..], &r.invite, &r.joiner_sign, &r.joiner_box] {
        out.extend_from_slice(part);
    }
    out.extend_from_slice(&(r.sealed_label.len() as u16).to_be_bytes());
    out.extend_from_slice(&r.sealed_label);
    out
}

pub fn encode_request(r: &Request) -> Vec<u8> {
    let mut out = request_signed(r);
    out.extend_from_slice(&r.joiner_signature);
    out.extend_from_slice(&r.invite_signature);
    out
}

/// Makes the joiner's request: its keys, its label sealed to the inviter, both signatures.
pub fn make_request(
    invite: &InviteV2,
    joiner: &SigningKey,
    joiner_box: &BoxSecret,
    label: &str,
) -> Result<Vec<u8>, Bad> {
    let recipient = crypt::age_recipient(&invite.request_box);
    let sealed_label = crypt::age_seal(&recipient, label.as_bytes())?;
    let mut r = Request {
        group: crypt::group_of(&invite.genesis),
        invite: invite.invite,
        joiner_sign: joiner.verifying_key().to_bytes(),
        joiner_box: joiner_box.public(),
        sealed_label,
        joiner_signature: [0; 64],
        invite_signature: [0; 64],
    };
    let signed = request_signed(&r);
    r.joiner_signature = crypt::sign(joiner, &signed);
    r.invite_signature = crypt::sign(&SigningKey::from_bytes(&invite.invite_secret), &signed);
    Ok(encode_request(&r))
}

/// Reads a request: structure, keys, and both signatures (the joiner's key and the invite's).
pub fn decode_request(bytes: &[u8], invite_sign: &[u8; 32]) -> Result<Request, Bad> {
    if bytes.len() < 8 || bytes[..8] != prefix_v(KIND_REQUEST, REQUEST_V1) {
        return Err(Bad::new("not a join request of version 1"));
    }
    let mut c = Cursor::new(&bytes[8..]);
    let group = c.array()?;
    let invite = c.array()?;
    let joiner_sign = c.array()?;
    let joiner_box = c.array()?;
    let len = c.u16()? as usize;
    if len == 0 || len > MAX_REQUEST_BOX {
        return Err(Bad::new(format!("a request's sealed label has 1 ..= {MAX_REQUEST_BOX} bytes, this one {len}")));
    }
    let sealed_label = c.take(len)?.to_vec();
    let joiner_signature = c.array()?;
    let invite_signature = c.array()?;
    if c.remaining() != 0 {
        return Err(Bad::new(format!("{} bytes follow the signatures", c.remaining())));
    }
    let r = Request { group, invite, joiner_sign, joiner_box, sealed_label, joiner_signature, invite_signature };
    crypt::check_box_key(&r.joiner_box)?;
    let signed = request_signed(&r);
    crypt::verify(&r.joiner_sign, &signed, &r.joiner_signature)?;
    crypt::verify(invite_sign, &signed, &r.invite_signature)
        .map_err(|_| Bad::new("the request is not signed with the invite's key: not made from this invite"))?;
    Ok(r)
}

/// Opens the joiner's label with the inviter's request key.
pub fn request_label(r: &Request, request_secret: &BoxSecret) -> Result<String, Bad> {
    let plain = crypt::age_open(request_secret, &r.sealed_label, MAX_LABEL)?;
    String::from_utf8(plain.to_vec()).map_err(|_| Bad::new("the joiner's label is not UTF-8"))
}

/// A request's id: the hash of all its bytes.
pub fn request_id(bytes: &[u8]) -> EntryId {
    crypt::sha256(&[bytes])
}

/// The code two people compare (section 5): 80 bits of `H("casebook/v2/sas" ‖ genesis ‖
/// invite ‖ request id)` as four groups of six digits, joined by `-`.
pub fn code(genesis: &EntryId, invite: &[u8; 16], request: &EntryId) -> String {
    let h = crypt::sha256(&[b"casebook/v2/sas", genesis, invite, request]);
    let bits = u128::from_be_bytes(h[..16].try_into().expect("16 bytes")) >> 48;
    (0..4).map(|i| format!("{:06}", ((bits >> (60 - 20 * i)) & 0xF_FFFF) % 1_000_000)).collect::<Vec<_>>().join("-")
}

/// A code as typed (spaces, dashes or none): its 24 digits, or None.
pub fn normalise_code(typed: &str) -> Option<String> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    (digits.len() == 24 && digits.chars().all(|c| c.is_ascii_digit())).then(|| {
        digits.as_bytes().chunks(6).map(|c| std::str::from_utf8(c).expect("digits")).collect::<Vec<_>>().join("-")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite() -> InviteV2 {
        InviteV2 {
            genesis: [1; 32],
            invite: [2; 16],
            invite_secret: [3; 32],
            request_box: BoxSecret::from_bytes([4; 32]).public(),
            inviter: [5; 16],
            expires_ms: 1_800_000_000_000,
        }
    }

    #[test]
    fn a_request_round_trips_and_every_change_is_refused() {
        let inv = invite();
        let invite_sign = SigningKey::from_bytes(&inv.invite_secret).verifying_key().to_bytes();
        let joiner = SigningKey::from_bytes(&[8; 32]);
        let bytes = make_request(&inv, &joiner, &BoxSecret::from_bytes([9; 32]), "Boris").unwrap();
        let r = decode_request(&bytes, &invite_sign).unwrap();
        assert_eq!(encode_request(&r), bytes);
        assert_eq!(request_label(&r, &BoxSecret::from_bytes([4; 32])).unwrap(), "Boris");
        assert!(request_label(&r, &BoxSecret::from_bytes([6; 32])).is_err(), "another key opened the label");
        // Not made from this invite: another invite key.
        let other = SigningKey::from_bytes(&[7; 32]).verifying_key().to_bytes();
        assert!(decode_request(&bytes, &other).unwrap_err().0.contains("invite's key"));
        // Any flipped byte, a trailing byte, a cut.
        for i in (8..bytes.len()).step_by(7) {
            let mut b = bytes.clone();
            b[i] ^= 1;
            assert!(decode_request(&b, &invite_sign).is_err(), "byte {i} changed and still accepted");
        }
        assert!(decode_request(&[&bytes[..], &[0]].concat(), &invite_sign).is_err());
        assert!(decode_request(&bytes[..bytes.len() - 1], &invite_sign).is_err());
        // A small-order X25519 key of the joiner is refused, even validly signed.
        let mut r2 = r.clone();
        r2.joiner_box = [0; 32];
        let signed = request_signed(&r2);
        r2.joiner_signature = crypt::sign(&joiner, &signed);
        r2.invite_signature = crypt::sign(&SigningKey::from_bytes(&inv.invite_secret), &signed);
        assert!(decode_request(&encode_request(&r2), &invite_sign).unwrap_err().0.contains("small order"));
    }

    #[test]
    fn an_invite_opens_with_its_key_only_and_asks_for_bounded_work() {
        let head = InviteHead { m_kib: 8192, t: 1, p: 1, salt: [1; 16], nonce: [2; 24] };
        let bytes = encode_invite(&head, &[9; 32], &invite());
        assert_eq!(bytes.len(), INVITE2_LEN);
        assert!(open_invite(&bytes, &[9; 32]).unwrap() == invite());
        assert!(matches!(open_invite(&bytes, &[8; 32]), Err(None)), "a wrong key is a wrong key");
        let greedy = encode_invite(&InviteHead { m_kib: 2_097_152, ..head }, &[9; 32], &invite());
        assert!(invite_head(&greedy).unwrap_err().0.contains("more work"));
        let text = invite_to_text(&bytes);
        assert!(text.starts_with("CASEBOOK-INVITE-2:"));
    }

    #[test]
    fn codes_are_four_groups_of_six_digits_and_typed_forms_normalise() {
        let c = code(&[1; 32], &[2; 16], &[3; 32]);
        assert_eq!(c.len(), 27);
        assert!(c.split('-').all(|g| g.len() == 6 && g.bytes().all(|b| b.is_ascii_digit())));
        assert_eq!(normalise_code(&c.replace('-', " ")).as_deref(), Some(c.as_str()));
        assert_eq!(normalise_code(&c.replace('-', "")).as_deref(), Some(c.as_str()));
        assert_eq!(normalise_code("12345-123456-123456-123456"), None);
        assert_ne!(code(&[1; 32], &[2; 16], &[4; 32]), c);
    }
}

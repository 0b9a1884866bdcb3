//! Key slots: wrapping and unwrapping the data key (Argon2id → XChaCha20-Poly1305), the KDF
//! bounds, and keys derived from the data key. Bytes in, bytes out: no file-system IO.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::header::{slot_metadata, Header, KdfParams, KeySlot, SlotKind};
use crate::entropy::Entropy;
use crate::error::{Error, Result};
use crate::secret::DataKey;

/// Default passphrase-slot parameters: 256 MiB, 3 passes, 4 lanes (~0.7 s on a field laptop;
/// above RFC 9106's second recommended choice of 64 MiB, t=3, p=4).
pub const DEFAULT_PASSPHRASE_KDF: KdfParams = KdfParams { m_kib: 256 * 1024, t: 3, p: 4 };
/// Recovery keys carry 160 random bits, so their KDF only needs to be non-trivial.
pub const DEFAULT_RECOVERY_KDF: KdfParams = KdfParams { m_kib: 19 * 1024, t: 2, p: 1 };
/// Smallest memory accepted in any slot (tests pass weak parameters explicitly; this floor
/// refuses absurd values, not test values).
pub const MIN_M_KIB: u32 = 8 * 1024;
/// Largest memory accepted: a hostile header must not make us allocate more than 2 GiB.
pub const MAX_M_KIB: u32 = 2 * 1024 * 1024;
/// Largest number of passes accepted.
pub const MAX_T: u32 = 64;
/// Largest number of lanes accepted.
pub const MAX_P: u32 = 64;

impl KdfParams {
    /// Checks the parameters against the floor and the ceiling. Runs before the KDF.
    pub fn check(&self) -> Result<()> {
        let fail = |reason: String| Err(Error::KdfParams { reason });
        if self.m_kib < MIN_M_KIB {
            return fail(format!("memory {} KiB is below the floor of {} KiB", self.m_kib, MIN_M_KIB));
        }
        if self.m_kib > MAX_M_KIB {
            return fail(format!("memory {} KiB is above the ceiling of {} KiB", self.m_kib, MAX_M_KIB));
        }
        if self.t == 0 || self.t > MAX_T {
            return fail(format!("passes {} are outside 1..={MAX_T}", self.t));
        }
        if self.p == 0 || self.p > MAX_P {
            return fail(format!("lanes {} are outside 1..={MAX_P}", self.p));
        }
        if self.m_kib < 8 * self.p {
            return fail(format!("memory {} KiB is below 8 KiB per lane", self.m_kib));
        }
        Ok(())
    }
}

fn derive_wrapping_key(secret: &[u8], salt: &[u8; 16], kdf: KdfParams) -> Result<Zeroizing<[u8; 32]>> {
    kdf.check()?;
    let params = Params::new(kdf.m_kib, kdf.t, kdf.p, Some(32))
        .map_err(|_| Error::KdfParams { reason: "argon2 refused the parameters".into() })?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(secret, salt, out.as_mut())
        .map_err(|_| Error::Crypto("argon2id key derivation failed"))?;
    Ok(out)
}

fn associated_data(header: &Header, slot: &KeySlot) -> Vec<u8> {
    let mut ad = header.bound_prefix();
    ad.extend_from_slice(&slot_metadata(slot));
    ad
}

/// Makes a new slot of `kind` that wraps `data_key` under `secret`. `header` supplies the
/// vault id and DB settings that the slot binds; its own slot list is not read.
pub fn wrap(
    header: &Header,
    data_key: &DataKey,
    kind: SlotKind,
    secret: &[u8],
    kdf: KdfParams,
    entropy: &mut dyn Entropy,
) -> Result<KeySlot> {
    let mut slot = KeySlot { kind, id: [0; 16], kdf, salt: [0; 16], nonce: [0; 24], wrapped: [0; 48] };
    entropy.fill(&mut slot.id);
    entropy.fill(&mut slot.salt);
    entropy.fill(&mut slot.nonce);
    let wrapping = derive_wrapping_key(secret, &slot.salt, kdf)?;
    let cipher = XChaCha20Poly1305::new_from_slice(wrapping.as_ref()).map_err(|_| Error::Crypto("bad key length"))?;
    let ad = associated_data(header, &slot);
    let ct = cipher
        .encrypt(&XNonce::from(slot.nonce), Payload { msg: data_key.expose(), aad: &ad })
        .map_err(|_| Error::Crypto("sealing the key slot failed"))?;
    slot.wrapped.copy_from_slice(&ct);
    Ok(slot)
}

/// Tries every slot of `kind` with `secret`; returns the data key and the index of the slot
/// that opened, or [`Error::WrongKey`]. Out-of-bounds KDF parameters are refused before any
/// KDF runs. The header MAC is verified before returning.
pub fn unwrap(header: &Header, kind: SlotKind, secret: &[u8]) -> Result<(DataKey, usize)> {
    let candidates: Vec<usize> = (0..header.slots.len()).filter(|&i| header.slots[i].kind == kind).collect();
    for &i in &candidates {
        header.slots[i].kdf.check()?;
    }
    for i in candidates {
        let slot = &header.slots[i];
        let wrapping = derive_wrapping_key(secret, &slot.salt, slot.kdf)?;
        let cipher =
            XChaCha20Poly1305::new_from_slice(wrapping.as_ref()).map_err(|_| Error::Crypto("bad key length"))?;
        let ad = associated_data(header, slot);
        let Ok(plain) = cipher.decrypt(&XNonce::from(slot.nonce), Payload { msg: &slot.wrapped, aad: &ad }) else {
            continue;
        };
        let plain = Zeroizing::new(plain);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&plain);
        let key = DataKey::from_bytes(bytes);
        zeroize::Zeroize::zeroize(&mut bytes);
        if !verify_mac(header, &key) {
            return Err(Error::Crypto("the header MAC does not match: the header was modified"));
        }
        return Ok((key, i));
    }
    Err(Error::WrongKey)
}

/// A 256-bit key for one purpose, derived from the data key (HMAC-SHA256 with a label), so
/// that the SQLCipher key, the header MAC key and later keys are independent.
pub fn subkey(data_key: &DataKey, label: &str) -> Zeroizing<[u8; 32]> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(data_key.expose()).expect("HMAC takes any key length");
    mac.update(label.as_bytes());
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

/// Sets `header.mac` for its current contents.
pub fn seal_mac(header: &mut Header, data_key: &DataKey) {
    header.mac = compute_mac(header, data_key);
}

fn compute_mac(header: &Header, data_key: &DataKey) -> [u8; 32] {
    let key = subkey(data_key, "casebook/v1/header-mac");
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_ref()).expect("HMAC takes any key length");
    mac.update(&header.mac_input());
    mac.finalize().into_bytes().into()
}

fn verify_mac(header: &Header, data_key: &DataKey) -> bool {
    let key = subkey(data_key, "casebook/v1/header-mac");
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_ref()).expect("HMAC takes any key length");
    mac.update(&header.mac_input());
    mac.verify_slice(&header.mac).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::SeededEntropy;
    use crate::vault::header::DbCipher;

    const WEAK: KdfParams = KdfParams { m_kib: MIN_M_KIB, t: 1, p: 1 };

    fn vault(rng: &mut SeededEntropy) -> (Header, DataKey) {
        let key = DataKey::generate(rng);
        let mut h = Header { vault_id: [3; 16], db: DbCipher::default(), slots: vec![], mac: [0; 32] };
        let s1 = wrap(&h, &key, SlotKind::Passphrase, b"correct horse", WEAK, rng).unwrap();
        let s2 = wrap(&h, &key, SlotKind::RecoveryKey, b"recovery", WEAK, rng).unwrap();
        h.slots = vec![s1, s2];
        seal_mac(&mut h, &key);
        (h, key)
    }

    #[test]
    fn right_secret_opens_its_slot_and_wrong_one_does_not() {
        let mut rng = SeededEntropy::new(1);
        let (h, key) = vault(&mut rng);
        let (k, i) = unwrap(&h, SlotKind::Passphrase, b"correct horse").unwrap();
        assert_eq!((k.expose(), i), (key.expose(), 0));
        let (k, i) = unwrap(&h, SlotKind::RecoveryKey, b"recovery").unwrap();
        assert_eq!((k.expose(), i), (key.expose(), 1));
        assert!(matches!(unwrap(&h, SlotKind::Passphrase, b"wrong"), Err(Error::WrongKey)));
        // A recovery key is never tried against a passphrase slot.
        assert!(matches!(unwrap(&h, SlotKind::Passphrase, b"recovery"), Err(Error::WrongKey)));
    }

    #[test]
    fn changing_bound_metadata_breaks_the_slot() {
        let mut rng = SeededEntropy::new(2);
        let (h, _) = vault(&mut rng);
        let mut other_vault = h.clone();
        other_vault.vault_id[0] ^= 1;
        assert!(matches!(unwrap(&other_vault, SlotKind::Passphrase, b"correct horse"), Err(Error::WrongKey)));
        let mut other_params = h.clone();
        other_params.slots[0].kdf.t = 2;
        assert!(matches!(unwrap(&other_params, SlotKind::Passphrase, b"correct horse"), Err(Error::WrongKey)));
        let mut other_page = h.clone();
        other_page.db.page_size = 8192;
        assert!(matches!(unwrap(&other_page, SlotKind::Passphrase, b"correct horse"), Err(Error::WrongKey)));
    }

    #[test]
    fn tampering_with_another_slot_is_caught_by_the_header_mac() {
        let mut rng = SeededEntropy::new(3);
        let (mut h, _) = vault(&mut rng);
        h.slots[1].wrapped[0] ^= 1;
        assert!(matches!(unwrap(&h, SlotKind::Passphrase, b"correct horse"), Err(Error::Crypto(_))));
    }

    #[test]
    fn hostile_kdf_params_are_refused_before_the_kdf_runs() {
        let mut rng = SeededEntropy::new(4);
        let (mut h, _) = vault(&mut rng);
        h.slots[0].kdf.m_kib = u32::MAX; // 4 TiB
        let started = std::time::Instant::now();
        assert!(matches!(unwrap(&h, SlotKind::Passphrase, b"x"), Err(Error::KdfParams { .. })));
        assert!(started.elapsed().as_millis() < 100, "refusal ran the KDF");
        for bad in [
            KdfParams { m_kib: 1, t: 1, p: 1 },
            KdfParams { m_kib: MIN_M_KIB, t: 0, p: 1 },
            KdfParams { m_kib: MIN_M_KIB, t: 1_000_000, p: 1 },
            KdfParams { m_kib: MIN_M_KIB, t: 1, p: 0 },
            KdfParams { m_kib: MIN_M_KIB, t: 1, p: 100_000 },
        ] {
            assert!(bad.check().is_err(), "{bad:?} accepted");
        }
        assert!(DEFAULT_PASSPHRASE_KDF.check().is_ok());
        assert!(DEFAULT_RECOVERY_KDF.check().is_ok());
    }

    #[test]
    fn default_passphrase_kdf_is_never_below_rfc9106_second_choice() {
        let d = DEFAULT_PASSPHRASE_KDF;
        assert!(d.m_kib >= 64 * 1024 && d.t >= 3 && d.p >= 4);
    }

    #[test]
    fn subkeys_differ_by_label() {
        let key = DataKey::generate(&mut SeededEntropy::new(5));
        assert_ne!(*subkey(&key, "a"), *subkey(&key, "b"));
    }
}

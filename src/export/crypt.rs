//! The age layer of a bundle (docs/formats/bundle.md section 1): encrypt to X25519 recipients or
//! to a passphrase (scrypt), decrypt with this vault's identity or a passphrase. Bytes in, bytes
//! out. age draws its file keys and nonces from the operating system's generator itself.

use std::io::{Read, Write};
use std::str::FromStr;

use age::secrecy::SecretString;

use crate::error::{Error, Result};
use crate::secret::Passphrase;

/// Largest plaintext accepted when decrypting (the archive's cap, `bundle::MAX_ARCHIVE`).
pub const MAX_PLAIN: u64 = 160 * 1024 * 1024;
/// Largest scrypt work factor accepted when decrypting (2^20: about 1 GiB and a few seconds);
/// a hostile bundle cannot make us spend more.
pub const MAX_SCRYPT_LOG_N: u8 = 20;

/// Parses an age public key (`age1…`), saying what is wrong.
pub fn recipient(text: &str) -> Result<age::x25519::Recipient> {
    age::x25519::Recipient::from_str(text.trim()).map_err(|_| {
        Error::invalid(
            "recipient",
            "not an age public key: it starts with age1 and has 62 characters (ask the partner for theirs, or use a passphrase)",
        )
    })
}

fn secret(pass: &Passphrase) -> Result<SecretString> {
    let text = std::str::from_utf8(pass.expose()).map_err(|_| Error::invalid("passphrase", "not valid text"))?;
    Ok(SecretString::from(text.to_owned()))
}

fn encrypt(protection: &super::Protection, plain: &[u8]) -> Result<Vec<u8>> {
    let mut w = sealer(protection, Vec::with_capacity(plain.len() + 512))?;
    w.write_all(plain).map_err(|e| Error::io("age encryption", e))?;
    w.finish().map_err(|e| Error::io("age encryption", e))
}

/// Encrypts to one or more age public keys.
pub fn to_recipients(plain: &[u8], keys: &[String]) -> Result<Vec<u8>> {
    encrypt(&super::Protection::Recipients(keys.to_vec()), plain)
}

/// Encrypts to a passphrase with scrypt work factor 2^`log_n` (age's default is 18).
pub fn to_passphrase(plain: &[u8], pass: &Passphrase, log_n: u8) -> Result<Vec<u8>> {
    encrypt(&super::Protection::Passphrase(pass.clone(), log_n), plain)
}

/// What can open a bundle.
pub enum Key<'a> {
    /// This vault's identity (`AGE-SECRET-KEY-1…`).
    Identity(&'a age::x25519::Identity),
    Passphrase(&'a Passphrase),
}

/// Whether an age file is passphrase-protected (None: not an age file).
pub fn needs_passphrase(bytes: &[u8]) -> Option<bool> {
    age::Decryptor::new_buffered(bytes).ok().map(|d| d.is_scrypt())
}

/// A writer that encrypts what is written to it for `protection` into `out` (call `finish`).
pub fn sealer<W: Write>(protection: &super::Protection, out: W) -> Result<age::stream::StreamWriter<W>> {
    let encryptor = match protection {
        super::Protection::Recipients(keys) => {
            if keys.is_empty() {
                return Err(Error::invalid("recipient", "give at least one recipient key, or use a passphrase"));
            }
            let recipients: Vec<age::x25519::Recipient> = keys.iter().map(|k| recipient(k)).collect::<Result<_>>()?;
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|_| Error::Crypto("age refused the recipients"))?
        }
        super::Protection::Passphrase(pass, log_n) => {
            let mut r = age::scrypt::Recipient::new(secret(pass)?);
            r.set_work_factor(*log_n);
            age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
                .map_err(|_| Error::Crypto("age refused the passphrase"))?
        }
    };
    encryptor.wrap_output(out).map_err(|e| Error::io("age encryption", e))
}

/// Opens an age file for reading its plaintext anywhere (age's seekable stream: each 64 KiB
/// chunk is authenticated as it is read, and a truncated file is refused when the stream seeks
/// to its end). Nothing is decrypted ahead of what is read.
pub fn open_seekable<R: Read + std::io::Seek>(input: R, key: Key<'_>) -> Result<age::stream::StreamReader<R>> {
    let d = age::Decryptor::new(input).map_err(|_| not_age())?;
    unlock(d, key)
}

fn not_age() -> Error {
    Error::invalid("bundle", "this file is not an encrypted Casebook bundle (not in the age format, or damaged)")
}

fn unlock<R: Read>(d: age::Decryptor<R>, key: Key<'_>) -> Result<age::stream::StreamReader<R>> {
    match key {
        Key::Passphrase(pass) => {
            if !d.is_scrypt() {
                return Err(Error::invalid(
                    "passphrase",
                    "this bundle was encrypted to a key, not a passphrase; it opens with the vault's identity",
                ));
            }
            let mut id = age::scrypt::Identity::new(secret(pass)?);
            id.set_max_work_factor(MAX_SCRYPT_LOG_N);
            d.decrypt(std::iter::once(&id as &dyn age::Identity)).map_err(|e| match e {
                age::DecryptError::ExcessiveWork { .. } => {
                    Error::invalid("bundle", "its passphrase protection asks for more work than Casebook allows")
                }
                age::DecryptError::DecryptionFailed | age::DecryptError::KeyDecryptionFailed => Error::WrongKey,
                _ => not_age(),
            })
        }
        Key::Identity(id) => {
            if d.is_scrypt() {
                return Err(Error::invalid("passphrase", "this bundle is protected by a passphrase: enter it"));
            }
            d.decrypt(std::iter::once(id as &dyn age::Identity)).map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => Error::invalid(
                    "recipient",
                    "this bundle was not encrypted to this vault's key (ask the sender to use `casebook identity show`'s key)",
                ),
                _ => not_age(),
            })
        }
    }
}

/// Decrypts an age file, bounded at [`MAX_PLAIN`] bytes of plaintext.
pub fn decrypt(bytes: &[u8], key: Key<'_>) -> Result<Vec<u8>> {
    let d = age::Decryptor::new_buffered(bytes).map_err(|_| not_age())?;
    let reader = unlock(d, key)?;
    let mut out = Vec::with_capacity(bytes.len().min(MAX_PLAIN as usize + 1));
    reader.take(MAX_PLAIN + 1).read_to_end(&mut out).map_err(|_| {
        Error::invalid("bundle", "the encrypted contents are damaged or were changed (age authentication failed)")
    })?;
    if out.len() as u64 > MAX_PLAIN {
        return Err(Error::invalid("bundle", "the bundle's contents are larger than 160 MiB"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use age::secrecy::ExposeSecret;

    #[test]
    fn round_trips_to_a_key_and_to_a_passphrase() {
        let id = age::x25519::Identity::generate();
        let pk = id.to_public().to_string();
        let sealed = to_recipients(b"zip bytes", &[pk]).unwrap();
        assert_eq!(decrypt(&sealed, Key::Identity(&id)).unwrap(), b"zip bytes");
        let other = age::x25519::Identity::generate();
        assert!(decrypt(&sealed, Key::Identity(&other)).is_err());
        let pass = Passphrase::new("korova-moloko".into()).unwrap();
        let sealed = to_passphrase(b"zip bytes", &pass, 10).unwrap();
        assert_eq!(needs_passphrase(&sealed), Some(true));
        assert_eq!(decrypt(&sealed, Key::Passphrase(&pass)).unwrap(), b"zip bytes");
        let wrong = Passphrase::new("wrong".into()).unwrap();
        assert!(matches!(decrypt(&sealed, Key::Passphrase(&wrong)), Err(Error::WrongKey)));
        assert!(id.to_string().expose_secret().starts_with("AGE-SECRET-KEY-1"));
    }

    #[test]
    fn garbage_and_bad_keys_are_clear_errors() {
        assert!(decrypt(b"not age", Key::Passphrase(&Passphrase::new("x".into()).unwrap())).is_err());
        assert!(recipient("age1nope").is_err());
        assert!(to_recipients(b"x", &[]).is_err());
    }
}

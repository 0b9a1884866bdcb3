//! Typed secrets: the vault's data key, passphrases and recovery keys.
//!
//! Every type here zeroizes its bytes on drop and has no `Debug`, `Display` or `Serialize`
//! that could print the secret. Nothing here does IO.

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::base32;
use crate::entropy::Entropy;
use crate::error::{Error, Result};

/// The random 256-bit key that everything in a vault is derived from. Stored only wrapped in
/// key slots; never written to disk in the clear.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; 32]);

impl DataKey {
    /// A fresh random data key.
    pub fn generate(entropy: &mut dyn Entropy) -> Self {
        let mut key = DataKey([0; 32]);
        entropy.fill(&mut key.0);
        key
    }

    /// Wraps raw bytes (from an unwrapped key slot).
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> Self {
        DataKey(bytes)
    }

    /// The raw key bytes; callers must not copy them into unzeroized memory.
    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

/// The fewest characters of a passphrase that protects something new.
pub const MIN_NEW_PASSPHRASE_CHARS: usize = 8;

/// A passphrase typed by the user: Unicode NFC, UTF-8 (after trimming a trailing newline that
/// a file or pipe adds), so the same words typed on another keyboard or system give the same
/// key (a composed and a decomposed "й" are the same passphrase).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Passphrase(String);

impl Passphrase {
    /// Wraps a passphrase; refuses an empty one.
    pub fn new(text: String) -> Result<Self> {
        let mut text = Zeroizing::new(text);
        while text.ends_with('\n') || text.ends_with('\r') {
            text.pop();
        }
        if text.is_empty() {
            return Err(Error::invalid("passphrase", "the passphrase is empty"));
        }
        use unicode_normalization::UnicodeNormalization;
        let nfc: String = text.nfc().collect();
        Ok(Passphrase(nfc))
    }

    /// A passphrase that protects something new (a vault, a changed passphrase, a bundle): as
    /// [`Passphrase::new`], and at least [`MIN_NEW_PASSPHRASE_CHARS`] characters. The one
    /// strength rule of the CLI and the app.
    pub fn for_new_vault(text: String) -> Result<Self> {
        let pass = Passphrase::new(text)?;
        pass.check_new()?;
        Ok(pass)
    }

    /// Whether this passphrase may protect something new (the rule of [`Passphrase::for_new_vault`]).
    pub fn check_new(&self) -> Result<()> {
        if self.char_count() < MIN_NEW_PASSPHRASE_CHARS {
            return Err(Error::invalid(
                "passphrase",
                &format!("use at least {MIN_NEW_PASSPHRASE_CHARS} characters; a few words are easier to remember"),
            ));
        }
        Ok(())
    }

    /// The passphrase bytes for the KDF.
    pub(crate) fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Length in characters (for strength hints; the text itself is never shown).
    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }
}

/// Recovery keys carry 160 random bits: 32 base32 characters in 8 groups of 4.
pub const RECOVERY_KEY_BYTES: usize = 20;
const RECOVERY_KEY_CHARS: usize = 32;

/// A high-entropy recovery key, shown once at vault creation.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct RecoveryKey([u8; RECOVERY_KEY_BYTES]);

impl RecoveryKey {
    /// A fresh random recovery key.
    pub fn generate(entropy: &mut dyn Entropy) -> Self {
        let mut key = RecoveryKey([0; RECOVERY_KEY_BYTES]);
        entropy.fill(&mut key.0);
        key
    }

    /// Parses a recovery key as typed: case, spaces and dashes do not matter, and the
    /// look-alikes O→0, I/L→1 are accepted, as are Cyrillic letters that look like Latin ones
    /// (typed with a Russian layout still on) and full-width digits (`base32::decode`).
    pub fn parse(text: &str) -> Result<Self> {
        let decoded = base32::decode(text).map_err(|_| {
            Error::invalid("recovery key", "it contains a character that is not part of a recovery key (0-9, A-Z)")
        })?;
        if decoded.digits != RECOVERY_KEY_CHARS {
            return Err(Error::invalid(
                "recovery key",
                &format!(
                    "it must have {RECOVERY_KEY_CHARS} characters (8 groups of 4), this one has {}",
                    decoded.digits
                ),
            ));
        }
        let mut key = RecoveryKey([0; RECOVERY_KEY_BYTES]);
        key.0.copy_from_slice(&decoded.bytes);
        Ok(key)
    }

    /// The key as the user writes it down: `XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX`.
    pub fn display_groups(&self) -> Zeroizing<String> {
        let digits = base32::encode(&self.0);
        let mut groups = Zeroizing::new(String::with_capacity(40));
        for (n, c) in digits.chars().enumerate() {
            if n > 0 && n % 4 == 0 {
                groups.push('-');
            }
            groups.push(c);
        }
        groups
    }

    /// The key bytes for the KDF.
    pub(crate) fn expose(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::SeededEntropy;

    #[test]
    fn a_new_passphrase_has_at_least_eight_characters() {
        assert!(Passphrase::for_new_vault("seven77".into()).is_err());
        assert!(Passphrase::for_new_vault("\n".into()).is_err());
        // Characters, not bytes: eight Cyrillic letters are enough, seven are not.
        assert!(Passphrase::for_new_vault("пароль12".into()).is_ok());
        assert!(Passphrase::for_new_vault("пароль1".into()).is_err());
        // The newline a file or pipe adds does not count.
        assert!(Passphrase::for_new_vault("seven77\n".into()).is_err());
        let Err(Error::InvalidInput { field, .. }) = Passphrase::for_new_vault("short".into()) else { panic!() };
        assert_eq!(field, "passphrase");
        // Unlocking takes what was set before the rule (a vault made by an older build).
        assert!(Passphrase::new("short".into()).is_ok());
    }

    #[test]
    fn recovery_key_round_trips_through_its_written_form() {
        let mut rng = SeededEntropy::new(7);
        for _ in 0..50 {
            let key = RecoveryKey::generate(&mut rng);
            let shown = key.display_groups();
            assert_eq!(shown.len(), 39);
            assert_eq!(shown.split('-').count(), 8);
            let parsed = RecoveryKey::parse(&shown).unwrap();
            assert_eq!(parsed.expose(), key.expose());
            let sloppy = shown.to_lowercase().replace('-', " ").replace('0', "o").replace('1', "l");
            assert_eq!(RecoveryKey::parse(&sloppy).unwrap().expose(), key.expose());
        }
    }

    #[test]
    fn recovery_key_with_wrong_length_or_characters_is_refused() {
        assert!(RecoveryKey::parse("ABCD-EFGH").is_err());
        assert!(RecoveryKey::parse("").is_err());
        assert!(RecoveryKey::parse(&"U".repeat(32)).is_err());
        assert!(RecoveryKey::parse(&"Ж".repeat(32)).is_err());
    }

    #[test]
    fn recovery_key_typed_with_a_russian_layout_or_full_width_digits_is_accepted() {
        let key = RecoveryKey::generate(&mut SeededEntropy::new(11));
        let shown = key.display_groups().to_string();
        let cyrillic: String = shown
            .chars()
            .map(|c| match c {
                'A' => 'А',
                'B' => 'В',
                'E' => 'Е',
                'K' => 'К',
                'M' => 'М',
                'H' => 'Н',
                'P' => 'Р',
                'C' => 'С',
                'T' => 'Т',
                'X' => 'Х',
                '5' => '５',
                '-' => '\u{a0}',
                c => c,
            })
            .collect();
        assert_eq!(RecoveryKey::parse(&cyrillic).unwrap().expose(), key.expose());
    }

    #[test]
    fn empty_passphrase_is_refused_and_newline_is_trimmed() {
        assert!(Passphrase::new("\n".into()).is_err());
        assert_eq!(Passphrase::new("abc\r\n".into()).unwrap().expose(), b"abc");
    }

    #[test]
    fn composed_and_decomposed_letters_are_the_same_passphrase() {
        let composed = Passphrase::new("пароль й".into()).unwrap();
        let decomposed = Passphrase::new("пароль и\u{306}".into()).unwrap();
        assert_eq!(composed.expose(), decomposed.expose());
    }
}

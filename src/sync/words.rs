//! One-time invite passphrases: four pronounceable words of three syllables, each syllable a
//! consonant and a vowel (15 × 5 letters), so 4 × log₂ 75³ ≈ 74.7 bits — easy to read out over
//! a call, hard to guess, and no word list to ship.

use zeroize::Zeroizing;

use crate::entropy::Entropy;

const CONSONANTS: &[u8; 15] = b"bdfghjkmnprstvz";
const VOWELS: &[u8; 5] = b"aeiou";
/// Words in a generated passphrase.
pub const WORDS: usize = 4;
/// Syllables per word.
pub const SYLLABLES: usize = 3;

/// A fresh passphrase such as `tobako-rimesu-dazuno-feviha`.
pub fn generate(entropy: &mut dyn Entropy) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(WORDS * (SYLLABLES * 2 + 1)));
    for w in 0..WORDS {
        if w > 0 {
            out.push('-');
        }
        for _ in 0..SYLLABLES {
            out.push(CONSONANTS[uniform(entropy, CONSONANTS.len())] as char);
            out.push(VOWELS[uniform(entropy, VOWELS.len())] as char);
        }
    }
    out
}

/// Four words of the same alphabet made from a hash, for two people to compare by phone (the
/// roster head, docs/formats/roster.md section 4.5). Not a secret: a display.
pub fn from_hash(h: &[u8; 32]) -> String {
    let mut out = String::with_capacity(WORDS * (SYLLABLES * 2 + 1));
    for w in 0..WORDS {
        if w > 0 {
            out.push('-');
        }
        for s in 0..SYLLABLES {
            let b = u16::from_be_bytes([h[2 * (w * SYLLABLES + s)], h[2 * (w * SYLLABLES + s) + 1]]) as usize;
            out.push(CONSONANTS[b % CONSONANTS.len()] as char);
            out.push(VOWELS[(b / CONSONANTS.len()) % VOWELS.len()] as char);
        }
    }
    out
}

/// A uniform index below `n` (rejection sampling: no modulo bias).
fn uniform(entropy: &mut dyn Entropy, n: usize) -> usize {
    let limit = 256 - 256 % n;
    loop {
        let mut b = [0u8; 1];
        entropy.fill(&mut b);
        if (b[0] as usize) < limit {
            return b[0] as usize % n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::SeededEntropy;

    #[test]
    fn passphrases_have_the_documented_shape_and_differ() {
        let mut e = SeededEntropy::new(3);
        let a = generate(&mut e);
        let b = generate(&mut e);
        assert_ne!(*a, *b);
        let words: Vec<&str> = a.split('-').collect();
        assert_eq!(words.len(), WORDS);
        for w in words {
            assert_eq!(w.len(), SYLLABLES * 2);
            for (i, c) in w.bytes().enumerate() {
                assert!(if i % 2 == 0 { CONSONANTS.contains(&c) } else { VOWELS.contains(&c) });
            }
        }
    }
}

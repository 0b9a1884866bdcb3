//! Crockford base32, the text form a person copies by hand: the recovery key and the invite
//! (docs/formats/vault.md, docs/formats/delta.md section 8). One reading of typed text for
//! both: case, spaces, dashes and line breaks do not matter; the look-alikes O→0 and I/L→1 are
//! read as digits, as are full-width digits and the Cyrillic letters that look like Latin ones
//! (typed with a Russian layout still on). Pure; the decoded bytes are zeroized when dropped
//! (both texts carry secrets).

use zeroize::{Zeroize, Zeroizing};

/// No I, L, O or U, so handwriting is unambiguous.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Text decoded: the bytes (whole bytes only) and how many base32 digits the text held.
pub struct Decoded {
    pub bytes: Zeroizing<Vec<u8>>,
    pub digits: usize,
}

/// `bytes` in base32, most significant bit first, the last digit padded with zero bits.
pub fn encode(bytes: &[u8]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(bytes.len() * 8 / 5 + 1));
    let (mut acc, mut bits) = (0u32, 0);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    acc.zeroize();
    out
}

/// What one typed character is: None, a separator to skip; Some(Err(c)), not base32.
fn digit(ch: char) -> Option<Result<u8, char>> {
    if ch.is_whitespace() || matches!(ch, '-' | '‐' | '‑' | '–' | '—') {
        return None;
    }
    let ch = match ch {
        '０'..='９' => char::from(b'0' + (ch as u32 - '０' as u32) as u8),
        _ => ch,
    };
    let latin = match ch.to_uppercase().next().unwrap_or(ch) {
        'А' => 'A',
        'В' => 'B',
        'Е' => 'E',
        'К' => 'K',
        'М' => 'M',
        'Н' => 'H',
        'О' | 'O' => '0',
        'Р' => 'P',
        'С' => 'C',
        'Т' => 'T',
        'Х' => 'X',
        'З' => '3',
        'I' | 'L' => '1',
        c => c,
    };
    Some(ALPHABET.iter().position(|&a| a as char == latin).map(|v| v as u8).ok_or(ch))
}

/// Reads typed base32. Err(c): the text holds `c`, which is no base32 digit, look-alike or
/// separator. Bits after the last whole byte are dropped.
pub fn decode(text: &str) -> Result<Decoded, char> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(text.len() * 5 / 8));
    let (mut acc, mut bits, mut digits) = (0u32, 0, 0);
    for ch in text.chars() {
        let v = match digit(ch) {
            None => continue,
            Some(Ok(v)) => v,
            Some(Err(c)) => {
                acc.zeroize();
                return Err(c);
            }
        };
        digits += 1;
        acc = (acc << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    acc.zeroize();
    Ok(Decoded { bytes, digits })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_length() {
        for n in 0..40usize {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 % 256) as u8).collect();
            let text = encode(&bytes);
            assert_eq!(text.len(), (n * 8).div_ceil(5));
            let d = decode(&text).unwrap();
            assert_eq!(&d.bytes[..], &bytes[..]);
            assert_eq!(d.digits, text.len());
        }
    }

    #[test]
    fn typed_text_reads_the_same_however_it_was_typed() {
        let bytes: Vec<u8> = (0..20u8).map(|i| i.wrapping_mul(53)).collect();
        let text = encode(&bytes).to_string();
        let variants = [
            text.to_lowercase(),
            text.replace('0', "O").replace('1', "l"),
            text.replace('1', "I"),
            // A Russian layout: С, Е, К, М, Н, Р, Т, Х and А, В look like Latin letters.
            text.replace('C', "С").replace('E', "е").replace('K', "К").replace('M', "м").replace('H', "Н"),
            text.replace('P', "Р").replace('T', "т").replace('X', "Х").replace('A', "а").replace('B', "В"),
            text.replace('3', "З").replace('0', "О").replace('5', "５"),
            text.chars().enumerate().fold(String::new(), |mut s, (i, c)| {
                if i > 0 && i % 4 == 0 {
                    s.push_str(["-", " ", "\n", "\u{a0}", "–", "\t"][i % 6]);
                }
                s.push(c);
                s
            }),
        ];
        for v in variants {
            assert_eq!(&decode(&v).unwrap().bytes[..], &bytes[..], "{v:?}");
        }
    }

    #[test]
    fn a_character_outside_the_alphabet_is_named() {
        for (text, bad) in
            [("ABCU", 'U'), ("AB*C", '*'), ("ЖABC", 'Ж'), ("AB\u{0}C", '\u{0}'), ("A\u{202e}B", '\u{202e}')]
        {
            assert_eq!(decode(text).err(), Some(bad), "{text:?}");
        }
    }
}

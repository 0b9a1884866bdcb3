//! Lower-case hexadecimal, the one text form of ids, hashes and keys in files, alarms and the
//! UI. Pure.

/// `bytes` as lower-case hex, two digits a byte.
pub fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// The first `n` bytes of `bytes` as hex: the short form of an id shown to people.
pub fn short(bytes: &[u8], n: usize) -> String {
    encode(&bytes[..n.min(bytes.len())])
}

/// Exactly `N` bytes from `2 × N` hex digits of either case. None: another length or a
/// character that is not a hex digit.
pub fn decode<const N: usize>(text: &str) -> Option<[u8; N]> {
    let digits = text.as_bytes();
    if digits.len() != 2 * N {
        return None;
    }
    let value = |d: u8| (d as char).to_digit(16).map(|v| v as u8);
    let mut out = [0u8; N];
    for (i, b) in out.iter_mut().enumerate() {
        *b = (value(digits[2 * i])? << 4) | value(digits[2 * i + 1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_what_is_not_hex() {
        let bytes = [0x00, 0x0f, 0xa5, 0xff];
        assert_eq!(encode(&bytes), "000fa5ff");
        assert_eq!(decode::<4>("000fa5ff"), Some(bytes));
        assert_eq!(decode::<4>("000FA5FF"), Some(bytes));
        assert_eq!(short(&bytes, 2), "000f");
        assert_eq!(short(&bytes, 9), "000fa5ff");
        for bad in ["000fa5f", "000fa5ff0", "000fa5fg", "+00fa5ff", "00 fa5ff", "ф00fa5f"] {
            assert_eq!(decode::<4>(bad), None, "{bad:?}");
        }
    }
}

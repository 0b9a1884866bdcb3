//! Calendar dates (`YYYY-MM-DD`) and timestamps (RFC 3339, UTC) without a time-zone database.
//! Pure functions.

/// Days since 1970-01-01 of a civil date (proleptic Gregorian), after H. Hinnant.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parses a strict `YYYY-MM-DD` date between 1900 and 2200; returns its days since the epoch.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (y, m, d) = (num(0..4)? as i64, num(5..7)?, num(8..10)?);
    if !(1900..=2200).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// `YYYY-MM-DD` of a day count.
pub fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Today's date (UTC) for a clock reading in milliseconds.
pub fn date_of_ms(ms: u64) -> String {
    format_date((ms / 86_400_000) as i64)
}

/// Parses an RFC 3339 time (`2026-11-30T14:00:00Z`, fractions of a second, or an offset such
/// as `+04:00`) into milliseconds since 1970 (UTC); None when it is not one, or before 1970.
pub fn parse_rfc3339(s: &str) -> Option<u64> {
    let s = s.trim();
    let days = parse_date(s.get(..10)?)?;
    let rest = s.get(10..)?;
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix('t')).or_else(|| rest.strip_prefix(' '))?;
    let b = rest.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let num = |t: &str| -> Option<i64> { t.bytes().all(|c| c.is_ascii_digit()).then(|| t.parse().ok()).flatten() };
    let (h, mi, sec) = (num(&rest[0..2])?, num(&rest[3..5])?, num(&rest[6..8])?);
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut tail = &rest[8..];
    let mut ms = 0i64;
    if let Some(frac) = tail.strip_prefix('.') {
        let digits: String = frac.chars().take_while(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            return None;
        }
        ms = num(&format!("{:0<3}", &digits[..digits.len().min(3)]))?;
        tail = &frac[digits.len()..];
    }
    let offset = match tail {
        "Z" | "z" => 0,
        t if t.len() == 6 && (t.starts_with('+') || t.starts_with('-')) && &t[3..4] == ":" => {
            let v = num(&t[1..3])? * 60 + num(&t[4..6])?;
            if t.starts_with('-') {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    let total = days * 86_400_000 + ((h * 60 + mi - offset) * 60 + sec) * 1000 + ms;
    u64::try_from(total).ok()
}

/// RFC 3339 UTC timestamp with milliseconds, e.g. `2026-11-23T14:09:35.123Z`.
pub fn format_timestamp(ms: u64) -> String {
    let days = (ms / 86_400_000) as i64;
    let rem = ms % 86_400_000;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_over_three_centuries() {
        for days in (days_from_civil(1900, 1, 1)..days_from_civil(2200, 12, 31)).step_by(7) {
            assert_eq!(parse_date(&format_date(days)), Some(days));
        }
    }

    #[test]
    fn rfc3339_times_read_with_offsets_and_fractions() {
        let t = parse_rfc3339("2026-11-30T14:00:00Z").unwrap();
        assert_eq!(format_timestamp(t), "2026-11-30T14:00:00.000Z");
        assert_eq!(parse_rfc3339("2026-11-30T18:00:00+04:00"), Some(t));
        assert_eq!(parse_rfc3339("2026-11-30T14:00:00.25Z"), Some(t + 250));
        assert_eq!(parse_rfc3339(&format_timestamp(t + 1)), Some(t + 1));
        for bad in [
            "2026-11-30",
            "2026-11-30T25:00:00Z",
            "2026-11-30T14:00:00",
            "2026-11-30T14:00:00+4:00",
            "1969-12-31T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn invalid_dates_are_refused() {
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "24-01-01",
            "2024-1-01",
            "2024/01/01",
            "1899-12-31",
            "２０２４-01-01",
            "",
            "2024-01-01T",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert!(parse_date("2024-02-29").is_some());
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_timestamp(1_795_442_975_123), "2026-11-23T14:09:35.123Z");
    }
}

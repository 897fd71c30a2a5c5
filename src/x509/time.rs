//! Certificate times (RFC 5280 §4.1.2.5): parsing UTCTime and
//! GeneralizedTime to UNIX seconds, and printing them back for errors.
//!
//! The calendar arithmetic below cannot overflow: parsed fields are two
//! decimal digits each (years 0..=9999), and [`format`] clamps its input to
//! that range of years before converting.
#![allow(clippy::arithmetic_side_effects)]

use alloc::string::String;

/// UTCTime `YYMMDDHHMMSSZ` (RFC 5280 §4.1.2.5.1: seconds present, `Z`, no
/// fraction; YY >= 50 is 19YY, else 20YY).
pub fn parse_utc_time(v: &[u8]) -> Option<i64> {
    let [y1, y2, rest @ ..] = v else { return None };
    let yy = two(*y1, *y2)?;
    let year = if yy >= 50 { 1900 + yy } else { 2000 + yy };
    tail(year, rest)
}

/// GeneralizedTime `YYYYMMDDHHMMSSZ` (RFC 5280 §4.1.2.5.2: seconds
/// present, `Z`, no fraction).
pub fn parse_generalized_time(v: &[u8]) -> Option<i64> {
    let [a, b, c, d, rest @ ..] = v else {
        return None;
    };
    let year = two(*a, *b)? * 100 + two(*c, *d)?;
    tail(year, rest)
}

fn tail(year: i64, rest: &[u8]) -> Option<i64> {
    let [mo1, mo2, d1, d2, h1, h2, mi1, mi2, s1, s2, b'Z'] = rest else {
        return None;
    };
    let month = two(*mo1, *mo2)?;
    let day = two(*d1, *d2)?;
    let (hour, min, sec) = (two(*h1, *h2)?, two(*mi1, *mi2)?, two(*s1, *s2)?);
    // Leap seconds (60) are not representable in a certificate time we accept.
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || min > 59
        || sec > 59
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec)
}

fn two(a: u8, b: u8) -> Option<i64> {
    if a.is_ascii_digit() && b.is_ascii_digit() {
        Some(i64::from(a - b'0') * 10 + i64::from(b - b'0'))
    } else {
        None
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the usual
/// era-based computation; valid for every year we can parse, 0..=9999).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `2026-11-01T00:00:00Z`.
pub fn format(t: i64) -> String {
    // 0000-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z: a clock or field far
    // outside prints as the nearest end instead of overflowing.
    let t = t.clamp(-62_167_219_200, 253_402_300_799);
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    alloc::format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// "22 days", "5 seconds": a human size for a positive interval.
pub fn span(secs: i64) -> String {
    let (n, unit) = match secs {
        s if s >= 2 * 86_400 => (s / 86_400, "days"),
        s if s >= 2 * 3600 => (s / 3600, "hours"),
        s if s >= 120 => (s / 60, "minutes"),
        1 => (1, "second"),
        s => (s, "seconds"),
    };
    alloc::format!("{n} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_clamps_extreme_times() {
        assert_eq!(format(i64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(format(i64::MIN), "0000-01-01T00:00:00Z");
        assert_eq!(format(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn utc_time_century_window() {
        assert_eq!(parse_utc_time(b"700101000000Z"), Some(0));
        assert_eq!(parse_utc_time(b"491231235959Z"), Some(2_524_607_999));
        assert_eq!(parse_utc_time(b"500101000000Z"), Some(-631_152_000));
        assert_eq!(
            parse_generalized_time(b"20500101000000Z"),
            Some(2_524_608_000)
        );
    }

    #[test]
    fn rejects_non_der_forms() {
        for bad in [
            &b"7001010000Z"[..],  // no seconds
            b"700101000000",      // no Z
            b"700101000000+0000", // offset
            b"700101000000.5Z",   // fraction
            b"701301000000Z",     // month 13
            b"700230000000Z",     // Feb 30
            b"700101240000Z",     // hour 24
            b"700101000060Z",     // leap second
            b"7O0101000000Z",     // not a digit
        ] {
            assert_eq!(parse_utc_time(bad), None, "{:?}", core::str::from_utf8(bad));
        }
        assert_eq!(
            parse_generalized_time(b"20240229000000Z").map(|_| ()),
            Some(())
        );
        assert_eq!(parse_generalized_time(b"20230229000000Z"), None);
        assert_eq!(parse_generalized_time(b"21000229000000Z"), None);
        assert_eq!(
            parse_generalized_time(b"20000229000000Z").map(|_| ()),
            Some(())
        );
        assert_eq!(parse_generalized_time(b"20240101000000.000Z"), None);
    }

    #[test]
    fn format_round_trips() {
        for t in [
            0,
            951_782_400,
            1_709_251_200,
            2_524_608_000,
            31_536_000_000,
            -1,
        ] {
            let s = format(t);
            let digits: String = s.chars().filter(char::is_ascii_digit).collect();
            let mut g = digits.into_bytes();
            g.push(b'Z');
            assert_eq!(parse_generalized_time(&g), Some(t), "{s}");
        }
        assert_eq!(format(1_793_491_200), "2026-11-01T00:00:00Z");
        assert_eq!(span(22 * 86_400 + 5), "22 days");
        assert_eq!(span(1), "1 second");
    }
}

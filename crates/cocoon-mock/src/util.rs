//! Small helpers: timestamps, identifiers and format checks.

use std::time::SystemTime;

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds); calendar arithmetic by `time`.
pub(crate) fn iso_micros(t: SystemTime) -> String {
    let t = time::OffsetDateTime::from(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, milliseconds), like Cocoonmail's webhook timestamps.
pub(crate) fn iso_millis(t: SystemTime) -> String {
    let micros = iso_micros(t);
    format!("{}Z", &micros[..micros.len() - 4])
}

/// The current time as [`iso_millis`].
pub(crate) fn now_iso_millis() -> String {
    iso_millis(SystemTime::now())
}

/// Identifiers from a `fastrand` generator (not cryptographic), seeded afresh per server.
#[derive(Debug)]
pub(crate) struct IdGen {
    rng: fastrand::Rng,
}

impl IdGen {
    /// A generator with a fresh random seed, so two servers do not hand out the same
    /// identifiers.
    pub(crate) fn new() -> Self {
        IdGen {
            rng: fastrand::Rng::new(),
        }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.rng.u64(..)
    }

    /// A version-4-shaped UUID string.
    pub(crate) fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            ((b >> 48) & 0x3fff) | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }

    /// `n` uppercase hexadecimal digits.
    pub(crate) fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n + 16);
        while s.len() < n {
            s.push_str(&format!("{:016X}", self.next_u64()));
        }
        s.truncate(n);
        s
    }
}

/// A plausible email address: one `@`, a non-empty local part without spaces, and a dotted
/// domain of letters, digits and hyphens.
pub(crate) fn looks_like_email(s: &str) -> bool {
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || domain.contains('@') || local.contains(['<', '>']) {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// The domain of an address, lowercased.
pub(crate) fn email_domain(s: &str) -> String {
    s.rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase())
        .unwrap_or_default()
}

/// A UUID in its 36-character hyphenated form or as 32 hexadecimal digits.
pub(crate) fn looks_like_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    match b.len() {
        32 => b.iter().all(u8::is_ascii_hexdigit),
        36 => b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        }),
        _ => false,
    }
}

/// Standard base64 with padding (RFC 4648 §4), as the `base64` crate decodes it: the empty
/// string is valid, and a last symbol must not set unused bits.
pub(crate) fn is_base64(s: &str) -> bool {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).is_ok()
}

/// A phone number in international format: an optional `+` and 7 to 15 digits.
pub(crate) fn looks_like_phone(s: &str) -> bool {
    let digits = s.strip_prefix('+').unwrap_or(s);
    (7..=15).contains(&digits.len()) && digits.bytes().all(|c| c.is_ascii_digit())
}

/// Which date-time syntax to accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateSyntax {
    /// ISO-8601 / RFC 3339: `YYYY-MM-DD[THH:MM[:SS[.f+]]][Z|±HH:MM]`.
    Iso8601,
    /// The custom-property date syntax of API.md §4.14: `YYYY-MM-DD`, then optionally a space
    /// or `T` and `HH:MM[:SS[.sss]]`, then optionally `±HH:MM` (no `Z`).
    CustomProperty,
}

/// Checks a date or date-time string.
pub(crate) fn is_valid_date(s: &str, syntax: DateSyntax) -> bool {
    let b = s.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    let (Some(year), Some(month), Some(day)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return false;
    }
    let Ok(month) = time::Month::try_from(month as u8) else {
        return false;
    };
    if time::Date::from_calendar_date(year as i32, month, day as u8).is_err() {
        return false;
    }
    let mut i = 10;
    if i == b.len() {
        return true;
    }
    let separator_ok = match syntax {
        DateSyntax::Iso8601 => b[i] == b'T' || b[i] == b't',
        DateSyntax::CustomProperty => b[i] == b'T' || b[i] == b' ',
    };
    if !separator_ok {
        return false;
    }
    i += 1;
    let (Some(hour), Some(minute)) = (num(i..i + 2), num(i + 3..i + 5)) else {
        return false;
    };
    if b.get(i + 2) != Some(&b':') || hour > 23 || minute > 59 {
        return false;
    }
    i += 5;
    if b.get(i) == Some(&b':') {
        let Some(second) = num(i + 1..i + 3) else {
            return false;
        };
        if second > 60 {
            return false;
        }
        i += 3;
        if b.get(i) == Some(&b'.') {
            let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            let max = match syntax {
                DateSyntax::Iso8601 => 9,
                DateSyntax::CustomProperty => 3,
            };
            if digits == 0 || digits > max {
                return false;
            }
            i += 1 + digits;
        }
    }
    let rest = &b[i..];
    if rest.is_empty() {
        return true;
    }
    if (rest == b"Z" || rest == b"z") && syntax == DateSyntax::Iso8601 {
        return true;
    }
    if rest.len() == 6 && (rest[0] == b'+' || rest[0] == b'-') && rest[3] == b':' {
        let (Some(oh), Some(om)) = (num(i + 1..i + 3), num(i + 4..i + 6)) else {
            return false;
        };
        return oh <= 23 && om <= 59;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn iso_timestamps_have_micros_and_z() {
        let t = UNIX_EPOCH + Duration::from_micros(1_700_000_000_123_456);
        assert_eq!(iso_micros(t), "2023-11-14T22:13:20.123456Z");
        assert_eq!(iso_micros(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(&iso_micros(leap)[..10], "2000-02-29");
    }

    #[test]
    fn millisecond_timestamps() {
        let at = |secs: u64, millis: u64| {
            iso_millis(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis))
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(1_709_251_200, 7), "2024-03-01T00:00:00.007Z");
        assert_eq!(at(951_782_400, 0), "2000-02-29T00:00:00.000Z");
        assert_eq!(at(4_107_542_399, 999), "2100-02-28T23:59:59.999Z");
        assert_eq!(now_iso_millis().len(), "2025-03-01T09:30:00.000Z".len());
    }

    #[test]
    fn ids_are_unique_and_uuid_shaped() {
        let mut g = IdGen::new();
        let a = g.uuid();
        let b = g.uuid();
        assert_ne!(a, b);
        assert!(looks_like_uuid(&a), "{a}");
        assert_eq!(&a[14..15], "4");
        assert_eq!(g.hex(40).len(), 40);
    }

    #[test]
    fn email_shapes() {
        for ok in ["a@example.com", "a+tag@sub.example.co", "ünï@example.de"] {
            assert!(looks_like_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@",
            "@example.com",
            "a@example",
            "a b@example.com",
            "a@@example.com",
            "a@exa_mple.com",
            "a@-x.com",
            "a@x..com",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }

    #[test]
    fn base64_shapes() {
        assert!(is_base64(""));
        assert!(is_base64("aGVsbG8="));
        assert!(is_base64("aGk+/w=="));
        assert!(!is_base64("aGVsbG8"));
        assert!(!is_base64("aGVs bG8="));
        assert!(!is_base64("a==="));
        assert!(!is_base64("aGVsbG8_"));
        // Unused bits set in the last symbol.
        assert!(!is_base64("QR=="));
    }

    #[test]
    fn uuid_and_phone_shapes() {
        assert!(looks_like_uuid("123e4567-e89b-12d3-a456-426614174000"));
        assert!(looks_like_uuid("123e4567e89b12d3a456426614174000"));
        assert!(!looks_like_uuid("welcome-template"));
        assert!(looks_like_phone("+14155550100"));
        assert!(looks_like_phone("919876543210"));
        assert!(!looks_like_phone("+1 415 555 0100"));
        assert!(!looks_like_phone("12345"));
    }

    #[test]
    fn custom_property_dates() {
        use DateSyntax::CustomProperty as C;
        for ok in [
            "2024-02-29",
            "2024-01-31 12:30",
            "2024-01-31T12:30:59",
            "2024-01-31 12:30:59.123",
            "2024-01-31T12:30+05:30",
            "2024-01-31T12:30:00-08:00",
        ] {
            assert!(is_valid_date(ok, C), "{ok}");
        }
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "2024-01-31Z",
            "2024-01-31T12:30:00Z",
            "2024-01-31T12:30:00.123456",
            "2024-01-31T24:00",
            "31/01/2024",
            "2024-01-31T12",
        ] {
            assert!(!is_valid_date(bad, C), "{bad}");
        }
    }

    #[test]
    fn iso_dates() {
        use DateSyntax::Iso8601 as I;
        assert!(is_valid_date("2024-05-01T09:00:00Z", I));
        assert!(is_valid_date("2024-05-01T09:00:00.123456Z", I));
        assert!(is_valid_date("2024-05-01T09:00:00+02:00", I));
        assert!(is_valid_date("2024-05-01", I));
        assert!(!is_valid_date("2024-05-01 09:00:00", I));
        assert!(!is_valid_date("tomorrow", I));
    }
}

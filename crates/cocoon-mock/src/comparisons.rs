//! Property tests comparing the mock's hand-written helpers with well-kept crates on random
//! inputs, before the helpers are replaced by those crates: percent-decoding with
//! `form_urlencoded` (and `percent-encoding`), base64 checking with `base64`, calendar
//! arithmetic with `time`. Where they disagree, the property states the disagreement.

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use proptest::prelude::*;

use crate::query::{parse_query, percent_decode};
use crate::util::{civil_from_days, days_in_month, is_base64, iso_micros};

/// Query-string pieces: plain characters, separators, good and broken escapes, escapes of
/// non-ASCII bytes.
fn query_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9._~-]{1,3}",
        Just("+".to_owned()),
        Just("=".to_owned()),
        Just("&".to_owned()),
        "%[0-9a-fA-F]{2}",
        "%[0-7][0-9a-fA-F]",
        "%[c-e][0-9a-f]%[89ab][0-9a-f]",
        "%[0-9a-zA-Z]{0,2}",
        "%[+-][0-9a-f]",
        "[éü€]",
    ]
}

fn query() -> impl Strategy<Value = String> {
    prop::collection::vec(query_piece(), 0..12).prop_map(|pieces| pieces.concat())
}

/// Whether every `%` starts a two-hex-digit escape.
fn escapes_are_well_formed(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if b.len() < i + 3 || !b[i + 1].is_ascii_hexdigit() || !b[i + 2].is_ascii_hexdigit() {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

/// Whether `s` has an escape like `%+1`, which ours decodes (`u8::from_str_radix` takes a
/// leading `+`) while the crates keep it literally.
fn has_signed_escape(s: &str) -> bool {
    s.as_bytes()
        .windows(3)
        .any(|w| w[0] == b'%' && w[1] == b'+' && w[2].is_ascii_hexdigit())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Where ours decodes a query, `form_urlencoded` decodes it to the same pairs, except
    /// escapes with a sign (`%+1`), which ours wrongly decodes. Ours refuses malformed
    /// escapes (`form_urlencoded` keeps them literally) and escapes that decode to invalid
    /// UTF-8 (`form_urlencoded` replaces them with U+FFFD).
    #[test]
    fn query_decoding_agrees_with_form_urlencoded(q in query()) {
        let crate_pairs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
            .map(|(n, v)| (n.into_owned(), v.into_owned()))
            .collect();
        match parse_query(&q) {
            Ok(ours) if !has_signed_escape(&q) => prop_assert_eq!(ours, crate_pairs),
            Ok(_) => {}
            Err(_) => {
                let lossy = crate_pairs.iter().any(|(n, v)| n.contains('\u{FFFD}') || v.contains('\u{FFFD}'));
                prop_assert!(!escapes_are_well_formed(&q) || lossy, "{q:?}");
            }
        }
    }

    /// Single values: ours is `+` as a space, then `percent-encoding`'s strict UTF-8 decode.
    #[test]
    fn value_decoding_agrees_with_percent_encoding(v in query()) {
        let spaced = v.replace('+', " ");
        let theirs = percent_encoding::percent_decode_str(&spaced).decode_utf8();
        match (percent_decode(&v), theirs) {
            (Ok(_), Ok(_)) if has_signed_escape(&v) => {}
            (Ok(ours), Ok(theirs)) => prop_assert_eq!(ours, theirs.into_owned()),
            (Err(_), Ok(_)) => prop_assert!(!escapes_are_well_formed(&v), "{v:?}"),
            (Err(_), Err(_)) => {}
            (Ok(ours), Err(_)) => prop_assert!(false, "ours decoded {v:?} to {ours:?}"),
        }
    }

    /// Ours accepts exactly what the `base64` crate's padded standard engine decodes,
    /// except non-canonical last symbols (unused low bits set), which the crate refuses.
    #[test]
    fn base64_checks_agree(s in "[A-Za-z0-9+/=_ -]{0,16}", bytes in prop::collection::vec(any::<u8>(), 0..32)) {
        let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
        prop_assert!(is_base64(&encoded));
        let theirs = base64::engine::general_purpose::STANDARD.decode(&s);
        match theirs {
            Ok(_) => prop_assert!(is_base64(&s), "{s:?}"),
            Err(base64::DecodeError::InvalidLastSymbol { .. }) => prop_assert!(is_base64(&s), "{s:?}"),
            Err(_) => prop_assert!(!is_base64(&s), "{s:?}"),
        }
    }

    /// The civil date of a day count, and month lengths, agree with `time`.
    #[test]
    fn calendar_arithmetic_agrees_with_time(days in 0i64..2_932_896, year in 0u32..10_000, month in 1u32..=12) {
        let date = time::Date::from_julian_day(2_440_588 + days as i32).unwrap();
        prop_assert_eq!(civil_from_days(days), (i64::from(date.year()), u32::from(u8::from(date.month())), u32::from(date.day())));
        let m = time::Month::try_from(month as u8).unwrap();
        prop_assert_eq!(days_in_month(year, month), u32::from(m.length(year as i32)));
    }

    /// Timestamps agree with `time`'s UTC date and time of day.
    #[test]
    fn timestamps_agree_with_time(micros in 0u64..253_402_300_800_000_000) {
        let t = UNIX_EPOCH + Duration::from_micros(micros);
        let dt = time::OffsetDateTime::from(t);
        let expected = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            dt.year(), u8::from(dt.month()), dt.day(), dt.hour(), dt.minute(), dt.second(), dt.microsecond()
        );
        prop_assert_eq!(iso_micros(t), expected);
    }
}

/// The disagreements the properties above allow, one example each.
#[test]
fn known_disagreements() {
    let form = |q: &str| -> Vec<(String, String)> {
        form_urlencoded::parse(q.as_bytes())
            .map(|(n, v)| (n.into_owned(), v.into_owned()))
            .collect()
    };
    // A malformed escape: refused by ours, kept literally by form_urlencoded.
    assert!(parse_query("a=%zz").is_err());
    assert_eq!(form("a=%zz"), [("a".to_owned(), "%zz".to_owned())]);
    // An escape of a byte that is not UTF-8: refused by ours, replaced by form_urlencoded.
    assert!(parse_query("a=%FF").is_err());
    assert_eq!(form("a=%FF"), [("a".to_owned(), "\u{FFFD}".to_owned())]);
    // An escape with a sign: decoded by ours (to NUL here), kept literally by the crates.
    assert_eq!(
        parse_query("a=%+0").unwrap(),
        [("a".to_owned(), "\0".to_owned())]
    );
    assert_eq!(form("a=%+0"), [("a".to_owned(), "% 0".to_owned())]);
    // A last symbol with unused bits set: accepted by ours, refused by the base64 crate.
    assert!(is_base64("QR=="));
    assert!(matches!(
        base64::engine::general_purpose::STANDARD.decode("QR=="),
        Err(base64::DecodeError::InvalidLastSymbol { .. })
    ));
}

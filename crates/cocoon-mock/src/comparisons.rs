//! Property tests over the helpers built on well-kept crates (`percent-encoding`, `base64`,
//! `time`), against independent oracles: `form_urlencoded` for query decoding, round trips
//! for base64 and timestamps, `time`'s own date validation for the date syntax check.
//!
//! They replaced hand-written helpers that were compared with the crates first; the
//! differences found then are now the crates' behaviour: a malformed escape or one of a
//! non-UTF-8 byte is refused (as before), an escape with a sign (`%+0`, which the old
//! decoder read as a byte) is refused, and a base64 last symbol with unused bits set
//! (`QR==`, which the old check accepted) is refused.

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use proptest::prelude::*;

use crate::query::{parse_query, percent_decode};
use crate::util::{is_base64, is_valid_date, iso_micros, DateSyntax};

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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Where ours decodes a query, `form_urlencoded` decodes it to the same pairs. Ours
    /// refuses malformed escapes (`form_urlencoded` keeps them literally) and escapes that
    /// decode to invalid UTF-8 (`form_urlencoded` replaces them with U+FFFD).
    #[test]
    fn query_decoding_agrees_with_form_urlencoded(q in query()) {
        let crate_pairs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
            .map(|(n, v)| (n.into_owned(), v.into_owned()))
            .collect();
        match parse_query(&q) {
            Ok(ours) => prop_assert_eq!(ours, crate_pairs),
            Err(_) => {
                let lossy = crate_pairs.iter().any(|(n, v)| n.contains('\u{FFFD}') || v.contains('\u{FFFD}'));
                prop_assert!(!escapes_are_well_formed(&q) || lossy, "{q:?}");
            }
        }
    }

    /// Any text, form-encoded by `form_urlencoded`, decodes back to itself.
    #[test]
    fn values_round_trip(v in any::<String>()) {
        let encoded: String = form_urlencoded::byte_serialize(v.as_bytes()).collect();
        prop_assert_eq!(percent_decode(&encoded).unwrap(), v);
    }

    /// Every standard encoding passes; a string with a byte outside the alphabet does not.
    #[test]
    fn base64_accepts_encodings_and_refuses_foreign_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..32),
        foreign in "[^A-Za-z0-9+/=]",
        at in any::<prop::sample::Index>(),
    ) {
        let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
        prop_assert!(is_base64(&encoded));
        let mut chars: Vec<char> = encoded.chars().collect();
        if !chars.is_empty() {
            let i = at.index(chars.len());
            chars[i] = foreign.chars().next().unwrap();
            prop_assert!(!is_base64(&chars.into_iter().collect::<String>()));
        }
    }

    /// A date is valid exactly when `time` can build it.
    #[test]
    fn dates_are_valid_when_time_says_so(year in 0u32..10_000, month in 0u32..14, day in 0u32..33) {
        let text = format!("{year:04}-{month:02}-{day:02}");
        let valid = time::Month::try_from(month as u8)
            .is_ok_and(|m| time::Date::from_calendar_date(year as i32, m, day as u8).is_ok());
        prop_assert_eq!(is_valid_date(&text, DateSyntax::Iso8601), valid, "{}", text);
        prop_assert_eq!(is_valid_date(&text, DateSyntax::CustomProperty), valid, "{}", text);
    }

    /// Timestamps parse back, as RFC 3339, to the instant they were made from.
    #[test]
    fn timestamps_round_trip(micros in 0u64..253_402_300_800_000_000) {
        let t = UNIX_EPOCH + Duration::from_micros(micros);
        let text = iso_micros(t);
        let parsed = time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339).unwrap();
        prop_assert_eq!(parsed, time::OffsetDateTime::from(t));
    }
}

/// The differences found when the hand-written helpers were compared with the crates, as
/// the behaviour now.
#[test]
fn former_disagreements_now_follow_the_crates() {
    assert!(parse_query("a=%zz").is_err());
    assert!(parse_query("a=%FF").is_err());
    assert!(parse_query("a=%+0").is_err());
    assert!(!is_base64("QR=="));
    assert!(is_base64("QQ=="));
}

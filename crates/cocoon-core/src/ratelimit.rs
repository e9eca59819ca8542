//! Rate-limit headers: `x-ratelimit-limit`, `x-ratelimit-remaining` and `Retry-After` (API.md §2).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

/// The requests-per-second the API allows each team (API.md §2).
pub const DOCUMENTED_REQUESTS_PER_SECOND: u32 = 10;

/// What a response said about the rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateLimit {
    /// `x-ratelimit-limit`: requests allowed per second.
    pub limit: Option<u32>,
    /// `x-ratelimit-remaining`: requests left in the current window.
    pub remaining: Option<u32>,
    /// `Retry-After`, when present and well formed.
    pub retry_after: Option<RetryAfter>,
}

impl RateLimit {
    /// Reads the rate-limit headers; malformed values are ignored, never an error.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let number = |name: &str| -> Option<u32> {
            let value = headers.get(name)?.to_str().ok()?.trim();
            // Some proxies send "10, 10" when two layers add the header; take the first.
            let first = value.split(',').next()?.trim();
            first.parse().ok()
        };
        RateLimit {
            limit: number("x-ratelimit-limit"),
            remaining: number("x-ratelimit-remaining"),
            retry_after: headers
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(RetryAfter::parse),
        }
    }

    /// Whether no header was present.
    pub fn is_empty(&self) -> bool {
        *self == RateLimit::default()
    }
}

/// A `Retry-After` value: delay seconds or an HTTP date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: <seconds>`.
    Delay(Duration),
    /// `Retry-After: <HTTP-date>`.
    At(SystemTime),
}

impl RetryAfter {
    /// Parses either form; `None` when the value is neither.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use cocoon_core::RetryAfter;
    /// assert_eq!(RetryAfter::parse("3"), Some(RetryAfter::Delay(Duration::from_secs(3))));
    /// assert_eq!(
    ///     RetryAfter::parse("Sun, 06 Nov 1994 08:49:37 GMT"),
    ///     Some(RetryAfter::At(UNIX_EPOCH + Duration::from_secs(784111777)))
    /// );
    /// ```
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            // A huge number of seconds saturates rather than failing.
            let secs = value.parse::<u64>().unwrap_or(u64::MAX);
            return Some(RetryAfter::Delay(Duration::from_secs(secs)));
        }
        parse_http_date(value).map(RetryAfter::At)
    }

    /// How long to wait from `now`; a date in the past means no wait.
    pub fn delay_from(self, now: SystemTime) -> Duration {
        match self {
            RetryAfter::Delay(d) => d,
            RetryAfter::At(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form RFC 9110 requires senders
/// to use, and the obsolete RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
/// (`Sun Nov  6 08:49:37 1994`) forms it asks recipients to accept.
fn parse_http_date(value: &str) -> Option<SystemTime> {
    let (day, month, year, time) = if let Some((_, rest)) = value.split_once(", ") {
        let rest = rest.strip_suffix(" GMT")?;
        if rest.contains('-') {
            // RFC 850: 06-Nov-94 08:49:37
            let (date, time) = rest.split_once(' ')?;
            let mut parts = date.split('-');
            let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some() || y.len() != 2 {
                return None;
            }
            let y: u64 = y.parse().ok()?;
            // RFC 9110: a two-digit year more than 50 years ahead is in the past century.
            let year = if y < 70 { 2000 + y } else { 1900 + y };
            (d.parse::<u64>().ok()?, m, year, time)
        } else {
            // IMF-fixdate: 06 Nov 1994 08:49:37
            let mut parts = rest.split(' ');
            let (d, m, y, t) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some() || d.len() != 2 || y.len() != 4 {
                return None;
            }
            (d.parse().ok()?, m, y.parse().ok()?, t)
        }
    } else {
        // asctime: Sun Nov  6 08:49:37 1994
        let mut parts = value.split_whitespace();
        let (_, m, d, t, y) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        if parts.next().is_some() {
            return None;
        }
        (d.parse().ok()?, m, y.parse().ok()?, t)
    };
    let month = match month {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let mut hms = time.split(':');
    let (h, mi, s) = (hms.next()?, hms.next()?, hms.next()?);
    if hms.next().is_some() || h.len() != 2 || mi.len() != 2 || s.len() != 2 {
        return None;
    }
    let (h, mi, s): (u64, u64, u64) = (h.parse().ok()?, mi.parse().ok()?, s.parse().ok()?);
    if !(1970..=9999).contains(&year) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = days_since_epoch(year, month, day);
    Some(UNIX_EPOCH + Duration::from_secs(days * 86_400 + h * 3_600 + mi * 60 + s))
}

fn is_leap(year: u64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 31,
    }
}

fn days_since_epoch(year: u64, month: u64, day: u64) -> u64 {
    let mut days = 0;
    for y in 1970..year {
        days += if is_leap(y) { 366 } else { 365 };
    }
    for m in 1..month {
        days += days_in_month(year, m);
    }
    days + day - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, http::HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn reads_limit_remaining_and_retry_after_seconds() {
        let rl = RateLimit::from_headers(&headers(&[
            ("x-ratelimit-limit", "10"),
            ("x-ratelimit-remaining", "0"),
            ("retry-after", "2"),
        ]));
        assert_eq!(rl.limit, Some(10));
        assert_eq!(rl.remaining, Some(0));
        assert_eq!(
            rl.retry_after,
            Some(RetryAfter::Delay(Duration::from_secs(2)))
        );
    }

    #[test]
    fn retry_after_as_http_date_in_all_three_forms() {
        let expected = UNIX_EPOCH + Duration::from_secs(784_111_777);
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(
                RetryAfter::parse(form),
                Some(RetryAfter::At(expected)),
                "{form}"
            );
        }
        let leap = RetryAfter::parse("Thu, 29 Feb 2024 00:00:00 GMT");
        assert_eq!(
            leap,
            Some(RetryAfter::At(
                UNIX_EPOCH + Duration::from_secs(1_709_164_800)
            ))
        );
    }

    #[test]
    fn retry_after_date_becomes_a_delay_from_now() {
        let at = RetryAfter::parse("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let now = UNIX_EPOCH + Duration::from_secs(784_111_770);
        assert_eq!(at.delay_from(now), Duration::from_secs(7));
        let later = UNIX_EPOCH + Duration::from_secs(784_111_800);
        assert_eq!(at.delay_from(later), Duration::ZERO);
    }

    #[test]
    fn malformed_values_are_ignored() {
        for bad in [
            "",
            "soon",
            "-1",
            "1.5",
            "Sun, 31 Feb 2024 00:00:00 GMT",
            "Sun, 06 Nov 1994 25:00:00 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(RetryAfter::parse(bad), None, "{bad:?}");
        }
        let rl = RateLimit::from_headers(&headers(&[
            ("x-ratelimit-limit", "ten"),
            ("x-ratelimit-remaining", "-3"),
        ]));
        assert!(rl.is_empty());
    }

    /// Ours against the `httpdate` crate, on dates made from random instants in all three
    /// forms, with and without one flaw each, and on random date-like text.
    ///
    /// They agree on every canonical date (both read the instant that
    /// `httpdate::fmt_http_date` wrote) and on every impossible one (both refuse). They disagree
    /// only where ours is more lenient; the crate refuses:
    /// - a weekday that is not the date's (or is not a weekday at all);
    /// - second 60 (ours reads it as the next minute's second 0);
    /// - a day written with another width than the form's: `6-Nov-94` in RFC 850, `Nov 6` or
    ///   `Nov  16` in asctime.
    mod http_date_against_the_crate {
        use super::*;
        use proptest::prelude::*;

        /// 10000-01-01T00:00:00Z: the first instant an HTTP date cannot write.
        const END_SECS: u64 = 253_402_300_800;
        const WEEKDAYS: [(&str, &str); 7] = [
            ("Mon", "Monday"),
            ("Tue", "Tuesday"),
            ("Wed", "Wednesday"),
            ("Thu", "Thursday"),
            ("Fri", "Friday"),
            ("Sat", "Saturday"),
            ("Sun", "Sunday"),
        ];

        #[derive(Debug, Clone, Copy, PartialEq)]
        enum Form {
            Imf,
            Rfc850,
            Asctime,
        }

        #[derive(Debug, Clone, Copy, PartialEq)]
        enum Flaw {
            None,
            /// Another weekday (index into WEEKDAYS; 7 for a word that is none).
            WrongWeekday(usize),
            /// The second 59 written as 60.
            LeapSecond,
            /// The day written at another width than the form's.
            LooseDay,
            DayPastMonthEnd,
            DayZero,
            Hour24,
            Minute60,
            Second61,
            UnknownMonth,
            YearBefore1970,
        }

        /// An instant's fields, read from what `fmt_http_date` writes.
        struct Fields {
            weekday: usize,
            day: u64,
            month: String,
            year: u64,
            hour: u64,
            minute: u64,
            second: u64,
        }

        fn fields(at: SystemTime) -> Fields {
            let text = httpdate::fmt_http_date(at);
            let (weekday, rest) = text.split_once(", ").unwrap();
            let parts: Vec<&str> = rest.split([' ', ':']).collect();
            Fields {
                weekday: WEEKDAYS
                    .iter()
                    .position(|(short, _)| *short == weekday)
                    .unwrap(),
                day: parts[0].parse().unwrap(),
                month: parts[1].to_owned(),
                year: parts[2].parse().unwrap(),
                hour: parts[3].parse().unwrap(),
                minute: parts[4].parse().unwrap(),
                second: parts[5].parse().unwrap(),
            }
        }

        /// Writes `at` in `form` with `flaw`; `None` when the flaw does not apply to the form.
        fn write(at: SystemTime, form: Form, flaw: Flaw) -> Option<String> {
            let f = fields(at);
            let (short, long) = match flaw {
                Flaw::WrongWeekday(7) => ("Foo", "Funday"),
                Flaw::WrongWeekday(i) if i != f.weekday => WEEKDAYS[i],
                Flaw::WrongWeekday(_) => return None,
                _ => WEEKDAYS[f.weekday],
            };
            let last_day = match f.month.as_str() {
                "Apr" | "Jun" | "Sep" | "Nov" => 30,
                "Feb" if is_leap(f.year) => 29,
                "Feb" => 28,
                _ => 31,
            };
            let day = match flaw {
                Flaw::DayPastMonthEnd => last_day + 1,
                Flaw::DayZero => 0,
                _ => f.day,
            };
            let month = if flaw == Flaw::UnknownMonth {
                "Foo"
            } else {
                &f.month
            };
            let year = if flaw == Flaw::YearBefore1970 {
                1969
            } else {
                f.year
            };
            let hour = if flaw == Flaw::Hour24 { 24 } else { f.hour };
            let minute = if flaw == Flaw::Minute60 { 60 } else { f.minute };
            let second = match flaw {
                Flaw::LeapSecond if f.second == 59 => 60,
                Flaw::LeapSecond => return None,
                Flaw::Second61 => 61,
                _ => f.second,
            };
            let time = format!("{hour:02}:{minute:02}:{second:02}");
            Some(match form {
                Form::Imf if flaw == Flaw::LooseDay => return None,
                Form::Imf => format!("{short}, {day:02} {month} {year:04} {time} GMT"),
                // Two digits name 1970 to 2069 only, and cannot write 1969 apart from 2069.
                Form::Rfc850 if !(1970..2070).contains(&f.year) => return None,
                Form::Rfc850 if flaw == Flaw::YearBefore1970 => return None,
                Form::Rfc850 if flaw == Flaw::LooseDay && day >= 10 => return None,
                Form::Rfc850 if flaw == Flaw::LooseDay => {
                    format!("{long}, {day}-{month}-{:02} {time} GMT", year % 100)
                }
                Form::Rfc850 => format!("{long}, {day:02}-{month}-{:02} {time} GMT", year % 100),
                // One space too few before a one-digit day, one too many before two digits.
                Form::Asctime if flaw == Flaw::LooseDay && day < 10 => {
                    format!("{short} {month} {day} {time} {year}")
                }
                Form::Asctime if flaw == Flaw::LooseDay => {
                    format!("{short} {month}  {day} {time} {year}")
                }
                Form::Asctime => format!("{short} {month} {day:>2} {time} {year}"),
            })
        }

        fn instant() -> impl Strategy<Value = SystemTime> {
            prop_oneof![
                0..END_SECS,
                // 1970 to 2069, where all three forms can write the year.
                0..3_155_760_000u64,
                // The last second of a minute, for the leap-second flaw.
                (0..END_SECS / 60).prop_map(|m| m * 60 + 59),
            ]
            .prop_map(|secs| UNIX_EPOCH + Duration::from_secs(secs))
        }

        fn form() -> impl Strategy<Value = Form> {
            prop_oneof![Just(Form::Imf), Just(Form::Rfc850), Just(Form::Asctime)]
        }

        fn flaw() -> impl Strategy<Value = Flaw> {
            prop_oneof![
                3 => Just(Flaw::None),
                1 => (0..8usize).prop_map(Flaw::WrongWeekday),
                1 => Just(Flaw::LeapSecond),
                1 => Just(Flaw::LooseDay),
                1 => Just(Flaw::DayPastMonthEnd),
                1 => Just(Flaw::DayZero),
                1 => Just(Flaw::Hour24),
                1 => Just(Flaw::Minute60),
                1 => Just(Flaw::Second61),
                1 => Just(Flaw::UnknownMonth),
                1 => Just(Flaw::YearBefore1970),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2048))]

            #[test]
            fn dates_with_and_without_flaws(at in instant(), form in form(), flaw in flaw()) {
                let Some(text) = write(at, form, flaw) else { return Ok(()); };
                let ours = parse_http_date(&text);
                let theirs = httpdate::parse_http_date(&text).ok();
                match flaw {
                    Flaw::None => {
                        prop_assert_eq!(ours, Some(at), "{}", text);
                        prop_assert_eq!(theirs, Some(at), "{}", text);
                    }
                    Flaw::WrongWeekday(_) | Flaw::LooseDay => {
                        prop_assert_eq!(ours, Some(at), "{}", text);
                        prop_assert_eq!(theirs, None, "{}", text);
                    }
                    Flaw::LeapSecond => {
                        prop_assert_eq!(ours, Some(at + Duration::from_secs(1)), "{}", text);
                        prop_assert_eq!(theirs, None, "{}", text);
                    }
                    _ => {
                        prop_assert_eq!(ours, None, "{}", text);
                        prop_assert_eq!(theirs, None, "{}", text);
                    }
                }
            }

            #[test]
            fn canonical_dates_round_trip(at in instant()) {
                let text = httpdate::fmt_http_date(at);
                prop_assert_eq!(parse_http_date(&text), Some(at), "{}", text);
            }

            #[test]
            fn date_like_text_never_makes_the_crate_more_lenient(
                text in "(Sun|Mon|Foo|Sunday|Monday)?(, )?[0-9 ]{0,3}[- ]?(Nov|Feb|Foo|nov)[- ]?[0-9 ]{0,5} [0-9]{1,2}:[0-9]{1,3}:[0-9]{1,2}( GMT| [0-9]{2,5})?"
            ) {
                let ours = parse_http_date(text.trim());
                let theirs = httpdate::parse_http_date(&text).ok();
                if let Some(theirs) = theirs {
                    prop_assert_eq!(ours, Some(theirs), "{}", text);
                }
            }
        }
    }

    #[test]
    fn huge_retry_after_saturates() {
        assert_eq!(
            RetryAfter::parse("99999999999999999999999"),
            Some(RetryAfter::Delay(Duration::from_secs(u64::MAX)))
        );
    }
}

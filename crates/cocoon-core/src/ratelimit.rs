//! Rate-limit headers: `x-ratelimit-limit`, `x-ratelimit-remaining` and `Retry-After` (API.md §2).

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// The requests-per-second the API allows each team (API.md §2).
pub const DOCUMENTED_REQUESTS_PER_SECOND: u32 = 10;

/// What a response said about the rate limit.
///
/// Read from an answer with [`RateLimit::from_headers`]; made by hand (in tests, or by a
/// transport of your own) with [`RateLimit::new`]. Non-exhaustive: a header the API adds
/// later can become a field without breaking anyone.
///
/// ```
/// use std::time::Duration;
/// use cocoon_core::{RateLimit, RetryAfter};
/// let full = RateLimit::new(Some(10), Some(0), None);
/// let limited = full.with_retry_after(RetryAfter::Delay(Duration::from_secs(1)));
/// assert_eq!(limited.remaining, Some(0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RateLimit {
    /// `x-ratelimit-limit`: requests allowed per second.
    pub limit: Option<u32>,
    /// `x-ratelimit-remaining`: requests left in the current window.
    pub remaining: Option<u32>,
    /// `Retry-After`, when present and well formed.
    pub retry_after: Option<RetryAfter>,
}

impl RateLimit {
    /// What an answer with these `x-ratelimit-limit`, `x-ratelimit-remaining` and
    /// `Retry-After` values says.
    pub fn new(
        limit: Option<u32>,
        remaining: Option<u32>,
        retry_after: Option<RetryAfter>,
    ) -> Self {
        RateLimit {
            limit,
            remaining,
            retry_after,
        }
    }

    /// The same, with this `Retry-After`.
    pub fn with_retry_after(mut self, retry_after: RetryAfter) -> Self {
        self.retry_after = Some(retry_after);
        self
    }

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
///
/// These are the header's only two forms (RFC 9110 §10.2.3), so the enum is exhaustive.
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
    /// A date is read by the `httpdate` crate in the three forms RFC 9110 asks recipients to
    /// accept: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850
    /// (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`), years 1970
    /// to 9999. It is read strictly: the weekday must be the date's, the second at most 59 and
    /// the day as wide as its form writes it. A value that does not read is ignored, so the
    /// retry policy's own backoff applies.
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
        httpdate::parse_http_date(value).ok().map(RetryAfter::At)
    }

    /// How long to wait from `now`; a date in the past means no wait.
    pub fn delay_from(self, now: SystemTime) -> Duration {
        match self {
            RetryAfter::Delay(d) => d,
            RetryAfter::At(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

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

    /// `Retry-After` dates made from random instants in all three forms, with and without one
    /// flaw each: every canonical date reads as the instant `httpdate::fmt_http_date` wrote,
    /// every impossible one is ignored.
    ///
    /// The hand-written parser the `httpdate` crate replaced was more lenient on three flaws,
    /// which are now ignored as the crate refuses them (the retry policy's own backoff then
    /// applies):
    /// - a weekday that is not the date's (or is not a weekday at all);
    /// - second 60 (read before as the next minute's second 0);
    /// - a day written with another width than the form's: `6-Nov-94` in RFC 850, `Nov 6` or
    ///   `Nov  16` in asctime.
    mod http_dates_in_all_three_forms {
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

        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];

        /// What a `Retry-After` header holding `text` asks for.
        fn read(text: &str) -> Option<SystemTime> {
            match RetryAfter::parse(text)? {
                RetryAfter::At(at) => Some(at),
                RetryAfter::Delay(_) => None,
            }
        }

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
            let month_number = MONTHS.iter().position(|m| *m == f.month).unwrap() + 1;
            let last_day = u64::from(crate::properties::days_in_month(
                f.year as u32,
                month_number as u32,
            ));
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
                let read = read(&text);
                if flaw == Flaw::None {
                    prop_assert_eq!(read, Some(at), "{}", text);
                } else {
                    prop_assert_eq!(read, None, "{}", text);
                }
            }

            #[test]
            fn canonical_dates_round_trip(at in instant()) {
                let text = httpdate::fmt_http_date(at);
                prop_assert_eq!(read(&text), Some(at), "{}", text);
            }
        }

        #[test]
        fn the_flaws_the_old_parser_forgave_are_ignored() {
            for text in [
                "Mon, 06 Nov 1994 08:49:37 GMT",
                "Foo, 06 Nov 1994 08:49:37 GMT",
                "Sun, 06 Nov 1994 08:49:60 GMT",
                "Sunday, 6-Nov-94 08:49:37 GMT",
                "Sun Nov 6 08:49:37 1994",
                "Sat Nov  16 08:49:37 1994",
            ] {
                assert_eq!(RetryAfter::parse(text), None, "{text}");
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

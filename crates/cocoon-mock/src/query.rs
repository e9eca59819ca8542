//! Query strings: form-decoding (`+` is a space) of `name=value` pairs.

/// Decodes `%XX` escapes and `+` (as a space) in a query component, with the
/// `percent-encoding` crate. Stricter than form decoding: a `%` that does not start two hex
/// digits, and escapes that decode to invalid UTF-8, are errors (a client bug to catch).
pub(crate) fn percent_decode(input: &str) -> Result<String, String> {
    let b = input.as_bytes();
    let malformed = b.iter().enumerate().any(|(i, c)| {
        *c == b'%'
            && !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    });
    if malformed {
        return Err(format!("Invalid percent-encoding in {input:?}"));
    }
    let spaced = input.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| format!("Query value {input:?} is not UTF-8"))
}

/// Parses a query string into decoded `(name, value)` pairs.
pub(crate) fn parse_query(query: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        pairs.push((percent_decode(name)?, percent_decode(value)?));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_treats_plus_as_space() {
        assert_eq!(percent_decode("a%2Bb%40x.com").unwrap(), "a+b@x.com");
        assert_eq!(percent_decode("a+b").unwrap(), "a b");
        assert!(percent_decode("%zz").is_err());
        assert!(percent_decode("%4").is_err());
        assert!(percent_decode("%+0").is_err());
        assert!(percent_decode("%FF").is_err());
    }

    #[test]
    fn query_pairs_are_decoded() {
        let pairs = parse_query("email=a%2Bb%40x.com&userId=&flag").unwrap();
        assert_eq!(
            pairs,
            vec![
                ("email".to_owned(), "a+b@x.com".to_owned()),
                ("userId".to_owned(), String::new()),
                ("flag".to_owned(), String::new()),
            ]
        );
    }
}

//! Query strings: form-decoding (`+` is a space) of `name=value` pairs.

/// Decodes `%XX` escapes and `+` (as a space) in a query component.
pub(crate) fn percent_decode(input: &str) -> Result<String, String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => out.push(b),
                    None => return Err(format!("Invalid percent-encoding in {input:?}")),
                }
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| format!("Query value {input:?} is not UTF-8"))
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

//! `--data FILE|-`: a whole request as JSON in the wire's shape (API.md §4), read by the
//! request type itself (its `Deserialize` runs every check the SDK makes before sending), so
//! the command line keeps no copy of the request shapes.

use std::io::Read;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::exit::Failure;

/// Reads `path` (`-`: stdin) as the JSON of request `T`. A refusal names where in the
/// document it is (`to[0]`, `data.cart_items`, ...) and what is wrong.
pub(crate) fn read<T: DeserializeOwned>(path: &Path) -> Result<T, Failure> {
    let name = path.display();
    let text = if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::other(format!("--data -: cannot read stdin: {e}")))?;
        text
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| Failure::other(format!("--data {name}: cannot read it: {e}")))?
    };
    parse(&text).map_err(|e| Failure::invalid(format!("--data {name}: {e}")))
}

/// Parses `text` as `T`, the error led by the path of the part refused when not the whole.
fn parse<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let mut json = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut json).map_err(|e| {
        let path = e.path().to_string();
        let problem = without_strings(&e.into_inner().to_string());
        if path == "." {
            problem
        } else {
            format!("{path}: {problem}")
        }
    })?;
    json.end().map_err(|e| e.to_string())?;
    Ok(value)
}

/// `message` without the text values serde quotes in it (`invalid type: string "...",
/// expected ...`): a value in the wrong place may be an address or a phone number, and
/// refusals end up in logs.
fn without_strings(message: &str) -> String {
    const QUOTED: &str = "string \"";
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find(QUOTED) {
        out.push_str(&rest[..start]);
        out.push_str("a string");
        let mut chars = rest[start + QUOTED.len()..].char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    end = Some(start + QUOTED.len() + i + 1);
                    break;
                }
                _ => {}
            }
        }
        match end {
            Some(end) => rest = &rest[end..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cocoonmail::contacts::UpdateContact;
    use cocoonmail::events::SendEvent;
    use cocoonmail::mail::SendMail;
    use cocoonmail::otp::SendOtp;
    use cocoonmail::Endpoint;
    use serde_json::Value;

    fn body<E: Endpoint>(request: &E) -> Value {
        serde_json::from_slice(&request.body().unwrap().unwrap()).unwrap()
    }

    #[test]
    fn a_contact_update_keeps_nulls_as_clears_and_custom_properties() {
        let update: UpdateContact = parse(
            r#"{"email":"ada@example.com","lastName":null,"firstName":"Ada","plan":"pro",
                "seats":3,"mailingLists":{"l1":true,"l2":false}}"#,
        )
        .unwrap();
        assert_eq!(
            body(&update),
            serde_json::json!({"email":"ada@example.com","firstName":"Ada","lastName":null,
                "mailingLists":{"l1":true,"l2":false},"plan":"pro","seats":3})
        );
    }

    #[test]
    fn refusals_name_the_place_and_the_field() {
        let e =
            parse::<SendMail>(r#"{"transactional_id":"t1","to":[{"email":"a@x.io","nmae":"A"}]}"#)
                .unwrap_err();
        assert!(e.starts_with("to[0].nmae: unknown field `nmae`"), "{e}");
        let e = parse::<SendMail>(r#"{"to":[{"email":"a@x.io"}]}"#).unwrap_err();
        assert!(e.contains("exactly one of"), "{e}");
        let e = parse::<SendMail>(r#"{"transactional_id":"t1","to":[]}"#).unwrap_err();
        assert!(e.contains("to: at least one recipient"), "{e}");
        let e = parse::<SendEvent>(r#"{"event_name":"signup"}"#).unwrap_err();
        assert!(e.contains("missing field `email`"), "{e}");
        let e = parse::<UpdateContact>(r#"{"email":"a@x.io","listId":"l"}"#).unwrap_err();
        assert!(e.contains("listId: is reserved"), "{e}");
        let e = parse::<UpdateContact>(r#"{"email":"a@x.io"} trailing"#).unwrap_err();
        assert!(e.contains("trailing characters"), "{e}");
    }

    #[test]
    fn refusals_do_not_repeat_text_values() {
        let e = parse::<SendMail>(
            r#"{"transactional_id":"t1","to":[{"email":"a@x.io","age":"ada.private@example.com"}]}"#,
        )
        .unwrap_err();
        assert!(
            e.starts_with("to[0].age: invalid type: a string, expected u32"),
            "{e}"
        );
        assert!(!e.contains("ada.private"), "{e}");
        assert_eq!(
            without_strings(r#"x string "a\"b" y string "c" z string "unterminated"#),
            "x a string y a string z a string"
        );
        assert_eq!(without_strings("no quotes"), "no quotes");
    }

    #[test]
    fn otp_codes_keep_leading_zeros() {
        let otp: SendOtp = parse(
            r#"{"template_uuid":"7d1e5c2a-0000-4000-8000-000000000001","to":{"email":["a@x.io"]},"otp":"0042"}"#,
        )
        .unwrap();
        assert_eq!(body(&otp)["otp"], "0042");
    }
}

//! The unit tests of sending OTPs: the code on the wire, refused inputs, answers.

use serde_json::{json, Value};

use super::*;
use crate::error::{Error, InvalidInput};
use crate::test_support::{answer, wire};
use crate::Endpoint;

const UUID: &str = "7d1e5c2a-0000-4000-8000-000000000001";

fn code(digits: &str) -> OtpCode {
    OtpCode::new(digits).unwrap()
}

fn refused<E: Endpoint>(endpoint: &E) -> InvalidInput {
    match crate::build_request(&crate::test_support::config(), endpoint) {
        Err(Error::InvalidInput(e)) => e,
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[test]
fn email_otp_wire() {
    let otp = SendOtp::new(UUID, OtpRecipients::email(["a@example.com"]), code("42"))
        .to("b@example.com")
        .subject("Your code")
        .sender(OtpSender::new().email_sender("security@example.com"));
    let w = wire(&otp);
    assert_eq!(w.method, "POST");
    assert_eq!(w.path, "/webhook/otp/send");
    assert_eq!(
        w.body,
        concat!(
            r#"{"template_uuid":"7d1e5c2a-0000-4000-8000-000000000001","#,
            r#""to":{"email":["a@example.com","b@example.com"]},"otp_channel":"email","#,
            r#""subject":"Your code","otp":42,"sender":{"email_sender":"security@example.com"}}"#
        )
    );
}

#[test]
fn whatsapp_otp_wire() {
    let otp = SendOtp::new(
        UUID,
        OtpRecipients::whatsapp(["15551234567"]),
        code("123456"),
    )
    .sender(
        OtpSender::new()
            .email_sender("s@example.com")
            .whatsapp_sender("15550001111"),
    );
    let w = wire(&otp);
    assert_eq!(
        w.body,
        concat!(
            r#"{"template_uuid":"7d1e5c2a-0000-4000-8000-000000000001","#,
            r#""to":{"whatsapp_number":["15551234567"]},"otp_channel":"whatsapp","otp":123456,"#,
            r#""sender":{"email_sender":"s@example.com","whatsapp_sender":"15550001111"}}"#
        )
    );
    let v: Value = serde_json::from_str(&w.body).unwrap();
    assert_eq!(v["to"], json!({"whatsapp_number": ["15551234567"]}));
    assert!(v.get("subject").is_none());
}

#[test]
fn code_is_a_number_only_when_no_digit_is_lost() {
    let otp_of = |digits: &str| {
        let req = SendOtp::new(UUID, OtpRecipients::email(["a@example.com"]), code(digits));
        serde_json::from_str::<Value>(&wire(&req).body).unwrap()["otp"].clone()
    };
    assert_eq!(otp_of("42"), json!(42));
    assert_eq!(otp_of("0042"), json!("0042"));
    assert_eq!(otp_of("0"), json!(0));
    assert_eq!(otp_of("00"), json!("00"));
    assert_eq!(otp_of("18446744073709551615"), json!(u64::MAX));
    assert_eq!(
        otp_of("18446744073709551616"),
        json!("18446744073709551616")
    );
    assert_eq!(serde_json::to_string(&code("0042")).unwrap(), r#""0042""#);
    assert_eq!(serde_json::to_string(&code("42")).unwrap(), "42");
}

#[test]
fn codes_that_are_not_digits_are_refused() {
    for bad in [
        "",
        "12a",
        " 42",
        "4 2",
        "-42",
        "+42",
        "4.2",
        "٤٢",
        "123456789012345678901",
    ] {
        let e = OtpCode::new(bad).unwrap_err();
        assert_eq!(e.field, "otp", "{bad:?}");
    }
    assert!(OtpCode::new("12345678901234567890").is_ok());
    assert_eq!("0042".parse::<OtpCode>().unwrap(), code("0042"));
    assert_eq!(OtpCode::try_from("7").unwrap(), OtpCode::from(7u32));
    assert_eq!(
        OtpCode::try_from(String::from("7")).unwrap(),
        OtpCode::from(7u64)
    );
    assert_eq!(OtpCode::from(u64::MAX).as_str(), "18446744073709551615");
}

#[test]
fn debug_hides_the_code() {
    let otp = SendOtp::new(
        UUID,
        OtpRecipients::email(["a@example.com"]),
        code("987654"),
    );
    let shown = format!("{otp:?}");
    assert!(!shown.contains("987654"), "{shown}");
    assert!(shown.contains("6 digits"), "{shown}");
}

#[test]
fn invalid_requests_are_refused_before_sending() {
    let email = |list: &[&str]| OtpRecipients::email(list.iter().copied());
    assert_eq!(
        refused(&SendOtp::new("", email(&["a@example.com"]), code("1"))).field,
        "template_uuid"
    );
    assert_eq!(
        refused(&SendOtp::new(UUID, email(&[]), code("1"))).field,
        "to.email"
    );
    assert_eq!(
        refused(&SendOtp::new(
            UUID,
            OtpRecipients::whatsapp(Vec::<String>::new()),
            code("1")
        ))
        .field,
        "to.whatsapp_number"
    );
    assert_eq!(
        refused(&SendOtp::new(
            UUID,
            email(&["a@example.com", ""]),
            code("1")
        ))
        .field,
        "to.email[1]"
    );
    let ok = || SendOtp::new(UUID, email(&["a@example.com"]), code("1"));
    assert_eq!(refused(&ok().subject(" ")).field, "subject");
    assert_eq!(
        refused(&ok().sender(OtpSender::new().email_sender(""))).field,
        "sender.email_sender"
    );
    assert_eq!(
        refused(&ok().sender(OtpSender::new().whatsapp_sender(""))).field,
        "sender.whatsapp_sender"
    );
    assert_eq!(ok().idempotency(), crate::Idempotency::NotIdempotent);
}

#[test]
fn channel_and_recipients_stay_together() {
    let otp = SendOtp::new(UUID, OtpRecipients::whatsapp(["1"]), code("1")).to("2");
    assert_eq!(otp.recipients().channel(), "whatsapp");
    assert_eq!(otp.recipients().recipients(), ["1", "2"]);
}

#[test]
fn answer_decodes() {
    let req = SendOtp::new(UUID, OtpRecipients::email(["a@example.com"]), code("1"));
    let out = answer(
        &req,
        200,
        r#"{"success": true, "message": "OTP sent successfully"}"#,
    )
    .unwrap();
    assert_eq!(out.success, Some(true));
    assert_eq!(out.message.as_deref(), Some("OTP sent successfully"));
    let out = answer(&req, 200, r#"{"message": null, "otp_id": "x"}"#).unwrap();
    assert_eq!(out, SendOtpResponse::default());
    let err = answer(&req, 400, r#"{"message": "Invalid template"}"#).unwrap_err();
    assert!(matches!(err, Error::Api(e) if e.message.as_deref() == Some("Invalid template")));
}

proptest::proptest! {
    #[test]
    fn any_digit_string_is_accepted_and_sent_without_losing_digits(digits in "[0-9]{1,20}") {
        let otp = OtpCode::new(digits.clone()).unwrap();
        let sent = serde_json::to_value(&otp).unwrap();
        let back = match &sent {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            other => panic!("unexpected {other}"),
        };
        proptest::prop_assert_eq!(back, digits);
    }
}

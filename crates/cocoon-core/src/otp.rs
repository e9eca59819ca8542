//! One-time passwords: `POST /webhook/otp/send` (API.md §4.11), with [`SendOtp`] answered by
//! [`SendOtpResponse`].
//!
//! The channel and its recipients are one value ([`OtpRecipients`]), so the body's `to` and
//! `otp_channel` always agree. The code is an [`OtpCode`]: ASCII digits, sent as a JSON number
//! when that keeps every digit (`"42"` → `42`) and as a string otherwise (`"0042"` → `"0042"`).

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::endpoint::{json_body, Endpoint, Target};
use crate::error::{Error, InvalidInput};
use crate::route::Operation;
use crate::wire::check_not_blank;

/// A one-time password: 1 to [`OtpCode::MAX_LEN`] ASCII digits.
///
/// Its `Debug` output hides the digits, so logging a request does not leak the code.
///
/// ```
/// use cocoon_core::otp::OtpCode;
/// assert_eq!(OtpCode::new("004217")?.as_str(), "004217");
/// assert_eq!(OtpCode::from(4217u32).as_str(), "4217");
/// assert_eq!(OtpCode::new("12a").unwrap_err().field, "otp");
/// assert!(!format!("{:?}", OtpCode::new("004217")?).contains("4217"));
/// # Ok::<(), cocoon_core::InvalidInput>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OtpCode(String);

impl OtpCode {
    /// The longest code accepted, in digits (every `u64` fits).
    pub const MAX_LEN: usize = 20;

    /// A code from its digits; fails with an [`InvalidInput`] for the field `otp` when `digits`
    /// is empty, longer than [`OtpCode::MAX_LEN`] or holds anything but ASCII digits.
    pub fn new(digits: impl Into<String>) -> Result<Self, InvalidInput> {
        let digits = digits.into();
        if digits.is_empty() {
            return Err(InvalidInput::new("otp", "must not be empty"));
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidInput::new("otp", "must hold only the digits 0-9"));
        }
        if digits.len() > Self::MAX_LEN {
            return Err(InvalidInput::new(
                "otp",
                format!("must be at most {} digits long", Self::MAX_LEN),
            ));
        }
        Ok(OtpCode(digits))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number to send, when sending the code as a JSON number keeps every digit (no leading
    /// zero, within `u64`).
    fn as_number(&self) -> Option<u64> {
        let n = self.0.parse::<u64>().ok()?;
        (n.to_string() == self.0).then_some(n)
    }
}

impl fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OtpCode(<{} digits>)", self.0.len())
    }
}

impl FromStr for OtpCode {
    type Err = InvalidInput;

    fn from_str(digits: &str) -> Result<Self, Self::Err> {
        OtpCode::new(digits)
    }
}

impl TryFrom<&str> for OtpCode {
    type Error = InvalidInput;

    fn try_from(digits: &str) -> Result<Self, Self::Error> {
        OtpCode::new(digits)
    }
}

impl TryFrom<String> for OtpCode {
    type Error = InvalidInput;

    fn try_from(digits: String) -> Result<Self, Self::Error> {
        OtpCode::new(digits)
    }
}

impl From<u32> for OtpCode {
    fn from(code: u32) -> Self {
        OtpCode(code.to_string())
    }
}

impl From<u64> for OtpCode {
    fn from(code: u64) -> Self {
        OtpCode(code.to_string())
    }
}

impl Serialize for OtpCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.as_number() {
            Some(n) => serializer.serialize_u64(n),
            None => serializer.serialize_str(&self.0),
        }
    }
}

/// The channel an OTP goes through, with its recipients: `to` is `{"email": [...]}` or
/// `{"whatsapp_number": [...]}` and `otp_channel` is `"email"` or `"whatsapp"` accordingly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OtpRecipients {
    /// By email, to these addresses.
    Email(Vec<String>),
    /// By WhatsApp, to these numbers.
    WhatsApp(Vec<String>),
}

impl OtpRecipients {
    /// By email, to every one of `addresses`.
    pub fn email<I: IntoIterator<Item = S>, S: Into<String>>(addresses: I) -> Self {
        OtpRecipients::Email(addresses.into_iter().map(Into::into).collect())
    }

    /// By WhatsApp, to every one of `numbers`.
    pub fn whatsapp<I: IntoIterator<Item = S>, S: Into<String>>(numbers: I) -> Self {
        OtpRecipients::WhatsApp(numbers.into_iter().map(Into::into).collect())
    }

    /// The `otp_channel` value: `"email"` or `"whatsapp"`.
    pub fn channel(&self) -> &'static str {
        match self {
            OtpRecipients::Email(_) => "email",
            OtpRecipients::WhatsApp(_) => "whatsapp",
        }
    }

    /// The addresses or numbers.
    pub fn recipients(&self) -> &[String] {
        match self {
            OtpRecipients::Email(list) | OtpRecipients::WhatsApp(list) => list,
        }
    }

    /// The key of `to` on the wire: `"email"` or `"whatsapp_number"`.
    fn to_key(&self) -> &'static str {
        match self {
            OtpRecipients::Email(_) => "email",
            OtpRecipients::WhatsApp(_) => "whatsapp_number",
        }
    }

    fn push(&mut self, recipient: String) {
        match self {
            OtpRecipients::Email(list) | OtpRecipients::WhatsApp(list) => list.push(recipient),
        }
    }
}

/// Who an OTP appears to come from: `{email_sender, whatsapp_sender}`, each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[must_use]
pub struct OtpSender {
    #[serde(skip_serializing_if = "Option::is_none")]
    email_sender: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    whatsapp_sender: Option<String>,
}

impl OtpSender {
    /// No sender set.
    pub fn new() -> Self {
        OtpSender::default()
    }

    /// Sets `email_sender`: the address email OTPs come from.
    pub fn email_sender(mut self, email: impl Into<String>) -> Self {
        self.email_sender = Some(email.into());
        self
    }

    /// Sets `whatsapp_sender`: the number WhatsApp OTPs come from.
    pub fn whatsapp_sender(mut self, number: impl Into<String>) -> Self {
        self.whatsapp_sender = Some(number.into());
        self
    }
}

/// `POST /webhook/otp/send`: sends a one-time password through a template, by email or by
/// WhatsApp.
///
/// Sending is not idempotent, so it is retried only when the server certainly did not act on
/// it.
///
/// ```
/// use cocoon_core::{build_request, ApiKey, Config};
/// use cocoon_core::otp::{OtpCode, OtpRecipients, OtpSender, SendOtp};
/// let key = ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?;
/// let config = Config::new(key);
/// let otp = SendOtp::new(
///     "7d1e5c2a-0000-4000-8000-000000000001",
///     OtpRecipients::email(["ada@example.com"]),
///     OtpCode::new("004217")?,
/// )
/// .subject("Your sign-in code")
/// .sender(OtpSender::new().email_sender("security@example.com"));
/// let request = build_request(&config, &otp)?;
/// assert_eq!(request.uri(), "https://webhook.cocoonmail.com/webhook/otp/send");
/// let body: serde_json::Value = serde_json::from_slice(request.body())?;
/// assert_eq!(body["otp_channel"], "email");
/// assert_eq!(body["otp"], "004217");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct SendOtp {
    template_uuid: String,
    to: OtpRecipients,
    subject: Option<String>,
    otp: OtpCode,
    sender: Option<OtpSender>,
}

impl SendOtp {
    /// Sends `otp` through the template `template_uuid` to `to`.
    pub fn new(template_uuid: impl Into<String>, to: OtpRecipients, otp: OtpCode) -> Self {
        SendOtp {
            template_uuid: template_uuid.into(),
            to,
            subject: None,
            otp,
            sender: None,
        }
    }

    /// Adds a recipient on the request's channel (an address for email, a number for
    /// WhatsApp).
    pub fn to(mut self, recipient: impl Into<String>) -> Self {
        self.to.push(recipient.into());
        self
    }

    /// The channel and its recipients.
    pub fn recipients(&self) -> &OtpRecipients {
        &self.to
    }

    /// Sets the email `subject`.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Sets the `sender`.
    pub fn sender(mut self, sender: OtpSender) -> Self {
        self.sender = Some(sender);
        self
    }
}

impl Serialize for SendOtp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct To<'a>(&'a OtpRecipients);
        impl Serialize for To<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry(self.0.to_key(), self.0.recipients())?;
                map.end()
            }
        }

        #[derive(Serialize)]
        struct Wire<'a> {
            template_uuid: &'a str,
            to: To<'a>,
            otp_channel: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            subject: Option<&'a str>,
            otp: &'a OtpCode,
            #[serde(skip_serializing_if = "Option::is_none")]
            sender: Option<&'a OtpSender>,
        }

        Wire {
            template_uuid: &self.template_uuid,
            to: To(&self.to),
            otp_channel: self.to.channel(),
            subject: self.subject.as_deref(),
            otp: &self.otp,
            sender: self.sender.as_ref(),
        }
        .serialize(serializer)
    }
}

impl Endpoint for SendOtp {
    type Output = SendOtpResponse;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::SendOtp)
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        check_not_blank("template_uuid", &self.template_uuid)?;
        let key = self.to.to_key();
        if self.to.recipients().is_empty() {
            return Err(InvalidInput::new(
                format!("to.{key}"),
                "at least one recipient is required",
            ));
        }
        for (i, recipient) in self.to.recipients().iter().enumerate() {
            check_not_blank(format!("to.{key}[{i}]"), recipient)?;
        }
        if let Some(subject) = &self.subject {
            check_not_blank("subject", subject)?;
        }
        if let Some(sender) = &self.sender {
            if let Some(email) = &sender.email_sender {
                check_not_blank("sender.email_sender", email)?;
            }
            if let Some(number) = &sender.whatsapp_sender {
                check_not_blank("sender.whatsapp_sender", number)?;
            }
        }
        Ok(())
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        json_body(self)
    }
}

/// The answer to [`SendOtp`]: `success` and `message`.
pub type SendOtpResponse = crate::answers::Acknowledgement;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{answer, wire};
    use serde_json::{json, Value};

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
}

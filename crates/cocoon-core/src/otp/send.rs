//! `POST /webhook/otp/send`: a one-time password by email or by WhatsApp.

use serde::{Deserialize, Serialize, Serializer};

use super::OtpCode;
use crate::endpoint::{json_body, Endpoint, Target};
use crate::error::{Error, InvalidInput};
use crate::route::Operation;
use crate::setters::text_setters;
use crate::wire::check_not_blank;

/// The channel an OTP goes through, with its recipients: `to` is `{"email": [...]}` or
/// `{"whatsapp_number": [...]}` and `otp_channel` is `"email"` or `"whatsapp"` accordingly.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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

    text_setters! {
        /// Sets `email_sender`: the address email OTPs come from.
        email_sender,
        /// Sets `whatsapp_sender`: the number WhatsApp OTPs come from.
        whatsapp_sender,
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
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "SendOtpJson")]
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

    text_setters! {
        /// Sets the email `subject`.
        subject,
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

/// A `to` as JSON gives it: exactly one of the two lists.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToJson {
    email: Option<Vec<String>>,
    whatsapp_number: Option<Vec<String>>,
}

/// An OTP request as JSON gives it, before its checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendOtpJson {
    template_uuid: String,
    to: ToJson,
    otp_channel: Option<String>,
    subject: Option<String>,
    otp: OtpCode,
    sender: Option<OtpSender>,
}

impl TryFrom<SendOtpJson> for SendOtp {
    type Error = InvalidInput;

    fn try_from(json: SendOtpJson) -> Result<Self, Self::Error> {
        let to = match (json.to.email, json.to.whatsapp_number) {
            (Some(emails), None) => OtpRecipients::Email(emails),
            (None, Some(numbers)) => OtpRecipients::WhatsApp(numbers),
            _ => {
                return Err(InvalidInput::new(
                    "to",
                    "needs exactly one of `email` and `whatsapp_number`",
                ))
            }
        };
        if let Some(channel) = &json.otp_channel {
            if channel != to.channel() {
                return Err(InvalidInput::new(
                    "otp_channel",
                    format!("must be {:?}, the channel of `to`", to.channel()),
                ));
            }
        }
        let otp = SendOtp {
            template_uuid: json.template_uuid,
            to,
            subject: json.subject,
            otp: json.otp,
            sender: json.sender,
        };
        otp.validate()?;
        Ok(otp)
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

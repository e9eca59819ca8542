//! `GET /webhook/mail/status`: the delivery and engagement status of a sent email.

use serde::{Deserialize, Serialize};

use super::TrackingLog;
use crate::wire::message_id_request;

message_id_request!(
    /// `GET /webhook/mail/status?message_id=<id>`: reads the delivery and engagement status of a
    /// sent email. An unknown id ends in [`Error::NotFound`](crate::Error::NotFound).
    ///
    /// ```
    /// use cocoon_core::{build_request, ApiKey, Config};
    /// use cocoon_core::mail::MailStatus;
    /// let key = ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?;
    /// let request = build_request(&Config::new(key), &MailStatus::new("<abc+1@mail.example.com>"))?;
    /// assert_eq!(
    ///     request.uri(),
    ///     "https://webhook.cocoonmail.com/webhook/mail/status?message_id=%3Cabc%2B1%40mail.example.com%3E"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    MailStatus => MailStatus, MailStatusResponse, "email", "[`MailReport::message_id`](super::MailReport::message_id)");

/// The answer to [`MailStatus`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct MailStatusResponse {
    /// The server's message.
    pub message: Option<String>,
    /// The email's status (all fields unknown when the answer had no `data`).
    #[serde(deserialize_with = "crate::wire::null_as_default")]
    pub data: MailStatusData,
}

/// A sent email's status (API.md §4.5). Flags and counts are `None` when the server did not
/// send them; timestamps are ISO-8601 strings as sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct MailStatusData {
    /// The email's `Message-ID` header.
    pub x_message_id: Option<String>,
    /// The email's content.
    pub mail_content: Option<String>,
    /// The subject.
    pub subject: Option<String>,
    /// The recipient's name.
    pub name: Option<String>,
    /// The recipient's address.
    pub email: Option<String>,
    /// Whether it was sent.
    pub sent: Option<bool>,
    /// Whether it was delivered.
    pub delivered: Option<bool>,
    /// Whether it bounced.
    pub bounced: Option<bool>,
    /// Whether the recipient unsubscribed through it.
    pub unsubscribed: Option<bool>,
    /// Whether it was opened.
    pub open: Option<bool>,
    /// Whether a link in it was clicked.
    pub clicked: Option<bool>,
    /// Whether it can be sent.
    pub sendable: Option<bool>,
    /// Whether sending failed.
    pub failed: Option<bool>,
    /// How many times it was opened (read from a number or a numeric string).
    #[serde(deserialize_with = "crate::wire::opt_u64")]
    pub opened_count: Option<u64>,
    /// How many times a link was clicked (read from a number or a numeric string).
    #[serde(deserialize_with = "crate::wire::opt_u64")]
    pub clicked_count: Option<u64>,
    /// When it was sent.
    pub sent_at: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<String>,
    /// When it bounced.
    pub bounced_at: Option<String>,
    /// When the recipient unsubscribed.
    pub unsubscribed_at: Option<String>,
    /// When it was scheduled for.
    pub scheduled_at: Option<String>,
    /// When it was created.
    pub created: Option<String>,
    /// The bounce's error text.
    pub bounced_error: Option<String>,
    /// The bounce's type.
    pub bounce_type: Option<String>,
    /// The receiving server's SMTP reply code, e.g. `"250"` (`SMTP_code` on the wire; a number
    /// is read as its text).
    #[serde(rename = "SMTP_code", deserialize_with = "crate::wire::opt_string")]
    pub smtp_code: Option<String>,
    /// The receiving server's SMTP error (`SMTP_error` on the wire).
    #[serde(rename = "SMTP_error")]
    pub smtp_error: Option<String>,
    /// The predefined transactional email's id, when one was used (a number is read as its
    /// text).
    #[serde(deserialize_with = "crate::wire::opt_string")]
    pub transactional_mail_id: Option<String>,
    /// The predefined transactional email's name.
    pub transactional_name: Option<String>,
    /// Opens and clicks, one entry each.
    #[serde(deserialize_with = "crate::wire::null_as_default")]
    pub tracking_logs: Vec<TrackingLog>,
}

//! The opens and clicks of a sent email.

use serde::{Deserialize, Serialize};

/// One open or click of a sent email.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct TrackingLog {
    /// What happened (`type` on the wire).
    #[serde(rename = "type")]
    pub kind: Option<TrackingEvent>,
    /// The client's user agent.
    pub user_agent: Option<String>,
    /// The email client's family.
    pub client_family: Option<String>,
    /// The email client's version.
    pub client_version: Option<String>,
    /// The operating system's name.
    pub os_name: Option<String>,
    /// The operating system's version.
    pub os_version: Option<String>,
    /// The device type.
    pub device_type: Option<String>,
    /// The client's IP address.
    pub ip_address: Option<String>,
    /// When it happened.
    pub created: Option<String>,
}

/// The `type` of a [`TrackingLog`]: an open set, so values this SDK does not know are kept in
/// [`TrackingEvent::Other`]. Known values are matched without regard to case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
#[non_exhaustive]
pub enum TrackingEvent {
    /// `"OPEN"`: the email was opened.
    Open,
    /// `"CLICK"`: a link was clicked.
    Click,
    /// Any other value, as sent.
    Other(String),
}

impl TrackingEvent {
    /// The value as on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            TrackingEvent::Open => "OPEN",
            TrackingEvent::Click => "CLICK",
            TrackingEvent::Other(other) => other,
        }
    }
}

impl From<String> for TrackingEvent {
    fn from(value: String) -> Self {
        if value.eq_ignore_ascii_case("OPEN") {
            TrackingEvent::Open
        } else if value.eq_ignore_ascii_case("CLICK") {
            TrackingEvent::Click
        } else {
            TrackingEvent::Other(value)
        }
    }
}

impl From<TrackingEvent> for String {
    fn from(event: TrackingEvent) -> Self {
        match event {
            TrackingEvent::Other(other) => other,
            known => known.as_str().to_owned(),
        }
    }
}

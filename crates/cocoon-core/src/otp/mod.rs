//! One-time passwords: `POST /webhook/otp/send` (API.md §4.11), with [`SendOtp`] answered by
//! [`SendOtpResponse`].
//!
//! The channel and its recipients are one value ([`OtpRecipients`]), so the body's `to` and
//! `otp_channel` always agree. The code is an [`OtpCode`]: ASCII digits, sent as a JSON number
//! when that keeps every digit (`"42"` → `42`) and as a string otherwise (`"0042"` → `"0042"`).

mod code;
mod send;

#[cfg(test)]
mod tests;

pub use code::OtpCode;
pub use send::{OtpRecipients, OtpSender, SendOtp, SendOtpResponse};

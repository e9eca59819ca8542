//! `email/verify` (API.md §4.8).

use std::time::SystemTime;

use serde_json::json;

use super::fails_delivery;
use crate::util::{email_domain, iso_micros};
use crate::validate::{Checked, Fields, Obj, Reply};

/// Domains of well-known disposable-address services: verified as `"risky"`.
const DISPOSABLE_DOMAINS: &[&str] = &[
    "mailinator.com",
    "yopmail.com",
    "guerrillamail.com",
    "10minutemail.com",
    "trashmail.com",
];

pub(super) fn email_verify(body: &Obj) -> Checked<Reply> {
    let f = Fields::new(body, "");
    f.only(&["email"])?;
    let email = f.req_email("email")?;
    let domain = email_domain(email);
    let status = if fails_delivery(email) {
        "invalid"
    } else if DISPOSABLE_DOMAINS.contains(&domain.as_str()) {
        "risky"
    } else {
        "safe"
    };
    Ok(Reply::new(
        200,
        json!({
            "message": "Email successfully verified",
            "data": {"email": email, "status": status, "checked_at": iso_micros(SystemTime::now())},
        }),
    ))
}

//! `otp/send` (API.md §4.11).

use serde_json::{json, Value};

use crate::state::{MessageKind, SentMessage, State};
use crate::util::{looks_like_phone, looks_like_uuid};
use crate::validate::{Checked, Fields, Obj, Reply};

pub(super) fn otp_send(state: &mut State, body: &Obj) -> Checked<Reply> {
    let f = Fields::new(body, "");
    f.only(&[
        "template_uuid",
        "to",
        "otp_channel",
        "subject",
        "otp",
        "sender",
    ])?;
    let uuid = f.req_str("template_uuid")?;
    if !looks_like_uuid(uuid) {
        return Err(Reply::bad(format!(
            "`template_uuid` must be a UUID, not {uuid:?}"
        )));
    }
    let to = Fields::new(f.req_object("to")?, "to.");
    to.only(&["email", "whatsapp_number"])?;
    let channel_of_to = match (to.has("email"), to.has("whatsapp_number")) {
        (true, false) => "email",
        (false, true) => "whatsapp",
        _ => {
            return Err(Reply::bad(
                "`to` must have exactly one of `email` or `whatsapp_number`",
            ))
        }
    };
    let addresses: Vec<String> = if channel_of_to == "email" {
        to.req_array("email")?;
        to.opt_email_array("email")?
            .unwrap_or_default()
            .into_iter()
            .map(str::to_owned)
            .collect()
    } else {
        to.req_array("whatsapp_number")?;
        let numbers = to.opt_str_array("whatsapp_number")?.unwrap_or_default();
        for (i, n) in numbers.iter().enumerate() {
            if !looks_like_phone(n) {
                return Err(Reply::bad(format!(
                    "`to.whatsapp_number[{i}]` must be a phone number in international format, not {n:?}"
                )));
            }
        }
        numbers.into_iter().map(str::to_owned).collect()
    };
    let channel = f.req_str("otp_channel")?;
    if channel != "email" && channel != "whatsapp" {
        return Err(Reply::bad(format!(
            "`otp_channel` must be \"email\" or \"whatsapp\", not {channel:?}"
        )));
    }
    if channel != channel_of_to {
        return Err(Reply::bad(format!(
            "`otp_channel` is {channel:?} but `to` holds {}",
            if channel_of_to == "email" {
                "`email`"
            } else {
                "`whatsapp_number`"
            }
        )));
    }
    f.opt_str("subject")?;
    match body.get("otp") {
        None | Some(Value::Null) => return Err(Reply::bad("`otp` is required")),
        Some(Value::Number(n)) if n.is_u64() => {}
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {}
        Some(other) => {
            return Err(Reply::bad(format!(
                "`otp` must be a non-negative integer or a string of digits, not {}",
                match other {
                    Value::String(s) => format!("{s:?}"),
                    other => other.to_string(),
                }
            )))
        }
    }
    // `sender` is optional (API.md marks only `template_uuid` as required), but typed.
    if let Some(sender) = f.opt_object("sender")? {
        let sender = Fields::new(sender, "sender.");
        sender.only(&["email_sender", "whatsapp_sender"])?;
        sender.opt_email("email_sender")?;
        sender.opt_str("whatsapp_sender")?;
    }

    let request = Value::Object(body.clone());
    for to in addresses {
        state.sent.push(SentMessage {
            kind: MessageKind::Otp,
            to,
            message_id: None,
            request: request.clone(),
        });
    }
    Ok(Reply::new(
        200,
        json!({"success": true, "message": "OTP sent successfully"}),
    ))
}

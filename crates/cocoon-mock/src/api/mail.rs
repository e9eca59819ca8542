//! `mail/send`, `mail/send-direct` and `mail/status` (API.md §4.2, §4.3, §4.5).

use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

use super::{fails_delivery, query_params, required_param};
use crate::request::Request;
use crate::state::{MailRecord, MessageKind, SentMessage, State};
use crate::util::{iso_micros, looks_like_uuid};
use crate::validate::{
    check_attachments, check_email, describe, each_object, Checked, Fields, Obj, Reply,
};

const MAIL_MODES: [&str; 3] = ["email_content", "template_uuid", "transactional_id"];

const MAIL_SEND_FIELDS: &[&str] = &[
    "email_content",
    "template_uuid",
    "transactional_id",
    "sender",
    "subject",
    "to",
    "reply_to",
    "cc",
    "custom_parameter",
    "attachments",
    "attachments_remote",
    "add_email_address_to_contact",
    "scheduled_at",
    "allow_click_tracking",
    "allow_open_tracking",
    "ignore_contact_bounce",
    "ignore_contact_unsubscribe",
    "enable_view_in_browser",
    "include_unsubscribe",
    "tags",
];

/// Recipient fields that are not plain strings; with [`RECIPIENT_STRINGS`], every field.
const RECIPIENT_OTHER_FIELDS: &[&str] = &["email", "attributes", "lists", "tags", "age"];

const RECIPIENT_STRINGS: &[&str] = &[
    "name",
    "first_name",
    "middle_name",
    "last_name",
    "gender",
    "Address1",
    "Address2",
    "city",
    "state",
    "country",
    "postal_code",
    "designation",
    "company",
    "industry",
    "description",
    "anniversary_date",
];

pub(super) fn mail_send(state: &mut State, body: &Obj) -> Checked<Reply> {
    let f = Fields::new(body, "");
    f.only(MAIL_SEND_FIELDS)?;
    let modes: Vec<&str> = MAIL_MODES.into_iter().filter(|m| f.has(m)).collect();
    let mut transactional_id = None;
    let (content, sender, subject) = match modes.as_slice() {
        [] => {
            return Err(Reply::bad(
                "Exactly one of `email_content` (raw content), `template_uuid` (custom template) or `transactional_id` (predefined transactional) is required",
            ))
        }
        ["email_content"] => (
            Some(f.req_str("email_content")?),
            Some(f.req_email("sender")?),
            Some(f.req_str("subject")?),
        ),
        ["template_uuid"] => {
            let uuid = f.req_str("template_uuid")?;
            if !looks_like_uuid(uuid) {
                return Err(Reply::bad(format!("`template_uuid` must be a UUID, not {uuid:?}")));
            }
            (None, Some(f.req_email("sender")?), Some(f.req_str("subject")?))
        }
        ["transactional_id"] => {
            transactional_id = Some(match body.get("transactional_id") {
                Some(Value::Number(n)) if n.is_u64() => n.to_string(),
                _ => f.req_str("transactional_id")?.to_owned(),
            });
            (None, f.opt_email("sender")?, f.opt_str("subject")?)
        }
        several => {
            return Err(Reply::bad(format!(
                "Only one of `email_content`, `template_uuid` or `transactional_id` may be given, got `{}`",
                several.join("` and `")
            )))
        }
    };
    let to = f.req_array("to")?;
    let mut recipients = Vec::new();
    each_object(to, "to", |_, r| {
        r.only(&[RECIPIENT_OTHER_FIELDS, RECIPIENT_STRINGS].concat())?;
        let email = r.req_email("email")?;
        for key in RECIPIENT_STRINGS {
            r.opt_str(key)?;
        }
        r.opt_object("attributes")?;
        r.opt_str_array("lists")?;
        r.opt_str_array("tags")?;
        if let Some(age) = r.opt_integer("age")? {
            if age < 0 {
                return Err(Reply::bad(format!(
                    "`{}` must not be negative",
                    r.name("age")
                )));
            }
        }
        recipients.push((email.to_owned(), r.opt_str("name")?.map(str::to_owned)));
        Ok(())
    })?;
    f.opt_email("reply_to")?;
    f.opt_email_array("cc")?;
    f.opt_object("custom_parameter")?;
    check_attachments(&f)?;
    if let Some(remote) = f.opt_array("attachments_remote")? {
        each_object(remote, "attachments_remote", |_, a| {
            a.only(&["remote_link"])?;
            let link = a.req_str("remote_link")?;
            if !(link.starts_with("https://") || link.starts_with("http://")) {
                return Err(Reply::bad(format!(
                    "`{}` must be an http(s) URL",
                    a.name("remote_link")
                )));
            }
            Ok(())
        })?;
    }
    for flag in [
        "add_email_address_to_contact",
        "allow_click_tracking",
        "ignore_contact_bounce",
        "ignore_contact_unsubscribe",
        "enable_view_in_browser",
        "include_unsubscribe",
    ] {
        f.opt_bool(flag)?;
    }
    let open_tracking = f.opt_bool("allow_open_tracking")?.unwrap_or(true);
    let scheduled_at = f.opt_iso_datetime("scheduled_at")?;
    f.opt_str_array("tags")?;

    let request = Value::Object(body.clone());
    let now = SystemTime::now();
    let mut report = Vec::new();
    let mut failed = Vec::new();
    for (email, name) in recipients {
        if fails_delivery(&email) {
            failed.push(json!(email));
            continue;
        }
        let message_id = state.new_mail_id();
        state.mails.insert(
            message_id.clone(),
            MailRecord {
                message_id: message_id.clone(),
                email: email.clone(),
                name,
                subject: subject.map(str::to_owned),
                content: content.map(str::to_owned),
                transactional_id: transactional_id.clone(),
                open_tracking,
                scheduled_at: scheduled_at.map(str::to_owned),
                created: now,
            },
        );
        state.sent.push(SentMessage {
            kind: MessageKind::Email,
            to: email.clone(),
            message_id: Some(message_id.clone()),
            request: request.clone(),
        });
        report.push(json!({"to": email, "message_id": message_id}));
    }
    state.count_mail(report.len() as u64);
    Ok(Reply::new(
        201,
        json!({
            "success": true,
            "failed_recipients": failed,
            "report": report,
            "quotas": state.mail_quotas(),
            "sender": sender.unwrap_or("transactional@mock.cocoonmail.test"),
            "message": "Transactional mails sent successfully",
        }),
    ))
}

pub(super) fn mail_send_direct(state: &mut State, body: &Obj) -> Checked<Reply> {
    let f = Fields::new(body, "");
    f.only(&[
        "email_content",
        "sender",
        "subject",
        "to",
        "reply_to",
        "cc",
        "attachments",
    ])?;
    f.req_str("email_content")?;
    f.req_email("sender")?;
    f.req_str("subject")?;
    let to = f.req_array("to")?;
    let (mut sent, mut failed, mut invalid) = (Vec::new(), Vec::new(), Vec::new());
    each_object(to, "to", |_, r| {
        r.only(&["email", "name"])?;
        r.opt_str("name")?;
        let email = match r.obj.get("email") {
            Some(Value::String(s)) => s.as_str(),
            Some(other) if !other.is_null() => {
                return Err(Reply::bad(format!(
                    "`{}` must be a string, not {}",
                    r.name("email"),
                    describe(other)
                )))
            }
            _ => return Err(Reply::bad(format!("`{}` is required", r.name("email")))),
        };
        if check_email(email, "").is_err() {
            invalid.push(email.to_owned());
        } else if fails_delivery(email) {
            failed.push(email.to_owned());
        } else {
            sent.push(email.to_owned());
        }
        Ok(())
    })?;
    if sent.is_empty() && failed.is_empty() {
        return Err(Reply::bad(format!(
            "`to` contains no valid email address (invalid: {})",
            invalid.join(", ")
        )));
    }
    f.opt_email("reply_to")?;
    f.opt_email_array("cc")?;
    check_attachments(&f)?;
    let request = Value::Object(body.clone());
    for email in &sent {
        state.sent.push(SentMessage {
            kind: MessageKind::DirectEmail,
            to: email.clone(),
            message_id: None,
            request: request.clone(),
        });
    }
    state.count_mail(sent.len() as u64);
    Ok(Reply::new(
        201,
        json!({
            "success": true,
            "message": "Direct mails sent successfully",
            "sent_recipients": sent,
            "failed_recipients": failed,
            "invalid_recipients": invalid,
        }),
    ))
}

pub(super) fn mail_status(state: &State, req: &Request) -> Checked<Reply> {
    let params = query_params(req)?;
    let id = required_param(&params, "message_id")?;
    let Some(m) = state.mails.get(id) else {
        return Err(Reply::error(
            404,
            format!("No email found with message_id {id:?}"),
        ));
    };
    let created = iso_micros(m.created);
    let delivered = iso_micros(m.created + Duration::from_millis(800));
    let opened = iso_micros(m.created + Duration::from_secs(2));
    let tracking_logs = if m.open_tracking {
        json!([{
            "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
            "client_family": "Apple Mail",
            "client_version": "17.2",
            "os_name": "Mac OS X",
            "os_version": "10.15.7",
            "device_type": "desktop",
            "ip_address": "203.0.113.7",
            "created": opened,
            "type": "OPEN",
        }])
    } else {
        json!([])
    };
    Ok(Reply::new(
        200,
        json!({
            "message": "Email status fetched successfully",
            "data": {
                "x_message_id": m.message_id,
                "mail_content": m.content,
                "subject": m.subject,
                "name": m.name,
                "email": m.email,
                "sent": true,
                "delivered": true,
                "bounced": false,
                "unsubscribed": false,
                "open": m.open_tracking,
                "clicked": false,
                "sendable": true,
                "failed": false,
                "opened_count": u32::from(m.open_tracking),
                "clicked_count": 0,
                "sent_at": created,
                "delivered_at": delivered,
                "bounced_at": null,
                "unsubscribed_at": null,
                "scheduled_at": m.scheduled_at,
                "created": created,
                "bounced_error": null,
                "bounce_type": null,
                "SMTP_code": "250",
                "SMTP_error": null,
                "transactional_mail_id": m.transactional_id,
                "transactional_name": m.transactional_id.as_ref().map(|id| format!("Transactional {id}")),
                "tracking_logs": tracking_logs,
            }
        }),
    ))
}

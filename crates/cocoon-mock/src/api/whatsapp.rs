//! `whatsapp_message/send` and `whatsapp_message/status` (API.md §4.9, §4.10).

use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

use super::{query_params, required_param};
use crate::request::Request;
use crate::state::{MessageKind, SentMessage, State, WhatsAppRecord};
use crate::util::{iso_micros, looks_like_phone};
use crate::validate::{describe, each_object, Checked, Fields, Obj, Reply};

pub(super) fn whatsapp_send(state: &mut State, body: &Obj) -> Checked<Reply> {
    let f = Fields::new(body, "");
    f.only(&[
        "from_number",
        "type",
        "content",
        "recipient",
        "add_recipient_to_contacts",
        "parameterized_variables",
        "overwrite_variables",
        "event",
        "tags",
    ])?;
    let from_number = f.req_str("from_number")?;
    let kind = f.req_str("type")?;
    let content = match body.get("content") {
        None | Some(Value::Null) => return Err(Reply::bad("`content` is required")),
        Some(c) => c,
    };
    match kind {
        "template" | "text" => {
            let Value::Object(c) = content else {
                return Err(Reply::bad(format!(
                    "`content` must be an object for type {kind:?}, not {}",
                    describe(content)
                )));
            };
            let c = Fields::new(c, "content.");
            if kind == "template" {
                c.req_str("template_name")?;
                c.req_str("template_language")?;
            } else {
                c.req_str("body")?;
            }
        }
        _ => {}
    }
    let recipients = f.req_array("recipient")?;
    let mut numbers = Vec::new();
    each_object(recipients, "recipient", |_, r| {
        r.only(&[
            "whatsapp_number",
            "first_name",
            "name",
            "email",
            "attributes",
        ])?;
        let number = r.req_str("whatsapp_number")?;
        if !looks_like_phone(number) {
            return Err(Reply::bad(format!(
                "`{}` must be a phone number in international format (digits, optional leading +), not {number:?}",
                r.name("whatsapp_number")
            )));
        }
        let first_name = r.opt_str("first_name")?.map(str::to_owned);
        let name = r.opt_str("name")?.map(str::to_owned);
        let email = r.opt_email("email")?.map(str::to_owned);
        r.opt_object("attributes")?;
        numbers.push((number.to_owned(), first_name, name, email));
        Ok(())
    })?;
    f.opt_bool("add_recipient_to_contacts")?;
    f.opt_object("parameterized_variables")?;
    f.opt_object("overwrite_variables")?;
    if f.has("parameterized_variables") && f.has("overwrite_variables") {
        return Err(Reply::bad(
            "Give `parameterized_variables` or its older name `overwrite_variables`, not both",
        ));
    }
    if let Some(event) = f.opt_object("event")? {
        let e = Fields::new(event, "event.");
        e.only(&["code", "name", "data"])?;
        e.req_str("code")?;
        e.opt_str("name")?;
        e.opt_object("data")?;
    }
    f.opt_str_array("tags")?;

    let request = Value::Object(body.clone());
    let now = SystemTime::now();
    let mut report = Vec::new();
    for (number, first_name, name, email) in numbers {
        let message_id = state.new_whatsapp_id();
        let contact_id = state.whatsapp_contact_id(&number);
        let record = WhatsAppRecord {
            uuid: state.ids.uuid(),
            message_id: message_id.clone(),
            conversation_id: state.ids.hex(32).to_lowercase(),
            kind: kind.to_owned(),
            to: number.clone(),
            content: content.clone(),
            from_number: from_number.to_owned(),
            contact_id,
            email,
            name,
            first_name,
            created: now,
        };
        state.whatsapps.insert(message_id.clone(), record);
        state.sent.push(SentMessage {
            kind: MessageKind::WhatsApp,
            to: number.clone(),
            message_id: Some(message_id.clone()),
            request: request.clone(),
        });
        report.push(json!({"to": number, "message_id": message_id}));
    }
    state.whatsapp_usage += report.len() as u64;
    Ok(Reply::new(
        201,
        json!({
            "success": true,
            "failed_recipients": [],
            "report": report,
            "quotas": state.whatsapp_quotas(),
            "message": "WhatsApp messages sent successfully",
        }),
    ))
}

pub(super) fn whatsapp_status(state: &State, req: &Request) -> Checked<Reply> {
    let params = query_params(req)?;
    let id = required_param(&params, "message_id")?;
    let Some(m) = state.whatsapps.get(id) else {
        return Err(Reply::error(
            404,
            format!("No WhatsApp message found with message_id {id:?}"),
        ));
    };
    let created = iso_micros(m.created);
    let delivered = iso_micros(m.created + Duration::from_millis(900));
    Ok(Reply::new(
        200,
        json!({
            "message": "WhatsApp message status fetched successfully",
            "data": {
                "uuid": m.uuid,
                "message_id": m.message_id,
                "conversation_id": m.conversation_id,
                "direction": "outbound",
                "type": m.kind,
                "status": "delivered",
                "delivered": true,
                "read": false,
                "failed": false,
                "rejected": false,
                "delivered_at": delivered,
                "read_at": null,
                "failed_at": null,
                "rejected_at": null,
                "created": created,
                "updated": delivered,
                "sent_at": created,
                "to": m.to,
                "content": m.content,
                "metadata": {"from_number": m.from_number},
                "contact": {
                    "id": m.contact_id,
                    "email": m.email,
                    "name": m.name.clone().or_else(|| m.first_name.clone()),
                    "first_name": m.first_name,
                    "whatsapp_number": m.to,
                    "is_whatsapp_unsubscribed": false,
                },
            }
        }),
    ))
}

//! `--data FILE|-`: a whole request as JSON in the wire's shape (API.md §4), turned into the
//! core's typed request through its builders, so every check the SDK makes still applies.
//!
//! Each shape is read into a plain mirror with serde (unknown fields refused where the API
//! documents a closed set, with serde's message naming the field and the expected ones), then
//! built.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use cocoonmail::contacts::{CreateContact, UpdateContact};
use cocoonmail::events::{
    CartItem, CheckoutCustomer, CheckoutEvent, Event, EventContact, SendEvent,
};
use cocoonmail::mail::{
    Attachment, DirectRecipient, MailContent, Recipient, RemoteAttachment, SendDirectMail, SendMail,
};
use cocoonmail::otp::{OtpCode, OtpRecipients, SendOtp};
use cocoonmail::properties::{PropertyName, PropertyValue};
use cocoonmail::whatsapp::{SendWhatsApp, WhatsAppEvent, WhatsAppMessage, WhatsAppRecipient};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::exit::Failure;
use crate::requests::{otp_sender, simple_event, ContactFields, SetFlag, SetText};

/// Reads `path` (`-`: stdin) as the JSON of `T`.
fn read<T: DeserializeOwned>(path: &Path) -> Result<T, Failure> {
    let name = path.display();
    let text = if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::other(format!("--data -: cannot read stdin: {e}")))?;
        text
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| Failure::other(format!("--data {name}: cannot read it: {e}")))?
    };
    serde_json::from_str(&text).map_err(|e| Failure::invalid(format!("--data {name}: {e}")))
}

/// An error about the `--data` file's content.
fn bad(path: &Path, message: impl std::fmt::Display) -> Failure {
    Failure::invalid(format!("--data {}: {message}", path.display()))
}

/// `null` kept apart from absence: `Some(None)` clears on an update.
fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A contact as `contact/create` and `contact/update` take it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContactData {
    email: Option<String>,
    user_id: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    source: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    user_group: Option<Option<String>>,
    subscribed: Option<bool>,
    #[serde(default)]
    mailing_lists: BTreeMap<String, bool>,
    #[serde(flatten)]
    properties: BTreeMap<String, Value>,
}

impl ContactData {
    /// The fields given a value; `null`s are left to the caller (they clear on an update).
    fn fields(&self, path: &Path) -> Result<ContactFields, Failure> {
        let value = |v: &Option<Option<String>>| v.clone().flatten();
        let properties = self
            .properties
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    Value::String(s) => PropertyValue::String(s.clone()),
                    Value::Number(n) => PropertyValue::Number(n.clone()),
                    Value::Bool(b) => PropertyValue::Bool(*b),
                    Value::Null => PropertyValue::Null,
                    _ => {
                        return Err(bad(
                            path,
                            format!(
                                "custom property `{name}` must be a string, number, boolean or null"
                            ),
                        ))
                    }
                };
                let name = PropertyName::new(name.as_str()).map_err(|e| bad(path, e))?;
                Ok((name, value))
            })
            .collect::<Result<_, _>>()?;
        Ok(ContactFields {
            first_name: value(&self.first_name),
            last_name: value(&self.last_name),
            source: value(&self.source),
            user_group: value(&self.user_group),
            subscribed: self.subscribed,
            lists: self
                .mailing_lists
                .iter()
                .map(|(id, on)| (id.clone(), *on))
                .collect(),
            properties,
        })
    }
}

/// `contacts create --data`.
pub(crate) fn create_contact(path: &Path) -> Result<CreateContact, Failure> {
    let data: ContactData = read(path)?;
    let Some(email) = data.email.clone() else {
        return Err(bad(path, "`email` is required to create a contact"));
    };
    let mut contact = CreateContact::new(email);
    if let Some(v) = &data.user_id {
        contact = contact.user_id(v);
    }
    Ok(data.fields(path)?.apply(contact))
}

/// `contacts update --data`: a `null` clears the field.
pub(crate) fn update_contact(path: &Path) -> Result<UpdateContact, Failure> {
    use cocoonmail::contacts::ContactField;

    let data: ContactData = read(path)?;
    let update = match (&data.email, &data.user_id) {
        (Some(email), Some(id)) => UpdateContact::by_email(email).user_id(id),
        (Some(email), None) => UpdateContact::by_email(email),
        (None, Some(id)) => UpdateContact::by_user_id(id),
        (None, None) => return Err(bad(path, "`email` or `userId` is required")),
    };
    let mut update = data.fields(path)?.apply(update);
    for (field, value) in [
        (ContactField::FirstName, &data.first_name),
        (ContactField::LastName, &data.last_name),
        (ContactField::Source, &data.source),
        (ContactField::UserGroup, &data.user_group),
    ] {
        if let Some(None) = value {
            update = update.clear(field);
        }
    }
    Ok(update)
}

/// The structured event shape.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StructuredEventData {
    contact: EventContactData,
    event: EventData,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventContactData {
    email: String,
    name: Option<String>,
    whatsapp_number: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventData {
    code: String,
    name: Option<String>,
    #[serde(default)]
    data: Map<String, Value>,
}

/// `events send --data`: the simple shape (`event_name`, `email`, `event_attribute` and
/// further properties) or the structured one (`contact` and `event`).
pub(crate) fn send_event(path: &Path) -> Result<SendEvent, Failure> {
    let mut object: Map<String, Value> = read(path)?;
    if object.contains_key("contact") || object.contains_key("event") {
        let data: StructuredEventData =
            serde_json::from_value(Value::Object(object)).map_err(|e| bad(path, e))?;
        let mut contact = EventContact::new(data.contact.email);
        if let Some(v) = data.contact.name {
            contact = contact.name(v);
        }
        if let Some(v) = data.contact.whatsapp_number {
            contact = contact.whatsapp_number(v);
        }
        let mut event = Event::new(data.event.code).data(data.event.data);
        if let Some(v) = data.event.name {
            event = event.name(v);
        }
        return Ok(SendEvent::structured(contact, event));
    }
    let mut text = |key: &str, required: bool| match object.remove(key) {
        Some(Value::String(s)) => Ok(Some(s)),
        None if !required => Ok(None),
        None => Err(bad(path, format!("`{key}` is required"))),
        Some(_) => Err(bad(path, format!("`{key}` must be a string"))),
    };
    let name = text("event_name", true)?.unwrap_or_default();
    let email = text("email", true)?.unwrap_or_default();
    let attribute = text("event_attribute", false)?;
    Ok(simple_event(name, email, attribute, object))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckoutData {
    event: Option<String>,
    data: CartData,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CartData {
    cart_id: String,
    customer: CustomerData,
    cart_items: Vec<CartItemData>,
    checkout_url: String,
    created_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerData {
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CartItemData {
    sku: String,
    name: String,
    quantity: u32,
    price: f64,
}

/// `events checkout --data`.
pub(crate) fn checkout(path: &Path) -> Result<CheckoutEvent, Failure> {
    let data: CheckoutData = read(path)?;
    if let Some(event) = &data.event {
        if event != "abandoned_cart" {
            return Err(bad(path, "`event` can only be \"abandoned_cart\""));
        }
    }
    let cart = data.data;
    let mut customer = CheckoutCustomer::new(cart.customer.email);
    if let Some(v) = cart.customer.first_name {
        customer = customer.first_name(v);
    }
    if let Some(v) = cart.customer.last_name {
        customer = customer.last_name(v);
    }
    if let Some(v) = cart.customer.phone {
        customer = customer.phone(v);
    }
    Ok(
        CheckoutEvent::new(cart.cart_id, customer, cart.checkout_url, cart.created_at).items(
            cart.cart_items
                .into_iter()
                .map(|i| CartItem::new(i.sku, i.name, i.quantity, i.price)),
        ),
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MailData {
    email_content: Option<String>,
    template_uuid: Option<String>,
    transactional_id: Option<String>,
    sender: Option<String>,
    subject: Option<String>,
    to: Vec<RecipientData>,
    reply_to: Option<String>,
    #[serde(default)]
    cc: Vec<String>,
    #[serde(default)]
    custom_parameter: Map<String, Value>,
    #[serde(default)]
    attachments: Vec<AttachmentData>,
    #[serde(default)]
    attachments_remote: Vec<RemoteAttachmentData>,
    add_email_address_to_contact: Option<bool>,
    scheduled_at: Option<String>,
    allow_click_tracking: Option<bool>,
    allow_open_tracking: Option<bool>,
    ignore_contact_bounce: Option<bool>,
    ignore_contact_unsubscribe: Option<bool>,
    enable_view_in_browser: Option<bool>,
    include_unsubscribe: Option<bool>,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecipientData {
    email: String,
    name: Option<String>,
    first_name: Option<String>,
    middle_name: Option<String>,
    last_name: Option<String>,
    attributes: Option<Map<String, Value>>,
    #[serde(default)]
    lists: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    gender: Option<String>,
    age: Option<u32>,
    #[serde(rename = "Address1")]
    address1: Option<String>,
    #[serde(rename = "Address2")]
    address2: Option<String>,
    city: Option<String>,
    state: Option<String>,
    country: Option<String>,
    postal_code: Option<String>,
    designation: Option<String>,
    company: Option<String>,
    industry: Option<String>,
    description: Option<String>,
    anniversary_date: Option<String>,
}

impl RecipientData {
    fn build(self) -> Recipient {
        let mut r = Recipient::new(self.email).lists(self.lists).tags(self.tags);
        let texts: [(Option<String>, SetText<Recipient>); 16] = [
            (self.name, |r, v| r.name(v)),
            (self.first_name, |r, v| r.first_name(v)),
            (self.middle_name, |r, v| r.middle_name(v)),
            (self.last_name, |r, v| r.last_name(v)),
            (self.gender, |r, v| r.gender(v)),
            (self.address1, |r, v| r.address1(v)),
            (self.address2, |r, v| r.address2(v)),
            (self.city, |r, v| r.city(v)),
            (self.state, |r, v| r.state(v)),
            (self.country, |r, v| r.country(v)),
            (self.postal_code, |r, v| r.postal_code(v)),
            (self.designation, |r, v| r.designation(v)),
            (self.company, |r, v| r.company(v)),
            (self.industry, |r, v| r.industry(v)),
            (self.description, |r, v| r.description(v)),
            (self.anniversary_date, |r, v| r.anniversary_date(v)),
        ];
        for (value, set) in texts {
            if let Some(v) = value {
                r = set(r, v);
            }
        }
        if let Some(attributes) = self.attributes {
            r = r.attributes(attributes);
        }
        if let Some(age) = self.age {
            r = r.age(age);
        }
        r
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttachmentData {
    filename: String,
    #[serde(rename = "contentType")]
    content_type: String,
    data: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RemoteAttachmentData {
    remote_link: String,
}

fn attachments(path: &Path, list: Vec<AttachmentData>) -> Result<Vec<Attachment>, Failure> {
    list.into_iter()
        .enumerate()
        .map(|(i, a)| {
            Attachment::from_base64(a.filename, a.content_type, a.data)
                .map_err(|e| bad(path, format!("attachments[{i}].{e}")))
        })
        .collect()
}

/// `mail send --data`: exactly one of `email_content`, `template_uuid` and
/// `transactional_id` chooses the mode.
pub(crate) fn send_mail(path: &Path) -> Result<SendMail, Failure> {
    let data: MailData = read(path)?;
    let need = |value: Option<String>, key: &str, mode: &str| {
        value.ok_or_else(|| bad(path, format!("`{key}` is required with `{mode}`")))
    };
    let content = match (
        data.email_content,
        data.template_uuid,
        data.transactional_id,
    ) {
        (Some(content), None, None) => MailContent::raw(
            content,
            need(data.sender, "sender", "email_content")?,
            need(data.subject, "subject", "email_content")?,
        ),
        (None, Some(uuid), None) => MailContent::template(
            uuid,
            need(data.sender, "sender", "template_uuid")?,
            need(data.subject, "subject", "template_uuid")?,
        ),
        (None, None, Some(id)) => {
            if data.sender.is_some() || data.subject.is_some() {
                return Err(bad(
                    path,
                    "`sender` and `subject` come from the transactional email's definition: \
                     leave them out with `transactional_id`",
                ));
            }
            MailContent::transactional(id)
        }
        _ => return Err(bad(
            path,
            "exactly one of `email_content`, `template_uuid` and `transactional_id` is required",
        )),
    };
    let mut mail = SendMail::new(content)
        .to_all(data.to.into_iter().map(RecipientData::build))
        .cc_all(data.cc)
        .custom_parameters(data.custom_parameter)
        .attachments(attachments(path, data.attachments)?)
        .remote_attachments(
            data.attachments_remote
                .into_iter()
                .map(|a| RemoteAttachment::new(a.remote_link)),
        )
        .tags(data.tags);
    if let Some(v) = data.reply_to {
        mail = mail.reply_to(v);
    }
    if let Some(v) = data.scheduled_at {
        mail = mail.scheduled_at(v);
    }
    let flags: [(Option<bool>, SetFlag<SendMail>); 7] = [
        (data.add_email_address_to_contact, |m, v| {
            m.add_email_address_to_contact(v)
        }),
        (data.allow_click_tracking, |m, v| m.allow_click_tracking(v)),
        (data.allow_open_tracking, |m, v| m.allow_open_tracking(v)),
        (data.ignore_contact_bounce, |m, v| {
            m.ignore_contact_bounce(v)
        }),
        (data.ignore_contact_unsubscribe, |m, v| {
            m.ignore_contact_unsubscribe(v)
        }),
        (data.enable_view_in_browser, |m, v| {
            m.enable_view_in_browser(v)
        }),
        (data.include_unsubscribe, |m, v| m.include_unsubscribe(v)),
    ];
    for (value, set) in flags {
        if let Some(v) = value {
            mail = set(mail, v);
        }
    }
    Ok(mail)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectMailData {
    email_content: String,
    sender: String,
    subject: String,
    to: Vec<DirectRecipientData>,
    reply_to: Option<String>,
    #[serde(default)]
    cc: Vec<String>,
    #[serde(default)]
    attachments: Vec<AttachmentData>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectRecipientData {
    email: String,
    name: Option<String>,
}

/// `mail send-direct --data`.
pub(crate) fn send_direct_mail(path: &Path) -> Result<SendDirectMail, Failure> {
    let data: DirectMailData = read(path)?;
    let mut mail = SendDirectMail::new(data.email_content, data.sender, data.subject)
        .to_all(data.to.into_iter().map(|r| {
            let recipient = DirectRecipient::new(r.email);
            match r.name {
                Some(name) => recipient.name(name),
                None => recipient,
            }
        }))
        .cc_all(data.cc)
        .attachments(attachments(path, data.attachments)?);
    if let Some(v) = data.reply_to {
        mail = mail.reply_to(v);
    }
    Ok(mail)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WhatsAppData {
    from_number: String,
    #[serde(rename = "type")]
    kind: String,
    content: Value,
    recipient: Vec<WhatsAppRecipientData>,
    add_recipient_to_contacts: Option<bool>,
    #[serde(alias = "overwrite_variables")]
    parameterized_variables: Option<Map<String, Value>>,
    event: Option<EventData>,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WhatsAppRecipientData {
    whatsapp_number: String,
    first_name: Option<String>,
    name: Option<String>,
    email: Option<String>,
    attributes: Option<Map<String, Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateContent {
    template_name: String,
    template_language: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TextContent {
    body: String,
}

/// `whatsapp send --data`: `type` `template` and `text` have their documented `content`;
/// any other type's `content` is sent as given.
pub(crate) fn send_whatsapp(path: &Path) -> Result<SendWhatsApp, Failure> {
    let data: WhatsAppData = read(path)?;
    let message = match data.kind.as_str() {
        "template" => {
            let c: TemplateContent = serde_json::from_value(data.content)
                .map_err(|e| bad(path, format!("content: {e}")))?;
            WhatsAppMessage::template(c.template_name, c.template_language)
        }
        "text" => {
            let c: TextContent = serde_json::from_value(data.content)
                .map_err(|e| bad(path, format!("content: {e}")))?;
            WhatsAppMessage::text(c.body)
        }
        other => WhatsAppMessage::media(other, data.content),
    };
    let recipients = data.recipient.into_iter().map(|r| {
        let mut recipient = WhatsAppRecipient::new(r.whatsapp_number);
        if let Some(v) = r.first_name {
            recipient = recipient.first_name(v);
        }
        if let Some(v) = r.name {
            recipient = recipient.name(v);
        }
        if let Some(v) = r.email {
            recipient = recipient.email(v);
        }
        if let Some(v) = r.attributes {
            recipient = recipient.attributes(v);
        }
        recipient
    });
    let mut send = SendWhatsApp::new(data.from_number, message)
        .recipients_all(recipients)
        .tags(data.tags);
    if let Some(v) = data.add_recipient_to_contacts {
        send = send.add_recipient_to_contacts(v);
    }
    if let Some(v) = data.parameterized_variables {
        send = send.parameterized_variables(v);
    }
    if let Some(e) = data.event {
        let mut event = WhatsAppEvent::new(e.code).data(e.data);
        if let Some(name) = e.name {
            event = event.name(name);
        }
        send = send.event(event);
    }
    Ok(send)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OtpData {
    template_uuid: String,
    to: OtpToData,
    otp_channel: Option<String>,
    subject: Option<String>,
    otp: Value,
    sender: Option<OtpSenderData>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OtpToData {
    email: Option<Vec<String>>,
    whatsapp_number: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OtpSenderData {
    email_sender: Option<String>,
    whatsapp_sender: Option<String>,
}

/// `otp send --data`: `to` holds `email` or `whatsapp_number`; `otp` is digits, as a string
/// or a number.
pub(crate) fn send_otp(path: &Path) -> Result<SendOtp, Failure> {
    let data: OtpData = read(path)?;
    let to = match (data.to.email, data.to.whatsapp_number) {
        (Some(emails), None) => OtpRecipients::email(emails),
        (None, Some(numbers)) => OtpRecipients::whatsapp(numbers),
        _ => {
            return Err(bad(
                path,
                "`to` needs exactly one of `email` and `whatsapp_number`",
            ))
        }
    };
    if let Some(channel) = &data.otp_channel {
        if channel != to.channel() {
            return Err(bad(
                path,
                format!(
                    "`otp_channel` is {channel:?} but `to` holds {} recipients",
                    to.channel()
                ),
            ));
        }
    }
    let digits = match &data.otp {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_u64() => n.to_string(),
        _ => return Err(bad(path, "`otp` must be digits, as a string or a number")),
    };
    let code = OtpCode::new(digits).map_err(|e| bad(path, e))?;
    let mut otp = SendOtp::new(data.template_uuid, to, code);
    if let Some(v) = data.subject {
        otp = otp.subject(v);
    }
    if let Some(sender) = data
        .sender
        .and_then(|s| otp_sender(s.email_sender, s.whatsapp_sender))
    {
        otp = otp.sender(sender);
    }
    Ok(otp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cocoonmail::Endpoint;

    fn file(json: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.json");
        std::fs::write(&path, json).unwrap();
        (dir, path)
    }

    fn body<E: Endpoint>(request: &E) -> Value {
        serde_json::from_slice(&request.body().unwrap().unwrap()).unwrap()
    }

    #[test]
    fn a_contact_update_keeps_nulls_as_clears_and_custom_properties() {
        let (_dir, path) = file(
            r#"{"email":"ada@example.com","lastName":null,"firstName":"Ada","plan":"pro",
                "seats":3,"mailingLists":{"l1":true,"l2":false}}"#,
        );
        let update = update_contact(&path).unwrap();
        assert_eq!(
            body(&update),
            serde_json::json!({"email":"ada@example.com","firstName":"Ada","lastName":null,
                "mailingLists":{"l1":true,"l2":false},"plan":"pro","seats":3})
        );
    }

    #[test]
    fn unknown_fields_and_missing_modes_are_named() {
        let (_dir, path) =
            file(r#"{"transactional_id":"t1","to":[{"email":"a@x.io","nmae":"A"}]}"#);
        let failure = send_mail(&path).unwrap_err();
        assert!(
            failure.message.contains("unknown field `nmae`"),
            "{failure}"
        );
        let (_dir, path) = file(r#"{"to":[{"email":"a@x.io"}]}"#);
        let failure = send_mail(&path).unwrap_err();
        assert!(failure.message.contains("exactly one of"), "{failure}");
        let (_dir, path) = file(r#"{"event_name":"signup"}"#);
        assert!(send_event(&path)
            .unwrap_err()
            .message
            .contains("`email` is required"));
    }

    #[test]
    fn otp_codes_keep_leading_zeros() {
        let (_dir, path) = file(
            r#"{"template_uuid":"7d1e5c2a-0000-4000-8000-000000000001","to":{"email":["a@x.io"]},"otp":"0042"}"#,
        );
        assert_eq!(body(&send_otp(&path).unwrap())["otp"], "0042");
    }
}

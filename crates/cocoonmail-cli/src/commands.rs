//! One command per API operation: build the request from the flags (or `--data`), send it,
//! print the answer.

use std::fmt::Write as _;
use std::path::Path;

use cocoonmail::contacts::{Contact, ContactField, ContactRef, CreateContact, UpdateContact};
use cocoonmail::events::{CartItem, CheckoutCustomer, CheckoutEvent, SendEvent};
use cocoonmail::mail::{MailContent, SendDirectMail, SendMail};
use cocoonmail::otp::{OtpCode, OtpRecipients, SendOtp};
use cocoonmail::quota::{Quotas, SendReport};
use cocoonmail::whatsapp::{SendWhatsApp, WhatsAppMessage};
use serde_json::Value;

use crate::cli::{
    CheckoutArgs, ContactRefArgs, ContactWriteArgs, ContactsCommand, EventSendArgs, EventsCommand,
    KeyCommand, MailCommand, MailSendArgs, MailSendDirectArgs, OtpCommand, OtpSendArgs,
    WhatsAppCommand, WhatsAppSendArgs,
};
use crate::client::CliClient;
use crate::data;
use crate::exit::Failure;
use crate::fields::{Cell, FieldTypes};
use crate::output::{fields, table, yes_no, Output};
use crate::requests::{otp_sender, simple_event, ContactFields};

/// `key validate`.
pub(crate) fn key(client: &CliClient, out: Output, command: KeyCommand) -> Result<(), Failure> {
    let KeyCommand::Validate = command;
    let answer = client.keys().validate()?;
    out.answer(&answer, |a| {
        let mut text = String::from("The API key is valid.\n");
        text.push_str(&fields(&[
            ("workspace", a.workspace_name.clone()),
            ("workspace id", a.workspace_id.clone()),
        ]));
        text
    })
}

/// `contacts ...`.
pub(crate) fn contacts(
    client: &CliClient,
    out: Output,
    command: ContactsCommand,
) -> Result<(), Failure> {
    match command {
        ContactsCommand::Create(args) => {
            let contact = match &args.data.file {
                Some(path) => data::read(path)?,
                None => create_from_flags(client, args)?,
            };
            let answer = client.contacts().create(contact)?;
            out.answer(&answer, |a| saved("Contact created", a.id.as_deref()))
        }
        ContactsCommand::Update(args) => {
            let update = match &args.data.file {
                Some(path) => data::read(path)?,
                None => update_from_flags(client, args)?,
            };
            let answer = client.contacts().update(update)?;
            out.answer(&answer, |a| saved("Contact saved", a.id.as_deref()))
        }
        ContactsCommand::Find(who) => {
            let found = client.contacts().find(contact_ref(who))?;
            out.answer(&found, |found| describe_contacts(found))
        }
        ContactsCommand::Delete(who) => {
            let answer = client.contacts().delete(contact_ref(who))?;
            out.answer(&answer, |a| {
                format!("{}\n", a.message.as_deref().unwrap_or("Contact deleted."))
            })
        }
    }
}

fn saved(what: &str, id: Option<&str>) -> String {
    match id {
        Some(id) => format!("{what} (id {id}).\n"),
        None => format!("{what}.\n"),
    }
}

fn contact_ref(who: ContactRefArgs) -> ContactRef {
    match (who.email, who.user_id) {
        (Some(email), _) => ContactRef::email(email),
        (None, Some(id)) => ContactRef::user_id(id),
        // clap's group requires one of the two.
        (None, None) => ContactRef::email(String::new()),
    }
}

/// Splits `NAME=VALUE`.
fn pair<'a>(flag: &str, text: &'a str) -> Result<(&'a str, &'a str), Failure> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim(), value)),
        _ => Err(Failure::usage(format!(
            "{flag} expects NAME=VALUE, got {text:?}"
        ))),
    }
}

/// The custom properties of `--property NAME=VALUE`, typed by the account's fields (read
/// only when there is one).
fn typed_properties(
    client: &CliClient,
    properties: &[String],
) -> Result<
    Vec<(
        cocoonmail::properties::PropertyName,
        cocoonmail::properties::PropertyValue,
    )>,
    Failure,
> {
    if properties.is_empty() {
        return Ok(Vec::new());
    }
    let fields = FieldTypes::fetch(client)?;
    properties
        .iter()
        .map(|p| {
            let (name, value) = pair("--property", p)?;
            let property = fields.name(name).map_err(Failure::invalid)?;
            let value = fields
                .convert(name, Cell::Text(value))
                .map_err(Failure::invalid)?;
            Ok((property, value))
        })
        .collect()
}

/// The fields of `contacts create|update` flags.
fn fields_from_flags(
    client: &CliClient,
    args: &ContactWriteArgs,
) -> Result<ContactFields, Failure> {
    let lists = args.list.iter().map(|id| (id.clone(), true));
    let unsubscribed = args.unsubscribe.iter().map(|id| (id.clone(), false));
    Ok(ContactFields {
        first_name: args.first_name.clone(),
        last_name: args.last_name.clone(),
        source: args.source.clone(),
        user_group: args.user_group.clone(),
        subscribed: args.subscribed,
        lists: lists.chain(unsubscribed).collect(),
        properties: typed_properties(client, &args.property)?,
    })
}

fn create_from_flags(client: &CliClient, args: ContactWriteArgs) -> Result<CreateContact, Failure> {
    if !args.clear.is_empty() || args.new_email.is_some() {
        return Err(Failure::usage(
            "--clear and --new-email are for `contacts update`",
        ));
    }
    let fields = fields_from_flags(client, &args)?;
    let Some(email) = args.email else {
        return Err(Failure::usage("`contacts create` needs --email"));
    };
    let mut contact = CreateContact::new(email);
    if let Some(v) = args.user_id {
        contact = contact.user_id(v);
    }
    Ok(fields.apply(contact))
}

fn update_from_flags(client: &CliClient, args: ContactWriteArgs) -> Result<UpdateContact, Failure> {
    let fields = fields_from_flags(client, &args)?;
    let mut update = match (args.email, args.user_id) {
        (Some(email), Some(id)) => UpdateContact::by_email(email).user_id(id),
        (Some(email), None) => UpdateContact::by_email(email),
        (None, Some(id)) => UpdateContact::by_user_id(id),
        (None, None) => {
            return Err(Failure::usage(
                "`contacts update` needs --email or --user-id",
            ))
        }
    };
    if let Some(v) = args.new_email {
        update = update.email(v);
    }
    let mut update = fields.apply(update);
    for field in &args.clear {
        update = match field.as_str() {
            "first-name" | "firstName" => update.clear(ContactField::FirstName),
            "last-name" | "lastName" => update.clear(ContactField::LastName),
            "source" => update.clear(ContactField::Source),
            "user-group" | "userGroup" => update.clear(ContactField::UserGroup),
            name => {
                let property = cocoonmail::properties::PropertyName::new(name)
                    .map_err(|e| Failure::invalid(format!("--clear {e}")))?;
                update.clear_property(property)
            }
        };
    }
    Ok(update)
}

fn describe_contacts(found: &[Contact]) -> String {
    if found.is_empty() {
        return "No contact matches.\n".to_owned();
    }
    let mut text = String::new();
    for (i, c) in found.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        let lists = (!c.mailing_lists.is_empty()).then(|| {
            c.mailing_lists
                .iter()
                .map(|(id, on)| {
                    format!("{id} ({})", if *on { "subscribed" } else { "unsubscribed" })
                })
                .collect::<Vec<_>>()
                .join(", ")
        });
        let mut pairs = vec![
            ("id", Some(c.id.clone())),
            ("email", Some(c.email.clone())),
            ("firstName", c.first_name.clone()),
            ("lastName", c.last_name.clone()),
            ("userId", c.user_id.clone()),
            ("userGroup", c.user_group.clone()),
            ("source", c.source.clone()),
            ("subscribed", yes_no(c.subscribed)),
            ("mailingLists", lists),
        ];
        let custom: Vec<(String, String)> = c
            .custom_properties
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect();
        pairs.extend(custom.iter().map(|(k, v)| (k.as_str(), Some(v.clone()))));
        text.push_str(&fields(&pairs));
    }
    text
}

/// `lists`.
pub(crate) fn lists(client: &CliClient, out: Output) -> Result<(), Failure> {
    let lists = client.lists().list()?;
    out.answer(&lists, |lists| {
        if lists.is_empty() {
            return "No mailing lists.\n".to_owned();
        }
        let mut rows = vec![vec![
            "ID".to_owned(),
            "NAME".to_owned(),
            "PUBLIC".to_owned(),
            "DESCRIPTION".to_owned(),
        ]];
        rows.extend(lists.iter().map(|l| {
            vec![
                l.id.clone(),
                l.name.clone(),
                yes_no(l.is_public).unwrap_or_default(),
                l.description.clone().unwrap_or_default(),
            ]
        }));
        table(&rows)
    })
}

/// `fields`.
pub(crate) fn custom_fields(client: &CliClient, out: Output) -> Result<(), Failure> {
    let fields = client.custom_fields().list()?;
    out.answer(&fields, |fields| {
        if fields.is_empty() {
            return "No custom fields.\n".to_owned();
        }
        let mut rows = vec![vec![
            "KEY".to_owned(),
            "TYPE".to_owned(),
            "LABEL".to_owned(),
        ]];
        rows.extend(fields.iter().map(|f| {
            vec![
                f.key.clone(),
                f.field_type
                    .as_ref()
                    .map(|t| t.as_str().to_owned())
                    .unwrap_or_default(),
                f.label.clone(),
            ]
        }));
        table(&rows)
    })
}

/// `events ...`.
pub(crate) fn events(
    client: &CliClient,
    out: Output,
    command: EventsCommand,
) -> Result<(), Failure> {
    match command {
        EventsCommand::Send(args) => {
            let event = match &args.data.file {
                Some(path) => data::read(path)?,
                None => event_from_flags(args)?,
            };
            let answer = client.events().send(event)?;
            out.answer(&answer, |a| saved("Event sent", a.id.as_deref()))
        }
        EventsCommand::Checkout(args) => {
            let checkout = match &args.data.file {
                Some(path) => data::read(path)?,
                None => checkout_from_flags(args)?,
            };
            let answer = client.events().checkout(checkout)?;
            out.answer(&answer, |a| {
                format!(
                    "{}\n",
                    a.message.as_deref().unwrap_or("Checkout event sent.")
                )
            })
        }
    }
}

fn event_from_flags(args: EventSendArgs) -> Result<SendEvent, Failure> {
    let properties = args
        .property
        .iter()
        .map(|p| pair("--property", p).map(|(k, v)| (k.to_owned(), Value::from(v))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(simple_event(
        args.name.unwrap_or_default(),
        args.email.unwrap_or_default(),
        args.attribute,
        properties,
    ))
}

fn checkout_from_flags(args: CheckoutArgs) -> Result<CheckoutEvent, Failure> {
    let mut customer = CheckoutCustomer::new(args.email.unwrap_or_default());
    if let Some(v) = args.first_name {
        customer = customer.first_name(v);
    }
    if let Some(v) = args.last_name {
        customer = customer.last_name(v);
    }
    if let Some(v) = args.phone {
        customer = customer.phone(v);
    }
    let items = args
        .item
        .iter()
        .map(|item| cart_item(item))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CheckoutEvent::new(
        args.cart_id.unwrap_or_default(),
        customer,
        args.checkout_url.unwrap_or_default(),
        args.created_at.unwrap_or_default(),
    )
    .items(items))
}

/// `SKU,NAME,QTY,PRICE`; the name may hold commas.
fn cart_item(text: &str) -> Result<CartItem, Failure> {
    let bad = || {
        Failure::usage(format!(
            "--item expects SKU,NAME,QUANTITY,PRICE (e.g. SKU-1,Notebook,2,4.50), got {text:?}"
        ))
    };
    let (sku, rest) = text.split_once(',').ok_or_else(bad)?;
    let (rest, price) = rest.rsplit_once(',').ok_or_else(bad)?;
    let (name, quantity) = rest.rsplit_once(',').ok_or_else(bad)?;
    let quantity: u32 = quantity.trim().parse().map_err(|_| bad())?;
    let price: f64 = price.trim().parse().map_err(|_| bad())?;
    Ok(CartItem::new(sku.trim(), name.trim(), quantity, price))
}

/// `mail ...`.
pub(crate) fn mail(client: &CliClient, out: Output, command: MailCommand) -> Result<(), Failure> {
    match command {
        MailCommand::Send(args) => {
            let mail = match &args.data.file {
                Some(path) => data::read(path)?,
                None => mail_from_flags(args)?,
            };
            let answer = client.mail().send(mail)?;
            out.answer(&answer, |a| {
                send_report(&a.report, &a.failed_recipients, &a.quotas)
            })
        }
        MailCommand::SendDirect(args) => {
            let mail = match &args.data.file {
                Some(path) => data::read(path)?,
                None => direct_mail_from_flags(args)?,
            };
            let answer = client.mail().send_direct(mail)?;
            out.answer(&answer, |a| {
                let mut text = format!("Sent to {} recipient(s).\n", a.sent_recipients.len());
                for (label, list) in [
                    ("failed", &a.failed_recipients),
                    ("invalid", &a.invalid_recipients),
                ] {
                    for v in list {
                        let _ = writeln!(text, "  {label}: {}", value_text(v));
                    }
                }
                text
            })
        }
        MailCommand::Usage => {
            let usage = client.mail().usage()?;
            out.answer(&usage, |u| {
                let text = quotas(&u.quotas);
                if text.is_empty() {
                    "No quotas reported.\n".to_owned()
                } else {
                    text
                }
            })
        }
        MailCommand::Status(id) => {
            let status = client.mail().status(id.message_id)?;
            out.answer(&status, |s| {
                let d = &s.data;
                fields(&[
                    ("email", d.email.clone()),
                    ("subject", d.subject.clone()),
                    ("sent", yes_no(d.sent)),
                    ("delivered", yes_no(d.delivered)),
                    ("opened", yes_no(d.open)),
                    ("clicked", yes_no(d.clicked)),
                    ("bounced", yes_no(d.bounced)),
                    ("unsubscribed", yes_no(d.unsubscribed)),
                    ("failed", yes_no(d.failed)),
                    ("sent at", d.sent_at.clone()),
                    ("delivered at", d.delivered_at.clone()),
                    ("bounce", d.bounced_error.clone()),
                    ("tracking logs", Some(d.tracking_logs.len().to_string())),
                ])
            })
        }
    }
}

/// The answer to a send: each recipient's message id, the failed recipients, the quotas.
fn send_report(report: &[SendReport], failed: &[Value], quota: &Quotas) -> String {
    let mut text = format!("Sent to {} recipient(s).\n", report.len());
    let mut rows: Vec<Vec<String>> = report
        .iter()
        .map(|r| {
            vec![
                format!("  {}", r.to.clone().unwrap_or_default()),
                r.message_id.clone().unwrap_or_default(),
            ]
        })
        .collect();
    rows.extend(
        failed
            .iter()
            .map(|f| vec!["  failed:".to_owned(), value_text(f)]),
    );
    text.push_str(&table(&rows));
    text.push_str(&quotas(quota));
    text
}

/// A JSON value for a line of text: strings unquoted.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn quotas(quotas: &Quotas) -> String {
    let rows: Vec<Vec<String>> = quotas
        .iter()
        .map(|(name, q)| {
            let number = |n: Option<u64>| n.map_or("?".to_owned(), |n| n.to_string());
            let mut used = format!("{} of {}", number(q.usage), number(q.limit));
            if let Some(left) = q.remaining() {
                let _ = write!(used, " ({left} left)");
            }
            vec![name.to_owned(), used]
        })
        .collect();
    table(&rows)
}

fn content(text: Option<String>, file: Option<&Path>) -> Result<String, Failure> {
    match (text, file) {
        (Some(text), _) => Ok(text),
        (None, Some(path)) => std::fs::read_to_string(path).map_err(|e| {
            Failure::other(format!(
                "--content-file {}: cannot read it: {e}",
                path.display()
            ))
        }),
        (None, None) => Err(Failure::usage("--content or --content-file is required")),
    }
}

fn mail_from_flags(args: MailSendArgs) -> Result<SendMail, Failure> {
    let sender = args.sender.clone().unwrap_or_default();
    let subject = args.subject.clone().unwrap_or_default();
    let mode = match (&args.transactional_id, &args.template_uuid) {
        (Some(id), _) => {
            if args.sender.is_some() || args.subject.is_some() {
                return Err(Failure::usage(
                    "--sender and --subject come from the transactional email's definition",
                ));
            }
            MailContent::transactional(id)
        }
        (None, Some(uuid)) => MailContent::template(uuid, sender, subject),
        (None, None) => {
            if args.content.is_none() && args.content_file.is_none() {
                return Err(Failure::usage(
                    "one of --transactional-id, --template-uuid, --content or --content-file is required",
                ));
            }
            MailContent::raw(
                content(args.content.clone(), args.content_file.as_deref())?,
                sender,
                subject,
            )
        }
    };
    let mut mail = SendMail::new(mode)
        .to_all(args.addressing.to.iter().map(String::as_str))
        .cc_all(args.addressing.cc)
        .tags(args.tag);
    if let Some(v) = args.addressing.reply_to {
        mail = mail.reply_to(v);
    }
    for p in &args.param {
        let (name, value) = pair("--param", p)?;
        mail = mail.custom_parameter(name, value);
    }
    Ok(mail)
}

fn direct_mail_from_flags(args: MailSendDirectArgs) -> Result<SendDirectMail, Failure> {
    let body = content(args.content, args.content_file.as_deref())?;
    let mut mail = SendDirectMail::new(
        body,
        args.sender.unwrap_or_default(),
        args.subject.unwrap_or_default(),
    )
    .to_all(args.addressing.to)
    .cc_all(args.addressing.cc);
    if let Some(v) = args.addressing.reply_to {
        mail = mail.reply_to(v);
    }
    Ok(mail)
}

/// `verify EMAIL`.
pub(crate) fn verify(client: &CliClient, out: Output, email: String) -> Result<(), Failure> {
    let answer = client.verify().email(email.clone())?;
    out.answer(&answer, |a| {
        let status = a.status().map_or("unknown", |s| s.as_str());
        format!("{email}: {status}\n")
    })
}

/// `whatsapp ...`.
pub(crate) fn whatsapp(
    client: &CliClient,
    out: Output,
    command: WhatsAppCommand,
) -> Result<(), Failure> {
    match command {
        WhatsAppCommand::Send(args) => {
            let message = match &args.data.file {
                Some(path) => data::read(path)?,
                None => whatsapp_from_flags(args)?,
            };
            let answer = client.whatsapp().send(message)?;
            out.answer(&answer, |a| {
                send_report(&a.report, &a.failed_recipients, &a.quotas)
            })
        }
        WhatsAppCommand::Status(id) => {
            let status = client.whatsapp().status(id.message_id)?;
            out.answer(&status, |s| {
                let d = &s.data;
                fields(&[
                    ("to", d.to.clone()),
                    ("status", d.status.clone()),
                    ("delivered", yes_no(d.delivered)),
                    ("read", yes_no(d.read)),
                    ("failed", yes_no(d.failed)),
                    ("rejected", yes_no(d.rejected)),
                    ("sent at", d.sent_at.clone()),
                    ("delivered at", d.delivered_at.clone()),
                    ("read at", d.read_at.clone()),
                ])
            })
        }
    }
}

fn whatsapp_from_flags(args: WhatsAppSendArgs) -> Result<SendWhatsApp, Failure> {
    let message = match (args.template, args.language, args.text) {
        (Some(name), Some(language), None) => WhatsAppMessage::template(name, language),
        (None, None, Some(text)) => WhatsAppMessage::text(text),
        _ => {
            return Err(Failure::usage(
                "either --template with --language, or --text, is required",
            ))
        }
    };
    let mut send = SendWhatsApp::new(args.from.unwrap_or_default(), message)
        .recipients_all(args.to)
        .tags(args.tag);
    for v in &args.variable {
        let (name, value) = pair("--variable", v)?;
        send = send.parameterized_variable(name, value);
    }
    Ok(send)
}

/// `otp send`.
pub(crate) fn otp(client: &CliClient, out: Output, command: OtpCommand) -> Result<(), Failure> {
    let OtpCommand::Send(args) = command;
    let otp = match &args.data.file {
        Some(path) => data::read(path)?,
        None => otp_from_flags(args)?,
    };
    let answer = client.otp().send(otp)?;
    out.answer(&answer, |a| {
        format!("{}\n", a.message.as_deref().unwrap_or("OTP sent."))
    })
}

fn otp_from_flags(args: OtpSendArgs) -> Result<SendOtp, Failure> {
    let to = if args.whatsapp.is_empty() {
        OtpRecipients::email(args.email)
    } else {
        OtpRecipients::whatsapp(args.whatsapp)
    };
    let code = OtpCode::new(args.code.unwrap_or_default())
        .map_err(|e| Failure::invalid(format!("--code: {}", e.problem)))?;
    let mut otp = SendOtp::new(args.template_uuid.unwrap_or_default(), to, code);
    if let Some(v) = args.subject {
        otp = otp.subject(v);
    }
    if let Some(sender) = otp_sender(args.email_sender, args.whatsapp_sender) {
        otp = otp.sender(sender);
    }
    Ok(otp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cart_items_read_sku_name_quantity_price() {
        let item = cart_item("SKU-1, Note, book ,2,4.50").unwrap();
        assert_eq!(
            serde_json::to_value(&item).unwrap(),
            serde_json::json!({"sku": "SKU-1", "name": "Note, book", "quantity": 2, "price": 4.5})
        );
        assert!(cart_item("SKU-1,Notebook,two,4.5").is_err());
        assert!(cart_item("SKU-1").is_err());
    }

    #[test]
    fn pairs_need_a_name() {
        assert_eq!(pair("--param", "a=b=c").unwrap(), ("a", "b=c"));
        assert!(pair("--param", "=x").is_err());
        assert!(pair("--param", "x").is_err());
    }
}

//! Every operation of the API through the resource methods of both clients, against the fake
//! server: what the call returns, and what arrived on the wire (method, path, query, headers,
//! the body's key fields). Also both auth schemes and a wrong key.

#[macro_use]
mod support;

use std::collections::BTreeMap;

use cocoonmail::contacts::{ContactField, ContactRef, CreateContact, UpdateContact};
use cocoonmail::custom_fields::CustomFieldType;
use cocoonmail::events::{
    CartItem, CheckoutCustomer, CheckoutEvent, Event, EventContact, SendEvent, SimpleEvent,
};
use cocoonmail::mail::{
    Attachment, DirectRecipient, MailContent, Recipient, SendDirectMail, SendMail, TrackingEvent,
};
use cocoonmail::otp::{OtpCode, OtpRecipients, OtpSender, SendOtp};
use cocoonmail::properties::{PropertyDate, PropertyName};
use cocoonmail::verify::VerificationStatus;
use cocoonmail::whatsapp::{SendWhatsApp, WhatsAppMessage, WhatsAppMessageKind, WhatsAppRecipient};
use cocoonmail::{AuthScheme, Error, RawRequest};
use serde_json::json;
use support::{assert_error_hides_key, assert_request, last_request, mock, quick, KEY, WRONG_KEY};

const TEMPLATE_UUID: &str = "3f1c1a52-8d1e-4a5e-9b1e-2f8a4b6c7d90";

both_clients!(validate_reports_the_workspace, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();

    let validation = call!(client.keys().validate()).unwrap();

    assert_eq!(validation.success, Some(true));
    assert_eq!(validation.workspace_id.as_deref(), Some("ws_mock_0001"));
    assert_eq!(
        validation.workspace_name.as_deref(),
        Some("Cocoonmail mock workspace")
    );
    assert_eq!(server.journal().len(), 1);
    // API.md §4: the trailing slash is sent.
    let body = assert_request(
        &last_request(&server),
        "GET",
        "/webhook/api_key/validate/",
        "",
    );
    assert_eq!(body, serde_json::Value::Null);
});

both_clients!(contacts_round_trip_with_custom_properties, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();

    // Create, with every standard property and one custom property of each seeded type.
    let create = CreateContact::new("ada+news@example.com")
        .first_name("Ada")
        .last_name("Lovelace")
        .source("signup-form")
        .subscribed(true)
        .user_group("founders")
        .user_id("u-ada")
        .subscribe_to("cl_newsletter_0001")
        .try_property("plan", "pro")
        .unwrap()
        .try_property("seats", 3)
        .unwrap()
        .try_property("trial", true)
        .unwrap()
        .property(
            PropertyName::new("renewal_date").unwrap(),
            PropertyDate::parse("2025-01-31").unwrap(),
        );
    let created = call!(client.contacts().create(create)).unwrap();
    assert_eq!(created.success, Some(true));
    let id = created.id.expect("the created contact's id");
    assert!(!id.is_empty());
    let body = assert_request(
        &last_request(&server),
        "POST",
        "/webhook/contact/create",
        "",
    );
    assert_eq!(
        body,
        json!({
            "email": "ada+news@example.com",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "source": "signup-form",
            "subscribed": true,
            "userGroup": "founders",
            "userId": "u-ada",
            "mailingLists": {"cl_newsletter_0001": true},
            "plan": "pro",
            "seats": 3,
            "trial": true,
            "renewal_date": "2025-01-31",
        })
    );

    // Find by email: the `+` and `@` are percent-encoded in the query.
    let found = call!(client
        .contacts()
        .find(ContactRef::email("ada+news@example.com")))
    .unwrap();
    assert_eq!(found.len(), 1);
    let ada = &found[0];
    assert_eq!(ada.id, id);
    assert_eq!(ada.email, "ada+news@example.com");
    assert_eq!(ada.first_name.as_deref(), Some("Ada"));
    assert_eq!(ada.last_name.as_deref(), Some("Lovelace"));
    assert_eq!(ada.source.as_deref(), Some("signup-form"));
    assert_eq!(ada.subscribed, Some(true));
    assert_eq!(ada.user_group.as_deref(), Some("founders"));
    assert_eq!(ada.user_id.as_deref(), Some("u-ada"));
    assert_eq!(
        ada.mailing_lists,
        BTreeMap::from([("cl_newsletter_0001".to_owned(), true)])
    );
    assert_eq!(
        ada.custom_properties,
        BTreeMap::from([
            ("plan".to_owned(), json!("pro")),
            ("seats".to_owned(), json!(3)),
            ("trial".to_owned(), json!(true)),
            ("renewal_date".to_owned(), json!("2025-01-31")),
        ])
    );
    let request = last_request(&server);
    assert_request(
        &request,
        "GET",
        "/webhook/contact/find",
        "email=ada%2Bnews%40example.com",
    );
    assert_eq!(
        request.query_param("email").as_deref(),
        Some("ada+news@example.com")
    );

    // Update by user id: a new email, a cleared standard field, a changed and a cleared
    // custom property.
    let update = UpdateContact::by_user_id("u-ada")
        .email("ada.lovelace@example.com")
        .clear(ContactField::LastName)
        .try_property("seats", 5)
        .unwrap()
        .clear_property(PropertyName::new("trial").unwrap());
    let updated = call!(client.contacts().update(update)).unwrap();
    assert_eq!(updated.success, Some(true));
    assert_eq!(updated.id.as_deref(), Some(id.as_str()));
    let body = assert_request(&last_request(&server), "PUT", "/webhook/contact/update", "");
    assert_eq!(
        body,
        json!({
            "userId": "u-ada",
            "email": "ada.lovelace@example.com",
            "lastName": null,
            "seats": 5,
            "trial": null,
        })
    );

    // Find by user id shows the update; the old email finds nothing.
    let found = call!(client.contacts().find(ContactRef::user_id("u-ada"))).unwrap();
    assert_eq!(found.len(), 1);
    let ada = &found[0];
    assert_eq!(ada.id, id);
    assert_eq!(ada.email, "ada.lovelace@example.com");
    assert_eq!(ada.first_name.as_deref(), Some("Ada"));
    assert_eq!(ada.last_name, None);
    assert_eq!(ada.custom_properties.get("seats"), Some(&json!(5)));
    assert_eq!(ada.custom_properties.get("plan"), Some(&json!("pro")));
    assert!(!ada.custom_properties.contains_key("trial"));
    assert_request(
        &last_request(&server),
        "GET",
        "/webhook/contact/find",
        "userId=u-ada",
    );
    let old = call!(client
        .contacts()
        .find(ContactRef::email("ada+news@example.com")))
    .unwrap();
    assert!(old.is_empty());

    // Delete by the new email.
    let deleted = call!(client
        .contacts()
        .delete(ContactRef::email("ada.lovelace@example.com")))
    .unwrap();
    assert_eq!(deleted.success, Some(true));
    assert_eq!(deleted.message.as_deref(), Some("Contact deleted."));
    let body = assert_request(
        &last_request(&server),
        "POST",
        "/webhook/contact/delete",
        "",
    );
    assert_eq!(body, json!({"email": "ada.lovelace@example.com"}));
    assert!(server.contacts().is_empty());
    let gone = call!(client.contacts().find(ContactRef::user_id("u-ada"))).unwrap();
    assert!(gone.is_empty());
    assert_eq!(server.journal().len(), 7);
});

both_clients!(mailing_lists_and_custom_fields, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();

    let lists = call!(client.lists().list()).unwrap();
    let ids: Vec<&str> = lists.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["cl_newsletter_0001", "cl_beta_0002"]);
    assert_eq!(lists[0].name, "Newsletter");
    assert_eq!(
        lists[0].description.as_deref(),
        Some("Monthly product news")
    );
    assert_eq!(lists[0].is_public, Some(true));
    assert_eq!(lists[1].name, "Beta testers");
    assert_eq!(lists[1].description, None);
    assert_eq!(lists[1].is_public, Some(false));
    assert_request(
        &last_request(&server),
        "GET",
        "/webhook/mailing_list/list",
        "",
    );

    let fields = call!(client.custom_fields().list()).unwrap();
    let fields: Vec<(&str, &str, Option<CustomFieldType>)> = fields
        .iter()
        .map(|f| (f.key.as_str(), f.label.as_str(), f.field_type.clone()))
        .collect();
    assert_eq!(
        fields,
        [
            ("plan", "Plan", Some(CustomFieldType::String)),
            ("seats", "Seats", Some(CustomFieldType::Number)),
            ("trial", "Trial", Some(CustomFieldType::Boolean)),
            ("renewal_date", "Renewal date", Some(CustomFieldType::Date)),
        ]
    );
    assert_request(
        &last_request(&server),
        "GET",
        "/webhook/custom_field/list",
        "",
    );
});

both_clients!(events_simple_structured_and_checkout, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();

    // Simple shape, with an extra top-level property; the unknown contact is created.
    let simple = SimpleEvent::new("signup", "grace@example.com")
        .event_attribute("beta")
        .property("plan", "pro");
    let sent = call!(client.events().send(SendEvent::from(simple))).unwrap();
    assert_eq!(sent.success, Some(true));
    let first_id = sent.id.expect("an event id");
    assert!(!first_id.is_empty());
    let body = assert_request(&last_request(&server), "POST", "/webhook/event/send", "");
    assert_eq!(
        body,
        json!({"event_name": "signup", "email": "grace@example.com",
               "event_attribute": "beta", "plan": "pro"})
    );
    assert_eq!(server.contacts()[0]["email"], "grace@example.com");

    // Structured shape.
    let structured = SendEvent::structured(
        EventContact::new("linus@example.com")
            .name("Linus")
            .whatsapp_number("+15551234567"),
        Event::new("ABANDONED_CART")
            .name("Cart left behind")
            .data_entry("cart_id", "c-1")
            .data_entry("total", 25),
    );
    let sent = call!(client.events().send(structured)).unwrap();
    assert_eq!(sent.success, Some(true));
    let second_id = sent.id.expect("an event id");
    assert_ne!(second_id, first_id);
    let body = assert_request(&last_request(&server), "POST", "/webhook/event/send", "");
    assert_eq!(
        body,
        json!({
            "contact": {"name": "Linus", "email": "linus@example.com",
                        "whatsapp_number": "+15551234567"},
            "event": {"code": "ABANDONED_CART", "name": "Cart left behind",
                      "data": {"cart_id": "c-1", "total": 25}},
        })
    );

    // Checkout (abandoned cart).
    let checkout = CheckoutEvent::new(
        "cart-42",
        CheckoutCustomer::new("ada@example.com")
            .first_name("Ada")
            .last_name("Lovelace")
            .phone("+442071234567"),
        "https://shop.example.com/checkout/42",
        "2024-05-01T10:00:00Z",
    )
    .item(CartItem::new("SKU-1", "Notebook", 2, 12.5))
    .item(CartItem::new("SKU-2", "Pen", 1, 3.0));
    let processed = call!(client.events().checkout(checkout)).unwrap();
    assert_eq!(processed.success, Some(true));
    assert_eq!(
        processed.message.as_deref(),
        Some("Event processed successfully")
    );
    let body = assert_request(
        &last_request(&server),
        "POST",
        "/webhook/event/checkout",
        "",
    );
    assert_eq!(body["event"], "abandoned_cart");
    assert_eq!(body["data"]["cart_id"], "cart-42");
    assert_eq!(body["data"]["customer"]["email"], "ada@example.com");
    assert_eq!(body["data"]["customer"]["phone"], "+442071234567");
    assert_eq!(
        body["data"]["cart_items"],
        json!([
            {"sku": "SKU-1", "name": "Notebook", "quantity": 2, "price": 12.5},
            {"sku": "SKU-2", "name": "Pen", "quantity": 1, "price": 3.0},
        ])
    );
    assert_eq!(
        body["data"]["checkout_url"],
        "https://shop.example.com/checkout/42"
    );
    assert_eq!(body["data"]["created_at"], "2024-05-01T10:00:00Z");
    assert_eq!(server.events().len(), 3);
});

both_clients!(verify_email_rates_addresses, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();

    let safe = call!(client.verify().email("grace@example.com")).unwrap();
    assert_eq!(safe.message.as_deref(), Some("Email successfully verified"));
    assert!(safe.is_safe());
    let data = safe.data.as_ref().expect("verification data");
    assert_eq!(data.email, "grace@example.com");
    assert!(data.checked_at.is_some());
    let body = assert_request(&last_request(&server), "POST", "/webhook/email/verify", "");
    assert_eq!(body, json!({"email": "grace@example.com"}));

    let risky = call!(client.verify().email("someone@mailinator.com")).unwrap();
    assert!(!risky.is_safe());
    assert_eq!(
        risky.status(),
        Some(&VerificationStatus::Other("risky".to_owned()))
    );
});

both_clients!(mail_in_each_mode_then_status_and_usage, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();

    // Raw content, with most optional fields; one recipient at an `.invalid` domain fails.
    let raw = SendMail::new(MailContent::raw(
        "<p>Hello {{name}}</p>",
        "sender@example.com",
        "Hello",
    ))
    .to(Recipient::new("ada@example.com")
        .name("Ada Lovelace")
        .first_name("Ada")
        .address1("12 St James's Square")
        .age(36)
        .attribute("plan", "pro"))
    .to("lost@nowhere.invalid")
    .cc("boss@example.com")
    .reply_to("support@example.com")
    .custom_parameter("name", "Ada")
    .attachment(Attachment::new("hello.txt", "text/plain", b"hello"))
    .tag("welcome");
    let sent = call!(client.mail().send(raw)).unwrap();
    assert_eq!(sent.success, Some(true));
    assert_eq!(sent.failed_recipients, [json!("lost@nowhere.invalid")]);
    assert_eq!(sent.report.len(), 1);
    assert_eq!(sent.report[0].to.as_deref(), Some("ada@example.com"));
    let raw_id = sent.report[0].message_id.clone().expect("a message id");
    assert_eq!(sent.sender.as_deref(), Some("sender@example.com"));
    let per_day = sent.quotas.per_day().expect("the daily quota");
    assert_eq!((per_day.limit, per_day.usage), (Some(1000), Some(1)));
    let body = assert_request(&last_request(&server), "POST", "/webhook/mail/send", "");
    assert_eq!(body["email_content"], "<p>Hello {{name}}</p>");
    assert_eq!(body["sender"], "sender@example.com");
    assert_eq!(body["subject"], "Hello");
    assert!(body.get("template_uuid").is_none() && body.get("transactional_id").is_none());
    assert_eq!(
        body["to"],
        json!([
            {"email": "ada@example.com", "name": "Ada Lovelace", "first_name": "Ada",
             "attributes": {"plan": "pro"}, "age": 36, "Address1": "12 St James's Square"},
            {"email": "lost@nowhere.invalid"},
        ])
    );
    assert_eq!(body["cc"], json!(["boss@example.com"]));
    assert_eq!(body["reply_to"], "support@example.com");
    assert_eq!(body["custom_parameter"], json!({"name": "Ada"}));
    assert_eq!(
        body["attachments"],
        json!([{"filename": "hello.txt", "contentType": "text/plain", "data": "aGVsbG8="}])
    );
    assert_eq!(body["tags"], json!(["welcome"]));

    // Custom template.
    let template = SendMail::new(MailContent::template(
        TEMPLATE_UUID,
        "sender@example.com",
        "Your invoice",
    ))
    .to("grace@example.com")
    .allow_open_tracking(false);
    let sent = call!(client.mail().send(template)).unwrap();
    assert_eq!(sent.report.len(), 1);
    assert_eq!(sent.report[0].to.as_deref(), Some("grace@example.com"));
    let template_id = sent.report[0].message_id.clone().expect("a message id");
    let body = assert_request(&last_request(&server), "POST", "/webhook/mail/send", "");
    assert_eq!(
        body,
        json!({"template_uuid": TEMPLATE_UUID, "sender": "sender@example.com",
               "subject": "Your invoice", "to": [{"email": "grace@example.com"}],
               "allow_open_tracking": false})
    );

    // Predefined transactional email: no sender, no subject.
    let transactional = SendMail::new(MailContent::transactional("welcome-1"))
        .to(Recipient::new("linus@example.com").name("Linus"));
    let sent = call!(client.mail().send(transactional)).unwrap();
    assert_eq!(sent.report.len(), 1);
    let transactional_id = sent.report[0].message_id.clone().expect("a message id");
    let body = assert_request(&last_request(&server), "POST", "/webhook/mail/send", "");
    assert_eq!(
        body,
        json!({"transactional_id": "welcome-1",
               "to": [{"email": "linus@example.com", "name": "Linus"}]})
    );

    let ids = [&raw_id, &template_id, &transactional_id];
    assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);

    // Status by the message id of the raw send's report (it holds `<`, `@` and `>`).
    let status = call!(client.mail().status(raw_id.clone())).unwrap();
    let data = &status.data;
    assert_eq!(data.x_message_id.as_deref(), Some(raw_id.as_str()));
    assert_eq!(data.email.as_deref(), Some("ada@example.com"));
    assert_eq!(data.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(data.subject.as_deref(), Some("Hello"));
    assert_eq!(data.mail_content.as_deref(), Some("<p>Hello {{name}}</p>"));
    assert_eq!((data.sent, data.delivered), (Some(true), Some(true)));
    assert_eq!(data.bounced, Some(false));
    assert_eq!(data.smtp_code.as_deref(), Some("250"));
    assert_eq!(data.opened_count, Some(1));
    assert_eq!(data.tracking_logs.len(), 1);
    assert_eq!(data.tracking_logs[0].kind, Some(TrackingEvent::Open));
    let request = last_request(&server);
    assert_request(&request, "GET", "/webhook/mail/status", &request.query);
    assert!(
        request.query.starts_with("message_id=%3C") && request.query.ends_with("%3E"),
        "the message id is percent-encoded: {}",
        request.query
    );
    assert_eq!(
        request.query_param("message_id").as_deref(),
        Some(raw_id.as_str())
    );

    // The template mail was sent without open tracking; the transactional one names its id.
    let status = call!(client.mail().status(template_id)).unwrap();
    assert_eq!(status.data.open, Some(false));
    assert!(status.data.tracking_logs.is_empty());
    let status = call!(client.mail().status(transactional_id)).unwrap();
    assert_eq!(
        status.data.transactional_mail_id.as_deref(),
        Some("welcome-1")
    );

    // Direct mail.
    let direct = SendDirectMail::new("<p>Direct</p>", "sender@example.com", "Direct")
        .to(DirectRecipient::new("ada@example.com").name("Ada"))
        .to("gone@nowhere.invalid")
        .reply_to("support@example.com");
    let sent = call!(client.mail().send_direct(direct)).unwrap();
    assert_eq!(sent.success, Some(true));
    assert_eq!(sent.sent_recipients, ["ada@example.com"]);
    assert_eq!(sent.failed_recipients, [json!("gone@nowhere.invalid")]);
    assert!(sent.invalid_recipients.is_empty());
    let body = assert_request(
        &last_request(&server),
        "POST",
        "/webhook/mail/send-direct",
        "",
    );
    assert_eq!(
        body,
        json!({"email_content": "<p>Direct</p>", "sender": "sender@example.com",
               "subject": "Direct",
               "to": [{"email": "ada@example.com", "name": "Ada"},
                      {"email": "gone@nowhere.invalid"}],
               "reply_to": "support@example.com"})
    );

    // Usage: a bodyless POST; it counts the four delivered emails.
    assert_eq!(server.sent_mail_count(), 4);
    let usage = call!(client.mail().usage()).unwrap();
    assert_eq!(usage.success, Some(true));
    let per_day = usage.quotas.per_day().expect("the daily quota");
    assert_eq!((per_day.limit, per_day.usage), (Some(1000), Some(4)));
    assert_eq!(usage.raw["message"], "Usage fetched successfully");
    let body = assert_request(&last_request(&server), "POST", "/webhook/mail/usage", "");
    assert_eq!(body, serde_json::Value::Null);
});

both_clients!(whatsapp_send_and_status, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();

    let message = SendWhatsApp::new(
        "+15550001111",
        WhatsAppMessage::template("order_update", "en"),
    )
    .recipient(
        WhatsAppRecipient::new("+15552223333")
            .first_name("Ada")
            .email("ada@example.com")
            .attribute("order", "42"),
    )
    .parameterized_variable("order", "42")
    .tag("orders");
    let sent = call!(client.whatsapp().send(message)).unwrap();
    assert_eq!(sent.success, Some(true));
    assert_eq!(sent.report.len(), 1);
    assert_eq!(sent.report[0].to.as_deref(), Some("+15552223333"));
    let message_id = sent.report[0].message_id.clone().expect("a message id");
    assert!(message_id.starts_with("wamid."), "{message_id}");
    let monthly = sent.quotas.whatsapp_per_month().expect("the monthly quota");
    assert_eq!(monthly.usage, Some(1));
    let body = assert_request(
        &last_request(&server),
        "POST",
        "/webhook/whatsapp_message/send",
        "",
    );
    assert_eq!(
        body,
        json!({
            "from_number": "+15550001111",
            "type": "template",
            "content": {"template_name": "order_update", "template_language": "en"},
            "recipient": [{"whatsapp_number": "+15552223333", "first_name": "Ada",
                           "email": "ada@example.com", "attributes": {"order": "42"}}],
            "parameterized_variables": {"order": "42"},
            "tags": ["orders"],
        })
    );

    let status = call!(client.whatsapp().status(message_id.clone())).unwrap();
    let data = &status.data;
    assert_eq!(data.message_id.as_deref(), Some(message_id.as_str()));
    assert_eq!(data.kind, Some(WhatsAppMessageKind::Template));
    assert_eq!(data.status.as_deref(), Some("delivered"));
    assert_eq!(data.to.as_deref(), Some("+15552223333"));
    assert_eq!(
        data.content,
        Some(json!({"template_name": "order_update", "template_language": "en"}))
    );
    let contact = data.contact.as_ref().expect("the contact");
    assert_eq!(contact.first_name.as_deref(), Some("Ada"));
    assert_eq!(contact.email.as_deref(), Some("ada@example.com"));
    assert_eq!(contact.whatsapp_number.as_deref(), Some("+15552223333"));
    let request = last_request(&server);
    assert_request(
        &request,
        "GET",
        "/webhook/whatsapp_message/status",
        &format!("message_id={message_id}"),
    );

    // A text message.
    let text = SendWhatsApp::new("+15550001111", WhatsAppMessage::text("Your order shipped"))
        .recipient("+15554445555");
    let sent = call!(client.whatsapp().send(text)).unwrap();
    assert_eq!(sent.report.len(), 1);
    let body = assert_request(
        &last_request(&server),
        "POST",
        "/webhook/whatsapp_message/send",
        "",
    );
    assert_eq!(body["type"], "text");
    assert_eq!(body["content"], json!({"body": "Your order shipped"}));
    assert_eq!(
        body["recipient"],
        json!([{"whatsapp_number": "+15554445555"}])
    );
});

both_clients!(otp_by_email_and_by_whatsapp, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();

    // A code with a leading zero travels as a string, so the zero survives.
    let by_email = SendOtp::new(
        TEMPLATE_UUID,
        OtpRecipients::email(["ada@example.com"]),
        OtpCode::new("042913").unwrap(),
    )
    .subject("Your code")
    .sender(OtpSender::new().email_sender("auth@example.com"));
    let sent = call!(client.otp().send(by_email)).unwrap();
    assert_eq!(sent.success, Some(true));
    assert_eq!(sent.message.as_deref(), Some("OTP sent successfully"));
    let body = assert_request(&last_request(&server), "POST", "/webhook/otp/send", "");
    assert_eq!(
        body,
        json!({"template_uuid": TEMPLATE_UUID, "to": {"email": ["ada@example.com"]},
               "otp_channel": "email", "subject": "Your code", "otp": "042913",
               "sender": {"email_sender": "auth@example.com"}})
    );

    // Otherwise as a number.
    let by_whatsapp = SendOtp::new(
        TEMPLATE_UUID,
        OtpRecipients::whatsapp(["+15552223333"]),
        OtpCode::from(123_456_u32),
    );
    let sent = call!(client.otp().send(by_whatsapp)).unwrap();
    assert_eq!(sent.success, Some(true));
    let body = assert_request(&last_request(&server), "POST", "/webhook/otp/send", "");
    assert_eq!(
        body,
        json!({"template_uuid": TEMPLATE_UUID, "to": {"whatsapp_number": ["+15552223333"]},
               "otp_channel": "whatsapp", "otp": 123_456})
    );
    assert_eq!(server.sent_messages().len(), 2);
});

both_clients!(raw_requests_share_auth_and_decoding, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();

    let lists = call!(client.raw(RawRequest::get("/webhook/mailing_list/list").unwrap())).unwrap();
    let ids: Vec<&str> = lists
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|l| l["id"].as_str())
        .collect();
    assert_eq!(ids, ["cl_newsletter_0001", "cl_beta_0002"]);
    assert_request(
        &last_request(&server),
        "GET",
        "/webhook/mailing_list/list",
        "",
    );

    // With a query, percent-encoded like the modelled operations'.
    let created = call!(client
        .contacts()
        .create(CreateContact::new("raw+1@example.com")))
    .unwrap();
    let found = call!(client.raw(
        RawRequest::get("/webhook/contact/find")
            .unwrap()
            .query("email", "raw+1@example.com")
    ))
    .unwrap();
    assert_eq!(found[0]["id"], json!(created.id.expect("an id")));
    assert_request(
        &last_request(&server),
        "GET",
        "/webhook/contact/find",
        "email=raw%2B1%40example.com",
    );
});

both_clients!(the_api_key_header_scheme_reaches_the_server, |builder| {
    let server = mock();
    let client = quick(builder(), &server)
        .auth_scheme(AuthScheme::ApiKeyHeader)
        .build()
        .unwrap();

    let validation = call!(client.keys().validate()).unwrap();
    assert_eq!(validation.success, Some(true));
    let request = last_request(&server);
    assert_eq!(request.status(), Some(200));
    assert_eq!(request.header("x-cocoonmail-api_key"), Some(KEY));
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.header("accept"), Some("application/json"));
});

both_clients!(a_wrong_key_is_unauthorized, |builder| {
    let server = mock();
    let client = quick(builder(), &server)
        .api_key(WRONG_KEY)
        .build()
        .unwrap();

    let error = call!(client.keys().validate()).unwrap_err();
    assert!(matches!(error, Error::Unauthorized(_)), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(
        error.api().and_then(|e| e.message.as_deref()),
        Some("Invalid API key")
    );
    assert!(!error.is_retryable());
    assert_error_hides_key(&error);
    for piece in WRONG_KEY.split('$').skip(2) {
        assert!(!error.to_string().contains(piece));
        assert!(!format!("{error:?}").contains(piece));
    }
    // Sent once, with the wrong key byte for byte.
    let journal = server.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].status(), Some(401));
    assert_eq!(
        journal[0].header("authorization"),
        Some(format!("Bearer {WRONG_KEY}").as_str())
    );
});

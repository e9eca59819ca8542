//! Every endpoint of API.md §4: happy paths, the main 400s, and the state they leave.

mod common;

use cocoon_mock::MessageKind;
use common::{encode, unlimited, Client, Resp};
use serde_json::{json, Value};

const UUID: &str = "123e4567-e89b-12d3-a456-426614174000";

fn post(c: &mut Client, path: &str, body: Value) -> Resp {
    c.call("POST", path, Some(body))
}

/// Asserts a 400 whose message mentions `needle` (usually the field name).
fn assert_400(r: &Resp, needle: &str) {
    assert_eq!(r.status, 400, "{needle}: {:?}", r.json());
    assert_eq!(r.json()["success"], false);
    assert!(
        r.message().contains(needle),
        "message {:?} should mention {needle:?}",
        r.message()
    );
}

fn raw_mail(to: Value) -> Value {
    json!({
        "email_content": "<p>Hi</p>",
        "sender": "team@example.com",
        "subject": "Welcome",
        "to": to,
    })
}

// ---- mail/send ----

#[test]
fn mail_send_raw_content_reports_each_recipient() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let r = post(
        &mut c,
        "/webhook/mail/send",
        raw_mail(json!([{"email": "a@example.com", "name": "A"}, {"email": "b@example.com"}])),
    );
    assert_eq!(r.status, 201, "{:?}", r.json());
    let body = r.json();
    assert_eq!(body["success"], true);
    assert_eq!(body["failed_recipients"], json!([]));
    assert_eq!(body["sender"], "team@example.com");
    assert!(body["message"].is_string());
    let report = body["report"].as_array().unwrap();
    assert_eq!(report.len(), 2);
    assert_eq!(report[0]["to"], "a@example.com");
    assert_eq!(report[1]["to"], "b@example.com");
    assert_ne!(report[0]["message_id"], report[1]["message_id"]);
    let quotas = &body["quotas"];
    assert_eq!(quotas["MAX_SEND_MAIL_PER_DAY"]["usage"], 2);
    assert!(quotas["MAX_SEND_MAIL_PER_DAY"]["limit"].is_u64());
    assert_eq!(quotas["MAX_SEND_MAIL_PER_MONTH_TRANSACTIONAL"]["usage"], 2);
    assert!(quotas["MAX_SEND_MAIL_PER_MONTH_TRANSACTIONAL"]["limit"].is_u64());

    // Usage counts up.
    let r = post(
        &mut c,
        "/webhook/mail/send",
        raw_mail(json!([{"email": "c@example.com"}])),
    );
    assert_eq!(r.json()["quotas"]["MAX_SEND_MAIL_PER_DAY"]["usage"], 3);
    assert_eq!(server.sent_mail_count(), 3);
    let sent = server.sent_messages();
    assert_eq!(sent[0].kind, MessageKind::Email);
    assert_eq!(sent[0].to, "a@example.com");
    assert_eq!(sent[0].request["subject"], "Welcome");
}

#[test]
fn mail_send_template_and_predefined_modes() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let r = post(
        &mut c,
        "/webhook/mail/send",
        json!({
            "template_uuid": UUID, "sender": "s@example.com", "subject": "Hi",
            "to": [{"email": "a@example.com", "first_name": "Ada", "age": 36, "Address1": "1 Main St",
                    "attributes": {"plan": "pro"}, "lists": ["x"], "tags": ["vip"]}],
            "custom_parameter": {"code": "X1"},
            "cc": ["boss@example.com"],
            "reply_to": "help@example.com",
            "attachments": [{"filename": "a.txt", "contentType": "text/plain", "data": "aGVsbG8="}],
            "attachments_remote": [{"remote_link": "https://example.com/a.pdf"}],
            "scheduled_at": "2030-01-01T09:00:00Z",
            "allow_click_tracking": true, "allow_open_tracking": true,
            "ignore_contact_bounce": false, "ignore_contact_unsubscribe": false,
            "enable_view_in_browser": true, "include_unsubscribe": true,
            "add_email_address_to_contact": true, "tags": ["onboarding"],
        }),
    );
    assert_eq!(r.status, 201, "{:?}", r.json());
    let r = post(
        &mut c,
        "/webhook/mail/send",
        json!({"transactional_id": "welcome-v2", "to": [{"email": "a@example.com"}]}),
    );
    assert_eq!(r.status, 201, "{:?}", r.json());
    assert!(r.json()["sender"].is_string());
}

#[test]
fn mail_send_needs_exactly_one_mode() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let to = json!([{"email": "a@example.com"}]);
    let r = post(&mut c, "/webhook/mail/send", json!({"to": to}));
    assert_400(&r, "transactional_id");
    let mut mixed = raw_mail(to.clone());
    mixed["template_uuid"] = json!(UUID);
    assert_400(
        &post(&mut c, "/webhook/mail/send", mixed),
        "`email_content` and `template_uuid`",
    );
    let mut mixed = raw_mail(to.clone());
    mixed["transactional_id"] = json!("t");
    assert_400(&post(&mut c, "/webhook/mail/send", mixed), "Only one");
    // Raw content needs sender and subject.
    let mut no_sender = raw_mail(to.clone());
    no_sender.as_object_mut().unwrap().remove("sender");
    assert_400(&post(&mut c, "/webhook/mail/send", no_sender), "sender");
    let mut no_subject = raw_mail(to.clone());
    no_subject.as_object_mut().unwrap().remove("subject");
    assert_400(&post(&mut c, "/webhook/mail/send", no_subject), "subject");
    // Template ids are UUIDs.
    let r = post(
        &mut c,
        "/webhook/mail/send",
        json!({"template_uuid": "welcome", "sender": "s@example.com", "subject": "x", "to": to}),
    );
    assert_400(&r, "template_uuid");
    assert_eq!(server.sent_mail_count(), 0);
}

#[test]
fn mail_send_checks_fields() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let ok_to = json!([{"email": "a@example.com"}]);
    let cases: Vec<(Value, &str)> = vec![
        (raw_mail(json!([])), "`to` must not be empty"),
        (raw_mail(json!("a@example.com")), "`to` must be an array"),
        (
            raw_mail(json!(["a@example.com"])),
            "`to[0]` must be an object",
        ),
        (
            raw_mail(json!([{"name": "A"}])),
            "`to[0].email` is required",
        ),
        (
            raw_mail(json!([{"email": "not-an-email"}])),
            "`to[0].email`",
        ),
        (
            raw_mail(json!([{"email": "a@example.com", "age": "3"}])),
            "`to[0].age`",
        ),
        (
            raw_mail(json!([{"email": "a@example.com", "address1": "x"}])),
            "did you mean `to[0].Address1`",
        ),
        (
            {
                let mut m = raw_mail(ok_to.clone());
                m["sender"] = json!("nobody");
                m
            },
            "`sender`",
        ),
        (
            {
                let mut m = raw_mail(ok_to.clone());
                m["cc"] = json!("b@example.com");
                m
            },
            "`cc`",
        ),
        (
            {
                let mut m = raw_mail(ok_to.clone());
                m["cc"] = json!(["nope"]);
                m
            },
            "`cc[0]`",
        ),
        (
            {
                let mut m = raw_mail(ok_to.clone());
                m["reply_to"] = json!(null);
                m
            },
            "`reply_to`",
        ),
        (
            {
                let mut m = raw_mail(ok_to.clone());
                m["include_unsubscribe"] = json!("yes");
                m
            },
            "`include_unsubscribe` must be a boolean",
        ),
        (
            {
                let mut m = raw_mail(ok_to.clone());
                m["scheduled_at"] = json!(1700000000);
                m
            },
            "`scheduled_at` must be a string",
        ),
        (
            {
                let mut m = raw_mail(ok_to.clone());
                m["scheduled_at"] = json!("tomorrow");
                m
            },
            "`scheduled_at`",
        ),
        (
            {
                let mut m = raw_mail(ok_to.clone());
                m["custom_parameters"] = json!({});
                m
            },
            "Unknown field `custom_parameters`",
        ),
        (
            {
                let mut m = raw_mail(ok_to.clone());
                m["attachments"] =
                    json!([{"filename": "a", "content_type": "text/plain", "data": "aGk="}]);
                m
            },
            "did you mean `attachments[0].contentType`",
        ),
        (
            {
                let mut m = raw_mail(ok_to.clone());
                m["attachments"] =
                    json!([{"filename": "a", "contentType": "text/plain", "data": "not base64!"}]);
                m
            },
            "`attachments[0].data` must be standard base64",
        ),
        (
            {
                let mut m = raw_mail(ok_to.clone());
                m["tags"] = json!([1]);
                m
            },
            "`tags[0]`",
        ),
    ];
    for (body, needle) in cases {
        assert_400(&post(&mut c, "/webhook/mail/send", body), needle);
    }
}

#[test]
fn mail_send_fails_recipients_at_invalid_domains() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let r = post(
        &mut c,
        "/webhook/mail/send",
        raw_mail(json!([{"email": "ok@example.com"}, {"email": "bounce@nowhere.invalid"}])),
    );
    assert_eq!(r.status, 201);
    let body = r.json();
    assert_eq!(body["failed_recipients"], json!(["bounce@nowhere.invalid"]));
    assert_eq!(body["report"].as_array().unwrap().len(), 1);
    assert_eq!(body["quotas"]["MAX_SEND_MAIL_PER_DAY"]["usage"], 1);
}

// ---- mail/status ----

#[test]
fn mail_status_knows_sent_ids() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let r = post(
        &mut c,
        "/webhook/mail/send",
        raw_mail(json!([{"email": "a@example.com", "name": "Ada"}])),
    );
    let id = r.json()["report"][0]["message_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = c.call(
        "GET",
        &format!("/webhook/mail/status?message_id={}", encode(&id)),
        None,
    );
    assert_eq!(r.status, 200, "{:?}", r.json());
    let body = r.json();
    assert!(body["message"].is_string());
    let d = &body["data"];
    for key in [
        "x_message_id",
        "mail_content",
        "subject",
        "name",
        "email",
        "sent",
        "delivered",
        "bounced",
        "unsubscribed",
        "open",
        "clicked",
        "sendable",
        "failed",
        "opened_count",
        "clicked_count",
        "sent_at",
        "delivered_at",
        "bounced_at",
        "unsubscribed_at",
        "scheduled_at",
        "created",
        "bounced_error",
        "bounce_type",
        "SMTP_code",
        "SMTP_error",
        "transactional_mail_id",
        "transactional_name",
        "tracking_logs",
    ] {
        assert!(d.get(key).is_some(), "missing {key}");
    }
    assert_eq!(d["x_message_id"], id.as_str());
    assert_eq!(d["email"], "a@example.com");
    assert_eq!(d["name"], "Ada");
    assert_eq!(d["subject"], "Welcome");
    assert_eq!(d["sent"], true);
    assert_eq!(d["delivered"], true);
    assert_eq!(d["bounced"], false);
    assert_eq!(d["SMTP_code"], "250");
    assert!(d["bounced_at"].is_null());
    let sent_at = d["sent_at"].as_str().unwrap();
    // ISO-8601 with microseconds and Z: 2024-01-02T03:04:05.123456Z
    assert_eq!(sent_at.len(), 27, "{sent_at}");
    assert!(
        sent_at.ends_with('Z') && sent_at.as_bytes()[10] == b'T' && sent_at.as_bytes()[19] == b'.'
    );
    let logs = d["tracking_logs"].as_array().unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0]["type"], "OPEN");
    for key in [
        "user_agent",
        "client_family",
        "client_version",
        "os_name",
        "os_version",
        "device_type",
        "ip_address",
        "created",
    ] {
        assert!(logs[0].get(key).is_some(), "tracking log misses {key}");
    }
}

#[test]
fn mail_status_rejects_missing_and_unknown_ids() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    assert_400(&c.call("GET", "/webhook/mail/status", None), "message_id");
    assert_400(
        &c.call("GET", "/webhook/mail/status?message_id=", None),
        "message_id",
    );
    let r = c.call("GET", "/webhook/mail/status?message_id=nope", None);
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["success"], false);
}

// ---- mail/send-direct and mail/usage ----

#[test]
fn send_direct_sorts_recipients() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let r = post(
        &mut c,
        "/webhook/mail/send-direct",
        json!({
            "email_content": "Hi", "sender": "s@example.com", "subject": "S",
            "to": [{"email": "a@example.com", "name": "A"}, {"email": "broken", "name": "B"},
                   {"email": "x@gone.invalid", "name": "X"}],
            "cc": ["c@example.com"],
        }),
    );
    assert_eq!(r.status, 201, "{:?}", r.json());
    let body = r.json();
    assert_eq!(body["success"], true);
    assert!(body["message"].is_string());
    assert_eq!(body["sent_recipients"], json!(["a@example.com"]));
    assert_eq!(body["invalid_recipients"], json!(["broken"]));
    assert_eq!(body["failed_recipients"], json!(["x@gone.invalid"]));
    assert_eq!(server.sent_mail_count(), 1);
    assert_eq!(server.sent_messages()[0].kind, MessageKind::DirectEmail);

    let r = post(
        &mut c,
        "/webhook/mail/send-direct",
        json!({"email_content": "Hi", "sender": "s@example.com", "subject": "S", "to": [{"email": "nope"}]}),
    );
    assert_400(&r, "no valid email");
    let r = post(
        &mut c,
        "/webhook/mail/send-direct",
        json!({"sender": "s@example.com", "subject": "S", "to": [{"email": "a@example.com"}]}),
    );
    assert_400(&r, "email_content");
    let r = post(
        &mut c,
        "/webhook/mail/send-direct",
        json!({"email_content": "Hi", "sender": "s@example.com", "subject": "S", "to": [{"email": "a@example.com"}], "template_uuid": UUID}),
    );
    assert_400(&r, "template_uuid");
}

#[test]
fn usage_reports_quotas_with_or_without_a_body() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    post(
        &mut c,
        "/webhook/mail/send-direct",
        json!({"email_content": "Hi", "sender": "s@example.com", "subject": "S", "to": [{"email": "a@example.com"}]}),
    );
    let r = c.call("POST", "/webhook/mail/usage", None);
    assert_eq!(r.status, 200);
    let body = r.json();
    assert_eq!(body["success"], true);
    assert_eq!(body["quotas"]["MAX_SEND_MAIL_PER_DAY"]["usage"], 1);
    assert_eq!(
        body["quotas"]["MAX_SEND_MAIL_PER_MONTH_TRANSACTIONAL"]["usage"],
        1
    );
    assert_eq!(
        c.call("POST", "/webhook/mail/usage", Some(json!({})))
            .status,
        200
    );
}

// ---- events ----

#[test]
fn simple_events_create_unknown_contacts() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let r = post(
        &mut c,
        "/webhook/event/send",
        json!({"event_name": "signup", "email": "new@example.com", "event_attribute": "x", "plan": "pro"}),
    );
    assert_eq!(r.status, 201);
    let body = r.json();
    assert_eq!(body["success"], true);
    let id = body["id"].as_str().unwrap();
    assert_eq!(id.len(), 36, "{id}");
    let contacts = server.contacts();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["email"], "new@example.com");
    // A second event for the same address does not duplicate the contact.
    post(
        &mut c,
        "/webhook/event/send",
        json!({"event_name": "login", "email": "NEW@example.com"}),
    );
    assert_eq!(server.contacts().len(), 1);
    assert_eq!(server.events().len(), 2);
}

#[test]
fn structured_events_and_their_400s() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let r = post(
        &mut c,
        "/webhook/event/send",
        json!({"contact": {"name": "A", "email": "a@example.com", "whatsapp_number": "+14155550100"},
               "event": {"code": "ABANDONED_CART", "name": "Cart", "data": {"total": 3}}}),
    );
    assert_eq!(r.status, 201, "{:?}", r.json());
    for (body, needle) in [
        (json!({}), "event_name"),
        (json!({"event_name": "x"}), "`email` is required"),
        (json!({"event_name": "x", "email": "bad"}), "`email`"),
        (
            json!({"event_name": 3, "email": "a@example.com"}),
            "`event_name`",
        ),
        (
            json!({"contact": {"email": "a@example.com"}}),
            "`event` is required",
        ),
        (
            json!({"contact": {"email": "a@example.com"}, "event": {}}),
            "`event.code`",
        ),
        (
            json!({"contact": {}, "event": {"code": "X"}}),
            "`contact.email`",
        ),
        (
            json!({"contact": "a@example.com", "event": {"code": "X"}}),
            "`contact` must be an object",
        ),
    ] {
        assert_400(&post(&mut c, "/webhook/event/send", body), needle);
    }
}

#[test]
fn checkout_event() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let good = json!({"event": "abandoned_cart", "data": {
        "cart_id": "c1",
        "customer": {"first_name": "A", "last_name": "B", "email": "a@example.com", "phone": "+1555"},
        "cart_items": [{"sku": "S1", "name": "Socks", "quantity": 2, "price": 9.5}],
        "checkout_url": "https://shop.example.com/c1", "created_at": "2024-05-01T10:00:00Z"}});
    let r = post(&mut c, "/webhook/event/checkout", good.clone());
    assert_eq!(r.status, 200, "{:?}", r.json());
    assert_eq!(
        r.json(),
        json!({"success": true, "message": "Event processed successfully"})
    );
    let mut wrong_event = good.clone();
    wrong_event["event"] = json!("purchase");
    assert_400(
        &post(&mut c, "/webhook/event/checkout", wrong_event),
        "abandoned_cart",
    );
    let mut no_email = good.clone();
    no_email["data"]["customer"]
        .as_object_mut()
        .unwrap()
        .remove("email");
    assert_400(
        &post(&mut c, "/webhook/event/checkout", no_email),
        "data.customer.email",
    );
    let mut no_items = good.clone();
    no_items["data"]
        .as_object_mut()
        .unwrap()
        .remove("cart_items");
    assert_400(
        &post(&mut c, "/webhook/event/checkout", no_items),
        "data.cart_items",
    );
    let mut no_cart = good.clone();
    no_cart["data"].as_object_mut().unwrap().remove("cart_id");
    assert_400(
        &post(&mut c, "/webhook/event/checkout", no_cart),
        "data.cart_id",
    );
    assert_400(
        &post(
            &mut c,
            "/webhook/event/checkout",
            json!({"event": "abandoned_cart"}),
        ),
        "`data`",
    );
}

// ---- email/verify ----

#[test]
fn verify_email() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let r = post(
        &mut c,
        "/webhook/email/verify",
        json!({"email": "a@example.com"}),
    );
    assert_eq!(r.status, 200);
    let body = r.json();
    assert_eq!(body["message"], "Email successfully verified");
    assert_eq!(body["data"]["email"], "a@example.com");
    assert_eq!(body["data"]["status"], "safe");
    assert!(body["data"]["checked_at"].as_str().unwrap().ends_with('Z'));
    let status = |c: &mut Client, email: &str| {
        post(c, "/webhook/email/verify", json!({"email": email})).json()["data"]["status"].clone()
    };
    assert_eq!(status(&mut c, "x@nowhere.invalid"), "invalid");
    assert_eq!(status(&mut c, "x@mailinator.com"), "risky");
    assert_400(&post(&mut c, "/webhook/email/verify", json!({})), "email");
    assert_400(
        &post(&mut c, "/webhook/email/verify", json!({"email": "nope"})),
        "email",
    );
}

// ---- WhatsApp ----

fn whatsapp_template(recipients: Value) -> Value {
    json!({
        "from_number": "+14155550000",
        "type": "template",
        "content": {"template_name": "order_update", "template_language": "en"},
        "recipient": recipients,
    })
}

#[test]
fn whatsapp_send_and_status() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let r = post(
        &mut c,
        "/webhook/whatsapp_message/send",
        whatsapp_template(json!([
            {"whatsapp_number": "+14155550100", "first_name": "Ada", "email": "ada@example.com", "attributes": {"a": 1}},
            {"whatsapp_number": "14155550101", "name": "Bob"}
        ])),
    );
    assert_eq!(r.status, 201, "{:?}", r.json());
    let body = r.json();
    assert_eq!(body["success"], true);
    assert_eq!(body["failed_recipients"], json!([]));
    assert_eq!(body["quotas"]["MAX_WHATSAPP_SEND_PER_MONTH"]["usage"], 2);
    assert!(body["message"].is_string());
    let report = body["report"].as_array().unwrap();
    assert_eq!(report.len(), 2);
    let id = report[0]["message_id"].as_str().unwrap();
    assert!(id.starts_with("wamid."), "{id}");
    assert_ne!(report[0]["message_id"], report[1]["message_id"]);

    let r = c.call(
        "GET",
        &format!("/webhook/whatsapp_message/status?message_id={}", encode(id)),
        None,
    );
    assert_eq!(r.status, 200, "{:?}", r.json());
    let d = &r.json()["data"];
    for key in [
        "uuid",
        "message_id",
        "conversation_id",
        "direction",
        "type",
        "status",
        "delivered",
        "read",
        "failed",
        "rejected",
        "delivered_at",
        "read_at",
        "failed_at",
        "rejected_at",
        "created",
        "updated",
        "sent_at",
        "to",
        "content",
        "metadata",
        "contact",
    ] {
        assert!(d.get(key).is_some(), "missing {key}");
    }
    assert_eq!(d["message_id"], id);
    assert_eq!(d["to"], "+14155550100");
    assert_eq!(d["type"], "template");
    assert_eq!(d["content"]["template_name"], "order_update");
    assert!(d["contact"]["id"].is_i64());
    assert_eq!(d["contact"]["email"], "ada@example.com");
    assert_eq!(d["contact"]["whatsapp_number"], "+14155550100");
    assert_eq!(d["contact"]["is_whatsapp_unsubscribed"], false);
    assert!(server
        .sent_messages()
        .iter()
        .all(|m| m.kind == MessageKind::WhatsApp));

    let r = c.call(
        "GET",
        "/webhook/whatsapp_message/status?message_id=wamid.nope",
        None,
    );
    assert_eq!(r.status, 404);
    assert_400(
        &c.call("GET", "/webhook/whatsapp_message/status", None),
        "message_id",
    );
}

#[test]
fn whatsapp_text_and_media_and_400s() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let text = json!({"from_number": "+1415", "type": "text", "content": {"body": "Hello"},
                      "recipient": [{"whatsapp_number": "+14155550100"}], "tags": ["t"],
                      "parameterized_variables": {"a": "b"}, "add_recipient_to_contacts": true,
                      "event": {"code": "X", "name": "n", "data": {}}});
    assert_eq!(
        post(&mut c, "/webhook/whatsapp_message/send", text.clone()).status,
        201
    );
    let media = json!({"from_number": "+1415", "type": "image", "content": {"link": "https://x/y.png"},
                       "recipient": [{"whatsapp_number": "+14155550100"}]});
    assert_eq!(
        post(&mut c, "/webhook/whatsapp_message/send", media).status,
        201
    );

    let mut cases: Vec<(Value, &str)> = Vec::new();
    let mut v = text.clone();
    v.as_object_mut().unwrap().remove("from_number");
    cases.push((v, "from_number"));
    let mut v = text.clone();
    v["content"] = json!({"text": "Hello"});
    cases.push((v, "content.body"));
    let mut v = whatsapp_template(json!([{"whatsapp_number": "+14155550100"}]));
    v["content"] = json!({"template_name": "x"});
    cases.push((v, "content.template_language"));
    cases.push((
        whatsapp_template(json!([])),
        "`recipient` must not be empty",
    ));
    cases.push((
        whatsapp_template(json!([{"name": "A"}])),
        "recipient[0].whatsapp_number",
    ));
    cases.push((
        whatsapp_template(json!([{"whatsapp_number": "call me"}])),
        "recipient[0].whatsapp_number",
    ));
    let mut v = text.clone();
    v["overwrite_variables"] = json!({});
    cases.push((v, "not both"));
    let mut v = text.clone();
    v.as_object_mut().unwrap().remove("type");
    cases.push((v, "`type`"));
    for (body, needle) in cases {
        assert_400(
            &post(&mut c, "/webhook/whatsapp_message/send", body),
            needle,
        );
    }
}

// ---- OTP ----

#[test]
fn otp_send() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let email_otp = json!({"template_uuid": UUID, "to": {"email": ["a@example.com"]},
        "otp_channel": "email", "subject": "Your code", "otp": 123456,
        "sender": {"email_sender": "s@example.com"}});
    let r = post(&mut c, "/webhook/otp/send", email_otp.clone());
    assert_eq!(r.status, 200, "{:?}", r.json());
    assert_eq!(
        r.json(),
        json!({"success": true, "message": "OTP sent successfully"})
    );
    let wa_otp = json!({"template_uuid": UUID, "to": {"whatsapp_number": ["+14155550100"]},
        "otp_channel": "whatsapp", "otp": "012345", "sender": {"whatsapp_sender": "+14155550000"}});
    assert_eq!(
        post(&mut c, "/webhook/otp/send", wa_otp.clone()).status,
        200
    );
    let kinds: Vec<_> = server
        .sent_messages()
        .iter()
        .map(|m| (m.kind, m.to.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (MessageKind::Otp, "a@example.com".to_owned()),
            (MessageKind::Otp, "+14155550100".to_owned())
        ]
    );

    let with = |mut base: Value, key: &str, value: Value| {
        base[key] = value;
        base
    };
    for (body, needle) in [
        (
            with(email_otp.clone(), "otp_channel", json!("whatsapp")),
            "otp_channel",
        ),
        (
            with(email_otp.clone(), "otp_channel", json!("sms")),
            "otp_channel",
        ),
        (with(email_otp.clone(), "otp", json!("12a4")), "otp"),
        (with(email_otp.clone(), "otp", json!(-5)), "otp"),
        (with(email_otp.clone(), "otp", json!(12.5)), "otp"),
        (
            with(email_otp.clone(), "to", json!({"email": []})),
            "to.email",
        ),
        (
            with(
                email_otp.clone(),
                "to",
                json!({"email": ["a@example.com"], "whatsapp_number": ["+14155550100"]}),
            ),
            "exactly one",
        ),
        (
            with(email_otp.clone(), "to", json!(["a@example.com"])),
            "`to` must be an object",
        ),
        (
            with(email_otp.clone(), "template_uuid", json!("otp-template")),
            "template_uuid",
        ),
        (
            with(email_otp.clone(), "sender", json!("s@example.com")),
            "sender",
        ),
        (
            with(wa_otp.clone(), "to", json!({"whatsapp_number": ["abc"]})),
            "to.whatsapp_number[0]",
        ),
    ] {
        assert_400(&post(&mut c, "/webhook/otp/send", body), needle);
    }
    let mut no_sender = email_otp.clone();
    no_sender.as_object_mut().unwrap().remove("sender");
    assert_eq!(post(&mut c, "/webhook/otp/send", no_sender).status, 200);
    assert_400(
        &post(
            &mut c,
            "/webhook/otp/send",
            with(email_otp.clone(), "sender", json!({"email_sender": "nope"})),
        ),
        "sender.email_sender",
    );
    let mut no_otp = email_otp.clone();
    no_otp.as_object_mut().unwrap().remove("otp");
    assert_400(
        &post(&mut c, "/webhook/otp/send", no_otp),
        "`otp` is required",
    );
}

// ---- contacts ----

#[test]
fn contact_create_find_and_conflicts() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let r = post(
        &mut c,
        "/webhook/contact/create",
        json!({"email": "a+tag@example.com", "firstName": "Ada", "lastName": "L", "source": "api",
               "subscribed": false, "userGroup": "founders", "userId": "u1",
               "mailingLists": {"cl_newsletter_0001": true}, "plan": "pro", "seats": 3,
               "trial": true, "renewal_date": "2025-01-31"}),
    );
    assert_eq!(r.status, 200, "{:?}", r.json());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["success"], true);

    // `+` must be percent-encoded in the query: %2B.
    let found = c.call(
        "GET",
        &format!(
            "/webhook/contact/find?email={}",
            encode("a+tag@example.com")
        ),
        None,
    );
    assert_eq!(found.status, 200);
    let list = found.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let contact = &list[0];
    assert_eq!(contact["id"], id.as_str());
    assert_eq!(contact["email"], "a+tag@example.com");
    assert_eq!(contact["firstName"], "Ada");
    assert_eq!(contact["lastName"], "L");
    assert_eq!(contact["source"], "api");
    assert_eq!(contact["subscribed"], false);
    assert_eq!(contact["userGroup"], "founders");
    assert_eq!(contact["userId"], "u1");
    assert_eq!(contact["mailingLists"], json!({"cl_newsletter_0001": true}));
    assert_eq!(contact["plan"], "pro");
    assert_eq!(contact["seats"], 3);

    // An unencoded `+` arrives as a space: not an email address.
    let r = c.call("GET", "/webhook/contact/find?email=a+tag@example.com", None);
    assert_400(&r, "email");

    let by_user = c.call("GET", "/webhook/contact/find?userId=u1", None);
    assert_eq!(by_user.json()[0]["id"], id.as_str());
    let none = c.call(
        "GET",
        "/webhook/contact/find?email=nobody%40example.com",
        None,
    );
    assert_eq!(none.status, 200);
    assert_eq!(none.json(), json!([]));
    assert_400(&c.call("GET", "/webhook/contact/find", None), "Exactly one");
    assert_400(
        &c.call(
            "GET",
            "/webhook/contact/find?email=a%40example.com&userId=u1",
            None,
        ),
        "Exactly one",
    );

    let dup = post(
        &mut c,
        "/webhook/contact/create",
        json!({"email": "A+TAG@example.com"}),
    );
    assert_eq!(dup.status, 409);
    assert_eq!(dup.json()["success"], false);
    assert!(dup.json()["message"].is_string());
    let dup_user = post(
        &mut c,
        "/webhook/contact/create",
        json!({"email": "b@example.com", "userId": "u1"}),
    );
    assert_eq!(dup_user.status, 409);
    assert_eq!(server.contacts().len(), 1);
}

#[test]
fn contact_create_400s() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    for (body, needle) in [
        (json!({}), "`email` is required"),
        (json!({"email": "nope"}), "email"),
        (
            json!({"email": "a@example.com", "first_name": "A"}),
            "firstName",
        ),
        (json!({"email": "a@example.com", "id": "x"}), "reserved"),
        (json!({"email": "a@example.com", "teamId": "x"}), "reserved"),
        (
            json!({"email": "a@example.com", "subscribed": "yes"}),
            "subscribed",
        ),
        (
            json!({"email": "a@example.com", "mailingLists": {"unknown": true}}),
            "unknown",
        ),
        (
            json!({"email": "a@example.com", "mailingLists": {"cl_beta_0002": "yes"}}),
            "mailingLists.cl_beta_0002",
        ),
        (
            json!({"email": "a@example.com", "mailingLists": ["cl_beta_0002"]}),
            "mailingLists",
        ),
        (
            json!({"email": "a@example.com", "favourite": {"a": 1}}),
            "favourite",
        ),
        (json!({"email": "a@example.com", "seats": "ten"}), "seats"),
        (
            json!({"email": "a@example.com", "renewal_date": "31/01/2025"}),
            "renewal_date",
        ),
    ] {
        assert_400(&post(&mut c, "/webhook/contact/create", body), needle);
    }
    assert!(server.contacts().is_empty());
}

#[test]
fn contact_update_upserts_and_clears() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    // Creates when nothing matches.
    let r = c.call(
        "PUT",
        "/webhook/contact/update",
        Some(json!({"email": "a@example.com", "userId": "u1", "firstName": "Ada", "plan": "pro"})),
    );
    assert_eq!(r.status, 200, "{:?}", r.json());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    // Identified by userId, the email can change; null clears.
    let r = c.call(
        "PUT",
        "/webhook/contact/update",
        Some(json!({"userId": "u1", "email": "ada@example.com", "firstName": null, "plan": null, "lastName": "L"})),
    );
    assert_eq!(r.status, 200, "{:?}", r.json());
    assert_eq!(r.json()["id"], id.as_str());
    let contacts = server.contacts();
    assert_eq!(contacts.len(), 1);
    let contact = &contacts[0];
    assert_eq!(contact["email"], "ada@example.com");
    assert!(contact["firstName"].is_null());
    assert_eq!(contact["lastName"], "L");
    assert!(contact.get("plan").is_none());
    // The old address no longer finds it; the new one does.
    assert_eq!(
        c.call("GET", "/webhook/contact/find?email=a%40example.com", None)
            .json(),
        json!([])
    );
    // Identified by email.
    let r = c.call(
        "PUT",
        "/webhook/contact/update",
        Some(json!({"email": "ada@example.com", "subscribed": false, "mailingLists": {"cl_beta_0002": true}})),
    );
    assert_eq!(r.json()["id"], id.as_str());
    let contact = &server.contacts()[0];
    assert_eq!(contact["subscribed"], false);
    assert_eq!(contact["mailingLists"]["cl_beta_0002"], true);

    // Errors.
    assert_400(
        &c.call(
            "PUT",
            "/webhook/contact/update",
            Some(json!({"firstName": "x"})),
        ),
        "`email` or `userId`",
    );
    assert_400(
        &c.call(
            "PUT",
            "/webhook/contact/update",
            Some(json!({"userId": "ghost"})),
        ),
        "email",
    );
    assert_400(
        &c.call(
            "PUT",
            "/webhook/contact/update",
            Some(json!({"email": "ada@example.com", "updatedAt": 1})),
        ),
        "reserved",
    );
    // Moving u1 onto an address another contact has is a conflict.
    post(
        &mut c,
        "/webhook/contact/create",
        json!({"email": "other@example.com"}),
    );
    let r = c.call(
        "PUT",
        "/webhook/contact/update",
        Some(json!({"userId": "u1", "email": "other@example.com"})),
    );
    assert_eq!(r.status, 409);
}

#[test]
fn contact_delete() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    post(
        &mut c,
        "/webhook/contact/create",
        json!({"email": "a@example.com", "userId": "u1"}),
    );
    post(
        &mut c,
        "/webhook/contact/create",
        json!({"email": "b@example.com"}),
    );
    assert_400(
        &post(&mut c, "/webhook/contact/delete", json!({})),
        "Exactly one",
    );
    assert_400(
        &post(
            &mut c,
            "/webhook/contact/delete",
            json!({"email": "a@example.com", "userId": "u1"}),
        ),
        "Exactly one",
    );
    let r = post(&mut c, "/webhook/contact/delete", json!({"userId": "u1"}));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"success": true, "message": "Contact deleted."})
    );
    let r = post(
        &mut c,
        "/webhook/contact/delete",
        json!({"email": "b@example.com"}),
    );
    assert_eq!(r.status, 200);
    let r = post(
        &mut c,
        "/webhook/contact/delete",
        json!({"email": "b@example.com"}),
    );
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["success"], false);
    assert!(server.contacts().is_empty());
    // The address is free again.
    let r = post(
        &mut c,
        "/webhook/contact/create",
        json!({"email": "a@example.com", "userId": "u1"}),
    );
    assert_eq!(r.status, 200);
}

// ---- lists ----

#[test]
fn mailing_lists_and_custom_fields_are_seeded() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let lists = c.call("GET", "/webhook/mailing_list/list", None);
    assert_eq!(lists.status, 200);
    let lists = lists.json();
    let lists = lists.as_array().unwrap();
    assert_eq!(lists.len(), 2);
    for l in lists {
        assert!(l["id"].is_string() && l["name"].is_string() && l["isPublic"].is_boolean());
        assert!(l.get("description").is_some());
    }
    assert!(lists.iter().any(|l| l["description"].is_null()));

    let fields = c.call("GET", "/webhook/custom_field/list", None).json();
    let types: Vec<(&str, &str)> = fields
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert!(f["label"].is_string());
            (f["key"].as_str().unwrap(), f["type"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        types,
        [
            ("plan", "string"),
            ("seats", "number"),
            ("trial", "boolean"),
            ("renewal_date", "date")
        ]
    );
}

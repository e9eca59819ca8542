//! What the sans-IO core costs per call: building and encoding a request
//! ([`cocoon_core::build_request`]) and decoding its answer ([`cocoon_core::decode_response`])
//! for every one of the 17 operations, with realistic sizes, and how both grow with the
//! number of recipients (mail) or contacts (find).
//!
//! ```text
//! cargo bench -p cocoonmail-core --bench core                 # everything
//! cargo bench -p cocoonmail-core --bench core -- send_mail    # a filter, as criterion takes it
//! ```
//!
//! Groups:
//! - `build/<operation>` and `decode/<operation>`: one representative value per operation.
//! - `build/send_mail/{1,10,100}` and `decode/send_mail/{1,10,100}`: a mail to 1, 10 and 100
//!   recipients, and its 201 answer with as many report entries; throughput is per recipient.
//! - `decode/find_contact/{1,10,100}`: a find answer with 1, 10 and 100 contacts.
//! - `build/create_contact_20_properties`: a contact with 20 custom properties.
//! - `serde_only/...`: the same answers decoded with `serde_json::from_slice` alone, so the
//!   cost the core adds on top of serde (status check, `"success": false` probe) shows.
//! - `encode/attachment/64KiB`, `parse/retry_after_date`, `build/find_contact_encoded`: the
//!   encodings the core relies on (base64 of an attachment, an HTTP date in `Retry-After`,
//!   percent-encoding of a query value).

use std::hint::black_box;
use std::time::Duration;

use cocoon_core::api_key::ValidateApiKey;
use cocoon_core::contacts::{
    Contact, ContactField, ContactRef, CreateContact, DeleteContact, FindContact, UpdateContact,
};
use cocoon_core::custom_fields::ListCustomFields;
use cocoon_core::events::{
    CartItem, CheckoutCustomer, CheckoutEvent, Event, EventContact, SendEvent, SimpleEvent,
};
use cocoon_core::lists::ListMailingLists;
use cocoon_core::mail::{
    Attachment, MailContent, MailStatus, MailUsage, Recipient, SendDirectMail, SendMail,
    SendMailResponse,
};
use cocoon_core::otp::{OtpCode, OtpRecipients, OtpSender, SendOtp};
use cocoon_core::properties::{CustomProperties, PropertyDate, PropertyName, PropertyValue};
use cocoon_core::verify::VerifyEmail;
use cocoon_core::whatsapp::{SendWhatsApp, WhatsAppMessage, WhatsAppRecipient, WhatsAppStatus};
use cocoon_core::{build_request, decode_response, ApiKey, Config, Endpoint, RetryAfter};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use serde_json::json;

const KEY: &str =
    "pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=";
const SENDER: &str = "hello@shop.example.com";
const TEMPLATE: &str = "6f1c2e7a-3b44-4c1d-9e0f-2a6b7c8d9e01";
const SIZES: [usize; 3] = [1, 10, 100];

fn config() -> Config {
    Config::new(ApiKey::new(KEY).expect("the fake key is well formed"))
}

/// About 1.6 KB of HTML, the size of a short transactional email.
fn html_body() -> String {
    let mut html = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Your order</title></head>\
         <body style=\"font-family: sans-serif\"><h1>Thanks for your order, {{first_name}}!</h1>",
    );
    for line in 0..12 {
        html.push_str(&format!(
            "<p>Line {line}: your parcel <b>#{{{{order_id}}}}</b> is on its way &mdash; \
             track it at <a href=\"https://shop.example.com/t/{line}\">our site</a>.</p>"
        ));
    }
    html.push_str("</body></html>");
    html
}

fn recipient(i: usize) -> Recipient {
    Recipient::new(format!("customer.{i}+orders@example.com"))
        .first_name("Ada")
        .last_name(format!("Lovelace-{i}"))
        .attribute("order_id", format!("SO-{:06}", 100_000 + i))
        .attribute("total", 42.5 + i as f64)
        .tag("vip")
}

fn send_mail(recipients: usize) -> SendMail {
    SendMail::new(MailContent::raw(
        html_body(),
        SENDER,
        "Your order is on its way",
    ))
    .to_all((0..recipients).map(recipient))
    .reply_to("support@shop.example.com")
    .custom_parameter("shop", "Example Shop")
    .allow_open_tracking(true)
    .allow_click_tracking(true)
    .tags(["order", "shipping"])
}

fn quotas() -> serde_json::Value {
    json!({
        "MAX_SEND_MAIL_PER_DAY": {"limit": 1000, "usage": 12},
        "MAX_SEND_MAIL_PER_MONTH_TRANSACTIONAL": {"limit": "30000", "usage": "340"}
    })
}

fn send_mail_answer(reports: usize) -> Vec<u8> {
    let report: Vec<_> = (0..reports)
        .map(|i| {
            json!({
                "to": format!("customer.{i}+orders@example.com"),
                "message_id": format!("<6f1c2e7a-3b44-4c1d-9e0f-{i:012}@mail.cocoonmail.com>")
            })
        })
        .collect();
    serde_json::to_vec(&json!({
        "success": true,
        "failed_recipients": [],
        "report": report,
        "quotas": quotas(),
        "sender": SENDER,
        "message": "Transactional mails sent successfully"
    }))
    .unwrap()
}

/// A contact as `contact/find` answers it: every standard property, two lists and the four
/// custom properties of a typical account.
fn contact_json(i: usize) -> serde_json::Value {
    json!({
        "id": format!("c9b1f0d2-7e1a-4c55-8f3e-{i:012}"),
        "email": format!("customer.{i}@example.com"),
        "firstName": "Ada",
        "lastName": format!("Lovelace-{i}"),
        "source": "api",
        "subscribed": true,
        "userGroup": "beta",
        "userId": format!("u-{i}"),
        "mailingLists": {"cl_newsletter_0001": true, "cl_beta_0002": false},
        "plan": "pro",
        "seats": 12,
        "trial": false,
        "renewal_date": "2025-03-01"
    })
}

fn find_answer(contacts: usize) -> Vec<u8> {
    serde_json::to_vec(&(0..contacts).map(contact_json).collect::<Vec<_>>()).unwrap()
}

fn twenty_properties() -> CustomProperties {
    let mut props = CustomProperties::new();
    for i in 0..20 {
        let name = PropertyName::new(format!("field{i:02}")).unwrap();
        let value: PropertyValue = match i % 4 {
            0 => format!("value number {i}").into(),
            1 => (i as i64 * 1000).into(),
            2 => (i % 3 == 0).into(),
            _ => PropertyDate::parse("2025-03-01 12:30:00+02:00")
                .unwrap()
                .into(),
        };
        props.insert(name, value);
    }
    props
}

/// One answer as the transport hands it over.
fn answer(status: u16, body: &[u8]) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-ratelimit-limit", "10")
        .header("x-ratelimit-remaining", "9")
        .body(body.to_vec())
        .unwrap()
}

/// Times `build_request` for one endpoint value.
fn bench_build<E: Endpoint>(c: &mut Criterion, name: &str, endpoint: &E) {
    let config = config();
    // Fail loudly (not inside the timing loop) if the value cannot be built at all.
    build_request(&config, endpoint).unwrap_or_else(|e| panic!("{name}: {e}"));
    c.bench_function(&format!("build/{name}"), |b| {
        b.iter(|| build_request(black_box(&config), black_box(endpoint)).unwrap())
    });
}

/// Times `decode_response` for one endpoint and answer body (the `http::Response` is made
/// outside the timing, since `decode_response` takes it by value).
fn bench_decode<E: Endpoint>(
    c: &mut Criterion,
    name: &str,
    endpoint: &E,
    status: u16,
    body: &[u8],
) {
    decode_response(endpoint, answer(status, body)).unwrap_or_else(|e| panic!("{name}: {e}"));
    c.bench_function(&format!("decode/{name}"), |b| {
        b.iter_batched(
            || answer(status, body),
            |response| decode_response(black_box(endpoint), response).unwrap(),
            BatchSize::SmallInput,
        )
    });
}

fn operations(c: &mut Criterion) {
    bench_build(c, "validate_api_key", &ValidateApiKey::new());
    let direct = SendDirectMail::new(html_body(), SENDER, "Your receipt")
        .to_all((0..10).map(|i| format!("customer.{i}@example.com")))
        .reply_to("support@shop.example.com");
    bench_build(c, "send_direct_mail/10", &direct);
    bench_build(c, "mail_usage", &MailUsage::new());
    let status = MailStatus::new("<6f1c2e7a-3b44-4c1d-9e0f-000000000001@mail.cocoonmail.com>");
    bench_build(c, "mail_status", &status);
    bench_build(
        c,
        "send_event/simple",
        &SendEvent::simple("signup", "ada@example.com"),
    );
    let rich = SendEvent::from(
        SimpleEvent::new("order_placed", "ada@example.com")
            .event_attribute("web")
            .property("order_id", "SO-100042")
            .property("total", 129.9)
            .property("items", 3),
    );
    bench_build(c, "send_event/simple_3_properties", &rich);
    let structured = SendEvent::structured(
        EventContact::new("ada@example.com")
            .name("Ada Lovelace")
            .whatsapp_number("+447700900123"),
        Event::new("ABANDONED_CART")
            .name("Cart left")
            .data_entry("total", 42)
            .data_entry("currency", "EUR"),
    );
    bench_build(c, "send_event/structured", &structured);
    bench_build(c, "checkout_event/3_items", &checkout());
    bench_build(c, "verify_email", &VerifyEmail::new("ada@example.com"));
    bench_build(c, "send_whatsapp", &whatsapp());
    let wa_status =
        WhatsAppStatus::new("wamid.HBgLMTU1NTAxMDAxMjMVAgARGBI1RjQ0QjQ0QjQ0QjQ0QjQ0AA==");
    bench_build(c, "whatsapp_status", &wa_status);
    bench_build(c, "send_otp", &otp());
    bench_build(
        c,
        "create_contact",
        &create_contact(CustomProperties::new()),
    );
    bench_build(
        c,
        "create_contact_20_properties",
        &create_contact(twenty_properties()),
    );
    bench_build(c, "update_contact", &update_contact());
    let find = FindContact::new(ContactRef::email("ada+notes@example.com"));
    bench_build(c, "find_contact", &find);
    bench_build(
        c,
        "delete_contact",
        &DeleteContact::new(ContactRef::user_id("u-42")),
    );
    bench_build(c, "list_mailing_lists", &ListMailingLists::new());
    bench_build(c, "list_custom_fields", &ListCustomFields::new());

    // The mail at three sizes: the cost per recipient.
    let mut group = c.benchmark_group("build/send_mail");
    let config = config();
    for n in SIZES {
        let mail = send_mail(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &mail, |b, mail| {
            b.iter(|| build_request(black_box(&config), black_box(mail)).unwrap())
        });
    }
    group.finish();
}

fn checkout() -> CheckoutEvent {
    CheckoutEvent::new(
        "cart-8812",
        CheckoutCustomer::new("ada@example.com")
            .first_name("Ada")
            .last_name("Lovelace")
            .phone("+447700900123"),
        "https://shop.example.com/checkout/cart-8812",
        "2025-01-15T10:30:00.000Z",
    )
    .items([
        CartItem::new("SKU-1", "Notebook", 3, 19.99),
        CartItem::new("SKU-2", "Fountain pen", 1, 54.0),
        CartItem::new("SKU-3", "Ink, blue", 2, 7.5),
    ])
}

fn whatsapp() -> SendWhatsApp {
    SendWhatsApp::new(
        "+15550100",
        WhatsAppMessage::template("order_update", "en_US"),
    )
    .recipient(
        WhatsAppRecipient::new("+447700900123")
            .first_name("Ada")
            .email("ada@example.com")
            .attribute("order_id", "SO-100042"),
    )
    .parameterized_variable("eta", "tomorrow")
    .tag("orders")
}

fn otp() -> SendOtp {
    SendOtp::new(
        TEMPLATE,
        OtpRecipients::email(["ada@example.com"]),
        OtpCode::new("042917").unwrap(),
    )
    .subject("Your login code")
    .sender(OtpSender::new().email_sender(SENDER))
}

fn create_contact(props: CustomProperties) -> CreateContact {
    CreateContact::new("ada@example.com")
        .first_name("Ada")
        .last_name("Lovelace")
        .source("signup-form")
        .user_id("u-1815")
        .subscribe_to("cl_newsletter_0001")
        .properties(props)
}

fn update_contact() -> UpdateContact {
    UpdateContact::by_user_id("u-1815")
        .email("ada.lovelace@example.com")
        .first_name("Ada")
        .clear(ContactField::UserGroup)
        .unsubscribe_from("cl_beta_0002")
        .try_property("plan", "enterprise")
        .unwrap()
        .try_property("seats", 40)
        .unwrap()
}

fn answers(c: &mut Criterion) {
    let mail_status = serde_json::to_vec(&json!({
        "message": "Mail status fetched",
        "data": {
            "x_message_id": "<6f1c2e7a-3b44-4c1d-9e0f-000000000001@mail.cocoonmail.com>",
            "mail_content": html_body(), "subject": "Your order is on its way",
            "name": "Ada Lovelace", "email": "ada@example.com",
            "sent": true, "delivered": true, "bounced": false, "unsubscribed": false,
            "open": true, "clicked": false, "sendable": true, "failed": false,
            "opened_count": 2, "clicked_count": 0,
            "sent_at": "2025-01-15T10:30:00.123Z", "delivered_at": "2025-01-15T10:30:02.456Z",
            "bounced_at": null, "unsubscribed_at": null, "scheduled_at": null,
            "created": "2025-01-15T10:29:59.999Z", "bounced_error": null, "bounce_type": null,
            "SMTP_code": "250", "SMTP_error": null,
            "transactional_mail_id": "tm_1", "transactional_name": "Order shipped",
            "tracking_logs": [{
                "user_agent": "Mozilla/5.0", "client_family": "Chrome", "client_version": "120",
                "os_name": "Mac OS X", "os_version": "14", "device_type": "desktop",
                "ip_address": "203.0.113.7", "created": "2025-01-15T11:00:00.000Z", "type": "OPEN"
            }]
        }
    }))
    .unwrap();
    let whatsapp_status = serde_json::to_vec(&json!({
        "message": "Message status fetched",
        "data": {
            "uuid": "9a8b7c6d-0000-4000-8000-000000000001", "message_id": "wamid.HBgLMTU1NTAxMDAxMjM",
            "conversation_id": "conv-1", "direction": "outbound", "type": "template",
            "status": "read", "delivered": true, "read": true, "failed": false, "rejected": false,
            "delivered_at": "2025-01-15T10:30:02.000Z", "read_at": "2025-01-15T10:31:00.000Z",
            "failed_at": null, "rejected_at": null, "created": "2025-01-15T10:30:00.000Z",
            "updated": "2025-01-15T10:31:00.000Z", "sent_at": "2025-01-15T10:30:01.000Z",
            "to": "+447700900123",
            "content": {"template_name": "order_update", "template_language": "en_US"},
            "metadata": {"pricing": {"category": "utility"}},
            "contact": {"id": 4711, "email": "ada@example.com", "name": "Ada Lovelace",
                        "first_name": "Ada", "whatsapp_number": "+447700900123",
                        "is_whatsapp_unsubscribed": false}
        }
    }))
    .unwrap();
    let lists = br#"[{"id":"cl_newsletter_0001","name":"Newsletter","description":"Monthly product news","isPublic":true},{"id":"cl_beta_0002","name":"Beta testers","description":null,"isPublic":false}]"#;
    let fields = br#"[{"key":"plan","label":"Plan","type":"string"},{"key":"seats","label":"Seats","type":"number"},{"key":"trial","label":"Trial","type":"boolean"},{"key":"renewal_date","label":"Renewal date","type":"date"}]"#;
    let direct = serde_json::to_vec(&json!({
        "success": true, "message": "Direct mails sent successfully",
        "sent_recipients": (0..10).map(|i| format!("customer.{i}@example.com")).collect::<Vec<_>>(),
        "failed_recipients": [], "invalid_recipients": []
    }))
    .unwrap();
    let usage = serde_json::to_vec(&json!({"success": true, "quotas": quotas()})).unwrap();
    let whatsapp_sent = serde_json::to_vec(&json!({
        "success": true, "failed_recipients": [],
        "report": [{"to": "+447700900123", "message_id": "wamid.HBgLMTU1NTAxMDAxMjM"}],
        "quotas": {"MAX_WHATSAPP_SEND_PER_MONTH": {"limit": 10000, "usage": 57}},
        "message": "WhatsApp messages sent successfully"
    }))
    .unwrap();

    let find = FindContact::new(ContactRef::email("ada@example.com"));
    bench_decode(
        c,
        "validate_api_key",
        &ValidateApiKey::new(),
        200,
        br#"{"success":true}"#,
    );
    bench_decode(
        c,
        "send_direct_mail/10",
        &SendDirectMail::new("x", SENDER, "s").to("a@example.com"),
        201,
        &direct,
    );
    bench_decode(c, "mail_usage", &MailUsage::new(), 200, &usage);
    bench_decode(c, "mail_status", &MailStatus::new("m"), 200, &mail_status);
    bench_decode(
        c,
        "send_event",
        &SendEvent::simple("signup", "ada@example.com"),
        201,
        br#"{"success":true,"id":"0b7e4c1a-5d2f-4e8a-9c3b-1f2e3d4c5b6a"}"#,
    );
    bench_decode(
        c,
        "checkout_event",
        &checkout(),
        200,
        br#"{"success":true,"message":"Event processed successfully"}"#,
    );
    bench_decode(
        c,
        "verify_email",
        &VerifyEmail::new("ada@example.com"),
        200,
        br#"{"message":"Email successfully verified","data":{"email":"ada@example.com","status":"safe","checked_at":"2025-01-15T10:30:00.000Z"}}"#,
    );
    bench_decode(c, "send_whatsapp", &whatsapp(), 201, &whatsapp_sent);
    bench_decode(
        c,
        "whatsapp_status",
        &WhatsAppStatus::new("w"),
        200,
        &whatsapp_status,
    );
    bench_decode(
        c,
        "send_otp",
        &otp(),
        200,
        br#"{"success":true,"message":"OTP sent successfully"}"#,
    );
    bench_decode(
        c,
        "create_contact",
        &create_contact(CustomProperties::new()),
        200,
        br#"{"success":true,"id":"c9b1f0d2-7e1a-4c55-8f3e-000000000001"}"#,
    );
    bench_decode(
        c,
        "update_contact",
        &update_contact(),
        200,
        br#"{"success":true,"id":"c9b1f0d2-7e1a-4c55-8f3e-000000000001"}"#,
    );
    bench_decode(
        c,
        "delete_contact",
        &DeleteContact::new(ContactRef::user_id("u-42")),
        200,
        br#"{"success":true,"message":"Contact deleted."}"#,
    );
    bench_decode(
        c,
        "list_mailing_lists",
        &ListMailingLists::new(),
        200,
        lists,
    );
    bench_decode(
        c,
        "list_custom_fields",
        &ListCustomFields::new(),
        200,
        fields,
    );
    // The commonest error: a 429 with its headers and body.
    c.bench_function("decode/error_429", |b| {
        let event = SendEvent::simple("signup", "ada@example.com");
        b.iter_batched(
            || {
                let mut r = answer(429, br#"{"success":false,"message":"Too many requests"}"#);
                r.headers_mut()
                    .insert("retry-after", http::HeaderValue::from_static("1"));
                r
            },
            |response| decode_response(black_box(&event), response).unwrap_err(),
            BatchSize::SmallInput,
        )
    });

    let mail = send_mail(1);
    let mut group = c.benchmark_group("decode/send_mail");
    for n in SIZES {
        let body = send_mail_answer(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &body, |b, body| {
            b.iter_batched(
                || answer(201, body),
                |response| decode_response(black_box(&mail), response).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();

    let mut group = c.benchmark_group("decode/find_contact");
    for n in SIZES {
        let body = find_answer(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &body, |b, body| {
            b.iter_batched(
                || answer(200, body),
                |response| decode_response(black_box(&find), response).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();

    // The same bodies through serde alone: what the core adds on top.
    let mut group = c.benchmark_group("serde_only");
    let body = send_mail_answer(100);
    group.bench_function("send_mail/100", |b| {
        b.iter(|| serde_json::from_slice::<SendMailResponse>(black_box(&body)).unwrap())
    });
    let body = find_answer(100);
    group.bench_function("find_contact/100", |b| {
        b.iter(|| serde_json::from_slice::<Vec<Contact>>(black_box(&body)).unwrap())
    });
    group.finish();
}

fn encodings(c: &mut Criterion) {
    // 64 KiB of varied bytes: a small PDF or image.
    let bytes: Vec<u8> = (0..64 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    c.bench_function("encode/attachment/64KiB", |b| {
        b.iter(|| Attachment::new("report.pdf", "application/pdf", black_box(&bytes)))
    });
    c.bench_function("parse/retry_after_date", |b| {
        b.iter(|| RetryAfter::parse(black_box("Sun, 06 Nov 1994 08:49:37 GMT")).unwrap())
    });
    // A value where most characters need escaping.
    let find = FindContact::new(ContactRef::user_id("ünïcødé user/42 + ★ & more?=#"));
    bench_build(c, "find_contact_encoded", &find);
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    operations(&mut c);
    answers(&mut c);
    encodings(&mut c);
    c.final_summary();
}

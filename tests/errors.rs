//! The errors a user sees from the server (409, 404, 400 with its message) and before sending
//! (invalid input, nothing on the wire), through both clients; and that neither client nor
//! builder ever shows the API key in `Debug`.

#[macro_use]
mod support;

use std::time::Duration;

use cocoonmail::contacts::{ContactRef, CreateContact};
use cocoonmail::events::SendEvent;
use cocoonmail::mail::{MailContent, SendMail};
use cocoonmail::{AuthScheme, Error};
use support::{
    assert_debug_hides_key, assert_error_hides_key, assert_request, last_request, mock, quick, KEY,
};

both_clients!(creating_an_existing_contact_is_a_conflict, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();

    call!(client
        .contacts()
        .create(CreateContact::new("ada@example.com")))
    .unwrap();
    let error = call!(client
        .contacts()
        .create(CreateContact::new("ada@example.com").first_name("Ada")))
    .unwrap_err();

    assert!(matches!(error, Error::Conflict(_)), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(409));
    let message = error
        .api()
        .and_then(|e| e.message.clone())
        .unwrap_or_default();
    assert!(message.contains("already exists"), "{message}");
    assert!(!error.is_retryable());
    assert_error_hides_key(&error);
    // Not retried, and the first contact is untouched.
    let statuses: Vec<_> = server.journal().iter().map(|e| e.status()).collect();
    assert_eq!(statuses, [Some(200), Some(409)]);
    assert_eq!(server.contacts().len(), 1);
    assert_eq!(server.contacts()[0]["firstName"], serde_json::Value::Null);
});

both_clients!(deleting_an_unknown_contact_is_not_found, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();

    let error = call!(client
        .contacts()
        .delete(ContactRef::email("nobody@example.com")))
    .unwrap_err();

    assert!(matches!(error, Error::NotFound(_)), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(
        error.api().and_then(|e| e.message.as_deref()),
        Some("Contact not found")
    );
    assert_error_hides_key(&error);
    assert_eq!(server.journal().len(), 1);
    let body = assert_request(
        &last_request(&server),
        "POST",
        "/webhook/contact/delete",
        "",
    );
    assert_eq!(body, serde_json::json!({"email": "nobody@example.com"}));
});

both_clients!(a_bad_request_carries_the_server_message, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();

    // The SDK cannot know that this template id is no UUID; the server says so.
    let mail = SendMail::new(MailContent::template(
        "not-a-uuid",
        "sender@example.com",
        "Hi",
    ))
    .to("ada@example.com");
    let error = call!(client.mail().send(mail)).unwrap_err();

    assert!(matches!(error, Error::Api(_)), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    let api = error.api().expect("the server's answer");
    assert_eq!(
        api.message.as_deref(),
        Some("`template_uuid` must be a UUID, not \"not-a-uuid\"")
    );
    assert!(api.body.as_text().contains("\"success\":false"));
    assert!(error.to_string().contains("template_uuid"), "{error}");
    assert!(!error.is_retryable());
    assert_error_hides_key(&error);
    assert_eq!(server.journal().len(), 1);
    assert!(server.sent_messages().is_empty());

    // An unknown mailing list, likewise.
    let error = call!(client
        .contacts()
        .create(CreateContact::new("ada@example.com").subscribe_to("cl_no_such_list")))
    .unwrap_err();
    assert!(matches!(error, Error::Api(_)), "{error:?}");
    let message = error
        .api()
        .and_then(|e| e.message.clone())
        .unwrap_or_default();
    assert!(message.contains("cl_no_such_list"), "{message}");
    assert_error_hides_key(&error);
    assert_eq!(server.journal().len(), 2);
});

both_clients!(invalid_input_is_refused_before_sending, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();

    let errors = [
        (
            "email",
            call!(client.contacts().create(CreateContact::new("not-an-email"))).unwrap_err(),
        ),
        (
            "userId",
            call!(client.contacts().find(ContactRef::user_id("  "))).unwrap_err(),
        ),
        (
            "to",
            call!(client
                .mail()
                .send(SendMail::new(MailContent::transactional("welcome-1"))))
            .unwrap_err(),
        ),
        (
            "email_content",
            call!(client.mail().send(
                SendMail::new(MailContent::raw("", "sender@example.com", "Hi"))
                    .to("ada@example.com")
            ))
            .unwrap_err(),
        ),
        (
            "email",
            call!(client.events().send(SendEvent::simple("signup", "nobody"))).unwrap_err(),
        ),
        ("email", call!(client.verify().email("")).unwrap_err()),
        ("message_id", call!(client.mail().status("")).unwrap_err()),
        (
            "message_id",
            call!(client.whatsapp().status(" ")).unwrap_err(),
        ),
    ];

    for (field, error) in &errors {
        match error {
            Error::InvalidInput(invalid) => assert_eq!(invalid.field, *field, "{error}"),
            other => panic!("expected invalid input for {field}, got {other:?}"),
        }
        assert_eq!(error.status(), None);
        assert!(!error.is_retryable());
        assert_error_hides_key(error);
    }
    assert!(server.journal().is_empty(), "{:?}", server.journal());
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_async_client_and_its_builder_never_show_the_key() {
    let server = mock();
    let builder = quick(cocoonmail::Client::builder(), &server)
        .auth_scheme(AuthScheme::ApiKeyHeader)
        .timeout(Duration::from_secs(5));
    assert_debug_hides_key(&builder, "the async builder");
    assert!(format!("{builder:?}").contains("<redacted>"));

    let client = builder.build().unwrap();
    assert_debug_hides_key(&client, "the async client");
    assert_debug_hides_key(client.config(), "the async client's configuration");
    assert_debug_hides_key(&client.clone(), "a clone of the async client");
    assert!(format!("{client:?}").contains(&server.base_url()));

    // The key is really there: the server accepts it.
    client.keys().validate().await.unwrap();
    assert_eq!(
        last_request(&server).header("x-cocoonmail-api_key"),
        Some(KEY)
    );
}

#[test]
fn the_blocking_client_and_its_builder_never_show_the_key() {
    let server = mock();
    let builder = quick(cocoonmail::blocking::Client::builder(), &server);
    assert_debug_hides_key(&builder, "the blocking builder");
    assert!(format!("{builder:?}").contains("<redacted>"));

    let client = builder.build().unwrap();
    assert_debug_hides_key(&client, "the blocking client");
    assert_debug_hides_key(client.config(), "the blocking client's configuration");
    assert_debug_hides_key(&client.clone(), "a clone of the blocking client");
    assert!(format!("{client:?}").contains(&server.base_url()));

    client.keys().validate().unwrap();
    assert_eq!(
        last_request(&server).header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
}

#[test]
fn a_missing_key_fails_the_build_without_sending() {
    let server = mock();
    let error = cocoonmail::blocking::Client::builder()
        .base_url(server.base_url())
        .build()
        .unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    assert!(server.journal().is_empty());
}

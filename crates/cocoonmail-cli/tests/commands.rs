//! Every command against the fake server: a success and an error path each, with its exit code.

mod common;

/// `mail send-direct` with a sender and a subject.
const SEND_DIRECT: [&str; 6] = [
    "mail",
    "send-direct",
    "--sender",
    "s@example.com",
    "--subject",
    "Hi",
];
/// `otp send` with a template.
const SEND_OTP: [&str; 4] = [
    "otp",
    "send",
    "--template-uuid",
    "7d1e5c2a-0000-4000-8000-000000000001",
];

use cocoon_mock::Fault;
use common::{json, stderr, stdout, Env};
use serde_json::json;

#[test]
fn key_validate_succeeds_and_a_wrong_key_is_an_authentication_failure() {
    let env = Env::new();
    let ok = env.cmd().args(["key", "validate"]).assert().success();
    assert!(stdout(ok.get_output()).contains("The API key is valid."));

    let out = env
        .cmd()
        .env(
            "COCOONMAIL_API_KEY",
            "pbkdf2_sha256$1$wrongwrongwrongwrongwr$bm90LXRoZS1rZXk=",
        )
        .args(["key", "validate"])
        .assert()
        .code(4);
    let text = stderr(out.get_output());
    assert!(text.contains("unauthorized"), "{text}");
    assert!(!text.contains("wrongwrong"), "the key is printed: {text}");
}

#[test]
fn the_key_comes_from_a_file_and_never_from_an_argument() {
    let env = Env::new();
    let key_file = env.file(
        "key.txt",
        &format!("  {}  \n", cocoon_mock::DEFAULT_API_KEY),
    );
    env.cmd()
        .env_remove("COCOONMAIL_API_KEY")
        .arg("--api-key-file")
        .arg(&key_file)
        .args(["key", "validate"])
        .assert()
        .success();

    let out = env
        .cmd()
        .args(["--api-key", "pbkdf2_sha256$1$secret", "lists"])
        .assert()
        .code(2);
    let text = stderr(out.get_output());
    assert!(
        text.contains("never accepted on the command line"),
        "{text}"
    );
    assert!(!text.contains("secret"), "{text}");

    let out = env
        .cmd()
        .env_remove("COCOONMAIL_API_KEY")
        .args(["lists"])
        .assert()
        .code(4);
    assert!(stderr(out.get_output()).contains("no API key"));
    assert!(
        env.server.journal().len() == 1,
        "nothing sent without a key"
    );
}

#[test]
fn contacts_create_then_a_second_create_is_a_conflict() {
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            "contacts",
            "create",
            "--email",
            "ada@example.com",
            "--first-name",
            "Ada",
        ])
        .args([
            "--list",
            "cl_newsletter_0001",
            "--property",
            "seats=3",
            "--property",
            "trial=yes",
        ])
        .assert()
        .success();
    assert!(stdout(out.get_output()).starts_with("Contact created (id "));
    let contact = &env.server.contacts()[0];
    assert_eq!(contact["firstName"], "Ada");
    assert_eq!(contact["seats"], 3);
    assert_eq!(contact["trial"], true);
    assert_eq!(contact["mailingLists"]["cl_newsletter_0001"], true);

    let out = env
        .cmd()
        .args(["--json", "contacts", "create", "--email", "ada@example.com"])
        .assert()
        .code(6);
    let error = json(out.get_output());
    assert_eq!(error["error"]["kind"], "conflict");
    assert_eq!(error["error"]["status"], 409);
}

#[test]
fn contacts_update_upserts_and_refuses_a_bad_property_before_sending() {
    let env = Env::new();
    env.cmd()
        .args([
            "contacts",
            "update",
            "--email",
            "bo@example.com",
            "--last-name",
            "Li",
        ])
        .args(["--property", "renewal_date=2025-03-01"])
        .assert()
        .success();
    assert_eq!(env.server.contacts()[0]["lastName"], "Li");
    let sent = env.server.journal().len();

    let out = env
        .cmd()
        .args([
            "contacts",
            "update",
            "--email",
            "bo@example.com",
            "--property",
            "seats=lots",
        ])
        .assert()
        .code(3);
    assert!(stderr(out.get_output()).contains("`seats`: expected a number"));
    // Only the custom fields were read.
    assert_eq!(env.server.journal().len(), sent + 1);

    // --data: the wire's shape; a misspelt field is named.
    let data = env.file(
        "c.json",
        r#"{"email":"bo@example.com","lastName":null,"plan":"pro"}"#,
    );
    env.cmd()
        .args(["contacts", "update", "--data"])
        .arg(&data)
        .assert()
        .success();
    let bo = &env.server.contacts()[0];
    assert_eq!(bo["lastName"], serde_json::Value::Null);
    assert_eq!(bo["plan"], "pro");
    let data = env.file(
        "bad.json",
        r#"{"email":"bo@example.com","first_name":"Bo"}"#,
    );
    let out = env
        .cmd()
        .args(["contacts", "create", "--data"])
        .arg(&data)
        .assert()
        .code(3);
    assert!(stderr(out.get_output()).contains("first_name"));
}

#[test]
fn contacts_find_prints_the_contact_and_refuses_a_bad_address() {
    let env = Env::new();
    env.cmd()
        .args([
            "contacts",
            "create",
            "--email",
            "cy@example.com",
            "--user-id",
            "u-7",
        ])
        .assert()
        .success();
    let out = env
        .cmd()
        .args(["contacts", "find", "--user-id", "u-7"])
        .assert()
        .success();
    assert!(stdout(out.get_output()).contains("cy@example.com"));
    let out = env
        .cmd()
        .args(["--json", "contacts", "find", "--email", "cy@example.com"])
        .assert()
        .success();
    assert_eq!(json(out.get_output())[0]["userId"], "u-7");

    env.cmd()
        .args(["contacts", "find", "--email", "not-an-address"])
        .assert()
        .code(3);
    // Neither --email nor --user-id: a usage error.
    env.cmd().args(["contacts", "find"]).assert().code(2);
}

#[test]
fn contacts_delete_deletes_and_an_unknown_contact_is_not_found() {
    let env = Env::new();
    env.cmd()
        .args(["contacts", "create", "--email", "di@example.com"])
        .assert()
        .success();
    env.cmd()
        .args(["contacts", "delete", "--email", "di@example.com"])
        .assert()
        .success();
    assert!(env.server.contacts().is_empty());
    let out = env
        .cmd()
        .args(["contacts", "delete", "--email", "di@example.com"])
        .assert()
        .code(5);
    assert!(stderr(out.get_output()).contains("not found"));
}

#[test]
fn lists_and_fields_print_tables_or_json() {
    let env = Env::new();
    let out = env.cmd().arg("lists").assert().success();
    assert!(stdout(out.get_output()).contains("cl_newsletter_0001"));
    let out = env.cmd().args(["fields", "--json"]).assert().success();
    let fields = json(out.get_output());
    assert!(fields
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["key"] == "renewal_date" && f["type"] == "date"));
}

#[test]
fn lists_missing_route_is_not_found_and_fields_blocked_is_an_authentication_failure() {
    let env = Env::new();
    env.server
        .script("GET", "/webhook/mailing_list/list", [Fault::status(404)]);
    env.cmd().arg("lists").assert().code(5);
    env.server
        .script("GET", "/webhook/custom_field/list", [Fault::status(403)]);
    let out = env.cmd().arg("fields").assert().code(4);
    assert!(stderr(out.get_output()).contains("temporarily blocked"));
}

#[test]
fn a_server_failing_on_reads_is_exit_code_8_after_the_retries() {
    let env = Env::new();
    env.server.script(
        "GET",
        "/webhook/mailing_list/list",
        [
            Fault::html(502),
            Fault::html(502),
            Fault::html(502),
            Fault::html(502),
        ],
    );
    let out = env.cmd().arg("lists").assert().code(8);
    assert!(stderr(out.get_output()).contains("after 4 attempts"));
}

#[test]
fn events_send_succeeds_and_a_server_error_is_not_retried() {
    let env = Env::new();
    env.cmd()
        .args([
            "events",
            "send",
            "--name",
            "signup",
            "--email",
            "ev@example.com",
        ])
        .args(["--attribute", "annual", "--property", "plan=pro"])
        .assert()
        .success();
    assert_eq!(
        env.server.events()[0],
        json!({"event_name": "signup", "email": "ev@example.com", "event_attribute": "annual", "plan": "pro"})
    );
    env.server
        .script("POST", "/webhook/event/send", [Fault::status(500)]);
    env.cmd()
        .args([
            "events",
            "send",
            "--name",
            "signup",
            "--email",
            "ev@example.com",
        ])
        .assert()
        .code(8);
    let sends = env
        .server
        .journal()
        .iter()
        .filter(|e| e.path == "/webhook/event/send")
        .count();
    assert_eq!(sends, 2, "an event that may have arrived is never resent");

    let data = env.file(
        "e.json",
        r#"{"contact":{"email":"ev@example.com"},"event":{"code":"ABANDONED_CART","data":{"total":42}}}"#,
    );
    env.cmd()
        .args(["events", "send", "--data"])
        .arg(&data)
        .assert()
        .success();
    assert_eq!(env.server.events()[1]["event"]["data"]["total"], 42);
}

#[test]
fn events_checkout_succeeds_and_a_bad_item_or_address_is_refused() {
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            "events",
            "checkout",
            "--cart-id",
            "c-9",
            "--email",
            "ck@example.com",
        ])
        .args(["--checkout-url", "https://shop.example.com/c/9"])
        .args([
            "--created-at",
            "2024-05-01T10:00:00Z",
            "--item",
            "SKU-1,Note book,2,4.50",
        ])
        .assert()
        .success();
    assert!(stdout(out.get_output()).contains("processed"));
    assert_eq!(
        env.server.events()[0]["data"]["cart_items"][0]["price"],
        4.5
    );

    env.cmd()
        .args([
            "events",
            "checkout",
            "--cart-id",
            "c-9",
            "--email",
            "ck@example.com",
        ])
        .args([
            "--checkout-url",
            "u",
            "--created-at",
            "t",
            "--item",
            "SKU-1,two",
        ])
        .assert()
        .code(2);
    env.cmd()
        .args(["events", "checkout", "--cart-id", "c-9", "--email", "nope"])
        .args([
            "--checkout-url",
            "u",
            "--created-at",
            "t",
            "--item",
            "S,N,1,1",
        ])
        .assert()
        .code(3);
}

#[test]
fn mail_send_succeeds_and_the_server_refusing_it_is_invalid_input() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["--json", "mail", "send", "--transactional-id", "welcome-1"])
        .args(["--to", "ma@example.com", "--param", "name=Ma"])
        .assert()
        .success();
    let sent = json(out.get_output());
    assert_eq!(sent["report"][0]["to"], "ma@example.com");
    let message_id = sent["report"][0]["message_id"].as_str().unwrap().to_owned();

    let out = env
        .cmd()
        .args(["mail", "status", &message_id])
        .assert()
        .success();
    let status = stdout(out.get_output());
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("delivered ") && l.ends_with(" yes")),
        "{status}"
    );

    // The fake server checks the template id is a UUID: a 400.
    let out = env
        .cmd()
        .args([
            "mail",
            "send",
            "--template-uuid",
            "not-a-uuid",
            "--sender",
            "s@example.com",
        ])
        .args(["--subject", "Hi", "--to", "ma@example.com"])
        .assert()
        .code(3);
    assert!(stderr(out.get_output()).contains("400"));
}

#[test]
fn mail_send_direct_succeeds_and_a_server_error_is_exit_code_8() {
    let env = Env::new();
    let body = env.file("body.html", "<p>Hello</p>");
    env.cmd()
        .args(SEND_DIRECT)
        .arg("--content-file")
        .arg(&body)
        .args(["--to", "dm@example.com"])
        .assert()
        .success();
    assert_eq!(env.server.sent_mail_count(), 1);
    env.server
        .script("POST", "/webhook/mail/send-direct", [Fault::status(503)]);
    env.cmd()
        .args(SEND_DIRECT)
        .args(["--content", "<p>Hi</p>", "--to", "dm@example.com"])
        .assert()
        .code(8);
}

#[test]
fn mail_usage_shows_quotas_and_status_of_an_unknown_message_is_not_found() {
    let env = Env::new();
    let out = env.cmd().args(["mail", "usage"]).assert().success();
    assert!(stdout(out.get_output()).contains("MAX_SEND_MAIL_PER_DAY"));
    env.server
        .script("POST", "/webhook/mail/usage", [Fault::status(401)]);
    env.cmd().args(["mail", "usage"]).assert().code(4);
    env.cmd()
        .args(["mail", "status", "<0000@mock.cocoonmail.test>"])
        .assert()
        .code(5);
}

#[test]
fn verify_rates_an_address_and_refuses_a_malformed_one() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["verify", "ve@example.com"])
        .assert()
        .success();
    assert_eq!(stdout(out.get_output()), "ve@example.com: safe\n");
    let out = env
        .cmd()
        .args(["--json", "verify", "nope"])
        .assert()
        .code(3);
    assert_eq!(json(out.get_output())["error"]["exit_code"], 3);
}

#[test]
fn whatsapp_send_and_status_succeed_and_fail_with_their_codes() {
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            "--json",
            "whatsapp",
            "send",
            "--from",
            "+15550100",
            "--to",
            "+447700900123",
        ])
        .args(["--template", "order_update", "--language", "en"])
        .assert()
        .success();
    let message_id = json(out.get_output())["report"][0]["message_id"]
        .as_str()
        .unwrap()
        .to_owned();
    env.cmd()
        .args(["whatsapp", "status", &message_id])
        .assert()
        .success();
    env.cmd()
        .args(["whatsapp", "status", "wamid.unknown"])
        .assert()
        .code(5);
    // The fake server checks the number's form: a 400.
    env.cmd()
        .args(["whatsapp", "send", "--from", "+15550100", "--to", "12"])
        .args(["--text", "hi"])
        .assert()
        .code(3);
}

#[test]
fn otp_send_keeps_leading_zeros_and_refuses_letters() {
    let env = Env::new();
    env.cmd()
        .args(SEND_OTP)
        .args(["--email", "ot@example.com", "--code", "004217"])
        .assert()
        .success();
    let body = env
        .server
        .journal()
        .iter()
        .find(|e| e.path == "/webhook/otp/send")
        .and_then(|e| e.json())
        .unwrap();
    assert_eq!(body["otp"], "004217");
    env.cmd()
        .args(SEND_OTP)
        .args(["--email", "ot@example.com", "--code", "42a"])
        .assert()
        .code(3);
}

#[test]
fn completions_are_printed_for_bash_zsh_and_fish() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = env
            .cmd()
            .env_remove("COCOONMAIL_API_KEY")
            .args(["completions", shell])
            .assert()
            .success();
        let script = stdout(out.get_output());
        assert!(script.contains("cocoonmail"), "{shell}");
        assert!(script.contains("import"), "{shell}");
    }
    env.cmd().args(["completions", "tcsh"]).assert().code(2);
    assert!(env.server.journal().is_empty());
}

#[test]
fn help_shows_examples_and_the_exit_codes() {
    let env = Env::new();
    let out = env.cmd().arg("--help").assert().success();
    let help = stdout(out.get_output());
    assert!(help.contains("Exit codes:"), "{help}");
    assert!(help.contains("130  stopped by Ctrl-C"));
    let out = env
        .cmd()
        .args(["import", "events", "--help"])
        .assert()
        .success();
    let help = stdout(out.get_output());
    assert!(help.contains("Examples:") && help.contains("--resend-uncertain"));
    env.cmd().arg("--no-such-flag").assert().code(2);
}

#[test]
fn data_files_of_every_kind_are_sent_as_written_and_refusals_name_the_place() {
    let env = Env::new();
    let sent = [
        (
            ["mail", "send"],
            json!({"transactional_id": "welcome-1", "to": [{"email": "da@example.com", "age": 30}],
                   "attachments": [{"filename": "a.txt", "contentType": "text/plain", "data": "aGk="}]}),
        ),
        (
            ["mail", "send-direct"],
            json!({"email_content": "<p>Hi</p>", "sender": "s@example.com", "subject": "Hi",
                   "to": [{"email": "da@example.com", "name": "Da"}]}),
        ),
        (
            ["whatsapp", "send"],
            json!({"from_number": "+15550100", "type": "text", "content": {"body": "hi"},
                   "recipient": [{"whatsapp_number": "+447700900123"}]}),
        ),
        (
            ["otp", "send"],
            json!({"template_uuid": "7d1e5c2a-0000-4000-8000-000000000001",
                   "to": {"email": ["da@example.com"]}, "otp": "0042"}),
        ),
        (
            ["events", "checkout"],
            json!({"data": {"cart_id": "c-1", "customer": {"email": "da@example.com"},
                   "cart_items": [{"sku": "S", "name": "N", "quantity": 1, "price": 0.1}],
                   "checkout_url": "https://shop.example.com/c/1",
                   "created_at": "2024-05-01T10:00:00Z"}}),
        ),
    ];
    for (i, (command, body)) in sent.iter().enumerate() {
        let data = env.file(&format!("ok{i}.json"), &body.to_string());
        env.cmd()
            .args(command)
            .arg("--data")
            .arg(&data)
            .assert()
            .success();
        let journal = env.server.journal();
        let wire = journal.last().and_then(|e| e.json()).unwrap();
        for (key, value) in body.as_object().unwrap() {
            assert_eq!(
                &wire[key], value,
                "{command:?}: `{key}` was not sent as written"
            );
        }
    }

    let before = env.server.journal().len();
    let refused = [
        (
            ["mail", "send"],
            r#"{"transactional_id": "t", "to": []}"#,
            "to: at least one recipient",
        ),
        (
            ["mail", "send"],
            r#"{"transactional_id": "t", "to": [{"email": "a@x.io", "age": "da.private@example.com"}]}"#,
            "to[0].age: invalid type: a string",
        ),
        (
            ["whatsapp", "send"],
            r#"{"from_number": "+1", "type": "template", "content": {"template_name": "t"}, "recipient": [{"whatsapp_number": "+2"}]}"#,
            "content: missing field `template_language`",
        ),
        (
            ["otp", "send"],
            r#"{"template_uuid": "t", "to": {"email": ["a@x.io"]}, "otp": "12a"}"#,
            "otp: must hold only the digits",
        ),
        (
            ["events", "checkout"],
            r#"{"data": {"cart_id": "c", "customer": {"email": "da.private-at-example.com"}, "cart_items": [], "checkout_url": "u", "created_at": "t"}}"#,
            "data.customer.email: is not an email address",
        ),
        (
            ["contacts", "update"],
            r#"{"email": "a@x.io", "teamId": "t"}"#,
            "teamId: is reserved",
        ),
    ];
    for (i, (command, body, expected)) in refused.iter().enumerate() {
        let data = env.file(&format!("bad{i}.json"), body);
        let out = env
            .cmd()
            .args(command)
            .arg("--data")
            .arg(&data)
            .assert()
            .code(3);
        let text = stderr(out.get_output());
        assert!(text.contains(expected), "{command:?}: {text}");
        assert!(
            !text.contains("da.private"),
            "{command:?} repeated an address: {text}"
        );
    }
    assert_eq!(
        env.server.journal().len(),
        before,
        "a refused file sent something"
    );
}

#[test]
fn burst_lets_an_idle_command_send_at_once_and_an_impossible_burst_sends_nothing() {
    let env = Env::new();
    env.cmd()
        .args(["--burst", "10", "key", "validate"])
        .assert()
        .success();
    for bad in ["0", "11"] {
        let out = env
            .cmd()
            .args(["--burst", bad, "key", "validate"])
            .assert()
            .failure();
        let text = stderr(out.get_output());
        assert!(text.contains("burst"), "--burst {bad}: {text}");
    }
    assert_eq!(
        env.server.journal().len(),
        1,
        "nothing sent with an impossible burst"
    );
}

//! The fake server's journal seen through the SDK: a call the client gave up on, and an
//! answer lost after the server applied the request, both show what the server did.

#[macro_use]
mod support;

use std::time::Duration;

use cocoon_mock::{Fault, MockServer, Operation, Outcome, RateLimit};
use cocoonmail::contacts::UpdateContact;
use cocoonmail::events::SendEvent;
use support::{fast_retries, quick};

/// Generous: bounds a broken server only.
const SETTLE: Duration = Duration::from_secs(20);

both_clients!(
    a_call_given_up_mid_request_shows_as_abandoned_but_applied,
    |builder| {
        // The server answers after 800 ms; the client's deadline is 200 ms.
        let server = MockServer::builder()
            .rate_limit(RateLimit::Off)
            .latency(Duration::from_millis(800))
            .start()
            .unwrap();
        let client = quick(builder(), &server)
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let error = call!(client
            .events()
            .send(SendEvent::simple("signup", "ada@example.com")))
        .unwrap_err();
        assert!(error.status().is_none(), "{error}");

        let journal = server.settled_journal(SETTLE).unwrap();
        assert_eq!(journal.len(), 1, "a send is not resent after a timeout");
        assert_eq!(journal[0].operation, Some(Operation::SendEvent));
        assert_eq!(journal[0].outcome, Outcome::Abandoned);
        assert_eq!(journal[0].handled, Some(201));
        assert_eq!(server.events().len(), 1, "the server applied it");
    }
);

both_clients!(
    an_answer_lost_after_the_write_is_not_resent_for_a_send,
    |builder| {
        let server = support::mock();
        let client = quick(builder(), &server)
            .retry_policy(fast_retries(3))
            .build()
            .unwrap();
        server.script_operation(Operation::SendEvent, [Fault::ApplyThenDrop]);
        let error = call!(client
            .events()
            .send(SendEvent::simple("signup", "ada@example.com")))
        .unwrap_err();
        assert!(error.status().is_none(), "{error}");
        let journal = server.settled_journal(SETTLE).unwrap();
        assert_eq!(journal.len(), 1);
        assert_eq!(journal[0].outcome, Outcome::Dropped);
        assert!(journal[0].was_applied());
        assert_eq!(server.events().len(), 1);
    }
);

both_clients!(
    an_answer_lost_after_the_write_is_retried_for_an_upsert,
    |builder| {
        let server = support::mock();
        let client = quick(builder(), &server)
            .retry_policy(fast_retries(3))
            .build()
            .unwrap();
        server.script_operation(Operation::UpdateContact, [Fault::ApplyThenDrop]);
        call!(client
            .contacts()
            .update(UpdateContact::by_email("ada@example.com")))
        .unwrap();
        let journal = server.settled_journal(SETTLE).unwrap();
        let outcomes: Vec<_> = journal.iter().map(|e| (e.outcome, e.handled)).collect();
        assert!(
            matches!(outcomes[0], (Outcome::Dropped, Some(200 | 201))),
            "{outcomes:?}"
        );
        assert!(
            matches!(outcomes[1].0, Outcome::Answered(200 | 201)),
            "{outcomes:?}"
        );
        assert_eq!(server.contacts().len(), 1);
    }
);

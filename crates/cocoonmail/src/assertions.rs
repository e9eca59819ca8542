//! Compile-time promises: the clients, their builders, the limiters and `Error` can be sent
//! and shared between threads and held in `'static` places; the futures of the async client's
//! calls are `Send`, so they can be spawned on a multi-threaded runtime. A change that broke
//! one would not compile.

#![allow(dead_code)]

use cocoon_core::Error;

use crate::builder::{Async, Blocking, ClientBuilder};
use crate::limiter::LocalLimiter;

fn send_sync_static<T: Send + Sync + 'static>() {}

fn send<T: Send>(_: &T) {}

const _: fn() = || {
    send_sync_static::<crate::Client>();
    send_sync_static::<crate::blocking::Client>();
    send_sync_static::<ClientBuilder<Async>>();
    send_sync_static::<ClientBuilder<Blocking>>();
    send_sync_static::<Error>();
    send_sync_static::<LocalLimiter>();
    send_sync_static::<crate::StopHandle>();
};

fn call_futures_are_send(client: &crate::Client, event: cocoon_core::events::SendEvent) {
    send(&client.send(event.clone()));
    send(&client.events().send(event));
    send(&client.keys().validate());
    send(
        &client
            .contacts()
            .find(cocoon_core::contacts::ContactRef::email("a@example.com")),
    );
}

//! Events (API.md §4.6 and §4.7).
//!
//! | request | route |
//! | --- | --- |
//! | [`SendEvent`] | `POST /webhook/event/send` |
//! | [`CheckoutEvent`] | `POST /webhook/event/checkout` |
//!
//! Both routes are documented. [`SendEvent`] supports the two documented body shapes: the
//! simple one of the production reference ([`SimpleEvent`]: `event_name`, `email`, optional
//! `event_attribute` and further top-level properties) and the structured one of the staging
//! reference ([`StructuredEvent`]: a `contact` and an `event` object).

mod checkout;
mod send;

#[cfg(test)]
mod tests;

pub use checkout::{CartItem, CheckoutCustomer, CheckoutEvent, CheckoutEventResponse};
pub use send::{
    Event, EventContact, SendEvent, SendEventResponse, SimpleEvent, StructuredEvent,
    SIMPLE_EVENT_FIELDS,
};

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

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::endpoint::{json_body, Endpoint, Target};
use crate::error::{Error, InvalidInput};
use crate::route::Operation;
use crate::wire::{check_email, check_not_blank};

/// The keys of the simple event body that extra properties may not reuse.
pub const SIMPLE_EVENT_FIELDS: &[&str] = &["event_name", "email", "event_attribute"];

/// `POST /webhook/event/send`: records an event for a contact (creating the contact when it
/// does not exist), in one of the two documented body shapes.
///
/// Answered by [`SendEventResponse`]. Sending is not idempotent: a failed send is retried only
/// when the server certainly did not receive it.
///
/// ```
/// use cocoon_core::events::{Event, EventContact, SendEvent, SimpleEvent};
/// use cocoon_core::{build_request, ApiKey, Config};
/// let config = Config::new(ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?);
///
/// // The simple shape.
/// let signup = SendEvent::simple("signup", "ada@example.com");
/// let request = build_request(&config, &signup)?;
/// assert_eq!(request.uri().path(), "/webhook/event/send");
/// assert_eq!(request.body().as_slice(), br#"{"event_name":"signup","email":"ada@example.com"}"#);
///
/// // The simple shape with an attribute and an extra top-level property.
/// let upgrade = SendEvent::from(
///     SimpleEvent::new("upgrade", "ada@example.com").event_attribute("annual").property("plan", "pro"),
/// );
/// let request = build_request(&config, &upgrade)?;
/// assert_eq!(
///     request.body().as_slice(),
///     br#"{"event_name":"upgrade","email":"ada@example.com","event_attribute":"annual","plan":"pro"}"#
/// );
///
/// // The structured shape.
/// let cart = SendEvent::structured(
///     EventContact::new("ada@example.com").name("Ada"),
///     Event::new("ABANDONED_CART").data_entry("total", 42),
/// );
/// let request = build_request(&config, &cart)?;
/// assert_eq!(
///     request.body().as_slice(),
///     br#"{"contact":{"name":"Ada","email":"ada@example.com"},"event":{"code":"ABANDONED_CART","data":{"total":42}}}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[must_use]
pub enum SendEvent {
    /// `{"event_name", "email", "event_attribute"?, ...extra properties}`.
    Simple(SimpleEvent),
    /// `{"contact": {...}, "event": {...}}`.
    Structured(StructuredEvent),
}

impl SendEvent {
    /// A simple event named `event_name` for the contact `email`, with nothing else. Build a
    /// [`SimpleEvent`] for an attribute or extra properties.
    pub fn simple(event_name: impl Into<String>, email: impl Into<String>) -> Self {
        SendEvent::Simple(SimpleEvent::new(event_name, email))
    }

    /// A structured event for `contact`.
    pub fn structured(contact: EventContact, event: Event) -> Self {
        SendEvent::Structured(StructuredEvent::new(contact, event))
    }
}

impl From<SimpleEvent> for SendEvent {
    fn from(event: SimpleEvent) -> Self {
        SendEvent::Simple(event)
    }
}

impl From<StructuredEvent> for SendEvent {
    fn from(event: StructuredEvent) -> Self {
        SendEvent::Structured(event)
    }
}

impl Endpoint for SendEvent {
    type Output = SendEventResponse;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::SendEvent)
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        match self {
            SendEvent::Simple(event) => event.validate(),
            SendEvent::Structured(event) => event.validate(),
        }
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        json_body(self)
    }
}

/// The simple event shape: `{"event_name", "email", "event_attribute"?}` plus extra contact or
/// event properties as further top-level keys.
///
/// An extra property may not be named like one of [`SIMPLE_EVENT_FIELDS`], nor be empty:
/// such a request is refused before sending, with the property's name as the field. Extra
/// properties are sent in name order. Note that `serde_json` turns a NaN or infinite `f64`
/// into `null` when converting it to a [`Value`].
///
/// ```
/// use cocoon_core::events::{SendEvent, SimpleEvent};
/// use cocoon_core::{build_request, ApiKey, Config, Error};
/// let config = Config::new(ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?);
/// let clash = SendEvent::from(SimpleEvent::new("signup", "ada@example.com").property("email", "x@y.z"));
/// match build_request(&config, &clash) {
///     Err(Error::InvalidInput(e)) => assert_eq!(e.field, "email"),
///     other => panic!("not refused: {other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct SimpleEvent {
    event_name: String,
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    event_attribute: Option<String>,
    #[serde(flatten)]
    properties: BTreeMap<String, Value>,
}

impl SimpleEvent {
    /// The event `event_name` for the contact `email`.
    pub fn new(event_name: impl Into<String>, email: impl Into<String>) -> Self {
        SimpleEvent {
            event_name: event_name.into(),
            email: email.into(),
            event_attribute: None,
            properties: BTreeMap::new(),
        }
    }

    /// Sets `event_attribute`.
    pub fn event_attribute(mut self, attribute: impl Into<String>) -> Self {
        self.event_attribute = Some(attribute.into());
        self
    }

    /// Adds the top-level property `name` (a contact or event property).
    pub fn property(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.properties.insert(name.into(), value.into());
        self
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        check_not_blank("event_name", &self.event_name)?;
        check_email("email", &self.email)?;
        for name in self.properties.keys() {
            if name.trim().is_empty() {
                return Err(InvalidInput::new(
                    "event property",
                    "an extra event property name must not be empty",
                ));
            }
            if SIMPLE_EVENT_FIELDS.contains(&name.as_str()) {
                return Err(InvalidInput::new(
                    name.clone(),
                    "an extra property would collide with the event's own field of that name",
                ));
            }
        }
        Ok(())
    }
}

/// The structured event shape: `{"contact": {...}, "event": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct StructuredEvent {
    contact: EventContact,
    event: Event,
}

impl StructuredEvent {
    /// `event` for `contact`.
    pub fn new(contact: EventContact, event: Event) -> Self {
        StructuredEvent { contact, event }
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        check_email("contact.email", &self.contact.email)?;
        if let Some(number) = &self.contact.whatsapp_number {
            check_not_blank("contact.whatsapp_number", number)?;
        }
        check_not_blank("event.code", &self.event.code)
    }
}

/// The `contact` of a [`StructuredEvent`]: `{"name"?, "email", "whatsapp_number"?}`.
///
/// ```
/// use cocoon_core::events::EventContact;
/// let contact = EventContact::new("ada@example.com").whatsapp_number("+15550100");
/// assert_eq!(
///     serde_json::to_string(&contact)?,
///     r#"{"email":"ada@example.com","whatsapp_number":"+15550100"}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[must_use]
pub struct EventContact {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    whatsapp_number: Option<String>,
}

impl EventContact {
    /// The contact with this email.
    pub fn new(email: impl Into<String>) -> Self {
        EventContact {
            name: None,
            email: email.into(),
            whatsapp_number: None,
        }
    }

    /// Sets `name`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets `whatsapp_number` (international format, e.g. `+15550100`).
    pub fn whatsapp_number(mut self, number: impl Into<String>) -> Self {
        self.whatsapp_number = Some(number.into());
        self
    }
}

/// The `event` of a [`StructuredEvent`]: `{"code", "name"?, "data"?}`.
///
/// `data` entries are sent in key order; `data` is left out when empty.
///
/// ```
/// use cocoon_core::events::Event;
/// let event = Event::new("ORDER_SHIPPED").name("Order shipped").data_entry("order", "A-17");
/// assert_eq!(
///     serde_json::to_string(&event)?,
///     r#"{"code":"ORDER_SHIPPED","name":"Order shipped","data":{"order":"A-17"}}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct Event {
    code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    data: BTreeMap<String, Value>,
}

impl Event {
    /// The event with this code (e.g. `ABANDONED_CART`).
    pub fn new(code: impl Into<String>) -> Self {
        Event {
            code: code.into(),
            name: None,
            data: BTreeMap::new(),
        }
    }

    /// Sets `name`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Replaces `data` with `data`.
    pub fn data(mut self, data: serde_json::Map<String, Value>) -> Self {
        self.data = data.into_iter().collect();
        self
    }

    /// Adds the entry `key` to `data`.
    pub fn data_entry(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.data.insert(key.into(), value.into());
        self
    }
}

/// The answer to [`SendEvent`] (201): `success` and the event's `id`.
pub type SendEventResponse = crate::answers::IdAcknowledgement;

/// `POST /webhook/event/checkout`: reports an abandoned cart.
///
/// The body is `{"event": "abandoned_cart", "data": {...}}`; `event` is always
/// `abandoned_cart` and cannot be changed. The cart must hold at least one [`CartItem`].
/// Answered by [`CheckoutEventResponse`].
///
/// ```
/// use cocoon_core::events::{CartItem, CheckoutCustomer, CheckoutEvent};
/// use cocoon_core::{build_request, ApiKey, Config};
/// let config = Config::new(ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?);
/// let checkout = CheckoutEvent::new(
///     "cart-9",
///     CheckoutCustomer::new("ada@example.com").first_name("Ada"),
///     "https://shop.example.com/checkout/cart-9",
///     "2024-05-01T10:00:00Z",
/// )
/// .item(CartItem::new("SKU-1", "Notebook", 2, 4.5));
/// let request = build_request(&config, &checkout)?;
/// assert_eq!(request.uri().path(), "/webhook/event/checkout");
/// assert!(request.body().starts_with(br#"{"event":"abandoned_cart","data":{"cart_id":"cart-9""#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct CheckoutEvent {
    event: AbandonedCart,
    data: CheckoutData,
}

/// The fixed `event` of a checkout: `"abandoned_cart"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct AbandonedCart;

impl Serialize for AbandonedCart {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("abandoned_cart")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct CheckoutData {
    cart_id: String,
    customer: CheckoutCustomer,
    cart_items: Vec<CartItem>,
    checkout_url: String,
    created_at: String,
}

impl CheckoutEvent {
    /// The abandoned cart `cart_id` of `customer`, resumable at `checkout_url`, created at
    /// `created_at` (an ISO-8601 timestamp, sent as given). Add its items with
    /// [`CheckoutEvent::item`].
    pub fn new(
        cart_id: impl Into<String>,
        customer: CheckoutCustomer,
        checkout_url: impl Into<String>,
        created_at: impl Into<String>,
    ) -> Self {
        CheckoutEvent {
            event: AbandonedCart,
            data: CheckoutData {
                cart_id: cart_id.into(),
                customer,
                cart_items: Vec::new(),
                checkout_url: checkout_url.into(),
                created_at: created_at.into(),
            },
        }
    }

    /// Adds an item to the cart.
    pub fn item(mut self, item: CartItem) -> Self {
        self.data.cart_items.push(item);
        self
    }

    /// Adds items to the cart.
    pub fn items(mut self, items: impl IntoIterator<Item = CartItem>) -> Self {
        self.data.cart_items.extend(items);
        self
    }
}

impl Endpoint for CheckoutEvent {
    type Output = CheckoutEventResponse;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::CheckoutEvent)
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        let data = &self.data;
        check_not_blank("data.cart_id", &data.cart_id)?;
        check_email("data.customer.email", &data.customer.email)?;
        if data.cart_items.is_empty() {
            return Err(InvalidInput::new(
                "data.cart_items",
                "an abandoned cart needs at least one item",
            ));
        }
        for (i, item) in data.cart_items.iter().enumerate() {
            check_not_blank(format!("data.cart_items[{i}].sku"), &item.sku)?;
            if !item.price.is_finite() {
                return Err(InvalidInput::new(
                    format!("data.cart_items[{i}].price"),
                    format!(
                        "{} is not a finite number (JSON has no NaN or infinity)",
                        item.price
                    ),
                ));
            }
        }
        check_not_blank("data.checkout_url", &data.checkout_url)?;
        check_not_blank("data.created_at", &data.created_at)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        json_body(self)
    }
}

/// The `customer` of a [`CheckoutEvent`]: `{"first_name"?, "last_name"?, "email", "phone"?}`.
///
/// ```
/// use cocoon_core::events::CheckoutCustomer;
/// let customer = CheckoutCustomer::new("ada@example.com").last_name("Lovelace").phone("+15550100");
/// assert_eq!(
///     serde_json::to_string(&customer)?,
///     r#"{"last_name":"Lovelace","email":"ada@example.com","phone":"+15550100"}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[must_use]
pub struct CheckoutCustomer {
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<String>,
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
}

impl CheckoutCustomer {
    /// The customer with this email.
    pub fn new(email: impl Into<String>) -> Self {
        CheckoutCustomer {
            first_name: None,
            last_name: None,
            email: email.into(),
            phone: None,
        }
    }

    /// Sets `first_name`.
    pub fn first_name(mut self, first_name: impl Into<String>) -> Self {
        self.first_name = Some(first_name.into());
        self
    }

    /// Sets `last_name`.
    pub fn last_name(mut self, last_name: impl Into<String>) -> Self {
        self.last_name = Some(last_name.into());
        self
    }

    /// Sets `phone`.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }
}

/// One line of a [`CheckoutEvent`]'s cart: `{"sku", "name", "quantity", "price"}`.
///
/// `price` is an `f64` sent as a JSON number (shortest form that reads back the same, so
/// `19.99` travels as `19.99`); NaN and infinities are refused before sending.
///
/// ```
/// use cocoon_core::events::CartItem;
/// let item = CartItem::new("SKU-1", "Notebook", 3, 19.99);
/// assert_eq!(
///     serde_json::to_string(&item)?,
///     r#"{"sku":"SKU-1","name":"Notebook","quantity":3,"price":19.99}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct CartItem {
    sku: String,
    name: String,
    quantity: u32,
    price: f64,
}

impl CartItem {
    /// `quantity` units of the product `sku` named `name`, at `price` each.
    pub fn new(sku: impl Into<String>, name: impl Into<String>, quantity: u32, price: f64) -> Self {
        CartItem {
            sku: sku.into(),
            name: name.into(),
            quantity,
            price,
        }
    }
}

/// The answer to [`CheckoutEvent`]: `success` and `message`, e.g.
/// `"Event processed successfully"`.
pub type CheckoutEventResponse = crate::answers::Acknowledgement;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{answer, config, wire};
    use serde_json::json;

    fn refused_field<E: Endpoint>(endpoint: &E) -> String {
        match crate::build_request(&config(), endpoint) {
            Err(Error::InvalidInput(e)) => e.field.into_owned(),
            other => panic!("not refused: {other:?}"),
        }
    }

    fn cart() -> CheckoutEvent {
        CheckoutEvent::new(
            "cart-9",
            CheckoutCustomer::new("ada@example.com")
                .first_name("Ada")
                .last_name("Lovelace")
                .phone("+15550100"),
            "https://shop.example.com/checkout/cart-9",
            "2024-05-01T10:00:00.000Z",
        )
    }

    #[test]
    fn simple_event_sends_the_documented_body() {
        let event = SendEvent::from(
            SimpleEvent::new("signup", "a+b@example.com")
                .event_attribute("from-landing-page")
                .property("plan", "pro")
                .property("firstName", "Ada")
                .property("seats", 3)
                .property("meta", json!({"ref": "x"})),
        );
        let sent = wire(&event);
        assert_eq!(sent.method, "POST");
        assert_eq!(sent.path, "/webhook/event/send");
        assert_eq!(
            sent.body,
            concat!(
                r#"{"event_name":"signup","email":"a+b@example.com","#,
                r#""event_attribute":"from-landing-page","#,
                r#""firstName":"Ada","meta":{"ref":"x"},"plan":"pro","seats":3}"#
            )
        );
        let minimal = SendEvent::simple("signup", "a@example.com");
        assert_eq!(
            wire(&minimal).body,
            r#"{"event_name":"signup","email":"a@example.com"}"#
        );
    }

    #[test]
    fn structured_event_sends_contact_and_event_objects() {
        let event = SendEvent::structured(
            EventContact::new("ada@example.com")
                .name("Ada")
                .whatsapp_number("+15550100"),
            Event::new("ABANDONED_CART")
                .name("Abandoned cart")
                .data_entry("total", 42.5)
                .data_entry("items", json!(["SKU-1"])),
        );
        let sent = wire(&event);
        assert_eq!(sent.path, "/webhook/event/send");
        assert_eq!(
            sent.body,
            concat!(
                r#"{"contact":{"name":"Ada","email":"ada@example.com","whatsapp_number":"+15550100"},"#,
                r#""event":{"code":"ABANDONED_CART","name":"Abandoned cart","#,
                r#""data":{"items":["SKU-1"],"total":42.5}}}"#
            )
        );
        let mut data = serde_json::Map::new();
        data.insert("b".into(), json!(1));
        data.insert("a".into(), json!(null));
        let event = SendEvent::from(StructuredEvent::new(
            EventContact::new("c@example.com"),
            Event::new("X").data(data),
        ));
        assert_eq!(
            serde_json::from_str::<Value>(&wire(&event).body).unwrap(),
            json!({"contact": {"email": "c@example.com"}, "event": {"code": "X", "data": {"a": null, "b": 1}}})
        );
    }

    #[test]
    fn send_event_answer_decodes() {
        let event = SendEvent::simple("signup", "a@example.com");
        let out = answer(
            &event,
            201,
            r#"{"success": true, "id": "0b6c8a0e-2f7e-4c39-9a7e-3c1f0f1d2e3a"}"#,
        )
        .unwrap();
        assert_eq!(out.success, Some(true));
        assert_eq!(
            out.id.as_deref(),
            Some("0b6c8a0e-2f7e-4c39-9a7e-3c1f0f1d2e3a")
        );
        let out = answer(&event, 201, r#"{"id": 5, "unknown": true}"#).unwrap();
        assert_eq!(out.success, None);
        assert_eq!(out.id.as_deref(), Some("5"));
        let err = answer(&event, 200, r#"{"success": false, "message": "bad event"}"#).unwrap_err();
        assert!(matches!(err, Error::Api(_)), "{err:?}");
    }

    #[test]
    fn extra_keys_colliding_with_event_fields_are_refused() {
        for key in ["email", "event_name", "event_attribute"] {
            let event =
                SendEvent::from(SimpleEvent::new("signup", "a@example.com").property(key, "x"));
            assert_eq!(refused_field(&event), key);
        }
        let event = SendEvent::from(SimpleEvent::new("signup", "a@example.com").property("", 1));
        assert_eq!(refused_field(&event), "event property");
    }

    #[test]
    fn events_with_missing_required_values_are_refused() {
        assert_eq!(
            refused_field(&SendEvent::simple("", "a@example.com")),
            "event_name"
        );
        assert_eq!(refused_field(&SendEvent::simple("signup", "nope")), "email");
        assert_eq!(
            refused_field(&SendEvent::structured(
                EventContact::new(""),
                Event::new("X")
            )),
            "contact.email"
        );
        assert_eq!(
            refused_field(&SendEvent::structured(
                EventContact::new("a@example.com"),
                Event::new(" ")
            )),
            "event.code"
        );
        assert_eq!(
            refused_field(&SendEvent::structured(
                EventContact::new("a@example.com").whatsapp_number(""),
                Event::new("X")
            )),
            "contact.whatsapp_number"
        );
    }

    #[test]
    fn checkout_sends_the_documented_body_with_a_fixed_event() {
        let checkout = cart()
            .item(CartItem::new("SKU-1", "Notebook", 2, 4.5))
            .items([CartItem::new("SKU-2", "Pen", 1, 19.99)]);
        let sent = wire(&checkout);
        assert_eq!(sent.method, "POST");
        assert_eq!(sent.path, "/webhook/event/checkout");
        assert_eq!(
            sent.body,
            concat!(
                r#"{"event":"abandoned_cart","data":{"cart_id":"cart-9","#,
                r#""customer":{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","phone":"+15550100"},"#,
                r#""cart_items":[{"sku":"SKU-1","name":"Notebook","quantity":2,"price":4.5},"#,
                r#"{"sku":"SKU-2","name":"Pen","quantity":1,"price":19.99}],"#,
                r#""checkout_url":"https://shop.example.com/checkout/cart-9","#,
                r#""created_at":"2024-05-01T10:00:00.000Z"}}"#
            )
        );
        let out = answer(
            &checkout,
            200,
            r#"{"success": true, "message": "Event processed successfully"}"#,
        )
        .unwrap();
        assert_eq!(out.success, Some(true));
        assert_eq!(out.message.as_deref(), Some("Event processed successfully"));
        assert_eq!(
            answer(&checkout, 200, "{}").unwrap(),
            CheckoutEventResponse::default()
        );
    }

    #[test]
    fn checkout_refuses_non_finite_prices_and_empty_carts() {
        for price in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let checkout = cart()
                .item(CartItem::new("SKU-1", "Notebook", 1, 1.0))
                .item(CartItem::new("SKU-2", "Pen", 1, price));
            assert_eq!(refused_field(&checkout), "data.cart_items[1].price");
        }
        assert_eq!(refused_field(&cart()), "data.cart_items");
        assert_eq!(
            refused_field(&cart().item(CartItem::new("", "Pen", 1, 1.0))),
            "data.cart_items[0].sku"
        );
        let no_email =
            CheckoutEvent::new("c", CheckoutCustomer::new(""), "https://x", "2024-05-01")
                .item(CartItem::new("S", "N", 1, 1.0));
        assert_eq!(refused_field(&no_email), "data.customer.email");
        let no_url = CheckoutEvent::new("c", CheckoutCustomer::new("a@x.io"), "", "2024-05-01")
            .item(CartItem::new("S", "N", 1, 1.0));
        assert_eq!(refused_field(&no_url), "data.checkout_url");
    }
}

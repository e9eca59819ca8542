//! `POST /webhook/event/checkout`: an abandoned cart.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::checked::checked_request;
use crate::endpoint::{json_body, Endpoint, Target};
use crate::error::{Error, InvalidInput};
use crate::route::Operation;
use crate::setters::text_setters;
use crate::wire::{check_email, check_not_blank};

checked_request! {
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CheckoutEventJson")]
#[must_use]
pub struct CheckoutEvent via CheckoutEventJson
twin {
    #[serde(deny_unknown_fields)]
}
{
    /// May be left out of JSON: it can only be `"abandoned_cart"`.
    #[serde(default)]
    event: AbandonedCart,
    data: CheckoutData,
}
}

/// The fixed `event` of a checkout: `"abandoned_cart"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct AbandonedCart;

impl<'de> Deserialize<'de> for AbandonedCart {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match String::deserialize(deserializer)?.as_str() {
            "abandoned_cart" => Ok(AbandonedCart),
            _ => Err(serde::de::Error::custom(
                "a checkout's `event` can only be \"abandoned_cart\"",
            )),
        }
    }
}

impl Serialize for AbandonedCart {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("abandoned_cart")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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

    text_setters! {
        /// Sets `first_name`.
        first_name,
        /// Sets `last_name`.
        last_name,
        /// Sets `phone`.
        phone,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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

//! The parts of requests that flags, `--data` files and import rows all give: built one way.

use cocoonmail::contacts::{CreateContact, UpdateContact};
use cocoonmail::events::{SendEvent, SimpleEvent};
use cocoonmail::otp::OtpSender;
use cocoonmail::properties::{PropertyName, PropertyValue};
use serde_json::Value;

/// A builder method setting a text field.
pub(crate) type SetText<T> = fn(T, String) -> T;

/// The contact fields a create and an upsert share.
#[derive(Debug, Default)]
pub(crate) struct ContactFields {
    pub(crate) first_name: Option<String>,
    pub(crate) last_name: Option<String>,
    pub(crate) source: Option<String>,
    pub(crate) user_group: Option<String>,
    pub(crate) subscribed: Option<bool>,
    /// Mailing list id, and whether the contact is subscribed to it.
    pub(crate) lists: Vec<(String, bool)>,
    pub(crate) properties: Vec<(PropertyName, PropertyValue)>,
}

/// The setters [`CreateContact`] and [`UpdateContact`] both have.
pub(crate) trait ContactSetters: Sized {
    fn set_first_name(self, value: String) -> Self;
    fn set_last_name(self, value: String) -> Self;
    fn set_source(self, value: String) -> Self;
    fn set_user_group(self, value: String) -> Self;
    fn set_subscribed(self, value: bool) -> Self;
    fn set_list(self, id: String, subscribed: bool) -> Self;
    fn set_property(self, name: PropertyName, value: PropertyValue) -> Self;
}

macro_rules! contact_setters {
    ($($request:ty),*) => {$(
        impl ContactSetters for $request {
            fn set_first_name(self, value: String) -> Self {
                self.first_name(value)
            }
            fn set_last_name(self, value: String) -> Self {
                self.last_name(value)
            }
            fn set_source(self, value: String) -> Self {
                self.source(value)
            }
            fn set_user_group(self, value: String) -> Self {
                self.user_group(value)
            }
            fn set_subscribed(self, value: bool) -> Self {
                self.subscribed(value)
            }
            fn set_list(self, id: String, subscribed: bool) -> Self {
                if subscribed {
                    self.subscribe_to(id)
                } else {
                    self.unsubscribe_from(id)
                }
            }
            fn set_property(self, name: PropertyName, value: PropertyValue) -> Self {
                self.property(name, value)
            }
        }
    )*};
}

contact_setters!(CreateContact, UpdateContact);

impl ContactFields {
    /// Sets every field given on `request`.
    pub(crate) fn apply<R: ContactSetters>(self, mut request: R) -> R {
        let texts: [(Option<String>, SetText<R>); 4] = [
            (self.first_name, R::set_first_name),
            (self.last_name, R::set_last_name),
            (self.source, R::set_source),
            (self.user_group, R::set_user_group),
        ];
        for (value, set) in texts {
            if let Some(value) = value {
                request = set(request, value);
            }
        }
        if let Some(subscribed) = self.subscribed {
            request = request.set_subscribed(subscribed);
        }
        for (id, subscribed) in self.lists {
            request = request.set_list(id, subscribed);
        }
        for (name, value) in self.properties {
            request = request.set_property(name, value);
        }
        request
    }
}

/// An event of the simple shape: `event_name`, `email`, `event_attribute` and further
/// properties.
pub(crate) fn simple_event(
    name: String,
    email: String,
    attribute: Option<String>,
    properties: impl IntoIterator<Item = (String, Value)>,
) -> SendEvent {
    let mut event = SimpleEvent::new(name, email);
    if let Some(attribute) = attribute {
        event = event.event_attribute(attribute);
    }
    for (name, value) in properties {
        event = event.property(name, value);
    }
    SendEvent::from(event)
}

/// The OTP's `sender`, when either sender is given.
pub(crate) fn otp_sender(email: Option<String>, whatsapp: Option<String>) -> Option<OtpSender> {
    if email.is_none() && whatsapp.is_none() {
        return None;
    }
    let mut sender = OtpSender::new();
    if let Some(email) = email {
        sender = sender.email_sender(email);
    }
    if let Some(number) = whatsapp {
        sender = sender.whatsapp_sender(number);
    }
    Some(sender)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cocoonmail::Endpoint;

    #[test]
    fn the_same_fields_make_a_create_and_an_upsert() {
        let fields = || ContactFields {
            first_name: Some("Ada".into()),
            subscribed: Some(false),
            lists: vec![("l1".into(), true), ("l2".into(), false)],
            properties: vec![(PropertyName::new("plan").unwrap(), "pro".into())],
            ..ContactFields::default()
        };
        let body = |b: Option<Vec<u8>>| serde_json::from_slice::<Value>(&b.unwrap()).unwrap();
        let create = fields().apply(CreateContact::new("a@x.io"));
        let update = fields().apply(UpdateContact::by_email("a@x.io"));
        assert_eq!(body(create.body().unwrap()), body(update.body().unwrap()));
        assert_eq!(
            body(update.body().unwrap()),
            serde_json::json!({"email": "a@x.io", "firstName": "Ada", "subscribed": false,
                "mailingLists": {"l1": true, "l2": false}, "plan": "pro"})
        );
    }
}

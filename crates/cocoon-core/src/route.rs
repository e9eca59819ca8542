//! The one table of every operation's method and path (API.md §4 and §5).

use std::borrow::Cow;
use std::fmt;

use http::Method;

use crate::error::ConfigError;

/// Whether the vendor documents a route or the SDK inferred it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RouteStatus {
    /// Method and path come from the vendor's API reference.
    Documented,
    /// The vendor names the operation but publishes no path; the SDK follows the documented
    /// `/webhook/<resource>/<action>` convention. Remap it with [`RouteTable::set`] if the
    /// vendor's path turns out different.
    Provisional,
}

macro_rules! operations {
    ($( $(#[$doc:meta])* $variant:ident => $method:ident $path:literal $status:ident $name:literal; )*) => {
        /// Every operation of the Cocoonmail API this SDK models.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Operation {
            $( $(#[$doc])* $variant, )*
        }

        impl Operation {
            /// All operations, in the order of API.md §4.
            pub const ALL: &'static [Operation] = &[$(Operation::$variant),*];

            /// The vendor's route for this operation.
            pub fn default_route(self) -> Route {
                match self {
                    $(Operation::$variant => Route { method: Method::$method, path: Cow::Borrowed($path) },)*
                }
            }

            /// Whether the route is documented or provisional.
            pub const fn status(self) -> RouteStatus {
                match self {
                    $(Operation::$variant => RouteStatus::$status,)*
                }
            }

            /// A short stable name, such as `"mail.send"`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Operation::$variant => $name,)*
                }
            }
        }
    };
}

operations! {
    /// Validate the API key: `GET /webhook/api_key/validate/`.
    ValidateApiKey => GET "/webhook/api_key/validate/" Documented "api_key.validate";
    /// Send a transactional email: `POST /webhook/mail/send`.
    SendMail => POST "/webhook/mail/send" Documented "mail.send";
    /// Send a direct email: `POST /webhook/mail/send-direct`.
    SendDirectMail => POST "/webhook/mail/send-direct" Documented "mail.send_direct";
    /// Read email usage and quotas: `POST /webhook/mail/usage`.
    MailUsage => POST "/webhook/mail/usage" Documented "mail.usage";
    /// Read a sent email's status: `GET /webhook/mail/status`.
    MailStatus => GET "/webhook/mail/status" Documented "mail.status";
    /// Send an event: `POST /webhook/event/send`.
    SendEvent => POST "/webhook/event/send" Documented "event.send";
    /// Send a checkout (abandoned cart) event: `POST /webhook/event/checkout`.
    CheckoutEvent => POST "/webhook/event/checkout" Documented "event.checkout";
    /// Verify an email address: `POST /webhook/email/verify`.
    VerifyEmail => POST "/webhook/email/verify" Documented "email.verify";
    /// Send a WhatsApp message: `POST /webhook/whatsapp_message/send`.
    SendWhatsApp => POST "/webhook/whatsapp_message/send" Documented "whatsapp.send";
    /// Read a WhatsApp message's status: `GET /webhook/whatsapp_message/status`.
    WhatsAppStatus => GET "/webhook/whatsapp_message/status" Documented "whatsapp.status";
    /// Send a one-time password: `POST /webhook/otp/send`.
    SendOtp => POST "/webhook/otp/send" Documented "otp.send";
    /// Create a contact: `POST /webhook/contact/create` (provisional).
    CreateContact => POST "/webhook/contact/create" Provisional "contact.create";
    /// Update or create a contact: `PUT /webhook/contact/update` (provisional).
    UpdateContact => PUT "/webhook/contact/update" Provisional "contact.update";
    /// Find a contact: `GET /webhook/contact/find` (provisional).
    FindContact => GET "/webhook/contact/find" Provisional "contact.find";
    /// Delete a contact: `POST /webhook/contact/delete` (provisional).
    DeleteContact => POST "/webhook/contact/delete" Provisional "contact.delete";
    /// List mailing lists: `GET /webhook/mailing_list/list` (provisional).
    ListMailingLists => GET "/webhook/mailing_list/list" Provisional "mailing_list.list";
    /// List custom contact fields: `GET /webhook/custom_field/list` (provisional).
    ListCustomFields => GET "/webhook/custom_field/list" Provisional "custom_field.list";
}

impl Operation {
    /// Whether a retry after a server error or a lost answer is safe: true for operations that
    /// read, or that leave the same state when repeated. Sends (mail, events, WhatsApp, OTP) and
    /// contact creation and deletion are not.
    pub const fn idempotency(self) -> Idempotency {
        match self {
            Operation::ValidateApiKey
            | Operation::MailUsage
            | Operation::MailStatus
            | Operation::VerifyEmail
            | Operation::WhatsAppStatus
            | Operation::UpdateContact
            | Operation::FindContact
            | Operation::ListMailingLists
            | Operation::ListCustomFields => Idempotency::Idempotent,
            Operation::SendMail
            | Operation::SendDirectMail
            | Operation::SendEvent
            | Operation::CheckoutEvent
            | Operation::SendWhatsApp
            | Operation::SendOtp
            | Operation::CreateContact
            | Operation::DeleteContact => Idempotency::NotIdempotent,
        }
    }

    /// The operation with this [`name`](Self::name), such as `"contact.create"`.
    ///
    /// ```
    /// use cocoon_core::Operation;
    /// assert_eq!(Operation::from_name("contact.create"), Some(Operation::CreateContact));
    /// assert_eq!(Operation::from_name("contact.nope"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL.iter().copied().find(|op| op.name() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether repeating a request could do something twice.
///
/// A yes-or-no property of a request, so the enum is exhaustive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Repeating it is harmless: it reads, or sets the same state again.
    Idempotent,
    /// Repeating it could send an email, a message or an event twice: it is retried only when
    /// the server certainly did not act on it (a 429, or a connection never established).
    NotIdempotent,
}

/// A method and a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    method: Method,
    path: Cow<'static, str>,
}

impl Route {
    /// A route; the path must start with `/` and hold no query or fragment.
    pub fn new(method: Method, path: impl Into<Cow<'static, str>>) -> Result<Self, ConfigError> {
        let path = path.into();
        if !path.starts_with('/') || path.contains(['?', '#']) || path.contains(char::is_whitespace)
        {
            return Err(ConfigError::InvalidRoute(path.into_owned()));
        }
        Ok(Route { method, path })
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path, starting with `/`.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// The route of every operation: the vendor's by default, any of them remappable at run time.
///
/// ```
/// use cocoon_core::{Operation, Route, RouteTable};
/// let mut routes = RouteTable::default();
/// routes.set(Operation::FindContact, Route::new(http::Method::GET, "/webhook/contacts/find")?);
/// assert_eq!(routes.get(Operation::FindContact).path(), "/webhook/contacts/find");
/// assert!(routes.is_remapped(Operation::FindContact));
/// # Ok::<(), cocoon_core::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl Default for RouteTable {
    fn default() -> Self {
        RouteTable {
            routes: Operation::ALL.iter().map(|op| op.default_route()).collect(),
        }
    }
}

impl RouteTable {
    /// The route an operation is sent to.
    pub fn get(&self, operation: Operation) -> &Route {
        &self.routes[operation.index()]
    }

    /// Sends `operation` to `route` from now on.
    pub fn set(&mut self, operation: Operation, route: Route) -> &mut Self {
        self.routes[operation.index()] = route;
        self
    }

    /// Whether `operation` no longer uses the vendor's route.
    pub fn is_remapped(&self, operation: Operation) -> bool {
        *self.get(operation) != operation.default_route()
    }

    /// Every operation with its current route.
    pub fn iter(&self) -> impl Iterator<Item = (Operation, &Route)> + '_ {
        Operation::ALL.iter().map(move |&op| (op, self.get(op)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_covers_all_seventeen_operations_in_order() {
        assert_eq!(Operation::ALL.len(), 17);
        for (i, op) in Operation::ALL.iter().enumerate() {
            assert_eq!(op.index(), i);
            assert_eq!(Operation::from_name(op.name()), Some(*op));
            assert!(op.default_route().path().starts_with("/webhook/"));
        }
        let provisional: Vec<_> = Operation::ALL
            .iter()
            .filter(|op| op.status() == RouteStatus::Provisional)
            .map(|op| op.name())
            .collect();
        assert_eq!(
            provisional,
            [
                "contact.create",
                "contact.update",
                "contact.find",
                "contact.delete",
                "mailing_list.list",
                "custom_field.list"
            ]
        );
    }

    #[test]
    fn routes_reject_queries_and_relative_paths() {
        assert!(Route::new(Method::GET, "webhook/x").is_err());
        assert!(Route::new(Method::GET, "/webhook/x?y=1").is_err());
        assert!(Route::new(Method::GET, "/webhook/x y").is_err());
        assert!(Route::new(Method::GET, "/webhook/x").is_ok());
    }

    #[test]
    fn remapping_one_route_leaves_the_others() {
        let mut table = RouteTable::default();
        table.set(
            Operation::DeleteContact,
            Route::new(Method::DELETE, "/webhook/contact").unwrap(),
        );
        assert_eq!(table.get(Operation::DeleteContact).method(), Method::DELETE);
        assert!(table.is_remapped(Operation::DeleteContact));
        assert!(!table.is_remapped(Operation::CreateContact));
        assert_eq!(table.iter().count(), 17);
    }
}

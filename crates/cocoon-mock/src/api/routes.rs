//! The operations of API.md §4 and the table that maps method and path to each of them.

use std::fmt;

/// One operation of the Cocoonmail API (API.md §4), named like the SDK names it.
///
/// Used with [`MockBuilder::route`](crate::MockBuilder::route) to serve an operation at
/// another method and path, as a client remapped with its own route table expects.
///
/// ```
/// use cocoon_mock::Operation;
/// assert_eq!(Operation::SendMail.default_route(), ("POST", "/webhook/mail/send"));
/// assert_eq!(Operation::from_name("contact.create"), Some(Operation::CreateContact));
/// assert_eq!(Operation::ALL.len(), 17);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `GET /webhook/api_key/validate/` (also served without the trailing slash).
    ValidateApiKey,
    /// `POST /webhook/mail/send`.
    SendMail,
    /// `POST /webhook/mail/send-direct`.
    SendDirectMail,
    /// `POST /webhook/mail/usage`.
    MailUsage,
    /// `GET /webhook/mail/status`.
    MailStatus,
    /// `POST /webhook/event/send`.
    SendEvent,
    /// `POST /webhook/event/checkout`.
    CheckoutEvent,
    /// `POST /webhook/email/verify`.
    VerifyEmail,
    /// `POST /webhook/whatsapp_message/send`.
    SendWhatsApp,
    /// `GET /webhook/whatsapp_message/status`.
    WhatsAppStatus,
    /// `POST /webhook/otp/send`.
    SendOtp,
    /// `POST /webhook/contact/create` (provisional).
    CreateContact,
    /// `PUT /webhook/contact/update` (provisional).
    UpdateContact,
    /// `GET /webhook/contact/find` (provisional).
    FindContact,
    /// `POST /webhook/contact/delete` (provisional).
    DeleteContact,
    /// `GET /webhook/mailing_list/list` (provisional).
    ListMailingLists,
    /// `GET /webhook/custom_field/list` (provisional).
    ListCustomFields,
}

/// Name, method and path of every operation (API.md §4), in one table.
const TABLE: [(Operation, &str, &str, &str); 17] = [
    (
        Operation::ValidateApiKey,
        "api_key.validate",
        "GET",
        "/webhook/api_key/validate/",
    ),
    (
        Operation::SendMail,
        "mail.send",
        "POST",
        "/webhook/mail/send",
    ),
    (
        Operation::SendDirectMail,
        "mail.send_direct",
        "POST",
        "/webhook/mail/send-direct",
    ),
    (
        Operation::MailUsage,
        "mail.usage",
        "POST",
        "/webhook/mail/usage",
    ),
    (
        Operation::MailStatus,
        "mail.status",
        "GET",
        "/webhook/mail/status",
    ),
    (
        Operation::SendEvent,
        "event.send",
        "POST",
        "/webhook/event/send",
    ),
    (
        Operation::CheckoutEvent,
        "event.checkout",
        "POST",
        "/webhook/event/checkout",
    ),
    (
        Operation::VerifyEmail,
        "email.verify",
        "POST",
        "/webhook/email/verify",
    ),
    (
        Operation::SendWhatsApp,
        "whatsapp.send",
        "POST",
        "/webhook/whatsapp_message/send",
    ),
    (
        Operation::WhatsAppStatus,
        "whatsapp.status",
        "GET",
        "/webhook/whatsapp_message/status",
    ),
    (Operation::SendOtp, "otp.send", "POST", "/webhook/otp/send"),
    (
        Operation::CreateContact,
        "contact.create",
        "POST",
        "/webhook/contact/create",
    ),
    (
        Operation::UpdateContact,
        "contact.update",
        "PUT",
        "/webhook/contact/update",
    ),
    (
        Operation::FindContact,
        "contact.find",
        "GET",
        "/webhook/contact/find",
    ),
    (
        Operation::DeleteContact,
        "contact.delete",
        "POST",
        "/webhook/contact/delete",
    ),
    (
        Operation::ListMailingLists,
        "mailing_list.list",
        "GET",
        "/webhook/mailing_list/list",
    ),
    (
        Operation::ListCustomFields,
        "custom_field.list",
        "GET",
        "/webhook/custom_field/list",
    ),
];

impl Operation {
    /// Every operation, in the order of API.md §4.
    pub const ALL: [Operation; 17] = {
        let mut all = [Operation::ValidateApiKey; 17];
        let mut i = 0;
        while i < 17 {
            all[i] = TABLE[i].0;
            i += 1;
        }
        all
    };

    fn row(self) -> &'static (Operation, &'static str, &'static str, &'static str) {
        // Every variant has exactly one row (checked by a unit test).
        TABLE.iter().find(|row| row.0 == self).unwrap_or(&TABLE[0])
    }

    /// The dotted name, e.g. `"mail.send"` (the SDK's operation names).
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// The operation with this dotted name.
    pub fn from_name(name: &str) -> Option<Operation> {
        TABLE.iter().find(|row| row.1 == name).map(|row| row.0)
    }

    /// The documented (or provisional) method and path.
    pub fn default_route(self) -> (&'static str, &'static str) {
        let row = self.row();
        (row.2, row.3)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the route table says about a request's method and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup {
    Found(Operation),
    /// The path is served, with other methods only.
    WrongMethod(Vec<String>),
    NotFound,
}

/// The routes one server serves: the defaults, with the builder's remappings applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RouteTable {
    routes: Vec<(String, String, Operation)>,
}

impl Default for RouteTable {
    fn default() -> Self {
        let mut routes: Vec<_> = TABLE
            .iter()
            .map(|(op, _, method, path)| ((*method).to_owned(), (*path).to_owned(), *op))
            .collect();
        // API.md §4: the validate path is also written without its trailing slash.
        routes.push((
            "GET".to_owned(),
            "/webhook/api_key/validate".to_owned(),
            Operation::ValidateApiKey,
        ));
        RouteTable { routes }
    }
}

impl RouteTable {
    /// Serves `op` at `method path` instead of its current routes.
    pub(crate) fn remap(&mut self, op: Operation, method: &str, path: &str) {
        self.routes.retain(|(_, _, o)| *o != op);
        let method = method.to_ascii_uppercase();
        // A route given twice serves the operation named last.
        self.routes.retain(|(m, p, _)| !(*m == method && p == path));
        self.routes.push((method, path.to_owned(), op));
    }

    /// Every path served.
    pub(crate) fn paths(&self) -> impl Iterator<Item = &str> {
        self.routes.iter().map(|(_, p, _)| p.as_str())
    }

    pub(crate) fn lookup(&self, method: &str, path: &str) -> Lookup {
        let mut allowed = Vec::new();
        for (m, p, op) in &self.routes {
            if p == path {
                if m == method {
                    return Lookup::Found(*op);
                }
                if !allowed.contains(m) {
                    allowed.push(m.clone());
                }
            }
        }
        if allowed.is_empty() {
            Lookup::NotFound
        } else {
            Lookup::WrongMethod(allowed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_one_row_and_unique_routes() {
        for (i, op) in Operation::ALL.iter().enumerate() {
            assert_eq!(TABLE.iter().filter(|row| row.0 == *op).count(), 1);
            assert_eq!(Operation::from_name(op.name()), Some(*op));
            for other in &Operation::ALL[i + 1..] {
                assert_ne!(op.default_route(), other.default_route());
            }
            assert!(op.default_route().1.starts_with("/webhook/"));
        }
        // 17 operations, validate under two spellings.
        assert_eq!(RouteTable::default().routes.len(), 18);
    }

    #[test]
    fn lookups_find_operations_wrong_methods_and_nothing() {
        let table = RouteTable::default();
        assert_eq!(
            table.lookup("GET", "/webhook/api_key/validate"),
            Lookup::Found(Operation::ValidateApiKey)
        );
        assert_eq!(
            table.lookup("GET", "/webhook/mail/send"),
            Lookup::WrongMethod(vec!["POST".to_owned()])
        );
        assert_eq!(table.lookup("GET", "/nope"), Lookup::NotFound);
    }

    #[test]
    fn remapping_moves_an_operation() {
        let mut table = RouteTable::default();
        table.remap(Operation::CreateContact, "post", "/v2/contacts");
        assert_eq!(
            table.lookup("POST", "/v2/contacts"),
            Lookup::Found(Operation::CreateContact)
        );
        assert_eq!(
            table.lookup("POST", "/webhook/contact/create"),
            Lookup::NotFound
        );
        // Remapping validate drops both of its spellings.
        table.remap(Operation::ValidateApiKey, "GET", "/v2/key");
        assert_eq!(
            table.lookup("GET", "/webhook/api_key/validate/"),
            Lookup::NotFound
        );
        assert_eq!(
            table.lookup("GET", "/webhook/api_key/validate"),
            Lookup::NotFound
        );
    }
}

//! The table that maps method and path to each operation of API.md §4.
//!
//! The operations are the SDK's own ([`cocoon_core::Operation`]): one enum names an
//! operation for the client, the mock's routes, its matchers and its journal.

pub use cocoon_core::Operation;

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
        let mut routes: Vec<_> = Operation::ALL
            .iter()
            .map(|&op| {
                let route = op.default_route();
                (
                    route.method().as_str().to_owned(),
                    route.path().to_owned(),
                    op,
                )
            })
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

    /// The method and path `op` is served at (the first, for an operation served under two
    /// spellings); `None` for an operation the table does not serve.
    pub(crate) fn route_of(&self, op: Operation) -> Option<(&str, &str)> {
        self.routes
            .iter()
            .find(|(_, _, o)| *o == op)
            .map(|(m, p, _)| (m.as_str(), p.as_str()))
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
    fn every_operation_is_served_at_its_default_route() {
        let table = RouteTable::default();
        for &op in Operation::ALL {
            let route = op.default_route();
            assert_eq!(
                table.lookup(route.method().as_str(), route.path()),
                Lookup::Found(op)
            );
            assert_eq!(
                table.route_of(op),
                Some((route.method().as_str(), route.path()))
            );
        }
        // Every operation, validate under two spellings.
        assert_eq!(table.routes.len(), Operation::ALL.len() + 1);
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

//! Mailing lists (API.md §4.13): [`ListMailingLists`], `GET /webhook/mailing_list/list`.
//!
//! **The route is provisional**: the vendor describes the operation but publishes no HTTP
//! path, so the path is inferred from the documented `/webhook/<resource>/<action>`
//! convention. If the vendor's path turns out different, remap it at run time with
//! [`crate::RouteTable::set`] (or [`crate::ConfigBuilder::route`]).
//!
//! A list's id is what [`crate::contacts::CreateContact::subscribe_to`] takes.

use serde::{Deserialize, Serialize};

use crate::endpoint::{Endpoint, Target};
use crate::route::Operation;

/// `GET /webhook/mailing_list/list` (provisional route): the account's mailing lists.
///
/// Answered by every [`MailingList`] (an empty list when there are none).
///
/// ```
/// use cocoon_core::lists::ListMailingLists;
/// use cocoon_core::{build_request, ApiKey, Config};
/// let config = Config::new(ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?);
/// let request = build_request(&config, &ListMailingLists::new())?;
/// assert_eq!(request.method(), http::Method::GET);
/// assert_eq!(request.uri().path(), "/webhook/mailing_list/list");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListMailingLists {}

impl ListMailingLists {
    /// The request (it has no parameters).
    pub fn new() -> Self {
        ListMailingLists {}
    }
}

impl Endpoint for ListMailingLists {
    type Output = Vec<MailingList>;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::ListMailingLists)
    }
}

/// A mailing list.
///
/// Read leniently: an `id` sent as a string or a number is kept as text, `isPublic` may be
/// spelled `is_public`, missing fields read as empty or `None`, unknown fields are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct MailingList {
    /// The list's id (empty when absent).
    #[serde(deserialize_with = "crate::wire::string")]
    pub id: String,
    /// The list's name (empty when absent).
    #[serde(deserialize_with = "crate::wire::null_as_default")]
    pub name: String,
    /// The list's description, when it has one.
    pub description: Option<String>,
    /// Whether contacts can subscribe themselves (`isPublic`).
    #[serde(alias = "is_public")]
    pub is_public: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{answer, wire};

    #[test]
    fn request_is_a_bodyless_get() {
        let sent = wire(&ListMailingLists::new());
        assert_eq!(sent.method, "GET");
        assert_eq!(sent.path, "/webhook/mailing_list/list");
        assert_eq!(sent.body, "");
    }

    #[test]
    fn decodes_the_documented_answer() {
        let lists = answer(
            &ListMailingLists::new(),
            200,
            r#"[{"id": "cm06f5v0e45nf0ml5754o9cix", "name": "Newsletter",
                 "description": "Monthly news", "isPublic": true},
                {"id": "cm06f5v0e45nf0ml5754o9ciy", "name": "Beta", "description": null,
                 "isPublic": false}]"#,
        )
        .unwrap();
        assert_eq!(lists.len(), 2);
        assert_eq!(lists[0].id, "cm06f5v0e45nf0ml5754o9cix");
        assert_eq!(lists[0].name, "Newsletter");
        assert_eq!(lists[0].description.as_deref(), Some("Monthly news"));
        assert_eq!(lists[0].is_public, Some(true));
        assert_eq!(lists[1].description, None);
        assert_eq!(lists[1].is_public, Some(false));
    }

    #[test]
    fn decodes_leniently() {
        let lists = answer(
            &ListMailingLists::new(),
            200,
            r#"[{"id": 12, "name": "Snake", "is_public": true, "created": "2024-01-01"},
                {"name": null}]"#,
        )
        .unwrap();
        assert_eq!(lists[0].id, "12");
        assert_eq!(lists[0].is_public, Some(true));
        assert_eq!(lists[1], MailingList::default());
        assert!(answer(&ListMailingLists::new(), 200, "[]")
            .unwrap()
            .is_empty());
    }
}

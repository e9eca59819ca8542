//! Macros writing the builder setters that many request types share, so a type lists its
//! optional fields once instead of repeating the same lines for each. Each takes the setters'
//! docs, which rustdoc shows as for a hand-written method.

/// For each `name`: `pub fn name(self, name: impl Into<String>) -> Self`, which sets the
/// field `name: Option<String>`.
macro_rules! text_setters {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $name(mut self, $name: impl Into<String>) -> Self {
            self.$name = Some($name.into());
            self
        }
    )*};
}

/// For each `name`: `pub fn name(self, name: bool) -> Self`, which sets the field
/// `name: Option<bool>`.
macro_rules! flag_setters {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $name(mut self, $name: bool) -> Self {
            self.$name = Some($name);
            self
        }
    )*};
}

/// `one(item)` adds one text to the field `Vec<String>`, `all(items)` adds every one of many.
macro_rules! list_setters {
    (
        $(#[$one_doc:meta])* $one:ident($item:ident),
        $(#[$all_doc:meta])* $all:ident($items:ident) => $field:ident $(,)?
    ) => {
        $(#[$one_doc])*
        pub fn $one(mut self, $item: impl Into<String>) -> Self {
            self.$field.push($item.into());
            self
        }

        $(#[$all_doc])*
        pub fn $all<I: IntoIterator<Item = S>, S: Into<String>>(mut self, $items: I) -> Self {
            self.$field.extend($items.into_iter().map(Into::into));
            self
        }
    };
}

/// `one(key, value)` sets one entry of the field `Option<Map<String, Value>>`, `all(entries)`
/// sets every entry of a map, both making the map when there is none yet.
macro_rules! map_setters {
    (
        $(#[$one_doc:meta])* $one:ident,
        $(#[$all_doc:meta])* $all:ident($entries:ident) => $field:ident $(,)?
    ) => {
        $(#[$one_doc])*
        pub fn $one(
            mut self,
            key: impl Into<String>,
            value: impl Into<serde_json::Value>,
        ) -> Self {
            self.$field
                .get_or_insert_with(serde_json::Map::new)
                .insert(key.into(), value.into());
            self
        }

        $(#[$all_doc])*
        pub fn $all(mut self, $entries: serde_json::Map<String, serde_json::Value>) -> Self {
            self.$field
                .get_or_insert_with(serde_json::Map::new)
                .extend($entries);
            self
        }
    };
}

pub(crate) use {flag_setters, list_setters, map_setters, text_setters};

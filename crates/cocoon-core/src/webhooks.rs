//! Receiving the webhooks Cocoonmail sends (API.md §6).

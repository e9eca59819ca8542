//! Shared helpers for the examples and end-to-end tests of the Cocoonmail SDK (unpublished).

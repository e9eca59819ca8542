//! placeholder
pub mod webhooks;

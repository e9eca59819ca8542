//! The methods grouped by resource: `client.contacts().find(..)`, `client.mail().send(..)`...
//!
//! Each operation is written once, in the table of [`operations!`]; the table is expanded
//! twice, into `async fn`s on the handles of the async [`crate::Client`] and plain `fn`s on
//! those of the [`crate::blocking::Client`], so rustdoc shows each for what it is.

use cocoon_core::{
    api_key, contacts, custom_fields, events, lists, mail, otp, verify, whatsapp, Error, RawRequest,
};

/// Every resource handle and its operations: one line of request building per operation.
macro_rules! operations {
    ($expand:ident) => {
        $expand! {
            /// API-key operations, from `client.keys()`.
            ApiKeys {
                /// Checks the configured key: the workspace details, or
                /// [`Error::Unauthorized`](cocoon_core::Error::Unauthorized).
                fn validate() -> api_key::ApiKeyValidation = api_key::ValidateApiKey::new();
            }
            /// Contact operations, from `client.contacts()`. Their routes are provisional.
            Contacts {
                /// Creates a contact; an existing email ends in
                /// [`Error::Conflict`](cocoon_core::Error::Conflict).
                fn create(contact: contacts::CreateContact) -> contacts::CreateContactResponse = contact;
                /// Updates a contact, creating it when none matches: the upsert to call on every
                /// sign-up (a returning user gets no 409).
                #[doc(alias = "upsert")]
                fn update(update: contacts::UpdateContact) -> contacts::UpdateContactResponse = update;
                /// Finds contacts by email or user id (an empty list when none matches).
                fn find(contact: contacts::ContactRef) -> Vec<contacts::Contact> = contacts::FindContact::new(contact);
                /// Deletes a contact; an unknown one ends in
                /// [`Error::NotFound`](cocoon_core::Error::NotFound).
                fn delete(contact: contacts::ContactRef) -> contacts::DeleteContactResponse = contacts::DeleteContact::new(contact);
            }
            /// Mailing lists, from `client.lists()`. The route is provisional.
            Lists {
                /// Every mailing list of the team.
                fn list() -> Vec<lists::MailingList> = lists::ListMailingLists::new();
            }
            /// Custom contact fields, from `client.custom_fields()`. The route is provisional.
            CustomFields {
                /// Every custom contact field of the team.
                fn list() -> Vec<custom_fields::CustomField> = custom_fields::ListCustomFields::new();
            }
            /// Events, from `client.events()`. Sends are never retried after they may have
            /// arrived.
            Events {
                /// Sends an event that can trigger workflows.
                fn send(event: events::SendEvent) -> events::SendEventResponse = event;
                /// Sends an abandoned-cart checkout event.
                fn checkout(event: events::CheckoutEvent) -> events::CheckoutEventResponse = event;
            }
            /// Email, from `client.mail()`. Sends are never retried after they may have arrived.
            Mail {
                /// Sends a transactional email.
                fn send(mail: mail::SendMail) -> mail::SendMailResponse = mail;
                /// Sends an email without Cocoonmail keeping reports or analytics.
                fn send_direct(mail: mail::SendDirectMail) -> mail::SendDirectMailResponse = mail;
                /// Reads the team's email usage and quotas.
                fn usage() -> mail::MailUsageResponse = mail::MailUsage::new();
                /// Reads a sent email's status by the `message_id` of its send report.
                fn status(message_id: impl Into<String>) -> mail::MailStatusResponse = mail::MailStatus::new(message_id);
            }
            /// WhatsApp, from `client.whatsapp()`. Sends are never retried after they may have
            /// arrived.
            WhatsApp {
                /// Sends a WhatsApp message.
                fn send(message: whatsapp::SendWhatsApp) -> whatsapp::SendWhatsAppResponse = message;
                /// Reads a WhatsApp message's status by its `message_id`.
                fn status(message_id: impl Into<String>) -> whatsapp::WhatsAppStatusResponse = whatsapp::WhatsAppStatus::new(message_id);
            }
            /// One-time passwords, from `client.otp()`. Never retried after they may have
            /// arrived.
            Otp {
                /// Sends a one-time password.
                fn send(otp: otp::SendOtp) -> otp::SendOtpResponse = otp;
            }
            /// Email verification, from `client.verify()`.
            Verify {
                /// Verifies an email address.
                fn email(email: impl Into<String>) -> verify::VerifyEmailResponse = verify::VerifyEmail::new(email);
            }
        }
    };
}

/// Declares the handle types.
macro_rules! handles {
    ($( $(#[$hdoc:meta])* $handle:ident { $($ops:tt)* } )*) => {$(
        $(#[$hdoc])*
        #[derive(Debug)]
        pub struct $handle<'c, C> {
            pub(crate) client: &'c C,
        }

        impl<C> Clone for $handle<'_, C> {
            fn clone(&self) -> Self {
                *self
            }
        }

        impl<C> Copy for $handle<'_, C> {}
    )*};
}

/// The operations of the async client's handles, as `async fn`s.
macro_rules! async_methods {
    ($( $(#[$hdoc:meta])* $handle:ident {
        $( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $out:ty = $request:expr; )*
    } )*) => {$(
        impl<'c, T: cocoon_core::AsyncTransport> $handle<'c, crate::Client<T>> {
            $(
                $(#[$doc])*
                pub async fn $name(self, $($arg: $ty),*) -> Result<$out, Error> {
                    self.client.send($request).await
                }
            )*
        }
    )*};
}

/// The operations of the blocking client's handles, as plain `fn`s.
macro_rules! blocking_methods {
    ($( $(#[$hdoc:meta])* $handle:ident {
        $( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $out:ty = $request:expr; )*
    } )*) => {$(
        impl<'c, T: cocoon_core::BlockingTransport> $handle<'c, crate::blocking::Client<T>> {
            $(
                $(#[$doc])*
                pub fn $name(self, $($arg: $ty),*) -> Result<$out, Error> {
                    self.client.send($request)
                }
            )*
        }
    )*};
}

operations!(handles);
operations!(async_methods);
operations!(blocking_methods);

/// Generates, inside a client's `impl` block, the accessor of every resource handle and the
/// raw request.
macro_rules! accessors {
    () => {
        /// Validating the API key.
        pub fn keys(&self) -> $crate::resources::ApiKeys<'_, Self> {
            $crate::resources::ApiKeys { client: self }
        }

        /// Contacts: create, update, find, delete (provisional routes).
        pub fn contacts(&self) -> $crate::resources::Contacts<'_, Self> {
            $crate::resources::Contacts { client: self }
        }

        /// Mailing lists (provisional route).
        pub fn lists(&self) -> $crate::resources::Lists<'_, Self> {
            $crate::resources::Lists { client: self }
        }

        /// Custom contact fields (provisional route).
        pub fn custom_fields(&self) -> $crate::resources::CustomFields<'_, Self> {
            $crate::resources::CustomFields { client: self }
        }

        /// Events that trigger workflows, and checkout events.
        pub fn events(&self) -> $crate::resources::Events<'_, Self> {
            $crate::resources::Events { client: self }
        }

        /// Transactional and direct email, usage and delivery status.
        pub fn mail(&self) -> $crate::resources::Mail<'_, Self> {
            $crate::resources::Mail { client: self }
        }

        /// WhatsApp messages and their status.
        pub fn whatsapp(&self) -> $crate::resources::WhatsApp<'_, Self> {
            $crate::resources::WhatsApp { client: self }
        }

        /// One-time passwords by email or WhatsApp.
        pub fn otp(&self) -> $crate::resources::Otp<'_, Self> {
            $crate::resources::Otp { client: self }
        }

        /// Email address verification.
        pub fn verify(&self) -> $crate::resources::Verify<'_, Self> {
            $crate::resources::Verify { client: self }
        }
    };
}
pub(crate) use accessors;

impl<T: cocoon_core::AsyncTransport> crate::Client<T> {
    /// Sends a request to any route with the same auth, rate limiting, retries and error
    /// mapping as the modelled operations; the answer is JSON.
    pub async fn raw(&self, request: RawRequest) -> Result<serde_json::Value, Error> {
        self.send(request).await
    }
}

impl<T: cocoon_core::BlockingTransport> crate::blocking::Client<T> {
    /// Sends a request to any route with the same auth, rate limiting, retries and error
    /// mapping as the modelled operations; the answer is JSON.
    pub fn raw(&self, request: RawRequest) -> Result<serde_json::Value, Error> {
        self.send(request)
    }
}

//! The methods grouped by resource, written once for both clients.
//!
//! Each resource handle is generic over [`Execute`], which the async client implements with
//! futures and the blocking client with plain results, so `client.contacts().find(..)` is
//! `.await`ed on one and returns directly on the other without a second copy of any method.

use cocoon_core::{
    api_key, contacts, custom_fields, events, lists, mail, otp, verify, whatsapp, Endpoint,
};

mod sealed {
    pub trait Sealed {}
    impl<T> Sealed for crate::Client<T> {}
    impl<T> Sealed for crate::blocking::Client<T> {}
}

/// Sends a request value: a future for the async client, a result for the blocking one.
///
/// Implemented by [`crate::Client`] and [`crate::blocking::Client`] only.
pub trait Execute: sealed::Sealed {
    /// What a call returns: `Pin<Box<dyn Future<Output = Result<T, Error>>>>` for the async
    /// client, `Result<T, Error>` for the blocking one.
    type Response<'a, T: 'a>
    where
        Self: 'a;

    /// Sends `endpoint`.
    fn execute<'a, E>(&'a self, endpoint: E) -> Self::Response<'a, E::Output>
    where
        E: Endpoint + Send + Sync + 'a,
        E::Output: Send + 'a;
}

/// Generates the accessors of every resource handle inside a client's `impl` block.
macro_rules! resource_accessors {
    () => {
        /// Validating the API key.
        pub fn api_key(&self) -> $crate::resources::ApiKeys<'_, Self> {
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

        /// Sends a request to any route with the same auth, rate limiting, retries and error
        /// mapping as the modelled operations; the answer is JSON.
        pub fn raw(
            &self,
            request: cocoon_core::RawRequest,
        ) -> <Self as $crate::resources::Execute>::Response<'_, serde_json::Value> {
            $crate::resources::Execute::execute(self, request)
        }
    };
}
pub(crate) use resource_accessors;

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name<'c, C> {
            pub(crate) client: &'c C,
        }

        impl<C> Clone for $name<'_, C> {
            fn clone(&self) -> Self {
                *self
            }
        }

        impl<C> Copy for $name<'_, C> {}
    };
}

handle! {
    /// API-key operations, from `client.api_key()`.
    ApiKeys
}

impl<'c, C: Execute> ApiKeys<'c, C> {
    /// Checks the configured key: the workspace details, or [`cocoon_core::Error::Unauthorized`].
    pub fn validate(&self) -> C::Response<'c, api_key::ApiKeyValidation> {
        self.client.execute(api_key::ValidateApiKey::new())
    }
}

handle! {
    /// Contact operations, from `client.contacts()`. Their routes are provisional.
    Contacts
}

impl<'c, C: Execute> Contacts<'c, C> {
    /// Creates a contact; an existing email ends in [`cocoon_core::Error::Conflict`].
    pub fn create(
        &self,
        contact: contacts::CreateContact,
    ) -> C::Response<'c, contacts::CreateContactResponse> {
        self.client.execute(contact)
    }

    /// Updates a contact, creating it when none matches.
    pub fn update(
        &self,
        update: contacts::UpdateContact,
    ) -> C::Response<'c, contacts::UpdateContactResponse> {
        self.client.execute(update)
    }

    /// Finds contacts by email or user id (an empty list when none matches).
    pub fn find(&self, contact: contacts::ContactRef) -> C::Response<'c, Vec<contacts::Contact>> {
        self.client.execute(contacts::FindContact::new(contact))
    }

    /// Deletes a contact; an unknown one ends in [`cocoon_core::Error::NotFound`].
    pub fn delete(
        &self,
        contact: contacts::ContactRef,
    ) -> C::Response<'c, contacts::DeleteContactResponse> {
        self.client.execute(contacts::DeleteContact::new(contact))
    }
}

handle! {
    /// Mailing lists, from `client.lists()`. The route is provisional.
    Lists
}

impl<'c, C: Execute> Lists<'c, C> {
    /// Every mailing list of the team.
    pub fn list(&self) -> C::Response<'c, Vec<lists::MailingList>> {
        self.client.execute(lists::ListMailingLists)
    }
}

handle! {
    /// Custom contact fields, from `client.custom_fields()`. The route is provisional.
    CustomFields
}

impl<'c, C: Execute> CustomFields<'c, C> {
    /// Every custom contact field of the team.
    pub fn list(&self) -> C::Response<'c, Vec<custom_fields::CustomField>> {
        self.client.execute(custom_fields::ListCustomFields)
    }
}

handle! {
    /// Events, from `client.events()`. Sends are never retried after they may have arrived.
    Events
}

impl<'c, C: Execute> Events<'c, C> {
    /// Sends an event that can trigger workflows.
    pub fn send(&self, event: events::SendEvent) -> C::Response<'c, events::SendEventResponse> {
        self.client.execute(event)
    }

    /// Sends an abandoned-cart checkout event.
    pub fn checkout(
        &self,
        event: events::CheckoutEvent,
    ) -> C::Response<'c, events::CheckoutEventResponse> {
        self.client.execute(event)
    }
}

handle! {
    /// Email, from `client.mail()`. Sends are never retried after they may have arrived.
    Mail
}

impl<'c, C: Execute> Mail<'c, C> {
    /// Sends a transactional email.
    pub fn send(&self, mail: mail::SendMail) -> C::Response<'c, mail::SendMailResponse> {
        self.client.execute(mail)
    }

    /// Sends an email without Cocoonmail keeping reports or analytics.
    pub fn send_direct(
        &self,
        mail: mail::SendDirectMail,
    ) -> C::Response<'c, mail::SendDirectMailResponse> {
        self.client.execute(mail)
    }

    /// Reads the team's email usage and quotas.
    pub fn usage(&self) -> C::Response<'c, mail::MailUsageResponse> {
        self.client.execute(mail::MailUsage::new())
    }

    /// Reads a sent email's status by the `message_id` of its send report.
    pub fn status(
        &self,
        message_id: impl Into<String>,
    ) -> C::Response<'c, mail::MailStatusResponse> {
        self.client.execute(mail::MailStatus::new(message_id))
    }
}

handle! {
    /// WhatsApp, from `client.whatsapp()`. Sends are never retried after they may have arrived.
    WhatsApp
}

impl<'c, C: Execute> WhatsApp<'c, C> {
    /// Sends a WhatsApp message.
    pub fn send(
        &self,
        message: whatsapp::SendWhatsApp,
    ) -> C::Response<'c, whatsapp::SendWhatsAppResponse> {
        self.client.execute(message)
    }

    /// Reads a WhatsApp message's status by its `message_id`.
    pub fn status(
        &self,
        message_id: impl Into<String>,
    ) -> C::Response<'c, whatsapp::WhatsAppStatusResponse> {
        self.client
            .execute(whatsapp::WhatsAppStatus::new(message_id))
    }
}

handle! {
    /// One-time passwords, from `client.otp()`. Never retried after they may have arrived.
    Otp
}

impl<'c, C: Execute> Otp<'c, C> {
    /// Sends a one-time password.
    pub fn send(&self, otp: otp::SendOtp) -> C::Response<'c, otp::SendOtpResponse> {
        self.client.execute(otp)
    }
}

handle! {
    /// Email verification, from `client.verify()`.
    Verify
}

impl<'c, C: Execute> Verify<'c, C> {
    /// Verifies an email address.
    pub fn email(&self, email: impl Into<String>) -> C::Response<'c, verify::VerifyEmailResponse> {
        self.client.execute(verify::VerifyEmail::new(email))
    }
}

//! Email: sending, direct sending, usage and delivery status (API.md §4.2–§4.5).
//!
//! | request | endpoint | answer |
//! | --- | --- | --- |
//! | [`SendMail`] | `POST /webhook/mail/send` | [`SendMailResponse`] |
//! | [`SendDirectMail`] | `POST /webhook/mail/send-direct` | [`SendDirectMailResponse`] |
//! | [`MailUsage`] | `POST /webhook/mail/usage` | [`MailUsageResponse`] |
//! | [`MailStatus`] | `GET /webhook/mail/status?message_id=` | [`MailStatusResponse`] |
//!
//! A [`SendMail`] carries exactly one of the three modes of [`MailContent`]: raw content, a
//! custom template, or a predefined transactional email. Its answer's
//! [`MailReport::message_id`] is what [`MailStatus`] takes.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::endpoint::{json_body, Endpoint, Query, Target};
use crate::error::{Error, InvalidInput};
use crate::quota::Quotas;
use crate::route::Operation;
use crate::wire::check_not_blank;

/// What a [`SendMail`] sends: exactly one of the three modes of API.md §4.2, serialised into the
/// request body's top level.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MailContent {
    /// Raw content written by the caller.
    Raw {
        /// The HTML or text of the email.
        email_content: String,
        /// The sender's email address.
        sender: String,
        /// The subject.
        subject: String,
    },
    /// A custom template designed in the dashboard.
    Template {
        /// The template's UUID.
        template_uuid: String,
        /// The sender's email address.
        sender: String,
        /// The subject.
        subject: String,
    },
    /// A predefined transactional email (sender and subject come from its definition).
    Transactional {
        /// The transactional email's id.
        transactional_id: String,
    },
}

impl MailContent {
    /// Raw content: the HTML or text `email_content`, from `sender`, titled `subject`.
    pub fn raw(
        email_content: impl Into<String>,
        sender: impl Into<String>,
        subject: impl Into<String>,
    ) -> Self {
        MailContent::Raw {
            email_content: email_content.into(),
            sender: sender.into(),
            subject: subject.into(),
        }
    }

    /// The custom template `template_uuid`, from `sender`, titled `subject`.
    pub fn template(
        template_uuid: impl Into<String>,
        sender: impl Into<String>,
        subject: impl Into<String>,
    ) -> Self {
        MailContent::Template {
            template_uuid: template_uuid.into(),
            sender: sender.into(),
            subject: subject.into(),
        }
    }

    /// The predefined transactional email `transactional_id`.
    pub fn transactional(transactional_id: impl Into<String>) -> Self {
        MailContent::Transactional {
            transactional_id: transactional_id.into(),
        }
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        match self {
            MailContent::Raw {
                email_content,
                sender,
                subject,
            } => {
                check_not_blank("email_content", email_content)?;
                check_not_blank("sender", sender)?;
                check_not_blank("subject", subject)
            }
            MailContent::Template {
                template_uuid,
                sender,
                subject,
            } => {
                check_not_blank("template_uuid", template_uuid)?;
                check_not_blank("sender", sender)?;
                check_not_blank("subject", subject)
            }
            MailContent::Transactional { transactional_id } => {
                check_not_blank("transactional_id", transactional_id)
            }
        }
    }
}

/// A recipient of a [`SendMail`] (`to[]`): an email address and optional contact details, which
/// also fill the contact when it is added to the audience.
///
/// ```
/// use cocoon_core::mail::Recipient;
/// let ada = Recipient::new("ada@example.com")
///     .first_name("Ada")
///     .last_name("Lovelace")
///     .attribute("plan", "pro")
///     .tag("vip");
/// let wire = serde_json::to_value(&ada)?;
/// assert_eq!(wire["attributes"]["plan"], "pro");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct Recipient {
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    middle_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attributes: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    lists: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gender: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    age: Option<u32>,
    #[serde(rename = "Address1", skip_serializing_if = "Option::is_none")]
    address1: Option<String>,
    #[serde(rename = "Address2", skip_serializing_if = "Option::is_none")]
    address2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    designation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    company: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    industry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    anniversary_date: Option<String>,
}

impl Recipient {
    /// A recipient with only an email address.
    pub fn new(email: impl Into<String>) -> Self {
        Recipient {
            email: email.into(),
            name: None,
            first_name: None,
            middle_name: None,
            last_name: None,
            attributes: None,
            lists: Vec::new(),
            tags: Vec::new(),
            gender: None,
            age: None,
            address1: None,
            address2: None,
            city: None,
            state: None,
            country: None,
            postal_code: None,
            designation: None,
            company: None,
            industry: None,
            description: None,
            anniversary_date: None,
        }
    }

    /// The email address.
    pub fn email(&self) -> &str {
        &self.email
    }

    /// Sets the full name (`name`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets `first_name`.
    pub fn first_name(mut self, first_name: impl Into<String>) -> Self {
        self.first_name = Some(first_name.into());
        self
    }

    /// Sets `middle_name`.
    pub fn middle_name(mut self, middle_name: impl Into<String>) -> Self {
        self.middle_name = Some(middle_name.into());
        self
    }

    /// Sets `last_name`.
    pub fn last_name(mut self, last_name: impl Into<String>) -> Self {
        self.last_name = Some(last_name.into());
        self
    }

    /// Sets one entry of `attributes` (replacing an earlier value for `key`).
    pub fn attribute(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.attributes
            .get_or_insert_with(Map::new)
            .insert(key.into(), value.into());
        self
    }

    /// Sets every entry of `attributes` in `attributes` (keeping earlier entries of other keys).
    pub fn attributes(mut self, attributes: Map<String, Value>) -> Self {
        self.attributes
            .get_or_insert_with(Map::new)
            .extend(attributes);
        self
    }

    /// Adds a mailing list to `lists`.
    pub fn list(mut self, list: impl Into<String>) -> Self {
        self.lists.push(list.into());
        self
    }

    /// Adds every one of `lists` to `lists`.
    pub fn lists<I: IntoIterator<Item = S>, S: Into<String>>(mut self, lists: I) -> Self {
        self.lists.extend(lists.into_iter().map(Into::into));
        self
    }

    /// Adds a tag to `tags`.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Adds every one of `tags` to `tags`.
    pub fn tags<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tags: I) -> Self {
        self.tags.extend(tags.into_iter().map(Into::into));
        self
    }

    /// Sets `gender`.
    pub fn gender(mut self, gender: impl Into<String>) -> Self {
        self.gender = Some(gender.into());
        self
    }

    /// Sets `age`.
    pub fn age(mut self, age: u32) -> Self {
        self.age = Some(age);
        self
    }

    /// Sets the first address line (`Address1` on the wire).
    pub fn address1(mut self, address1: impl Into<String>) -> Self {
        self.address1 = Some(address1.into());
        self
    }

    /// Sets the second address line (`Address2` on the wire).
    pub fn address2(mut self, address2: impl Into<String>) -> Self {
        self.address2 = Some(address2.into());
        self
    }

    /// Sets `city`.
    pub fn city(mut self, city: impl Into<String>) -> Self {
        self.city = Some(city.into());
        self
    }

    /// Sets `state`.
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// Sets `country`.
    pub fn country(mut self, country: impl Into<String>) -> Self {
        self.country = Some(country.into());
        self
    }

    /// Sets `postal_code`.
    pub fn postal_code(mut self, postal_code: impl Into<String>) -> Self {
        self.postal_code = Some(postal_code.into());
        self
    }

    /// Sets `designation` (job title).
    pub fn designation(mut self, designation: impl Into<String>) -> Self {
        self.designation = Some(designation.into());
        self
    }

    /// Sets `company`.
    pub fn company(mut self, company: impl Into<String>) -> Self {
        self.company = Some(company.into());
        self
    }

    /// Sets `industry`.
    pub fn industry(mut self, industry: impl Into<String>) -> Self {
        self.industry = Some(industry.into());
        self
    }

    /// Sets `description`.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets `anniversary_date` (sent as given, e.g. `"2020-05-17"`).
    pub fn anniversary_date(mut self, anniversary_date: impl Into<String>) -> Self {
        self.anniversary_date = Some(anniversary_date.into());
        self
    }
}

impl From<&str> for Recipient {
    fn from(email: &str) -> Self {
        Recipient::new(email)
    }
}

impl From<String> for Recipient {
    fn from(email: String) -> Self {
        Recipient::new(email)
    }
}

/// A file sent with an email: `{filename, contentType, data}` with `data` in standard base64.
///
/// ```
/// use cocoon_core::mail::Attachment;
/// let invoice = Attachment::new("invoice.txt", "text/plain", b"foobar");
/// assert_eq!(invoice.data(), "Zm9vYmFy");
/// let same = Attachment::from_base64("invoice.txt", "text/plain", "Zm9vYmFy")?;
/// assert_eq!(invoice, same);
/// assert!(Attachment::from_base64("x.txt", "text/plain", "not base64!").is_err());
/// # Ok::<(), cocoon_core::InvalidInput>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[must_use]
pub struct Attachment {
    filename: String,
    #[serde(rename = "contentType")]
    content_type: String,
    data: String,
}

impl Attachment {
    /// An attachment holding `bytes`, which are base64-encoded here.
    pub fn new(
        filename: impl Into<String>,
        content_type: impl Into<String>,
        bytes: impl AsRef<[u8]>,
    ) -> Self {
        Attachment {
            filename: filename.into(),
            content_type: content_type.into(),
            data: BASE64.encode(bytes),
        }
    }

    /// An attachment whose content is already standard base64 (with `=` padding, no line
    /// breaks). Fails with an [`InvalidInput`] for the field `data` otherwise.
    pub fn from_base64(
        filename: impl Into<String>,
        content_type: impl Into<String>,
        data: impl Into<String>,
    ) -> Result<Self, InvalidInput> {
        let data = data.into();
        if !is_base64(&data) {
            return Err(InvalidInput::new(
                "data",
                "must be standard base64 (A-Z a-z 0-9 + /, '=' padding, no line breaks)",
            ));
        }
        Ok(Attachment {
            filename: filename.into(),
            content_type: content_type.into(),
            data,
        })
    }

    /// The file name.
    pub fn filename(&self) -> &str {
        &self.filename
    }

    /// The MIME type (`contentType` on the wire).
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// The content, base64-encoded.
    pub fn data(&self) -> &str {
        &self.data
    }

    fn validate(&self, index: usize) -> Result<(), InvalidInput> {
        check_not_blank(format!("attachments[{index}].filename"), &self.filename)?;
        check_not_blank(
            format!("attachments[{index}].contentType"),
            &self.content_type,
        )
    }
}

/// A file the server fetches from a URL and attaches (`{remote_link}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[must_use]
pub struct RemoteAttachment {
    remote_link: String,
}

impl RemoteAttachment {
    /// An attachment fetched from `remote_link`.
    pub fn new(remote_link: impl Into<String>) -> Self {
        RemoteAttachment {
            remote_link: remote_link.into(),
        }
    }

    /// The URL.
    pub fn remote_link(&self) -> &str {
        &self.remote_link
    }
}

/// `POST /webhook/mail/send`: sends a transactional email to one or more recipients.
///
/// The mode ([`MailContent`]) and at least one recipient are required; everything else is
/// optional. A request without recipients, or with an empty required string, is refused with
/// [`Error::InvalidInput`] before it is sent. Sending is not idempotent, so it is retried only
/// when the server certainly did not act on it.
///
/// ```
/// use cocoon_core::{build_request, ApiKey, Config};
/// use cocoon_core::mail::{Attachment, MailContent, Recipient, SendMail};
/// let key = ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?;
/// let config = Config::new(key);
/// let mail = SendMail::new(MailContent::raw("<p>Hi {{name}}</p>", "team@example.com", "Welcome"))
///     .to(Recipient::new("ada@example.com").first_name("Ada"))
///     .cc("boss@example.com")
///     .custom_parameter("name", "Ada")
///     .attachment(Attachment::new("hello.txt", "text/plain", b"hello"))
///     .tag("welcome");
/// let request = build_request(&config, &mail)?;
/// assert_eq!(request.uri(), "https://webhook.cocoonmail.com/webhook/mail/send");
/// assert_eq!(request.method(), http::Method::POST);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct SendMail {
    #[serde(flatten)]
    content: MailContent,
    to: Vec<Recipient>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cc: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_parameter: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments_remote: Vec<RemoteAttachment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    add_email_address_to_contact: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheduled_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_click_tracking: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_open_tracking: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ignore_contact_bounce: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ignore_contact_unsubscribe: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enable_view_in_browser: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    include_unsubscribe: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
}

impl SendMail {
    /// An email in the mode `content`, with no recipients yet: add them with [`SendMail::to`].
    pub fn new(content: MailContent) -> Self {
        SendMail {
            content,
            to: Vec::new(),
            reply_to: None,
            cc: Vec::new(),
            custom_parameter: None,
            attachments: Vec::new(),
            attachments_remote: Vec::new(),
            add_email_address_to_contact: None,
            scheduled_at: None,
            allow_click_tracking: None,
            allow_open_tracking: None,
            ignore_contact_bounce: None,
            ignore_contact_unsubscribe: None,
            enable_view_in_browser: None,
            include_unsubscribe: None,
            tags: Vec::new(),
        }
    }

    /// The mode.
    pub fn content(&self) -> &MailContent {
        &self.content
    }

    /// The recipients so far.
    pub fn recipients(&self) -> &[Recipient] {
        &self.to
    }

    /// Adds a recipient (an email address converts into one).
    pub fn to(mut self, recipient: impl Into<Recipient>) -> Self {
        self.to.push(recipient.into());
        self
    }

    /// Adds every one of `recipients`.
    pub fn to_all<I: IntoIterator<Item = R>, R: Into<Recipient>>(mut self, recipients: I) -> Self {
        self.to.extend(recipients.into_iter().map(Into::into));
        self
    }

    /// Sets the `reply_to` address.
    pub fn reply_to(mut self, reply_to: impl Into<String>) -> Self {
        self.reply_to = Some(reply_to.into());
        self
    }

    /// Adds an address to `cc`.
    pub fn cc(mut self, email: impl Into<String>) -> Self {
        self.cc.push(email.into());
        self
    }

    /// Adds every one of `emails` to `cc`.
    pub fn cc_all<I: IntoIterator<Item = S>, S: Into<String>>(mut self, emails: I) -> Self {
        self.cc.extend(emails.into_iter().map(Into::into));
        self
    }

    /// Sets one merge-tag value of `custom_parameter` (replacing an earlier value for `key`).
    pub fn custom_parameter(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.custom_parameter
            .get_or_insert_with(Map::new)
            .insert(key.into(), value.into());
        self
    }

    /// Sets every merge-tag value in `values` (keeping earlier values of other keys).
    pub fn custom_parameters(mut self, values: Map<String, Value>) -> Self {
        self.custom_parameter
            .get_or_insert_with(Map::new)
            .extend(values);
        self
    }

    /// Adds an attachment.
    pub fn attachment(mut self, attachment: Attachment) -> Self {
        self.attachments.push(attachment);
        self
    }

    /// Adds every one of `attachments`.
    pub fn attachments(mut self, attachments: impl IntoIterator<Item = Attachment>) -> Self {
        self.attachments.extend(attachments);
        self
    }

    /// Adds an attachment the server fetches from a URL (`attachments_remote`).
    pub fn remote_attachment(mut self, attachment: RemoteAttachment) -> Self {
        self.attachments_remote.push(attachment);
        self
    }

    /// Adds every one of `attachments` to `attachments_remote`.
    pub fn remote_attachments(
        mut self,
        attachments: impl IntoIterator<Item = RemoteAttachment>,
    ) -> Self {
        self.attachments_remote.extend(attachments);
        self
    }

    /// Sets `add_email_address_to_contact`: whether recipients are added to the audience.
    pub fn add_email_address_to_contact(mut self, add: bool) -> Self {
        self.add_email_address_to_contact = Some(add);
        self
    }

    /// Sets `scheduled_at`: when to send, as an ISO-8601 timestamp such as
    /// `"2025-01-31T09:00:00Z"` (sent as given).
    pub fn scheduled_at(mut self, at: impl Into<String>) -> Self {
        self.scheduled_at = Some(at.into());
        self
    }

    /// Sets `allow_click_tracking`.
    pub fn allow_click_tracking(mut self, allow: bool) -> Self {
        self.allow_click_tracking = Some(allow);
        self
    }

    /// Sets `allow_open_tracking`.
    pub fn allow_open_tracking(mut self, allow: bool) -> Self {
        self.allow_open_tracking = Some(allow);
        self
    }

    /// Sets `ignore_contact_bounce`: send even to contacts that bounced before.
    pub fn ignore_contact_bounce(mut self, ignore: bool) -> Self {
        self.ignore_contact_bounce = Some(ignore);
        self
    }

    /// Sets `ignore_contact_unsubscribe`: send even to contacts that unsubscribed.
    pub fn ignore_contact_unsubscribe(mut self, ignore: bool) -> Self {
        self.ignore_contact_unsubscribe = Some(ignore);
        self
    }

    /// Sets `enable_view_in_browser`.
    pub fn enable_view_in_browser(mut self, enable: bool) -> Self {
        self.enable_view_in_browser = Some(enable);
        self
    }

    /// Sets `include_unsubscribe`: whether the email carries an unsubscribe link.
    pub fn include_unsubscribe(mut self, include: bool) -> Self {
        self.include_unsubscribe = Some(include);
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Adds every one of `tags`.
    pub fn tags<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tags: I) -> Self {
        self.tags.extend(tags.into_iter().map(Into::into));
        self
    }
}

impl Endpoint for SendMail {
    type Output = SendMailResponse;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::SendMail)
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        self.content.validate()?;
        if self.to.is_empty() {
            return Err(InvalidInput::new(
                "to",
                "at least one recipient is required",
            ));
        }
        for (i, recipient) in self.to.iter().enumerate() {
            check_not_blank(format!("to[{i}].email"), &recipient.email)?;
        }
        if let Some(reply_to) = &self.reply_to {
            check_not_blank("reply_to", reply_to)?;
        }
        for (i, cc) in self.cc.iter().enumerate() {
            check_not_blank(format!("cc[{i}]"), cc)?;
        }
        for (i, attachment) in self.attachments.iter().enumerate() {
            attachment.validate(i)?;
        }
        for (i, remote) in self.attachments_remote.iter().enumerate() {
            check_not_blank(
                format!("attachments_remote[{i}].remote_link"),
                &remote.remote_link,
            )?;
        }
        if let Some(at) = &self.scheduled_at {
            check_not_blank("scheduled_at", at)?;
        }
        Ok(())
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        json_body(self)
    }
}

/// One sent email of a [`SendMailResponse`]: `to`, and the `message_id` to pass to
/// [`MailStatus::new`].
pub type MailReport = crate::quota::SendReport;

/// The answer to [`SendMail`] (201).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SendMailResponse {
    /// What the server said in `success`; `None` when it did not say. An answer saying
    /// `false` never gets here: it ends in [`Error::Api`].
    pub success: Option<bool>,
    /// Recipients the email was not sent to (`failed_recipients`, also read from
    /// `failed_emails`). The elements' shape is undocumented (usually email strings), so they
    /// are kept as JSON.
    #[serde(
        alias = "failed_emails",
        deserialize_with = "crate::wire::null_as_default"
    )]
    pub failed_recipients: Vec<Value>,
    /// One entry per email sent.
    #[serde(deserialize_with = "crate::wire::null_as_default")]
    pub report: Vec<MailReport>,
    /// The account's email quotas after this send.
    pub quotas: Quotas,
    /// The sender address used.
    pub sender: Option<String>,
    /// The server's message, e.g. `"Transactional mails sent successfully"`.
    pub message: Option<String>,
}

/// A recipient of a [`SendDirectMail`]: `{email, name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[must_use]
pub struct DirectRecipient {
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

impl DirectRecipient {
    /// A recipient with an email address.
    pub fn new(email: impl Into<String>) -> Self {
        DirectRecipient {
            email: email.into(),
            name: None,
        }
    }

    /// Sets the display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The email address.
    pub fn email(&self) -> &str {
        &self.email
    }
}

impl From<&str> for DirectRecipient {
    fn from(email: &str) -> Self {
        DirectRecipient::new(email)
    }
}

impl From<String> for DirectRecipient {
    fn from(email: String) -> Self {
        DirectRecipient::new(email)
    }
}

/// `POST /webhook/mail/send-direct`: sends an email that Cocoonmail delivers without storing
/// reports or analytics (usage still counts).
///
/// Content, sender, subject and at least one recipient are required.
///
/// ```
/// use cocoon_core::{build_request, ApiKey, Config};
/// use cocoon_core::mail::{DirectRecipient, SendDirectMail};
/// let key = ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?;
/// let config = Config::new(key);
/// let mail = SendDirectMail::new("<p>Your report</p>", "reports@example.com", "Weekly report")
///     .to(DirectRecipient::new("ada@example.com").name("Ada"))
///     .reply_to("support@example.com");
/// let request = build_request(&config, &mail)?;
/// assert_eq!(request.uri(), "https://webhook.cocoonmail.com/webhook/mail/send-direct");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct SendDirectMail {
    email_content: String,
    sender: String,
    subject: String,
    to: Vec<DirectRecipient>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cc: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment>,
}

impl SendDirectMail {
    /// The HTML or text `email_content`, from `sender`, titled `subject`, with no recipients
    /// yet: add them with [`SendDirectMail::to`].
    pub fn new(
        email_content: impl Into<String>,
        sender: impl Into<String>,
        subject: impl Into<String>,
    ) -> Self {
        SendDirectMail {
            email_content: email_content.into(),
            sender: sender.into(),
            subject: subject.into(),
            to: Vec::new(),
            reply_to: None,
            cc: Vec::new(),
            attachments: Vec::new(),
        }
    }

    /// Adds a recipient (an email address converts into one).
    pub fn to(mut self, recipient: impl Into<DirectRecipient>) -> Self {
        self.to.push(recipient.into());
        self
    }

    /// Adds every one of `recipients`.
    pub fn to_all<I: IntoIterator<Item = R>, R: Into<DirectRecipient>>(
        mut self,
        recipients: I,
    ) -> Self {
        self.to.extend(recipients.into_iter().map(Into::into));
        self
    }

    /// Sets the `reply_to` address.
    pub fn reply_to(mut self, reply_to: impl Into<String>) -> Self {
        self.reply_to = Some(reply_to.into());
        self
    }

    /// Adds an address to `cc`.
    pub fn cc(mut self, email: impl Into<String>) -> Self {
        self.cc.push(email.into());
        self
    }

    /// Adds every one of `emails` to `cc`.
    pub fn cc_all<I: IntoIterator<Item = S>, S: Into<String>>(mut self, emails: I) -> Self {
        self.cc.extend(emails.into_iter().map(Into::into));
        self
    }

    /// Adds an attachment.
    pub fn attachment(mut self, attachment: Attachment) -> Self {
        self.attachments.push(attachment);
        self
    }

    /// Adds every one of `attachments`.
    pub fn attachments(mut self, attachments: impl IntoIterator<Item = Attachment>) -> Self {
        self.attachments.extend(attachments);
        self
    }
}

impl Endpoint for SendDirectMail {
    type Output = SendDirectMailResponse;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::SendDirectMail)
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        check_not_blank("email_content", &self.email_content)?;
        check_not_blank("sender", &self.sender)?;
        check_not_blank("subject", &self.subject)?;
        if self.to.is_empty() {
            return Err(InvalidInput::new(
                "to",
                "at least one recipient is required",
            ));
        }
        for (i, recipient) in self.to.iter().enumerate() {
            check_not_blank(format!("to[{i}].email"), &recipient.email)?;
        }
        if let Some(reply_to) = &self.reply_to {
            check_not_blank("reply_to", reply_to)?;
        }
        for (i, cc) in self.cc.iter().enumerate() {
            check_not_blank(format!("cc[{i}]"), cc)?;
        }
        for (i, attachment) in self.attachments.iter().enumerate() {
            attachment.validate(i)?;
        }
        Ok(())
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        json_body(self)
    }
}

/// The answer to [`SendDirectMail`] (201).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SendDirectMailResponse {
    /// What the server said in `success`; `None` when it did not say.
    pub success: Option<bool>,
    /// The server's message.
    pub message: Option<String>,
    /// The addresses the email was sent to.
    #[serde(deserialize_with = "crate::wire::null_as_default")]
    pub sent_recipients: Vec<String>,
    /// Recipients it could not be sent to (`failed_recipients`, also read from
    /// `failed_emails`); the elements' shape is undocumented, so they are kept as JSON.
    #[serde(
        alias = "failed_emails",
        deserialize_with = "crate::wire::null_as_default"
    )]
    pub failed_recipients: Vec<Value>,
    /// Recipients refused as invalid; kept as JSON for the same reason.
    #[serde(deserialize_with = "crate::wire::null_as_default")]
    pub invalid_recipients: Vec<Value>,
}

/// `POST /webhook/mail/usage`: reads the account's email usage and quotas (a POST with no body
/// that only reads, so retrying it is safe).
///
/// ```
/// use cocoon_core::{build_request, ApiKey, Config};
/// use cocoon_core::mail::MailUsage;
/// let key = ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?;
/// let request = build_request(&Config::new(key), &MailUsage::new())?;
/// assert_eq!(request.method(), http::Method::POST);
/// assert!(request.body().is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailUsage;

impl MailUsage {
    /// The request (it has no parameters).
    pub fn new() -> Self {
        MailUsage
    }
}

impl Endpoint for MailUsage {
    type Output = MailUsageResponse;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::MailUsage)
    }
}

/// The answer to [`MailUsage`]: its fields are undocumented beyond `success`, so the whole JSON
/// object is kept in [`MailUsageResponse::raw`], and a `quotas` object shaped like
/// [`SendMailResponse::quotas`] is read into [`MailUsageResponse::quotas`].
///
/// It serialises back as the raw object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "Value")]
#[non_exhaustive]
pub struct MailUsageResponse {
    /// What the server said in `success`; `None` when it did not say.
    #[serde(skip)]
    pub success: Option<bool>,
    /// The quotas, read from the answer's `quotas` object (empty when there is none).
    #[serde(skip)]
    pub quotas: Quotas,
    /// The whole answer as received (an empty object when the answer was not an object).
    #[serde(flatten)]
    pub raw: Map<String, Value>,
}

impl From<Value> for MailUsageResponse {
    fn from(value: Value) -> Self {
        let raw = match value {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        MailUsageResponse {
            success: raw.get("success").and_then(Value::as_bool),
            quotas: raw
                .get("quotas")
                .and_then(|q| Quotas::deserialize(q).ok())
                .unwrap_or_default(),
            raw,
        }
    }
}

/// `GET /webhook/mail/status?message_id=<id>`: reads the delivery and engagement status of a
/// sent email. An unknown id ends in [`Error::NotFound`].
///
/// ```
/// use cocoon_core::{build_request, ApiKey, Config};
/// use cocoon_core::mail::MailStatus;
/// let key = ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?;
/// let request = build_request(&Config::new(key), &MailStatus::new("<abc+1@mail.example.com>"))?;
/// assert_eq!(
///     request.uri(),
///     "https://webhook.cocoonmail.com/webhook/mail/status?message_id=%3Cabc%2B1%40mail.example.com%3E"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailStatus {
    message_id: String,
}

impl MailStatus {
    /// The status of the email `message_id` (from [`MailReport::message_id`]).
    pub fn new(message_id: impl Into<String>) -> Self {
        MailStatus {
            message_id: message_id.into(),
        }
    }

    /// The message id asked about.
    pub fn message_id(&self) -> &str {
        &self.message_id
    }
}

impl Endpoint for MailStatus {
    type Output = MailStatusResponse;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::MailStatus)
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        check_not_blank("message_id", &self.message_id)
    }

    fn query(&self, query: &mut Query<'_>) {
        query.push("message_id", &self.message_id);
    }
}

/// The answer to [`MailStatus`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct MailStatusResponse {
    /// The server's message.
    pub message: Option<String>,
    /// The email's status (all fields unknown when the answer had no `data`).
    #[serde(deserialize_with = "crate::wire::null_as_default")]
    pub data: MailStatusData,
}

/// A sent email's status (API.md §4.5). Flags and counts are `None` when the server did not
/// send them; timestamps are ISO-8601 strings as sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct MailStatusData {
    /// The email's `Message-ID` header.
    pub x_message_id: Option<String>,
    /// The email's content.
    pub mail_content: Option<String>,
    /// The subject.
    pub subject: Option<String>,
    /// The recipient's name.
    pub name: Option<String>,
    /// The recipient's address.
    pub email: Option<String>,
    /// Whether it was sent.
    pub sent: Option<bool>,
    /// Whether it was delivered.
    pub delivered: Option<bool>,
    /// Whether it bounced.
    pub bounced: Option<bool>,
    /// Whether the recipient unsubscribed through it.
    pub unsubscribed: Option<bool>,
    /// Whether it was opened.
    pub open: Option<bool>,
    /// Whether a link in it was clicked.
    pub clicked: Option<bool>,
    /// Whether it can be sent.
    pub sendable: Option<bool>,
    /// Whether sending failed.
    pub failed: Option<bool>,
    /// How many times it was opened (read from a number or a numeric string).
    #[serde(deserialize_with = "crate::wire::opt_u64")]
    pub opened_count: Option<u64>,
    /// How many times a link was clicked (read from a number or a numeric string).
    #[serde(deserialize_with = "crate::wire::opt_u64")]
    pub clicked_count: Option<u64>,
    /// When it was sent.
    pub sent_at: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<String>,
    /// When it bounced.
    pub bounced_at: Option<String>,
    /// When the recipient unsubscribed.
    pub unsubscribed_at: Option<String>,
    /// When it was scheduled for.
    pub scheduled_at: Option<String>,
    /// When it was created.
    pub created: Option<String>,
    /// The bounce's error text.
    pub bounced_error: Option<String>,
    /// The bounce's type.
    pub bounce_type: Option<String>,
    /// The receiving server's SMTP reply code, e.g. `"250"` (`SMTP_code` on the wire; a number
    /// is read as its text).
    #[serde(rename = "SMTP_code", deserialize_with = "crate::wire::opt_string")]
    pub smtp_code: Option<String>,
    /// The receiving server's SMTP error (`SMTP_error` on the wire).
    #[serde(rename = "SMTP_error")]
    pub smtp_error: Option<String>,
    /// The predefined transactional email's id, when one was used (a number is read as its
    /// text).
    #[serde(deserialize_with = "crate::wire::opt_string")]
    pub transactional_mail_id: Option<String>,
    /// The predefined transactional email's name.
    pub transactional_name: Option<String>,
    /// Opens and clicks, one entry each.
    #[serde(deserialize_with = "crate::wire::null_as_default")]
    pub tracking_logs: Vec<TrackingLog>,
}

/// One open or click of a sent email.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct TrackingLog {
    /// What happened (`type` on the wire).
    #[serde(rename = "type")]
    pub kind: Option<TrackingEvent>,
    /// The client's user agent.
    pub user_agent: Option<String>,
    /// The email client's family.
    pub client_family: Option<String>,
    /// The email client's version.
    pub client_version: Option<String>,
    /// The operating system's name.
    pub os_name: Option<String>,
    /// The operating system's version.
    pub os_version: Option<String>,
    /// The device type.
    pub device_type: Option<String>,
    /// The client's IP address.
    pub ip_address: Option<String>,
    /// When it happened.
    pub created: Option<String>,
}

/// The `type` of a [`TrackingLog`]: an open set, so values this SDK does not know are kept in
/// [`TrackingEvent::Other`]. Known values are matched without regard to case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum TrackingEvent {
    /// `"OPEN"`: the email was opened.
    Open,
    /// `"CLICK"`: a link was clicked.
    Click,
    /// Any other value, as sent.
    Other(String),
}

impl TrackingEvent {
    /// The value as on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            TrackingEvent::Open => "OPEN",
            TrackingEvent::Click => "CLICK",
            TrackingEvent::Other(other) => other,
        }
    }
}

impl From<String> for TrackingEvent {
    fn from(value: String) -> Self {
        if value.eq_ignore_ascii_case("OPEN") {
            TrackingEvent::Open
        } else if value.eq_ignore_ascii_case("CLICK") {
            TrackingEvent::Click
        } else {
            TrackingEvent::Other(value)
        }
    }
}

impl From<TrackingEvent> for String {
    fn from(event: TrackingEvent) -> Self {
        match event {
            TrackingEvent::Other(other) => other,
            known => known.as_str().to_owned(),
        }
    }
}

/// Standard base64 (RFC 4648 §4) with `=` padding. Decoding also accepts a last symbol whose
/// unused low bits are not zero (`"Zh=="` for `"f"`), a non-canonical spelling that RFC 4648
/// §3.5 lets decoders refuse: the API's decoder is not known to refuse it, so neither does the
/// SDK.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// Whether `text` is standard base64 with `=` padding and no whitespace.
fn is_base64(text: &str) -> bool {
    BASE64.decode(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::Quota;
    use crate::test_support::{answer, wire};
    use serde_json::json;

    fn body_json(body: &str) -> Value {
        serde_json::from_str(body).expect("body is JSON")
    }

    fn refused<E: Endpoint>(endpoint: &E) -> InvalidInput {
        match crate::build_request(&crate::test_support::config(), endpoint) {
            Err(Error::InvalidInput(e)) => e,
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    // ---- SendMail: the wire ----

    #[test]
    fn raw_mail_with_one_recipient_is_minimal() {
        let mail = SendMail::new(MailContent::raw("<p>Hi</p>", "s@example.com", "Hello"))
            .to("a@example.com");
        let w = wire(&mail);
        assert_eq!(w.method, "POST");
        assert_eq!(w.path, "/webhook/mail/send");
        assert_eq!(
            w.body,
            r#"{"email_content":"<p>Hi</p>","sender":"s@example.com","subject":"Hello","to":[{"email":"a@example.com"}]}"#
        );
    }

    #[test]
    fn template_and_transactional_modes_send_only_their_fields() {
        let mail = SendMail::new(MailContent::template(
            "4f1c1a2e-0000-4000-8000-000000000001",
            "s@example.com",
            "Your order",
        ))
        .to("a@example.com");
        assert_eq!(
            wire(&mail).body,
            r#"{"template_uuid":"4f1c1a2e-0000-4000-8000-000000000001","sender":"s@example.com","subject":"Your order","to":[{"email":"a@example.com"}]}"#
        );

        let mail = SendMail::new(MailContent::transactional("tx_welcome")).to("a@example.com");
        assert_eq!(
            wire(&mail).body,
            r#"{"transactional_id":"tx_welcome","to":[{"email":"a@example.com"}]}"#
        );
    }

    #[test]
    fn every_optional_field_goes_on_the_wire_with_its_exact_name() {
        let mail = SendMail::new(MailContent::raw(
            "<p>Hi {{first}}</p>",
            "s@example.com",
            "Hi",
        ))
        .to(Recipient::new("a@example.com")
            .name("Ada Lovelace")
            .first_name("Ada")
            .middle_name("King")
            .last_name("Lovelace")
            .attribute("plan", "pro")
            .attribute("seats", 3)
            .list("newsletter")
            .lists(["beta"])
            .tag("vip")
            .tags(["early"])
            .gender("female")
            .age(36)
            .address1("12 St James's Square")
            .address2("Flat 1")
            .city("London")
            .state("Greater London")
            .country("GB")
            .postal_code("SW1Y 4JH")
            .designation("Analyst")
            .company("Analytical Engines Ltd")
            .industry("Computing")
            .description("First programmer")
            .anniversary_date("1835-07-08"))
        .to_all(["b@example.com"])
        .reply_to("support@example.com")
        .cc("c@example.com")
        .cc_all(["d@example.com"])
        .custom_parameter("first", "Ada")
        .custom_parameters(Map::from_iter([("n".to_owned(), json!(2))]))
        .attachment(Attachment::new("a.txt", "text/plain", b"foo"))
        .attachments([
            Attachment::from_base64("b.bin", "application/octet-stream", "AAE=").unwrap(),
        ])
        .remote_attachment(RemoteAttachment::new("https://example.com/c.pdf"))
        .remote_attachments([RemoteAttachment::new("https://example.com/d.pdf")])
        .add_email_address_to_contact(true)
        .scheduled_at("2025-01-31T09:00:00Z")
        .allow_click_tracking(true)
        .allow_open_tracking(false)
        .ignore_contact_bounce(true)
        .ignore_contact_unsubscribe(false)
        .enable_view_in_browser(true)
        .include_unsubscribe(true)
        .tag("welcome")
        .tags(["q1"]);
        let w = wire(&mail);
        assert_eq!(
            w.body,
            concat!(
                r#"{"email_content":"<p>Hi {{first}}</p>","sender":"s@example.com","subject":"Hi","#,
                r#""to":[{"email":"a@example.com","name":"Ada Lovelace","first_name":"Ada","middle_name":"King","#,
                r#""last_name":"Lovelace","attributes":{"plan":"pro","seats":3},"lists":["newsletter","beta"],"#,
                r#""tags":["vip","early"],"gender":"female","age":36,"Address1":"12 St James's Square","#,
                r#""Address2":"Flat 1","city":"London","state":"Greater London","country":"GB","#,
                r#""postal_code":"SW1Y 4JH","designation":"Analyst","company":"Analytical Engines Ltd","#,
                r#""industry":"Computing","description":"First programmer","anniversary_date":"1835-07-08"},"#,
                r#"{"email":"b@example.com"}],"#,
                r#""reply_to":"support@example.com","cc":["c@example.com","d@example.com"],"#,
                r#""custom_parameter":{"first":"Ada","n":2},"#,
                r#""attachments":[{"filename":"a.txt","contentType":"text/plain","data":"Zm9v"},"#,
                r#"{"filename":"b.bin","contentType":"application/octet-stream","data":"AAE="}],"#,
                r#""attachments_remote":[{"remote_link":"https://example.com/c.pdf"},"#,
                r#"{"remote_link":"https://example.com/d.pdf"}],"#,
                r#""add_email_address_to_contact":true,"scheduled_at":"2025-01-31T09:00:00Z","#,
                r#""allow_click_tracking":true,"allow_open_tracking":false,"ignore_contact_bounce":true,"#,
                r#""ignore_contact_unsubscribe":false,"enable_view_in_browser":true,"include_unsubscribe":true,"#,
                r#""tags":["welcome","q1"]}"#
            )
        );
        // The same, field by field, for the names that are easy to get wrong.
        let v = body_json(&w.body);
        assert_eq!(v["to"][0]["Address1"], "12 St James's Square");
        assert_eq!(v["to"][0]["Address2"], "Flat 1");
        assert_eq!(v["attachments"][0]["contentType"], "text/plain");
        assert_eq!(v["custom_parameter"], json!({"first": "Ada", "n": 2}));
        assert_eq!(v["cc"], json!(["c@example.com", "d@example.com"]));
        assert!(v.get("address1").is_none() && v.get("custom_parameters").is_none());
    }

    #[test]
    fn attributes_and_custom_parameters_merge_by_key() {
        let mail = SendMail::new(MailContent::transactional("t"))
            .to(Recipient::new("a@example.com")
                .attribute("a", 1)
                .attributes(Map::from_iter([
                    ("a".to_owned(), json!(2)),
                    ("b".to_owned(), json!(true)),
                ])))
            .custom_parameter("x", "old")
            .custom_parameter("x", "new");
        let v = body_json(&wire(&mail).body);
        assert_eq!(v["to"][0]["attributes"], json!({"a": 2, "b": true}));
        assert_eq!(v["custom_parameter"], json!({"x": "new"}));
    }

    #[test]
    fn mail_send_is_not_idempotent() {
        let mail = SendMail::new(MailContent::transactional("t")).to("a@example.com");
        assert_eq!(mail.idempotency(), crate::Idempotency::NotIdempotent);
    }

    // ---- SendMail: refused inputs ----

    #[test]
    fn mail_without_recipients_is_refused() {
        let e = refused(&SendMail::new(MailContent::transactional("t")));
        assert_eq!(e.field, "to");
    }

    #[test]
    fn empty_required_strings_are_refused_with_their_wire_name() {
        let ok = |content| SendMail::new(content).to("a@example.com");
        assert_eq!(
            refused(&ok(MailContent::raw("", "s@e.com", "S"))).field,
            "email_content"
        );
        assert_eq!(
            refused(&ok(MailContent::raw("c", " ", "S"))).field,
            "sender"
        );
        assert_eq!(
            refused(&ok(MailContent::raw("c", "s@e.com", ""))).field,
            "subject"
        );
        assert_eq!(
            refused(&ok(MailContent::template("", "s@e.com", "S"))).field,
            "template_uuid"
        );
        assert_eq!(
            refused(&ok(MailContent::template("u", "", "S"))).field,
            "sender"
        );
        assert_eq!(
            refused(&ok(MailContent::transactional(""))).field,
            "transactional_id"
        );

        let base = || SendMail::new(MailContent::transactional("t")).to("a@example.com");
        assert_eq!(refused(&base().to("")).field, "to[1].email");
        assert_eq!(refused(&base().reply_to("")).field, "reply_to");
        assert_eq!(refused(&base().cc("x@e.com").cc("")).field, "cc[1]");
        assert_eq!(
            refused(&base().attachment(Attachment::new("", "text/plain", b"x"))).field,
            "attachments[0].filename"
        );
        assert_eq!(
            refused(&base().attachment(Attachment::new("a", "", b"x"))).field,
            "attachments[0].contentType"
        );
        assert_eq!(
            refused(&base().remote_attachment(RemoteAttachment::new(""))).field,
            "attachments_remote[0].remote_link"
        );
        assert_eq!(refused(&base().scheduled_at("")).field, "scheduled_at");
    }

    // ---- SendMail: the answer ----

    #[test]
    fn send_answer_of_the_docs_decodes() {
        let mail = SendMail::new(MailContent::transactional("t")).to("a@example.com");
        let out = answer(
            &mail,
            201,
            r#"{"success": true, "failed_recipients": [], "report": [{"to": "a@example.com", "message_id": "msg-1"}],
                "quotas": {"MAX_SEND_MAIL_PER_DAY": {"limit": 1000, "usage": 12},
                           "MAX_SEND_MAIL_PER_MONTH_TRANSACTIONAL": {"limit": 30000, "usage": 340}},
                "sender": "s@example.com", "message": "Transactional mails sent successfully"}"#,
        )
        .unwrap();
        assert_eq!(out.success, Some(true));
        assert!(out.failed_recipients.is_empty());
        assert_eq!(out.report.len(), 1);
        assert_eq!(out.report[0].to.as_deref(), Some("a@example.com"));
        assert_eq!(out.report[0].message_id.as_deref(), Some("msg-1"));
        assert_eq!(
            out.quotas.per_day(),
            Some(&Quota::new(Some(1000), Some(12)))
        );
        assert_eq!(
            out.quotas.per_month_transactional().unwrap().remaining(),
            Some(29660)
        );
        assert_eq!(out.sender.as_deref(), Some("s@example.com"));
        assert_eq!(
            out.message.as_deref(),
            Some("Transactional mails sent successfully")
        );
    }

    #[test]
    fn send_answer_is_lenient() {
        let mail = SendMail::new(MailContent::transactional("t")).to("a@example.com");
        let out = answer(
            &mail,
            201,
            r#"{"failed_emails": ["x@example.com"], "report": null, "sender": null, "new_field": {"a": 1},
                "quotas": {"MAX_SEND_MAIL_PER_DAY": {"limit": "1000", "usage": "12"}}}"#,
        )
        .unwrap();
        assert_eq!(out.success, None);
        assert_eq!(out.failed_recipients, [json!("x@example.com")]);
        assert!(out.report.is_empty());
        assert_eq!(out.sender, None);
        assert_eq!(out.quotas.per_day().unwrap().remaining(), Some(988));

        let out = answer(&mail, 201, "{}").unwrap();
        assert_eq!(out, SendMailResponse::default());
        let out = answer(
            &mail,
            201,
            r#"{"quotas": null, "failed_recipients": null, "report": [{"to": "a@example.com"}]}"#,
        )
        .unwrap();
        assert!(out.quotas.is_empty() && out.failed_recipients.is_empty());
        assert_eq!(out.report[0].message_id, None);
    }

    #[test]
    fn send_answer_saying_failure_is_an_error() {
        let mail = SendMail::new(MailContent::transactional("t")).to("a@example.com");
        let err = answer(
            &mail,
            201,
            r#"{"success": false, "message": "sender not verified"}"#,
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::Api(e) if e.message.as_deref() == Some("sender not verified"))
        );
        let err = answer(&mail, 400, r#"{"message": "to is required"}"#).unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    }

    // ---- SendDirectMail ----

    #[test]
    fn direct_mail_wire() {
        let mail = SendDirectMail::new("<p>Hi</p>", "s@example.com", "Hello")
            .to(DirectRecipient::new("a@example.com").name("Ada"))
            .to("b@example.com");
        let w = wire(&mail);
        assert_eq!(w.method, "POST");
        assert_eq!(w.path, "/webhook/mail/send-direct");
        assert_eq!(
            w.body,
            r#"{"email_content":"<p>Hi</p>","sender":"s@example.com","subject":"Hello","to":[{"email":"a@example.com","name":"Ada"},{"email":"b@example.com"}]}"#
        );

        let mail = SendDirectMail::new("c", "s@example.com", "S")
            .to_all(["a@example.com"])
            .reply_to("r@example.com")
            .cc("c@example.com")
            .cc_all(["d@example.com"])
            .attachment(Attachment::new("f.txt", "text/plain", b"f"))
            .attachments([Attachment::new("g.txt", "text/plain", b"")]);
        assert_eq!(
            wire(&mail).body,
            concat!(
                r#"{"email_content":"c","sender":"s@example.com","subject":"S","to":[{"email":"a@example.com"}],"#,
                r#""reply_to":"r@example.com","cc":["c@example.com","d@example.com"],"#,
                r#""attachments":[{"filename":"f.txt","contentType":"text/plain","data":"Zg=="},"#,
                r#"{"filename":"g.txt","contentType":"text/plain","data":""}]}"#
            )
        );
    }

    #[test]
    fn direct_mail_refuses_missing_parts() {
        assert_eq!(
            refused(&SendDirectMail::new("c", "s@e.com", "S")).field,
            "to"
        );
        let to = |m: SendDirectMail| m.to("a@example.com");
        assert_eq!(
            refused(&to(SendDirectMail::new("", "s@e.com", "S"))).field,
            "email_content"
        );
        assert_eq!(
            refused(&to(SendDirectMail::new("c", "", "S"))).field,
            "sender"
        );
        assert_eq!(
            refused(&to(SendDirectMail::new("c", "s@e.com", " "))).field,
            "subject"
        );
        assert_eq!(
            refused(&to(SendDirectMail::new("c", "s@e.com", "S")).to("")).field,
            "to[1].email"
        );
        assert_eq!(
            refused(&to(SendDirectMail::new("c", "s@e.com", "S")).cc("")).field,
            "cc[0]"
        );
    }

    #[test]
    fn direct_mail_answer_decodes() {
        let mail = SendDirectMail::new("c", "s@example.com", "S").to("a@example.com");
        let out = answer(
            &mail,
            201,
            r#"{"success": true, "message": "Mail sent", "sent_recipients": ["a@example.com"],
                "failed_recipients": [], "invalid_recipients": ["not-an-email"]}"#,
        )
        .unwrap();
        assert_eq!(out.success, Some(true));
        assert_eq!(out.message.as_deref(), Some("Mail sent"));
        assert_eq!(out.sent_recipients, ["a@example.com"]);
        assert!(out.failed_recipients.is_empty());
        assert_eq!(out.invalid_recipients, [json!("not-an-email")]);

        let out = answer(
            &mail,
            201,
            r#"{"failed_emails": [{"email": "b@example.com"}], "sent_recipients": null}"#,
        )
        .unwrap();
        assert_eq!(out.failed_recipients, [json!({"email": "b@example.com"})]);
        assert!(out.sent_recipients.is_empty());
    }

    // ---- MailUsage ----

    #[test]
    fn usage_is_a_bodiless_post() {
        let w = wire(&MailUsage::new());
        assert_eq!(w.method, "POST");
        assert_eq!(w.path, "/webhook/mail/usage");
        assert_eq!(w.body, "");
        assert_eq!(MailUsage.idempotency(), crate::Idempotency::Idempotent);
    }

    #[test]
    fn usage_answer_keeps_the_whole_object_and_types_quotas() {
        let body = r#"{"success": true, "plan": "growth",
            "quotas": {"MAX_SEND_MAIL_PER_DAY": {"limit": 1000, "usage": "12"},
                       "MAX_SEND_MAIL_PER_MONTH_TRANSACTIONAL": {"limit": "30000", "usage": 340}}}"#;
        let out = answer(&MailUsage, 200, body).unwrap();
        assert_eq!(out.success, Some(true));
        assert_eq!(
            out.quotas.per_day(),
            Some(&Quota::new(Some(1000), Some(12)))
        );
        assert_eq!(
            out.quotas.per_month_transactional().unwrap().limit,
            Some(30000)
        );
        assert_eq!(out.raw.get("plan"), Some(&json!("growth")));
        assert_eq!(Value::Object(out.raw.clone()), body_json(body));
        // It serialises back as what was received.
        assert_eq!(serde_json::to_value(&out).unwrap(), body_json(body));
    }

    #[test]
    fn usage_answer_without_quotas_or_object_is_lenient() {
        let out = answer(&MailUsage, 200, r#"{"success": true, "quotas": "n/a"}"#).unwrap();
        assert!(out.quotas.is_empty());
        assert_eq!(out.raw.len(), 2);
        let out = answer(&MailUsage, 200, "[]").unwrap();
        assert_eq!(out, MailUsageResponse::default());
    }

    // ---- MailStatus ----

    #[test]
    fn status_is_a_get_with_an_encoded_message_id() {
        let w = wire(&MailStatus::new("<0100018f+abc@eu-west-1.example.com>"));
        assert_eq!(w.method, "GET");
        assert_eq!(
            w.path,
            "/webhook/mail/status?message_id=%3C0100018f%2Babc%40eu-west-1.example.com%3E"
        );
        assert_eq!(w.body, "");
        assert_eq!(refused(&MailStatus::new("")).field, "message_id");
    }

    #[test]
    fn status_answer_decodes_every_field() {
        let body = r#"{"message": "Mail status fetched", "data": {
            "x_message_id": "<m1@example.com>", "mail_content": "<p>Hi</p>", "subject": "Hello",
            "name": "Ada", "email": "a@example.com",
            "sent": true, "delivered": true, "bounced": false, "unsubscribed": false,
            "open": true, "clicked": true, "sendable": true, "failed": false,
            "opened_count": 2, "clicked_count": "1",
            "sent_at": "2025-01-31T09:00:00.123Z", "delivered_at": "2025-01-31T09:00:01.123456Z",
            "bounced_at": null, "unsubscribed_at": null, "scheduled_at": null,
            "created": "2025-01-31T08:59:59.000Z",
            "bounced_error": null, "bounce_type": null,
            "SMTP_code": "250", "SMTP_error": null,
            "transactional_mail_id": "tx_1", "transactional_name": "Welcome",
            "tracking_logs": [
                {"user_agent": "Mozilla/5.0", "client_family": "Gmail", "client_version": "1",
                 "os_name": "Android", "os_version": "14", "device_type": "mobile",
                 "ip_address": "203.0.113.9", "created": "2025-01-31T09:05:00Z", "type": "OPEN"},
                {"type": "CLICK"}, {"type": "SPAM_REPORT"}, {}
            ]}}"#;
        let out = answer(&MailStatus::new("m1"), 200, body).unwrap();
        assert_eq!(out.message.as_deref(), Some("Mail status fetched"));
        let d = &out.data;
        assert_eq!(d.x_message_id.as_deref(), Some("<m1@example.com>"));
        assert_eq!(d.mail_content.as_deref(), Some("<p>Hi</p>"));
        assert_eq!(d.subject.as_deref(), Some("Hello"));
        assert_eq!(d.name.as_deref(), Some("Ada"));
        assert_eq!(d.email.as_deref(), Some("a@example.com"));
        assert_eq!(
            [
                d.sent,
                d.delivered,
                d.bounced,
                d.unsubscribed,
                d.open,
                d.clicked,
                d.sendable,
                d.failed
            ],
            [
                Some(true),
                Some(true),
                Some(false),
                Some(false),
                Some(true),
                Some(true),
                Some(true),
                Some(false)
            ]
        );
        assert_eq!((d.opened_count, d.clicked_count), (Some(2), Some(1)));
        assert_eq!(d.sent_at.as_deref(), Some("2025-01-31T09:00:00.123Z"));
        assert_eq!(
            d.delivered_at.as_deref(),
            Some("2025-01-31T09:00:01.123456Z")
        );
        assert_eq!(
            (&d.bounced_at, &d.unsubscribed_at, &d.scheduled_at),
            (&None, &None, &None)
        );
        assert_eq!(d.created.as_deref(), Some("2025-01-31T08:59:59.000Z"));
        assert_eq!((&d.bounced_error, &d.bounce_type), (&None, &None));
        assert_eq!(d.smtp_code.as_deref(), Some("250"));
        assert_eq!(d.smtp_error, None);
        assert_eq!(d.transactional_mail_id.as_deref(), Some("tx_1"));
        assert_eq!(d.transactional_name.as_deref(), Some("Welcome"));
        let logs = &d.tracking_logs;
        assert_eq!(logs.len(), 4);
        assert_eq!(logs[0].kind, Some(TrackingEvent::Open));
        assert_eq!(logs[0].user_agent.as_deref(), Some("Mozilla/5.0"));
        assert_eq!(logs[0].client_family.as_deref(), Some("Gmail"));
        assert_eq!(logs[0].client_version.as_deref(), Some("1"));
        assert_eq!(logs[0].os_name.as_deref(), Some("Android"));
        assert_eq!(logs[0].os_version.as_deref(), Some("14"));
        assert_eq!(logs[0].device_type.as_deref(), Some("mobile"));
        assert_eq!(logs[0].ip_address.as_deref(), Some("203.0.113.9"));
        assert_eq!(logs[0].created.as_deref(), Some("2025-01-31T09:05:00Z"));
        assert_eq!(logs[1].kind, Some(TrackingEvent::Click));
        assert_eq!(
            logs[2].kind,
            Some(TrackingEvent::Other("SPAM_REPORT".into()))
        );
        assert_eq!(logs[3], TrackingLog::default());
    }

    #[test]
    fn status_answer_is_lenient() {
        let status = MailStatus::new("m1");
        let out = answer(&status, 200, r#"{"message": "ok"}"#).unwrap();
        assert_eq!(out.data, MailStatusData::default());
        let out = answer(&status, 200, r#"{"data": null}"#).unwrap();
        assert_eq!(out.data, MailStatusData::default());
        let out = answer(
            &status,
            200,
            r#"{"data": {"SMTP_code": 550, "transactional_mail_id": 42, "opened_count": "many",
                         "tracking_logs": null, "extra": [1, 2]}}"#,
        )
        .unwrap();
        assert_eq!(out.data.smtp_code.as_deref(), Some("550"));
        assert_eq!(out.data.transactional_mail_id.as_deref(), Some("42"));
        assert_eq!(out.data.opened_count, None);
        assert!(out.data.tracking_logs.is_empty());
    }

    #[test]
    fn status_of_an_unknown_message_is_not_found() {
        let err = answer(&MailStatus::new("nope"), 404, r#"{"message": "Not found"}"#).unwrap_err();
        assert!(matches!(err, Error::NotFound(_)));
    }

    #[test]
    fn tracking_events_serialise_as_sent() {
        assert_eq!(
            serde_json::to_string(&TrackingEvent::Open).unwrap(),
            r#""OPEN""#
        );
        assert_eq!(
            serde_json::to_string(&TrackingEvent::Other("BOUNCE".into())).unwrap(),
            r#""BOUNCE""#
        );
        assert_eq!(
            serde_json::from_str::<TrackingEvent>(r#""click""#).unwrap(),
            TrackingEvent::Click
        );
        assert_eq!(TrackingEvent::Click.as_str(), "CLICK");
    }

    // ---- base64 ----

    #[test]
    fn base64_rfc4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(input.as_bytes()), expected, "input {input:?}");
            assert!(is_base64(expected));
        }
    }

    #[test]
    fn base64_of_every_byte_value() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(
            base64_encode(&bytes),
            concat!(
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZH",
                "SElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6P",
                "kJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX",
                "2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w=="
            )
        );
        assert_eq!(base64_encode(&[0xFB, 0xFF]), "+/8=");
    }

    #[test]
    fn base64_text_is_checked() {
        for bad in [
            "Zg=",
            "Zg===",
            "Z===",
            "Zm9v\nYmFy",
            "Zm 9v",
            "Zm9v-_==",
            "=Zm9",
            "héé=",
        ] {
            assert!(!is_base64(bad), "{bad:?} should be refused");
            let e = Attachment::from_base64("f", "text/plain", bad).unwrap_err();
            assert_eq!(e.field, "data");
        }
    }

    /// What an attachment's `data` holds for `bytes`.
    fn base64_encode(bytes: &[u8]) -> String {
        Attachment::new("f", "application/octet-stream", bytes).data
    }

    /// The base64 of attachments against the hand-written code it replaced (kept here as the
    /// reference) and against the `base64` crate's strict standard engine: the same text for
    /// any bytes, and the verdicts of before on any text, which differ from the strict
    /// engine's only on a last symbol whose unused low bits are not zero (`"Z9a="`,
    /// `"Zh=="`): accepted, as before.
    mod base64_keeps_its_behaviour {
        use super::*;
        use base64::prelude::BASE64_STANDARD;
        use proptest::prelude::*;

        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

        /// The hand-written encoder the crate replaced.
        fn reference_encode(bytes: &[u8]) -> String {
            let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
            for chunk in bytes.chunks(3) {
                let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
                let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
                let sextet = |shift: u32| char::from(ALPHABET[((n >> shift) & 0x3F) as usize]);
                out.push(sextet(18));
                out.push(sextet(12));
                out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
                out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
            }
            out
        }

        /// The hand-written check the crate replaced.
        fn reference_accepts(text: &str) -> bool {
            let bytes = text.as_bytes();
            if bytes.len() % 4 != 0 {
                return false;
            }
            let padding = bytes.iter().rev().take_while(|&&b| b == b'=').count();
            padding <= 2
                && bytes[..bytes.len() - padding]
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        }

        fn accepted(text: &str) -> bool {
            Attachment::from_base64("f", "text/plain", text).is_ok()
        }

        fn base64_like() -> impl Strategy<Value = String> {
            prop_oneof![
                // Text over the alphabet, padding and a few strangers.
                "[A-Za-z0-9+/=_ .\n-]{0,16}",
                // Real encodings, one symbol replaced.
                (
                    prop::collection::vec(any::<u8>(), 0..12),
                    any::<prop::sample::Index>(),
                    "[A-Za-z0-9+/=]"
                )
                    .prop_map(|(bytes, at, symbol)| {
                        let mut text = BASE64_STANDARD.encode(bytes);
                        if !text.is_empty() {
                            let at = at.index(text.len());
                            text.replace_range(at..=at, &symbol);
                        }
                        text
                    }),
            ]
        }

        proptest! {
            #[test]
            fn encoding_is_what_it_was_and_standard(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
                let encoded = base64_encode(&bytes);
                prop_assert_eq!(&encoded, &reference_encode(&bytes));
                prop_assert_eq!(&encoded, &BASE64_STANDARD.encode(&bytes));
            }

            #[test]
            fn verdicts_are_what_they_were(text in base64_like()) {
                prop_assert_eq!(accepted(&text), reference_accepts(&text), "{:?}", text);
            }
        }

        #[test]
        fn trailing_bits_are_still_accepted() {
            for text in ["Z9a=", "Zh==", "AB=="] {
                assert!(accepted(text), "{text}");
                assert!(BASE64_STANDARD.decode(text).is_err(), "{text}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn base64_output_has_the_right_length_and_alphabet(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let encoded = base64_encode(&bytes);
            proptest::prop_assert_eq!(encoded.len(), bytes.len().div_ceil(3) * 4);
            proptest::prop_assert!(is_base64(&encoded));
            proptest::prop_assert!(Attachment::from_base64("f", "t", encoded.clone()).is_ok());
        }
    }
}

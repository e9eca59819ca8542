//! Files sent with an email: inline (base64) or fetched by the server from a URL.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::error::InvalidInput;
use crate::wire::check_not_blank;

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "AttachmentJson")]
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

    pub(super) fn validate(&self, index: usize) -> Result<(), InvalidInput> {
        check_not_blank(format!("attachments[{index}].filename"), &self.filename)?;
        check_not_blank(
            format!("attachments[{index}].contentType"),
            &self.content_type,
        )
    }
}

/// A file the server fetches from a URL and attaches (`{remote_link}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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

/// Standard base64 (RFC 4648 §4) with `=` padding. Decoding also accepts a last symbol whose
/// unused low bits are not zero (`"Zh=="` for `"f"`), a non-canonical spelling that RFC 4648
/// §3.5 lets decoders refuse: the API's decoder is not known to refuse it, so neither does the
/// SDK.
/// An attachment as JSON gives it, before [`Attachment::from_base64`] checks its `data`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttachmentJson {
    filename: String,
    #[serde(rename = "contentType")]
    content_type: String,
    data: String,
}

impl TryFrom<AttachmentJson> for Attachment {
    type Error = InvalidInput;

    fn try_from(json: AttachmentJson) -> Result<Self, Self::Error> {
        Attachment::from_base64(json.filename, json.content_type, json.data)
    }
}

const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// Whether `text` is standard base64 with `=` padding and no whitespace.
pub(super) fn is_base64(text: &str) -> bool {
    BASE64.decode(text).is_ok()
}

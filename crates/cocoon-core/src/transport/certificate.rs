//! A root certificate to trust besides the platform's, read from PEM or DER.

use std::fmt;
use std::sync::Arc;

/// A root (CA) certificate in DER form, for a client to trust in addition to the platform's
/// trust store: a company CA, or a test CA.
///
/// Reading one checks its framing only (PEM armour, base64, the outer DER structure); the TLS
/// library parses the certificate itself when the client is built, and refuses one it cannot use.
///
/// ```
/// use cocoon_core::transport::{Certificate, CertificateError};
///
/// let pem = "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n";
/// let cert = Certificate::from_pem(pem)?;
/// assert_eq!(cert.as_der(), [0x30, 0x03, 0x02, 0x01, 0x00]);
/// assert_eq!(Certificate::from_der(cert.as_der().to_vec())?, cert);
///
/// assert_eq!(Certificate::from_pem("no certificate here"), Err(CertificateError::NoCertificate));
/// # Ok::<(), CertificateError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Arc<[u8]>,
}

impl Certificate {
    /// A certificate from its DER bytes.
    pub fn from_der(der: impl Into<Vec<u8>>) -> Result<Self, CertificateError> {
        let der = der.into();
        check_der_framing(&der)?;
        Ok(Certificate { der: der.into() })
    }

    /// The one certificate of a PEM document (`-----BEGIN CERTIFICATE-----` ...). Other PEM
    /// blocks (a private key, say) are ignored; a document with several certificates is refused,
    /// read it with [`Certificate::bundle_from_pem`] instead.
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Result<Self, CertificateError> {
        let mut all = Certificate::bundle_from_pem(pem)?;
        match all.len() {
            1 => Ok(all.remove(0)),
            count => Err(CertificateError::SeveralCertificates { count }),
        }
    }

    /// Every certificate of a PEM bundle, in order (at least one).
    pub fn bundle_from_pem(pem: impl AsRef<[u8]>) -> Result<Vec<Self>, CertificateError> {
        let text = std::str::from_utf8(pem.as_ref()).map_err(|_| CertificateError::NotPem)?;
        let mut certificates = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find(BEGIN) {
            let body_and_after = &rest[start + BEGIN.len()..];
            let end = body_and_after
                .find(END)
                .ok_or(CertificateError::UnterminatedPem)?;
            let der = decode_base64(&body_and_after[..end])?;
            certificates.push(Certificate::from_der(der)?);
            rest = &body_and_after[end + END.len()..];
        }
        if certificates.is_empty() {
            return Err(CertificateError::NoCertificate);
        }
        Ok(certificates)
    }

    /// The certificate's DER bytes.
    pub fn as_der(&self) -> &[u8] {
        &self.der
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("der_len", &self.der.len())
            .finish()
    }
}

/// Why bytes could not be read as a [`Certificate`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// The PEM document holds no `-----BEGIN CERTIFICATE-----` block.
    #[error("no PEM certificate found (expected a -----BEGIN CERTIFICATE----- block)")]
    NoCertificate,
    /// The PEM document is not text.
    #[error("the PEM certificate is not text")]
    NotPem,
    /// A `-----BEGIN CERTIFICATE-----` block has no end line.
    #[error("the PEM certificate has no -----END CERTIFICATE----- line")]
    UnterminatedPem,
    /// The body of a PEM block is not base64.
    #[error("the PEM certificate's body is not valid base64")]
    InvalidBase64,
    /// The bytes are not one DER structure (a certificate is a DER `SEQUENCE`).
    #[error("the certificate is not DER: {reason}")]
    NotDer {
        /// What is wrong with the bytes.
        reason: &'static str,
    },
    /// [`Certificate::from_pem`] found several certificates.
    #[error(
        "the PEM document holds {count} certificates; read it with Certificate::bundle_from_pem"
    )]
    SeveralCertificates {
        /// How many.
        count: usize,
    },
}

impl From<CertificateError> for crate::Error {
    fn from(error: CertificateError) -> Self {
        crate::ConfigError::InvalidSetting {
            name: "root certificate",
            reason: error.to_string(),
        }
        .into()
    }
}

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

/// Checks that `der` is exactly one DER `SEQUENCE` (tag, length, that many bytes).
fn check_der_framing(der: &[u8]) -> Result<(), CertificateError> {
    let not_der = |reason| Err(CertificateError::NotDer { reason });
    let [tag, first_len, rest @ ..] = der else {
        return not_der("too short");
    };
    if *tag != 0x30 {
        return not_der("it does not start with a SEQUENCE");
    }
    let (len, contents) = if first_len & 0x80 == 0 {
        (usize::from(*first_len), rest)
    } else {
        let count = usize::from(first_len & 0x7f);
        if count == 0 || count > std::mem::size_of::<usize>() || rest.len() < count {
            return not_der("its length is malformed");
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, &byte| (acc << 8) | usize::from(byte));
        (len, &rest[count..])
    };
    if contents.len() != len {
        return not_der("its length does not match the bytes given");
    }
    Ok(())
}

/// Decodes standard base64 (`=` padding), skipping the whitespace of PEM line breaks.
fn decode_base64(text: &str) -> Result<Vec<u8>, CertificateError> {
    use base64::Engine as _;
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(digits)
        .map_err(|_| CertificateError::InvalidBase64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pem(base64: &str) -> String {
        format!("{BEGIN}\n{base64}\n{END}\n")
    }

    #[test]
    fn base64_round_trips_every_padding() {
        assert_eq!(decode_base64("").unwrap(), b"");
        assert_eq!(decode_base64("Zg==").unwrap(), b"f");
        assert_eq!(decode_base64("Zm8=").unwrap(), b"fo");
        assert_eq!(decode_base64("Zm9v").unwrap(), b"foo");
        assert_eq!(decode_base64("Zm9v\r\nYmFy").unwrap(), b"foobar");
        assert_eq!(decode_base64("+/+/").unwrap(), [0xfb, 0xff, 0xbf]);
        for bad in ["Zm9", "Zm9v!", "Z===", "Zg=A"] {
            assert_eq!(
                decode_base64(bad),
                Err(CertificateError::InvalidBase64),
                "{bad}"
            );
        }
    }

    #[test]
    fn der_framing_is_checked() {
        assert!(Certificate::from_der(vec![0x30, 0x00]).is_ok());
        assert!(Certificate::from_der(vec![0x30, 0x01, 0x05]).is_ok());
        let mut long = vec![0x30, 0x82, 0x01, 0x00];
        long.extend(std::iter::repeat_n(0u8, 256));
        assert!(Certificate::from_der(long.clone()).is_ok());
        long.push(0);
        for bad in [
            vec![],
            vec![0x30],
            vec![0x31, 0x00],
            vec![0x30, 0x02, 0x05],
            vec![0x30, 0x80],
            vec![0x30, 0x82, 0x01],
            long,
        ] {
            assert!(
                matches!(
                    Certificate::from_der(bad.clone()),
                    Err(CertificateError::NotDer { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn pem_documents_are_read() {
        let one = pem("MAMCAQA=");
        assert_eq!(
            Certificate::from_pem(&one).unwrap().as_der(),
            [0x30, 0x03, 0x02, 0x01, 0x00]
        );
        let with_key =
            format!("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n{one}");
        assert!(Certificate::from_pem(with_key).is_ok());

        let two = format!("{one}{}", pem("MAA="));
        assert_eq!(
            Certificate::from_pem(&two),
            Err(CertificateError::SeveralCertificates { count: 2 })
        );
        let bundle = Certificate::bundle_from_pem(&two).unwrap();
        assert_eq!(bundle[1].as_der(), [0x30, 0x00]);

        assert_eq!(
            Certificate::from_pem(""),
            Err(CertificateError::NoCertificate)
        );
        assert_eq!(
            Certificate::from_pem(format!("{BEGIN}\nMAA=\n")),
            Err(CertificateError::UnterminatedPem)
        );
        assert_eq!(
            Certificate::from_pem(pem("M!A=")),
            Err(CertificateError::InvalidBase64)
        );
        assert!(matches!(
            Certificate::from_pem(pem("AAAA")),
            Err(CertificateError::NotDer { .. })
        ));
        assert_eq!(
            Certificate::from_pem([0xff, 0xfe]),
            Err(CertificateError::NotPem)
        );
    }

    #[test]
    fn debug_shows_the_size_only() {
        let cert = Certificate::from_der(vec![0x30, 0x00]).unwrap();
        assert_eq!(format!("{cert:?}"), "Certificate { der_len: 2 }");
    }
}

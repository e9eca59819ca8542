//! Walking an error's causes, which is how the transports tell a TLS failure from the rest.

use std::error::Error;
use std::io;

/// The error and each of its causes, outermost first.
///
/// An [`io::Error`] that wraps another error is followed into the wrapped error itself: its own
/// [`Error::source`] skips that error and goes straight to the wrapped error's cause, which would
/// hide, for example, the `rustls::Error` an I/O error carries.
///
/// ```
/// use std::io;
/// use cocoon_core::transport::error_causes;
///
/// #[derive(Debug)]
/// struct Inner;
/// impl std::fmt::Display for Inner {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("inner")
///     }
/// }
/// impl std::error::Error for Inner {}
///
/// let outer = io::Error::new(io::ErrorKind::InvalidData, Inner);
/// assert!(error_causes(&outer).any(|cause| cause.is::<Inner>()));
/// ```
pub fn error_causes<'a>(
    error: &'a (dyn Error + 'static),
) -> impl Iterator<Item = &'a (dyn Error + 'static)> {
    std::iter::successors(Some(error), |&current| {
        match current.downcast_ref::<io::Error>() {
            Some(io) => match io.get_ref() {
                Some(inner) => Some(inner as &(dyn Error + 'static)),
                None => current.source(),
            },
            None => current.source(),
        }
    })
}

/// The error and its causes on one line, joined by `": "`; a cause whose text the line already
/// ends with is not repeated.
///
/// Only use it on errors whose messages hold no secret: the transports strip URLs (which may
/// carry a query) before describing an error, and no HTTP library they use puts header values
/// into its messages.
pub fn describe_error(error: &(dyn Error + 'static)) -> String {
    let mut out = String::new();
    for cause in error_causes(error) {
        let text = cause.to_string();
        if out.is_empty() {
            out = text;
        } else if !text.is_empty() && !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<dyn Error + Send + Sync>>);

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl Error for Layer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            self.1.as_deref().map(|e| e as &(dyn Error + 'static))
        }
    }

    #[test]
    fn the_walk_enters_io_errors() {
        let deepest = Layer("certificate unknown", None);
        let io = io::Error::new(io::ErrorKind::InvalidData, deepest);
        let outer = Layer("client error (Connect)", Some(Box::new(io)));
        let texts: Vec<String> = error_causes(&outer).map(|e| e.to_string()).collect();
        assert_eq!(
            texts,
            [
                "client error (Connect)",
                "certificate unknown",
                "certificate unknown"
            ]
        );
        assert_eq!(
            describe_error(&outer),
            "client error (Connect): certificate unknown"
        );
    }

    #[test]
    fn a_plain_io_error_ends_the_walk() {
        let io = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(error_causes(&io).count(), 1);
    }
}

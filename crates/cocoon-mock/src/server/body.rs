//! Response bodies: whole answers, and the two faults that hyper expresses as streaming
//! bodies (a huge body never built in memory, a body that fails half-way).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

/// Bytes per chunk of a huge body.
const CHUNK: usize = 64 * 1024;

/// What a response carries.
#[derive(Debug)]
pub(crate) enum MockBody {
    /// The whole body at once (taken when sent).
    Full(Option<Bytes>),
    /// `prefix`, then `fill` repeated `left` times in chunks, then `suffix`.
    Huge {
        prefix: Option<Bytes>,
        chunk: Bytes,
        left: usize,
        suffix: Option<Bytes>,
        size: u64,
    },
    /// `part`, then (after one pending poll, so that hyper flushes it) an error, which makes
    /// hyper abort the connection short of the announced length.
    Truncated {
        part: Option<Bytes>,
        flushed: bool,
        announced: u64,
    },
}

impl MockBody {
    pub(crate) fn full(bytes: impl Into<Bytes>) -> Self {
        MockBody::Full(Some(bytes.into()))
    }

    /// A `200` JSON body of exactly `size` bytes when `size` is at least 48, otherwise
    /// `size` spaces.
    pub(crate) fn huge(size: usize) -> Self {
        const PREFIX: &[u8] = br#"{"success":true,"message":"huge","padding":""#;
        const SUFFIX: &[u8] = br#""}"#;
        let framed = size >= PREFIX.len() + SUFFIX.len();
        let (fill, left) = if framed {
            (b'x', size - PREFIX.len() - SUFFIX.len())
        } else {
            (b' ', size)
        };
        MockBody::Huge {
            prefix: framed.then(|| Bytes::from_static(PREFIX)),
            chunk: Bytes::from(vec![fill; CHUNK.min(left)]),
            left,
            suffix: framed.then(|| Bytes::from_static(SUFFIX)),
            size: size as u64,
        }
    }

    /// The first half of `whole`, announced as all of it.
    pub(crate) fn truncated(whole: &'static [u8]) -> Self {
        MockBody::Truncated {
            part: Some(Bytes::from_static(&whole[..whole.len() / 2])),
            flushed: false,
            announced: whole.len() as u64,
        }
    }
}

impl Body for MockBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        let data = match this {
            MockBody::Full(bytes) => bytes.take(),
            MockBody::Huge {
                prefix,
                chunk,
                left,
                suffix,
                ..
            } => prefix.take().or_else(|| {
                if *left > 0 {
                    let n = (*left).min(chunk.len());
                    *left -= n;
                    Some(chunk.slice(..n))
                } else {
                    suffix.take()
                }
            }),
            MockBody::Truncated { part, flushed, .. } => {
                if let Some(part) = part.take() {
                    Some(part)
                } else if !*flushed {
                    // Pending once: hyper writes what it buffered before polling again.
                    *flushed = true;
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                } else {
                    return Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        "truncated body fault",
                    ))));
                }
            }
        };
        Poll::Ready(data.map(|d| Ok(Frame::data(d))))
    }

    fn is_end_stream(&self) -> bool {
        match self {
            MockBody::Full(bytes) => bytes.is_none(),
            MockBody::Huge {
                prefix,
                left,
                suffix,
                ..
            } => prefix.is_none() && *left == 0 && suffix.is_none(),
            MockBody::Truncated { .. } => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            MockBody::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            MockBody::Huge { size, .. } => SizeHint::with_exact(*size),
            MockBody::Truncated { announced, .. } => SizeHint::with_exact(*announced),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn collect(body: MockBody) -> Vec<u8> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(body.collect()).unwrap().to_bytes().to_vec()
    }

    #[test]
    fn huge_bodies_have_exactly_the_size_asked() {
        for size in [0, 10, 47, 48, 49, CHUNK, CHUNK * 3 + 7] {
            let body = MockBody::huge(size);
            assert_eq!(body.size_hint().exact(), Some(size as u64));
            let bytes = collect(body);
            assert_eq!(bytes.len(), size);
            if size >= 48 {
                let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                assert_eq!(json["success"], true);
            }
        }
    }

    #[test]
    fn truncated_bodies_fail_after_half() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut body = MockBody::truncated(b"0123456789");
        assert_eq!(body.size_hint().exact(), Some(10));
        rt.block_on(async {
            let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
            assert_eq!(&first[..], b"01234");
            assert!(body.frame().await.unwrap().is_err());
        });
    }
}

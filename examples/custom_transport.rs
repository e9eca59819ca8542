//! The core (`cocoon_core`) inside your own HTTP stack: no reqwest, no ureq.
//!
//! ```text
//! cargo run --example custom_transport
//! ```
//!
//! The core builds an `http::Request<Vec<u8>>` and decodes an `http::Response<Vec<u8>>`; moving
//! the bytes is yours. Here a minimal HTTP/1.1 exchange over `std::net::TcpStream` (plain
//! loopback only, against the embedded fake server) plays the company-wide HTTP client, first
//! with the core alone, then plugged into the facade's blocking client to get rate limiting and
//! retries too.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use cocoonmail::core::contacts::{ContactRef, CreateContact, FindContact};
use cocoonmail::core::{build_request, decode_response, ApiKey, Config};
use cocoonmail::{Error, TransportError, TransportErrorKind};

/// The dozen lines a user writes: send the request, read the answer, keep every header.
fn exchange(request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
    let io = |e: std::io::Error| TransportError::new(TransportErrorKind::Io, e.to_string());
    let authority = request
        .uri()
        .authority()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let mut stream = TcpStream::connect(&authority)
        .map_err(|e| TransportError::new(TransportErrorKind::Connect, e.to_string()))?;
    let target = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n",
        request.method()
    );
    for (name, value) in request.headers() {
        head += &format!("{name}: {}\r\n", value.to_str().unwrap_or_default());
    }
    head += &format!("Content-Length: {}\r\n\r\n", request.body().len());
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(request.body()))
        .map_err(io)?;

    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).map_err(io)?;
    let status = line.split(' ').nth(1).and_then(|s| s.parse::<u16>().ok());
    let mut response = http::Response::builder().status(status.unwrap_or(0));
    loop {
        line.clear();
        reader.read_line(&mut line).map_err(io)?;
        match line.trim_end().split_once(':') {
            Some((name, value)) => response = response.header(name, value.trim()),
            None => break,
        }
    }
    let mut body = Vec::new();
    reader.take(4 << 20).read_to_end(&mut body).map_err(io)?;
    response
        .body(body)
        .map_err(|e| TransportError::new(TransportErrorKind::Io, e.to_string()))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = cocoon_mock::MockServer::start();

    // 1. The core alone: build, send with your stack, decode.
    let config = Config::builder(ApiKey::new(cocoon_mock::DEFAULT_API_KEY)?)
        .base_url(server.base_url())
        .build()?;
    let create = CreateContact::new("ada@example.com").first_name("Ada");
    let created = decode_response(&create, exchange(build_request(&config, &create)?)?)?;
    println!(
        "core only: created contact {}",
        created.id.unwrap_or_default()
    );

    // 2. The same stack as the facade's transport: rate limiting and retries come with it.
    let client = cocoonmail::blocking::Client::builder()
        .api_key(cocoon_mock::DEFAULT_API_KEY)
        .base_url(server.base_url())
        .build_with_transport(exchange)?;
    let found = client.send(FindContact::new(ContactRef::email("ada@example.com")))?;
    println!(
        "facade on the custom transport: found {} contact(s)",
        found.len()
    );

    // Errors are the same typed errors whatever the transport.
    match client
        .contacts()
        .create(CreateContact::new("ada@example.com"))
    {
        Err(Error::Conflict(answer)) => println!("creating it again: {answer}"),
        other => return Err(format!("expected a conflict, got {other:?}").into()),
    }
    Ok(())
}

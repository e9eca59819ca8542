//! A loopback address that refuses every connection, shared by the test suites that need one.

use std::net::SocketAddr;
use std::sync::OnceLock;

use socket2::{Domain, Socket, Type};

/// A loopback address that refuses every connection for as long as this test process runs.
///
/// A port freed after a bind is free for anyone: a server started by a test running beside this
/// one may be given it and answer. So the port stays bound by a socket that never listens and
/// does not allow reuse: connecting is refused, and nothing else can bind it.
pub fn refused_addr() -> SocketAddr {
    static HELD: OnceLock<(Socket, SocketAddr)> = OnceLock::new();
    HELD.get_or_init(|| {
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a TCP socket");
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        socket.bind(&any.into()).expect("bind a loopback port");
        let addr = socket
            .local_addr()
            .expect("local address")
            .as_socket()
            .expect("an IP address");
        (socket, addr)
    })
    .1
}

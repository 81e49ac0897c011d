//! The virtual clock reaches libssl: OpenSSL's DTLS timer runs on `ClockScope` time.

use dtls_peer_openssl::{ClockScope, clock_is_virtual, dtls_get_timeout};
use openssl::ssl::{SslContext, SslMethod, SslStream};
use std::io::{self, Read, Write};

#[derive(Default)]
struct Sink(Vec<Vec<u8>>);
impl Read for Sink {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::ErrorKind::WouldBlock.into())
    }
}
impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.push(b.to_vec());
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn gettimeofday_is_virtual_inside_a_scope() {
    assert!(
        clock_is_virtual(),
        "libc's gettimeofday is not overridden in this executable"
    );
}

#[test]
fn openssl_dtls_timer_follows_the_virtual_clock() {
    let ctx = SslContext::builder(SslMethod::dtls()).unwrap().build();
    let ssl = openssl::ssl::Ssl::new(&ctx).unwrap();
    let mut s = SslStream::new(ssl, Sink::default()).unwrap();
    {
        let _c = ClockScope::enter(1_000_000);
        let _ = s.connect();
        assert_eq!(s.get_ref().0.len(), 1, "one ClientHello");
        assert_eq!(dtls_get_timeout(s.ssl()).map(|d| d.as_millis()), Some(1000));
    }
    {
        // 400 ms of virtual time later, 600 ms remain, whatever the real clock did.
        let _c = ClockScope::enter(1_000_400);
        assert_eq!(dtls_get_timeout(s.ssl()).map(|d| d.as_millis()), Some(600));
    }
}

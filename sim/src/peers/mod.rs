//! Adapters for other DTLS implementations (OpenSSL, dimpl, tinydtls, ...), each behind the
//! [`Implementation`] seam. This directory belongs to the adapters' authors; the rest of the
//! simulator only calls [`implementations`].

use crate::implementation::Implementation;

/// The adapters compiled into this build, in the order reports list them.
pub fn implementations() -> Vec<Box<dyn Implementation>> {
    Vec::new()
}

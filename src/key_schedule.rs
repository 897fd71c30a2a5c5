//! The TLS 1.3 key schedule (RFC 8446 §7.1): HKDF-Expand-Label,
//! Derive-Secret, and the secret chain early → handshake → master, as a
//! typestate so that traffic keys can only come from the right stage.
//! Also Finished keys (§4.4.4), traffic key/IV derivation (§7.3), KeyUpdate
//! (§7.2), exporters (§7.5), resumption PSKs (§4.6.1) and key logging.

use alloc::vec::Vec;

use zeroize::Zeroizing;

use crate::crypto::aead::NONCE_LEN;
use crate::crypto::hash::{HashAlgorithm, Output};
use crate::crypto::suites::SuiteParams;

/// HKDF-Expand-Label(secret, label, context, out.len()) (§7.1); `label`
/// excludes the "tls13 " prefix.
pub fn hkdf_expand_label(
    _hash: HashAlgorithm,
    _secret: &[u8],
    _label: &[u8],
    _context: &[u8],
    _out: &mut [u8],
) {
    todo!()
}

/// Derive-Secret(secret, label, transcript_hash) (§7.1), where the caller
/// passes the transcript hash already computed.
pub fn derive_secret(
    _hash: HashAlgorithm,
    _secret: &[u8],
    _label: &[u8],
    _transcript_hash: &[u8],
) -> Output {
    todo!()
}

/// Stage 1: the early secret, from a PSK or from zeros.
pub struct EarlySchedule {
    _todo: (),
}

impl EarlySchedule {
    /// Early Secret = HKDF-Extract(0, PSK or zeros).
    pub fn new(_hash: HashAlgorithm, _psk: Option<&[u8]>) -> Self {
        todo!()
    }
    /// "ext binder" (external PSK) or "res binder" (resumption) key.
    pub fn binder_key(&self, _external: bool) -> Output {
        todo!()
    }
    /// client_early_traffic_secret over Hash(ClientHello).
    pub fn client_early_traffic_secret(&self, _ch_hash: &[u8]) -> Output {
        todo!()
    }
    /// early_exporter_master_secret over Hash(ClientHello).
    pub fn early_exporter_master_secret(&self, _ch_hash: &[u8]) -> Output {
        todo!()
    }
    /// Handshake Secret = HKDF-Extract(Derive-Secret(., "derived", ""),
    /// (EC)DHE shared secret, or zeros for psk_ke).
    pub fn into_handshake(self, _shared_secret: Option<&[u8]>) -> HandshakeSchedule {
        todo!()
    }
}

/// Stage 2: the handshake secret.
pub struct HandshakeSchedule {
    _todo: (),
}

impl HandshakeSchedule {
    /// client_handshake_traffic_secret over Hash(ClientHello..ServerHello).
    pub fn client_handshake_traffic_secret(&self, _hash: &[u8]) -> Output {
        todo!()
    }
    /// server_handshake_traffic_secret over Hash(ClientHello..ServerHello).
    pub fn server_handshake_traffic_secret(&self, _hash: &[u8]) -> Output {
        todo!()
    }
    /// Master Secret = HKDF-Extract(Derive-Secret(., "derived", ""), zeros).
    pub fn into_master(self) -> MasterSchedule {
        todo!()
    }
}

/// Stage 3: the master secret.
pub struct MasterSchedule {
    _todo: (),
}

impl MasterSchedule {
    /// client_application_traffic_secret_0 over Hash(ClientHello..server Finished).
    pub fn client_application_traffic_secret(&self, _hash: &[u8]) -> Output {
        todo!()
    }
    /// server_application_traffic_secret_0 over Hash(ClientHello..server Finished).
    pub fn server_application_traffic_secret(&self, _hash: &[u8]) -> Output {
        todo!()
    }
    /// exporter_master_secret over Hash(ClientHello..server Finished).
    pub fn exporter_master_secret(&self, _hash: &[u8]) -> Output {
        todo!()
    }
    /// resumption_master_secret over Hash(ClientHello..client Finished).
    pub fn resumption_master_secret(&self, _hash: &[u8]) -> Output {
        todo!()
    }
}

/// verify_data = HMAC(finished_key, transcript_hash), finished_key =
/// HKDF-Expand-Label(base_key, "finished", "", Hash.length) (§4.4.4).
pub fn finished_verify_data(
    _hash: HashAlgorithm,
    _base_key: &[u8],
    _transcript_hash: &[u8],
) -> Output {
    todo!()
}

/// The write key and IV for a traffic secret (§7.3).
pub fn traffic_key_iv(
    _suite: SuiteParams,
    _secret: &[u8],
) -> (Zeroizing<Vec<u8>>, [u8; NONCE_LEN]) {
    todo!()
}

/// application_traffic_secret_N+1 (§7.2).
pub fn next_traffic_secret(_hash: HashAlgorithm, _secret: &[u8]) -> Output {
    todo!()
}

/// TLS-Exporter(label, context, out.len()) (§7.5) from an exporter master
/// secret. RFC 8446 treats an absent context like an empty one.
pub fn export(
    _hash: HashAlgorithm,
    _exporter_master: &[u8],
    _label: &[u8],
    _context: &[u8],
    _out: &mut [u8],
) {
    todo!()
}

/// The PSK for a ticket: HKDF-Expand-Label(resumption_master_secret,
/// "resumption", ticket_nonce, Hash.length) (§4.6.1).
pub fn resumption_psk(_hash: HashAlgorithm, _resumption_master: &[u8], _nonce: &[u8]) -> Output {
    todo!()
}

/// Receives secrets in the NSS key log format (SSLKEYLOGFILE) so that
/// tools like Wireshark can decrypt a capture. Dangerous outside
/// debugging: anyone with the log can read the traffic.
pub trait KeyLog: Send + Sync {
    /// `label` is one of the NSS labels (`CLIENT_HANDSHAKE_TRAFFIC_SECRET`,
    /// `SERVER_HANDSHAKE_TRAFFIC_SECRET`, `CLIENT_TRAFFIC_SECRET_0`,
    /// `SERVER_TRAFFIC_SECRET_0`, `EXPORTER_SECRET`,
    /// `CLIENT_EARLY_TRAFFIC_SECRET`, ...).
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]);
}

/// A [`KeyLog`] appending lines to the file named by `SSLKEYLOGFILE`, or
/// doing nothing when it is unset.
#[cfg(feature = "std")]
pub struct KeyLogFile {
    _todo: (),
}

//! The TLS 1.3 key schedule (RFC 9846 §7.1): HKDF-Expand-Label,
//! Derive-Secret, and the secret chain early → handshake → master, as a
//! typestate so that traffic keys can only come from the right stage.
//! Also Finished keys (§4.5.3), traffic key/IV derivation (§7.3), KeyUpdate
//! (§7.2), exporters (§7.5), resumption PSKs (§4.7.1) and key logging.

use alloc::string::String;

use zeroize::Zeroizing;

use crate::crypto::aead::NONCE_LEN;
use crate::crypto::hash::{Hash, Output};
use crate::crypto::suites::SuiteParams;
use crate::error::Error;

/// The prefix RFC 9846 §7.1 puts before every HkdfLabel label.
const LABEL_PREFIX: &[u8] = b"tls13 ";

/// Longest `label` [`hkdf_expand_label`] accepts: `opaque label<7..255>`
/// holds the prefix too.
pub const MAX_LABEL_LEN: usize = 255 - LABEL_PREFIX.len();

/// HKDF-Expand-Label(secret, label, context, out.len()) (§7.1); `label`
/// excludes the "tls13 " prefix.
///
/// # Panics
///
/// The documented panic of [`hkdf_expand_label`].
#[allow(clippy::panic)]
#[cold]
fn hkdf_label_too_long() -> ! {
    panic!("HKDF-Expand-Label: output, label or context too long for HkdfLabel")
}

/// When `label` is longer than [`MAX_LABEL_LEN`], `context` longer than
/// 255 bytes or `out` longer than HKDF allows: the HkdfLabel structure
/// cannot express them. Every caller in this crate passes constant labels
/// and hash-sized contexts (ticket nonces are `<0..255>` on the wire);
/// [`export`] checks its caller's label and length first.
pub fn hkdf_expand_label(hash: Hash, secret: &[u8], label: &[u8], context: &[u8], out: &mut [u8]) {
    // struct { uint16 length; opaque label<7..255>; opaque context<0..255>; } HkdfLabel;
    let (Ok(length), Ok(label_len), Ok(context_len)) = (
        u16::try_from(out.len()),
        u8::try_from(LABEL_PREFIX.len().saturating_add(label.len())),
        u8::try_from(context.len()),
    ) else {
        // Every caller passes this crate's own labels and contexts (hash
        // outputs) and lengths of at most a hash's HKDF limit; exporter
        // input is checked against MAX_LABEL_LEN before it gets here. A
        // longer one is a bug in this crate, never peer input.
        hkdf_label_too_long()
    };
    hash.hkdf_expand(
        secret,
        &[
            &length.to_be_bytes(),
            &[label_len],
            LABEL_PREFIX,
            label,
            &[context_len],
            context,
        ],
        out,
    );
}

/// HKDF-Expand-Label with `Hash.length` bytes of output, as an [`Output`].
pub(crate) fn expand_label_hash_len(
    hash: Hash,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
) -> Output {
    let mut buf = Zeroizing::new([0u8; 48]);
    let out = buf.get_mut(..hash.output_len()).unwrap_or_default();
    hkdf_expand_label(hash, secret, label, context, out);
    Output::new(out)
}

/// Derive-Secret(secret, label, transcript_hash) (§7.1), where the caller
/// passes the transcript hash already computed.
pub fn derive_secret(hash: Hash, secret: &[u8], label: &[u8], transcript_hash: &[u8]) -> Output {
    expand_label_hash_len(hash, secret, label, transcript_hash)
}

/// Derive-Secret(secret, "derived", "") — the salt of the next extract.
fn derived(hash: Hash, secret: &[u8]) -> Output {
    derive_secret(hash, secret, b"derived", hash.hash(&[]).as_ref())
}

/// `Hash.length` zeros: the IKM where RFC 9846 §7.1 writes "0".
fn zeros(hash: Hash) -> Output {
    let zeros = [0u8; 48];
    Output::new(zeros.get(..hash.output_len()).unwrap_or_default())
}

/// A one-way fingerprint of an external PSK (its secret, hash and
/// identity): Derive-Secret(Early Secret, "psk fingerprint",
/// Hash(identity)). Sessions it authenticated carry it, so that they are
/// resumed only while the server holds that very PSK: re-keying an
/// identity revokes the tickets of its old secret, as removing it does.
/// It reveals nothing of the secret that a binder would not.
pub fn external_psk_fingerprint(hash: Hash, psk: &[u8], identity: &[u8]) -> Output {
    let early = hash.hkdf_extract(&[], psk);
    derive_secret(
        hash,
        early.as_ref(),
        b"psk fingerprint",
        hash.hash(identity).as_ref(),
    )
}

/// Stage 1: the early secret, from a PSK or from zeros.
pub struct EarlySchedule {
    hash: Hash,
    secret: Output,
}

impl EarlySchedule {
    /// Early Secret = HKDF-Extract(0, PSK or zeros).
    pub fn new(hash: Hash, psk: Option<&[u8]>) -> Self {
        let zeros = zeros(hash);
        let ikm = psk.unwrap_or(zeros.as_ref());
        // An empty salt is `Hash.length` zeros (RFC 5869 §2.2).
        let secret = hash.hkdf_extract(&[], ikm);
        Self { hash, secret }
    }
    /// The hash function of this schedule.
    pub fn hash(&self) -> Hash {
        self.hash
    }
    /// "ext binder" (external PSK) or "res binder" (resumption) key.
    pub fn binder_key(&self, external: bool) -> Output {
        let label: &[u8] = if external {
            b"ext binder"
        } else {
            b"res binder"
        };
        derive_secret(
            self.hash,
            self.secret.as_ref(),
            label,
            self.hash.hash(&[]).as_ref(),
        )
    }
    /// client_early_traffic_secret over Hash(ClientHello).
    pub fn client_early_traffic_secret(&self, ch_hash: &[u8]) -> Output {
        derive_secret(self.hash, self.secret.as_ref(), b"c e traffic", ch_hash)
    }
    /// early_exporter_master_secret over Hash(ClientHello).
    pub fn early_exporter_master_secret(&self, ch_hash: &[u8]) -> Output {
        derive_secret(self.hash, self.secret.as_ref(), b"e exp master", ch_hash)
    }
    /// Handshake Secret = HKDF-Extract(Derive-Secret(., "derived", ""),
    /// (EC)DHE shared secret, or zeros for psk_ke).
    pub fn into_handshake(self, shared_secret: Option<&[u8]>) -> HandshakeSchedule {
        let salt = derived(self.hash, self.secret.as_ref());
        let zeros = zeros(self.hash);
        let ikm = shared_secret.unwrap_or(zeros.as_ref());
        HandshakeSchedule {
            hash: self.hash,
            secret: self.hash.hkdf_extract(salt.as_ref(), ikm),
        }
    }
}

/// Stage 2: the handshake secret.
pub struct HandshakeSchedule {
    hash: Hash,
    secret: Output,
}

impl HandshakeSchedule {
    /// The hash function of this schedule.
    pub fn hash(&self) -> Hash {
        self.hash
    }
    /// client_handshake_traffic_secret over Hash(ClientHello..ServerHello).
    pub fn client_handshake_traffic_secret(&self, hash: &[u8]) -> Output {
        derive_secret(self.hash, self.secret.as_ref(), b"c hs traffic", hash)
    }
    /// server_handshake_traffic_secret over Hash(ClientHello..ServerHello).
    pub fn server_handshake_traffic_secret(&self, hash: &[u8]) -> Output {
        derive_secret(self.hash, self.secret.as_ref(), b"s hs traffic", hash)
    }
    /// Master Secret = HKDF-Extract(Derive-Secret(., "derived", ""), zeros).
    pub fn into_master(self) -> MasterSchedule {
        let salt = derived(self.hash, self.secret.as_ref());
        MasterSchedule {
            hash: self.hash,
            secret: self
                .hash
                .hkdf_extract(salt.as_ref(), zeros(self.hash).as_ref()),
        }
    }
}

/// Stage 3: the master secret.
pub struct MasterSchedule {
    hash: Hash,
    secret: Output,
}

impl MasterSchedule {
    /// The hash function of this schedule.
    pub fn hash(&self) -> Hash {
        self.hash
    }
    /// client_application_traffic_secret_0 over Hash(ClientHello..server Finished).
    pub fn client_application_traffic_secret(&self, hash: &[u8]) -> Output {
        derive_secret(self.hash, self.secret.as_ref(), b"c ap traffic", hash)
    }
    /// server_application_traffic_secret_0 over Hash(ClientHello..server Finished).
    pub fn server_application_traffic_secret(&self, hash: &[u8]) -> Output {
        derive_secret(self.hash, self.secret.as_ref(), b"s ap traffic", hash)
    }
    /// exporter_master_secret over Hash(ClientHello..server Finished).
    pub fn exporter_master_secret(&self, hash: &[u8]) -> Output {
        derive_secret(self.hash, self.secret.as_ref(), b"exp master", hash)
    }
    /// resumption_master_secret over Hash(ClientHello..client Finished).
    pub fn resumption_master_secret(&self, hash: &[u8]) -> Output {
        derive_secret(self.hash, self.secret.as_ref(), b"res master", hash)
    }
}

/// verify_data = HMAC(finished_key, transcript_hash), finished_key =
/// HKDF-Expand-Label(base_key, "finished", "", Hash.length) (§4.5.3).
/// Also the PSK binder (§4.3.11.2) with the binder key as `base_key`.
/// Compare the result with the peer's value in constant time (`subtle`).
pub fn finished_verify_data(hash: Hash, base_key: &[u8], transcript_hash: &[u8]) -> Output {
    let finished_key = expand_label_hash_len(hash, base_key, b"finished", &[]);
    hash.hmac(finished_key.as_ref(), &[transcript_hash])
}

/// Longest AEAD key of any suite (AES-256-GCM, ChaCha20-Poly1305).
const MAX_AEAD_KEY_LEN: usize = 32;

/// A traffic key (§7.3) on the stack, wiped on drop; reads as the
/// `key_length` bytes of its AEAD.
pub struct TrafficKey {
    buf: Zeroizing<[u8; MAX_AEAD_KEY_LEN]>,
    len: usize,
}

impl core::ops::Deref for TrafficKey {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // len <= MAX_AEAD_KEY_LEN by construction (see traffic_key_iv).
        self.buf.get(..self.len).unwrap_or_default()
    }
}

/// The write key and IV for a traffic secret (§7.3). Derived into stack
/// buffers: keys are set up four times per handshake.
pub fn traffic_key_iv(suite: SuiteParams, secret: &[u8]) -> (TrafficKey, [u8; NONCE_LEN]) {
    let mut key = TrafficKey {
        buf: Zeroizing::new([0u8; MAX_AEAD_KEY_LEN]),
        len: suite.aead.key_len().min(MAX_AEAD_KEY_LEN),
    };
    if let Some(out) = key.buf.get_mut(..key.len) {
        hkdf_expand_label(suite.hash, secret, b"key", &[], out);
    }
    let mut iv = [0u8; NONCE_LEN];
    hkdf_expand_label(suite.hash, secret, b"iv", &[], &mut iv);
    (key, iv)
}

/// application_traffic_secret_N+1 (§7.2).
pub fn next_traffic_secret(hash: Hash, secret: &[u8]) -> Output {
    expand_label_hash_len(hash, secret, b"traffic upd", &[])
}

/// TLS-Exporter(label, context, out.len()) (§7.5) from an exporter master
/// secret. RFC 9846 treats an absent context like an empty one.
///
/// `label` and the output length are the application's choice, so they are
/// checked: a label over [`MAX_LABEL_LEN`] bytes or more output than HKDF
/// can give (255 × Hash.length) is `Error::BadConfig`.
pub fn export(
    hash: Hash,
    exporter_master: &[u8],
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
) -> Result<(), Error> {
    if label.len() > MAX_LABEL_LEN {
        return Err(Error::BadConfig(String::from(
            "exporter label longer than 249 bytes",
        )));
    }
    if out.len() > hash.max_expand_len() {
        return Err(Error::BadConfig(String::from(
            "exporter output longer than 255 * Hash.length",
        )));
    }
    // HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter",
    //                   Hash(context_value), key_length)
    let secret = derive_secret(hash, exporter_master, label, hash.hash(&[]).as_ref());
    hkdf_expand_label(
        hash,
        secret.as_ref(),
        b"exporter",
        hash.hash(context).as_ref(),
        out,
    );
    Ok(())
}

/// The PSK for a ticket: HKDF-Expand-Label(resumption_master_secret,
/// "resumption", ticket_nonce, Hash.length) (§4.7.1).
///
/// `nonce` comes from a NewSessionTicket, whose `ticket_nonce<0..255>`
/// cannot exceed what HkdfLabel holds.
pub fn resumption_psk(hash: Hash, resumption_master: &[u8], nonce: &[u8]) -> Output {
    expand_label_hash_len(hash, resumption_master, b"resumption", nonce)
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

#[cfg(feature = "std")]
pub use self::keylog_file::KeyLogFile;

#[cfg(feature = "std")]
mod keylog_file {
    use std::fs::{File, OpenOptions};
    use std::io::{self, Write};
    use std::path::Path;
    use std::sync::Mutex;

    use zeroize::Zeroizing;

    use super::KeyLog;

    /// A [`KeyLog`] appending lines to the file named by `SSLKEYLOGFILE`, or
    /// doing nothing when it is unset.
    ///
    /// Each secret becomes one line `LABEL <client_random hex> <secret hex>`
    /// written with a single append, so concurrent connections sharing the
    /// file do not interleave within a line. Write errors are ignored:
    /// logging must never break a connection.
    pub struct KeyLogFile {
        file: Option<Mutex<File>>,
    }

    impl KeyLogFile {
        /// Opens (creating, appending) the file named by the environment
        /// variable `SSLKEYLOGFILE`. When it is unset, empty or cannot be
        /// opened, the result logs nothing (see [`KeyLogFile::is_active`]).
        pub fn new() -> Self {
            let file = std::env::var_os("SSLKEYLOGFILE")
                .filter(|p| !p.is_empty())
                .and_then(|p| open_append(Path::new(&p)).ok());
            Self {
                file: file.map(Mutex::new),
            }
        }

        /// Opens (creating, appending) the file at `path`.
        pub fn with_path(path: impl AsRef<Path>) -> io::Result<Self> {
            Ok(Self {
                file: Some(Mutex::new(open_append(path.as_ref())?)),
            })
        }

        /// Whether secrets are written anywhere.
        pub fn is_active(&self) -> bool {
            self.file.is_some()
        }
    }

    impl Default for KeyLogFile {
        fn default() -> Self {
            Self::new()
        }
    }

    impl core::fmt::Debug for KeyLogFile {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.debug_struct("KeyLogFile")
                .field("active", &self.is_active())
                .finish()
        }
    }

    fn open_append(path: &Path) -> io::Result<File> {
        OpenOptions::new().append(true).create(true).open(path)
    }

    fn push_hex(line: &mut Vec<u8>, bytes: &[u8]) {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let digit = |nibble: u8| DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0');
        for b in bytes {
            line.push(digit(b >> 4));
            line.push(digit(b & 0x0f));
        }
    }

    impl KeyLog for KeyLogFile {
        fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
            let Some(file) = &self.file else { return };
            let mut line = Zeroizing::new(Vec::with_capacity(
                label
                    .len()
                    .saturating_add(
                        client_random
                            .len()
                            .saturating_add(secret.len())
                            .saturating_mul(2),
                    )
                    .saturating_add(3),
            ));
            line.extend_from_slice(label.as_bytes());
            line.push(b' ');
            push_hex(&mut line, client_random);
            line.push(b' ');
            push_hex(&mut line, secret);
            line.push(b'\n');
            // A poisoned lock only means another thread panicked mid-write;
            // the file handle itself is still usable.
            let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
            let _ = file.write_all(&line);
        }
    }

    // KeyLog requires Send + Sync; fail the build if that ever stops holding.
    const _: fn() = || {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<KeyLogFile>();
    };

    use alloc::vec::Vec;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_rejects_what_hkdf_label_cannot_hold() {
        let h = crate::crypto::hash::HashAlgorithm::Sha256.with_default_provider();
        let ems = [7u8; 32];
        let mut out = [0u8; 32];
        assert!(export(h, &ems, &[b'a'; MAX_LABEL_LEN], b"", &mut out).is_ok());
        assert!(matches!(
            export(h, &ems, &[b'a'; MAX_LABEL_LEN + 1], b"", &mut out),
            Err(Error::BadConfig(_))
        ));
        let mut long = alloc::vec![0u8; h.max_expand_len() + 1];
        assert!(matches!(
            export(h, &ems, b"EXPORTER-x", b"", &mut long),
            Err(Error::BadConfig(_))
        ));
        long.pop();
        assert!(export(h, &ems, b"EXPORTER-x", b"", &mut long).is_ok());
        // The context is hashed, so any length is fine.
        assert!(export(h, &ems, b"EXPORTER-x", &[1u8; 100_000], &mut out).is_ok());
    }

    #[test]
    fn export_binds_the_output_length() {
        // HkdfLabel binds the length (§7.1): a shorter export is not a
        // prefix of a longer one.
        let h = crate::crypto::hash::HashAlgorithm::Sha256.with_default_provider();
        let (mut a, mut b) = ([0u8; 16], [0u8; 32]);
        export(h, &[1; 32], b"EXPORTER-test", b"ctx", &mut a).unwrap();
        export(h, &[1; 32], b"EXPORTER-test", b"ctx", &mut b).unwrap();
        assert_ne!(a[..], b[..16]);
    }

    #[cfg(feature = "std")]
    #[test]
    fn key_log_file_writes_nss_lines() {
        use std::string::ToString;
        let path =
            std::env::temp_dir().join(std::format!("tls13-keylog-test-{}.txt", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let log = KeyLogFile::with_path(&path).unwrap();
        assert!(log.is_active());
        let mut random = [0u8; 32];
        random[0] = 0xab;
        random[31] = 0x01;
        log.log("CLIENT_TRAFFIC_SECRET_0", &random, &[0xde, 0xad]);
        log.log("EXPORTER_SECRET", &[0xff; 32], &[0x00, 0x10]);
        drop(log);
        let text = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        let want = std::format!(
            "CLIENT_TRAFFIC_SECRET_0 ab{}01 dead\nEXPORTER_SECRET {} 0010\n",
            "00".repeat(30),
            "ff".repeat(32)
        );
        assert_eq!(text, want.to_string());
    }
}

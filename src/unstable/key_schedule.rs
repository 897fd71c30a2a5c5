//! The TLS 1.3 key schedule (RFC 9846 §7.1): HKDF-Expand-Label,
//! Derive-Secret, and the secret chain early → handshake → master, as a
//! typestate so that traffic keys can only come from the right stage.
//! Also Finished keys (§4.5.3), traffic key/IV derivation (§7.3), KeyUpdate
//! (§7.2), exporters (§7.5), resumption PSKs (§4.7.1) and key logging.

use alloc::string::String;

use zeroize::Zeroizing;

use crate::crypto::aead::NONCE_LEN;
use crate::crypto::hash::{Hash, HashAlgorithm, HmacKey, Output};
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
    if out.len() > hash.output_len() {
        // Several output blocks: one key for all of them.
        expand_label(&hash.hmac_key(secret), label, context, out);
    } else {
        expand_label(&Once { hash, secret }, label, context, out);
    }
}

/// A secret that HKDF-Expand-Label expands (RFC 9846 §7.1).
///
/// Keying HMAC costs as much as a short MAC. A secret that derives
/// several values — a stage secret its traffic secrets and the next
/// salt, a traffic secret its key and IV — is keyed once ([`HmacKey`]);
/// one that derives a single value goes to the provider's one-shot HMAC
/// ([`Once`]), which keys it for that MAC.
trait Prk {
    fn hash(&self) -> Hash;
    fn expand(&self, info: &[&[u8]], out: &mut [u8]);
}

/// A secret used for one expansion.
struct Once<'a> {
    hash: Hash,
    secret: &'a [u8],
}

impl Prk for Once<'_> {
    fn hash(&self) -> Hash {
        self.hash
    }
    fn expand(&self, info: &[&[u8]], out: &mut [u8]) {
        self.hash.hkdf_expand(self.secret, info, out);
    }
}

impl Prk for HmacKey {
    fn hash(&self) -> Hash {
        HmacKey::hash(self)
    }
    fn expand(&self, info: &[&[u8]], out: &mut [u8]) {
        self.hkdf_expand(info, out);
    }
}

/// HKDF-Expand-Label(secret, label, context, out.len()); see
/// [`hkdf_expand_label`] for the limits.
fn expand_label(secret: &impl Prk, label: &[u8], context: &[u8], out: &mut [u8]) {
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
    secret.expand(
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

/// HKDF-Expand-Label of `secret` with `Hash.length` bytes of output, for
/// one derivation (QUIC's initial and key-update secrets).
pub(crate) fn hkdf_expand_label_hash_len(
    hash: Hash,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
) -> Output {
    expand_label_hash_len(&Once { hash, secret }, label, context)
}

/// HKDF-Expand-Label with `Hash.length` bytes of output, as an [`Output`].
fn expand_label_hash_len(secret: &impl Prk, label: &[u8], context: &[u8]) -> Output {
    let mut buf = Zeroizing::new([0u8; 48]);
    let out = buf
        .get_mut(..secret.hash().output_len())
        .unwrap_or_default();
    expand_label(secret, label, context, out);
    Output::new(out)
}

/// Derive-Secret(secret, label, transcript_hash) (§7.1), where the caller
/// passes the transcript hash already computed.
pub fn derive_secret(hash: Hash, secret: &[u8], label: &[u8], transcript_hash: &[u8]) -> Output {
    expand_label_hash_len(&Once { hash, secret }, label, transcript_hash)
}

/// Derive-Secret(secret, "derived", "") — the salt of the next extract.
fn derived(secret: &impl Prk) -> Output {
    let hash = secret.hash();
    expand_label_hash_len(secret, b"derived", empty_hash(hash))
}

/// `Hash.length` zeros: the IKM where RFC 9846 §7.1 writes "0".
fn zeros(hash: Hash) -> Output {
    let zeros = [0u8; 48];
    Output::new(zeros.get(..hash.output_len()).unwrap_or_default())
}

/// Hash("") — the context of every "derived" salt and of the binder key:
/// a constant of the hash function.
fn empty_hash(hash: Hash) -> &'static [u8] {
    match hash.algorithm() {
        HashAlgorithm::Sha256 => &EMPTY_256,
        HashAlgorithm::Sha384 => &EMPTY_384,
    }
}

/// The salt of the Handshake Secret in a handshake without a PSK:
/// Derive-Secret(HKDF-Extract(0, 0), "derived", ""). Every input is a
/// constant, so it is one too, of the hash function (RFC 8448 §3 shows
/// the SHA-256 one): a full handshake does not spend four HMACs on it.
/// Both are checked against the computation (tests below).
fn no_psk_derived(hash: Hash) -> &'static [u8] {
    match hash.algorithm() {
        HashAlgorithm::Sha256 => &DERIVED_256,
        HashAlgorithm::Sha384 => &DERIVED_384,
    }
}

const DERIVED_256: [u8; 32] = [
    0x6f, 0x26, 0x15, 0xa1, 0x08, 0xc7, 0x02, 0xc5, 0x67, 0x8f, 0x54, 0xfc, 0x9d, 0xba, 0xb6, 0x97,
    0x16, 0xc0, 0x76, 0x18, 0x9c, 0x48, 0x25, 0x0c, 0xeb, 0xea, 0xc3, 0x57, 0x6c, 0x36, 0x11, 0xba,
];
const EMPTY_256: [u8; 32] = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];
const DERIVED_384: [u8; 48] = [
    0x15, 0x91, 0xda, 0xc5, 0xcb, 0xbf, 0x03, 0x30, 0xa4, 0xa8, 0x4d, 0xe9, 0xc7, 0x53, 0x33, 0x0e,
    0x92, 0xd0, 0x1f, 0x0a, 0x88, 0x21, 0x4b, 0x44, 0x64, 0x97, 0x2f, 0xd6, 0x68, 0x04, 0x9e, 0x93,
    0xe5, 0x2f, 0x2b, 0x16, 0xfa, 0xd9, 0x22, 0xfd, 0xc0, 0x58, 0x44, 0x78, 0x42, 0x8f, 0x28, 0x2b,
];
const EMPTY_384: [u8; 48] = [
    0x38, 0xb0, 0x60, 0xa7, 0x51, 0xac, 0x96, 0x38, 0x4c, 0xd9, 0x32, 0x7e, 0xb1, 0xb1, 0xe3, 0x6a,
    0x21, 0xfd, 0xb7, 0x11, 0x14, 0xbe, 0x07, 0x43, 0x4c, 0x0c, 0xc7, 0xbf, 0x63, 0xf6, 0xe1, 0xda,
    0x27, 0x4e, 0xde, 0xbf, 0xe7, 0x6f, 0x65, 0xfb, 0xd5, 0x1a, 0xd2, 0xf1, 0x48, 0x98, 0xb9, 0x5b,
];

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
///
/// An early secret derives one value in most handshakes (the binder key,
/// or the next salt), so it is not keyed ahead (see `Prk`); without a PSK
/// it is not even computed: all it gives then is a constant salt.
pub struct EarlySchedule {
    hash: Hash,
    /// `None` without a PSK.
    secret: Option<Output>,
}

impl EarlySchedule {
    /// Early Secret = HKDF-Extract(0, PSK or zeros).
    pub fn new(hash: Hash, psk: Option<&[u8]>) -> Self {
        // An empty salt is `Hash.length` zeros (RFC 5869 §2.2).
        let secret = psk.map(|psk| hash.hkdf_extract(&[], psk));
        Self { hash, secret }
    }
    /// The hash function of this schedule.
    pub fn hash(&self) -> Hash {
        self.hash
    }
    /// The early secret, to expand once.
    fn secret(&self) -> (Hash, Output) {
        let secret = match &self.secret {
            Some(secret) => secret.clone(),
            // Only reached by a caller that asks a PSK-less schedule for
            // PSK values; HKDF-Extract(0, 0) is what RFC 9846 §7.1 says.
            None => self.hash.hkdf_extract(&[], zeros(self.hash).as_ref()),
        };
        (self.hash, secret)
    }
    /// "ext binder" (external PSK) or "res binder" (resumption) key.
    pub fn binder_key(&self, external: bool) -> Output {
        let label: &[u8] = if external {
            b"ext binder"
        } else {
            b"res binder"
        };
        let (hash, secret) = self.secret();
        derive_secret(hash, secret.as_ref(), label, empty_hash(hash))
    }
    /// client_early_traffic_secret over Hash(ClientHello).
    pub fn client_early_traffic_secret(&self, ch_hash: &[u8]) -> Output {
        let (hash, secret) = self.secret();
        derive_secret(hash, secret.as_ref(), b"c e traffic", ch_hash)
    }
    /// early_exporter_master_secret over Hash(ClientHello).
    pub fn early_exporter_master_secret(&self, ch_hash: &[u8]) -> Output {
        let (hash, secret) = self.secret();
        derive_secret(hash, secret.as_ref(), b"e exp master", ch_hash)
    }
    /// Handshake Secret = HKDF-Extract(Derive-Secret(., "derived", ""),
    /// (EC)DHE shared secret, or zeros for psk_ke).
    pub fn into_handshake(self, shared_secret: Option<&[u8]>) -> HandshakeSchedule {
        let hash = self.hash;
        let salt = match &self.secret {
            Some(secret) => derived(&Once {
                hash,
                secret: secret.as_ref(),
            }),
            None => Output::new(no_psk_derived(hash)),
        };
        let zeros = zeros(hash);
        let ikm = shared_secret.unwrap_or(zeros.as_ref());
        let secret = hash.hkdf_extract(salt.as_ref(), ikm);
        HandshakeSchedule {
            secret: hash.hmac_key(secret.as_ref()),
        }
    }
}

/// Stage 2: the handshake secret, keyed once for its three values.
pub struct HandshakeSchedule {
    secret: HmacKey,
}

impl HandshakeSchedule {
    /// The hash function of this schedule.
    pub fn hash(&self) -> Hash {
        self.secret.hash()
    }
    /// client_handshake_traffic_secret over Hash(ClientHello..ServerHello).
    pub fn client_handshake_traffic_secret(&self, hash: &[u8]) -> Output {
        expand_label_hash_len(&self.secret, b"c hs traffic", hash)
    }
    /// server_handshake_traffic_secret over Hash(ClientHello..ServerHello).
    pub fn server_handshake_traffic_secret(&self, hash: &[u8]) -> Output {
        expand_label_hash_len(&self.secret, b"s hs traffic", hash)
    }
    /// Master Secret = HKDF-Extract(Derive-Secret(., "derived", ""), zeros).
    pub fn into_master(self) -> MasterSchedule {
        let hash = self.hash();
        let salt = derived(&self.secret);
        let master = hash.hkdf_extract(salt.as_ref(), zeros(hash).as_ref());
        MasterSchedule {
            secret: hash.hmac_key(master.as_ref()),
        }
    }
}

/// Stage 3: the master secret, keyed once for its four values.
pub struct MasterSchedule {
    secret: HmacKey,
}

impl MasterSchedule {
    /// The hash function of this schedule.
    pub fn hash(&self) -> Hash {
        self.secret.hash()
    }
    /// client_application_traffic_secret_0 over Hash(ClientHello..server Finished).
    pub fn client_application_traffic_secret(&self, hash: &[u8]) -> Output {
        expand_label_hash_len(&self.secret, b"c ap traffic", hash)
    }
    /// server_application_traffic_secret_0 over Hash(ClientHello..server Finished).
    pub fn server_application_traffic_secret(&self, hash: &[u8]) -> Output {
        expand_label_hash_len(&self.secret, b"s ap traffic", hash)
    }
    /// exporter_master_secret over Hash(ClientHello..server Finished).
    pub fn exporter_master_secret(&self, hash: &[u8]) -> Output {
        expand_label_hash_len(&self.secret, b"exp master", hash)
    }
    /// resumption_master_secret over Hash(ClientHello..client Finished).
    pub fn resumption_master_secret(&self, hash: &[u8]) -> Output {
        expand_label_hash_len(&self.secret, b"res master", hash)
    }
}

/// verify_data = HMAC(finished_key, transcript_hash), finished_key =
/// HKDF-Expand-Label(base_key, "finished", "", Hash.length) (§4.5.3).
/// Also the PSK binder (§4.3.11.2) with the binder key as `base_key`.
/// Compare the result with the peer's value in constant time (`subtle`).
pub fn finished_verify_data(hash: Hash, base_key: &[u8], transcript_hash: &[u8]) -> Output {
    let finished_key = expand_label_hash_len(
        &Once {
            hash,
            secret: base_key,
        },
        b"finished",
        &[],
    );
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
/// buffers, from the secret keyed once for both: keys are set up four
/// times per handshake.
pub fn traffic_key_iv(suite: SuiteParams, secret: &[u8]) -> (TrafficKey, [u8; NONCE_LEN]) {
    let secret = suite.hash.hmac_key(secret);
    let mut key = TrafficKey {
        buf: Zeroizing::new([0u8; MAX_AEAD_KEY_LEN]),
        len: suite.aead.key_len().min(MAX_AEAD_KEY_LEN),
    };
    if let Some(out) = key.buf.get_mut(..key.len) {
        expand_label(&secret, b"key", &[], out);
    }
    let mut iv = [0u8; NONCE_LEN];
    expand_label(&secret, b"iv", &[], &mut iv);
    (key, iv)
}

/// application_traffic_secret_N+1 (§7.2).
pub fn next_traffic_secret(hash: Hash, secret: &[u8]) -> Output {
    expand_label_hash_len(&Once { hash, secret }, b"traffic upd", &[])
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
    let secret = derive_secret(hash, exporter_master, label, empty_hash(hash));
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
    expand_label_hash_len(
        &Once {
            hash,
            secret: resumption_master,
        },
        b"resumption",
        nonce,
    )
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

    /// Every built-in provider's hash functions.
    fn hashes() -> alloc::vec::Vec<Hash> {
        let mut providers = alloc::vec![crate::crypto::rustcrypto::provider()];
        #[cfg(feature = "graviola")]
        providers.extend(crate::crypto::graviola::provider());
        providers
            .into_iter()
            .flat_map(|p| [p.hash(HashAlgorithm::Sha256), p.hash(HashAlgorithm::Sha384)])
            .collect()
    }

    #[test]
    fn constants_are_what_they_stand_for() {
        for h in hashes() {
            assert_eq!(empty_hash(h), h.hash(&[]).as_ref());
            // Derive-Secret(HKDF-Extract(0, 0), "derived", ""), computed.
            let early = h.hkdf_extract(&[], zeros(h).as_ref());
            let want = derive_secret(h, early.as_ref(), b"derived", h.hash(&[]).as_ref());
            assert_eq!(no_psk_derived(h), want.as_ref(), "{h:?}");
            // A PSK-less schedule still answers PSK questions rightly.
            let es = EarlySchedule::new(h, None);
            assert_eq!(
                es.binder_key(true).as_ref(),
                EarlySchedule::new(h, Some(zeros(h).as_ref()))
                    .binder_key(true)
                    .as_ref()
            );
        }
    }

    #[test]
    fn keyed_and_one_shot_expansions_agree() {
        for h in hashes() {
            let secret = h.hash(b"secret");
            let keyed = h.hmac_key(secret.as_ref());
            let once = Once {
                hash: h,
                secret: secret.as_ref(),
            };
            for len in [12, 16, 32, 48, 100] {
                let (mut a, mut b, mut c) = ([0u8; 100], [0u8; 100], [0u8; 100]);
                expand_label(&keyed, b"key", b"ctx", &mut a[..len]);
                expand_label(&once, b"key", b"ctx", &mut b[..len]);
                hkdf_expand_label(h, secret.as_ref(), b"key", b"ctx", &mut c[..len]);
                assert_eq!(a, b, "{h:?} {len}");
                assert_eq!(a, c, "{h:?} {len}");
            }
        }
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

//! Client and server configurations: a builder collects settings (each
//! call checks its own argument: a PEM text without a certificate is
//! refused there), `*_build` checks the whole and makes an immutable
//! configuration that any number of connections, on any threads, share.

use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use tls13::crypto::hash::HashAlgorithm;
use tls13::crypto::pem;
use tls13::crypto::sign::SigningKey;
use tls13::resumption::ExternalPsk;
use tls13::verify::ServerCertVerifier;
use tls13::verify_webpki::{WebPkiClientVerifier, WebPkiServerVerifier};
use tls13::{CipherSuite, ClientAuth, ClientConfig, NamedGroup, ServerConfig};
use zeroize::Zeroizing;

use crate::error::{Failure, TLS13_ERR_BAD_CONFIG, guard, tls13_result};
use crate::ptr;
use crate::verify::{AppClientVerifier, AppServerVerifier};

/// Verification by the library alone: the peer's chain must lead to one
/// of the trust anchors added to the builder, be valid now, allow the
/// purpose and (on a client) be valid for the server name. The default.
pub const TLS13_VERIFY_ROOTS: u32 = 0;
/// The library's verification first, then the application's: a chain the
/// anchors accept is handed out as a `TLS13_EVENT_VERIFY_SERVER_CERT` /
/// `TLS13_EVENT_VERIFY_CLIENT_CERT` event, and the handshake waits until
/// `tls13_conn_accept_certificate` or `tls13_conn_reject_certificate`
/// (pinning, a revocation lookup, a policy service). A chain the anchors
/// refuse ends the handshake without an event.
pub const TLS13_VERIFY_ROOTS_THEN_APP: u32 = 1;
/// The application alone decides (no trust anchors needed): every chain
/// is handed out as an event, as for `TLS13_VERIFY_ROOTS_THEN_APP`. The
/// handshake still checks the peer's CertificateVerify signature against
/// the end-entity key, but nothing else: names, dates, issuers are the
/// application's to check.
pub const TLS13_VERIFY_APP: u32 = 2;

/// Server: no certificate is asked of clients (the default).
pub const TLS13_CLIENT_AUTH_NONE: u32 = 0;
/// Server: clients are asked for a certificate, and may connect without
/// one; one they send must pass verification.
pub const TLS13_CLIENT_AUTH_OPTIONAL: u32 = 1;
/// Server: clients must present a certificate that passes verification
/// (else `certificate_required`).
pub const TLS13_CLIENT_AUTH_REQUIRED: u32 = 2;

/// The most session tickets `tls13_server_config_builder_set_session_tickets`
/// accepts per handshake (a client uses one per later connection).
pub const TLS13_MAX_SESSION_TICKETS: usize = 16;

/// An external PSK used with the SHA-256 suites.
pub const TLS13_PSK_SHA256: u32 = 1;
/// An external PSK used with TLS_AES_256_GCM_SHA384.
pub const TLS13_PSK_SHA384: u32 = 2;

/// Collects the settings of a client configuration. Made by
/// `tls13_client_config_builder_new`, consumed by
/// `tls13_client_config_builder_build` (or freed with
/// `tls13_client_config_builder_free`). Not thread-safe: one thread at a
/// time.
pub struct tls13_client_config_builder {
    anchors_pem: String,
    verification: u32,
    alpn: Vec<Vec<u8>>,
    groups: Option<Vec<NamedGroup>>,
    suites: Option<Vec<CipherSuite>>,
    client_cert: Option<(Vec<Vec<u8>>, SigningKey)>,
    psk: Option<ExternalPsk>,
    resumption: bool,
    early_data: bool,
}

/// An immutable client configuration. Thread-safe: any number of threads
/// may create connections from it at once. Connections keep what they
/// need, so it may be freed while they live.
pub struct tls13_client_config {
    pub(crate) config: Arc<ClientConfig>,
}

/// Collects the settings of a server configuration (see
/// `tls13_client_config_builder` for the rules).
pub struct tls13_server_config_builder {
    cert: Option<(Vec<Vec<u8>>, SigningKey)>,
    alpn: Vec<Vec<u8>>,
    groups: Option<Vec<NamedGroup>>,
    suites: Option<Vec<CipherSuite>>,
    client_auth: u32,
    client_verification: u32,
    client_anchors_pem: String,
    psks: Vec<ExternalPsk>,
    tickets: usize,
    max_early_data: u32,
}

/// An immutable server configuration (see `tls13_client_config` for the
/// rules).
pub struct tls13_server_config {
    pub(crate) config: Arc<ServerConfig>,
}

// ---------- helpers ----------

/// UTF-8 PEM text from C bytes.
///
/// # Safety
///
/// As [`ptr::bytes`].
unsafe fn pem_text<'a>(p: *const u8, len: usize, what: &'static str) -> Result<&'a str, Failure> {
    // SAFETY: the caller's contract, passed on.
    let bytes = unsafe { ptr::bytes(p, len, what) }?;
    std::str::from_utf8(bytes)
        .map_err(|_| Failure::new(crate::TLS13_ERR_BAD_PEM, format!("{what} is not text")))
}

/// The contents of a file named by a C string; wiped when dropped (it may
/// hold a private key).
///
/// # Safety
///
/// As [`ptr::string`].
unsafe fn read_file(path: *const c_char, what: &'static str) -> Result<Zeroizing<String>, Failure> {
    // SAFETY: the caller's contract, passed on.
    let path = unsafe { ptr::string(path, what) }?;
    std::fs::read_to_string(path)
        .map(Zeroizing::new)
        .map_err(|e| Failure::new(crate::TLS13_ERR_BAD_PEM, format!("{what} {path:?}: {e}")))
}

/// Checks that `text` holds at least one certificate.
fn anchors_ok(text: &str, what: &str) -> Result<(), Failure> {
    WebPkiServerVerifier::from_pem(text)
        .map(|_| ())
        .map_err(|e| Failure::new(crate::TLS13_ERR_BAD_PEM, format!("{what}: {e}")))
}

/// A chain (leaf first) and its key from PEM.
fn chain_and_key(chain_pem: &str, key_pem: &str) -> Result<(Vec<Vec<u8>>, SigningKey), Failure> {
    let chain = pem::certificates(chain_pem).map_err(Failure::pem)?;
    if chain.is_empty() {
        return Err(Failure::new(
            crate::TLS13_ERR_BAD_PEM,
            "the certificate chain PEM holds no CERTIFICATE block",
        ));
    }
    let key = SigningKey::from_pem(key_pem).map_err(Failure::pem)?;
    Ok((chain, key))
}

/// A list of 16-bit code points from C.
///
/// # Safety
///
/// `p` points to `count` `uint16_t`s (or is NULL with `count == 0`).
unsafe fn code_points(
    p: *const u16,
    count: usize,
    what: &'static str,
) -> Result<Vec<u16>, Failure> {
    if count == 0 {
        return Err(Failure::invalid(format!("{what}: an empty list")));
    }
    if p.is_null() {
        return Err(Failure::null(what));
    }
    if count
        .checked_mul(2)
        .is_none_or(|n| isize::try_from(n).is_err())
    {
        return Err(Failure::invalid(format!(
            "{what}: {count} entries are more than any array holds"
        )));
    }
    if !p.is_aligned() {
        return Err(Failure::invalid(format!(
            "{what} is not aligned for uint16_t"
        )));
    }
    // SAFETY: not NULL, aligned, a size an object can have; the caller
    // guarantees `count` initialised uint16_t values there for the call.
    Ok(unsafe { std::slice::from_raw_parts(p, count) }.to_vec())
}

fn psk(identity: &[u8], secret: &[u8], hash: u32) -> Result<ExternalPsk, Failure> {
    let hash = match hash {
        crate::TLS13_PSK_SHA256 => HashAlgorithm::Sha256,
        crate::TLS13_PSK_SHA384 => HashAlgorithm::Sha384,
        other => {
            return Err(Failure::invalid(format!(
                "PSK hash {other}: use TLS13_PSK_SHA256 or TLS13_PSK_SHA384"
            )));
        }
    };
    ExternalPsk::new(identity, secret, hash).map_err(Failure::from)
}

fn verification_ok(mode: u32) -> Result<(), Failure> {
    match mode {
        TLS13_VERIFY_ROOTS | TLS13_VERIFY_ROOTS_THEN_APP | TLS13_VERIFY_APP => Ok(()),
        other => Err(Failure::invalid(format!(
            "verification mode {other}: use TLS13_VERIFY_ROOTS, TLS13_VERIFY_ROOTS_THEN_APP or TLS13_VERIFY_APP"
        ))),
    }
}

/// Boxes `value` and stores the pointer through `out`.
///
/// # Safety
///
/// `out` was checked non-NULL and points to a writable pointer.
unsafe fn hand_out<T>(out: *mut *const T, value: T) {
    // SAFETY: the caller's contract.
    unsafe { ptr::write(out, Box::into_raw(Box::new(value)).cast_const()) }
}

/// Runs `body` on the builder behind `b`.
///
/// # Safety
///
/// As [`ptr::handle_mut`].
unsafe fn with_builder<T>(
    b: *mut T,
    body: impl FnOnce(&mut T) -> Result<(), Failure>,
) -> tls13_result {
    guard(|| {
        // SAFETY: the caller's contract, passed on.
        let b = unsafe { ptr::handle_mut(b, "builder") }?;
        body(b)
    })
}

// ---------- client ----------

/// A new client configuration builder with safe defaults: the three
/// GCM/ChaCha20 suites, X25519MLKEM768 then x25519, secp256r1, secp384r1,
/// secp521r1; resumption on
/// (sessions are kept in the configuration and offered to later
/// connections to the same name); no 0-RTT; verification
/// `TLS13_VERIFY_ROOTS` (so trust anchors must be added). Free it with
/// `tls13_client_config_builder_free` unless it is passed to
/// `tls13_client_config_builder_build`. NULL only if memory ran out.
#[unsafe(no_mangle)]
pub extern "C" fn tls13_client_config_builder_new() -> *mut tls13_client_config_builder {
    catch_unwind(|| {
        Box::into_raw(Box::new(tls13_client_config_builder {
            anchors_pem: String::new(),
            verification: TLS13_VERIFY_ROOTS,
            alpn: Vec::new(),
            groups: None,
            suites: None,
            client_cert: None,
            psk: None,
            resumption: true,
            early_data: false,
        }))
    })
    .unwrap_or(std::ptr::null_mut())
}

/// Frees a builder that was not built. NULL is ignored.
///
/// # Safety
///
/// `builder` is NULL or a builder from `tls13_client_config_builder_new`
/// that was neither freed nor built.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_client_config_builder_free(
    builder: *mut tls13_client_config_builder,
) {
    // SAFETY: the caller's contract; a panic in a destructor is caught
    // (the memory is then leaked, nothing worse).
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe { ptr::free_handle(builder) }));
}

/// Adds the certificates of a PEM text (`len` bytes, no NUL needed) as
/// trust anchors for the server's chain. Fails with `TLS13_ERR_BAD_PEM`
/// when the text holds no certificate. May be called several times.
///
/// # Safety
///
/// `builder` is a live builder; `pem` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_client_config_builder_add_trust_anchors_pem(
    builder: *mut tls13_client_config_builder,
    pem: *const u8,
    len: usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on (also inside the closure).
    unsafe {
        with_builder(builder, |b| {
            let text = pem_text(pem, len, "pem")?;
            anchors_ok(text, "trust anchors")?;
            b.anchors_pem.push_str(text);
            b.anchors_pem.push('\n');
            Ok(())
        })
    }
}

/// As `tls13_client_config_builder_add_trust_anchors_pem`, reading the
/// PEM file at `path` (a NUL-terminated path).
///
/// # Safety
///
/// `builder` is a live builder; `path` a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_client_config_builder_add_trust_anchors_file(
    builder: *mut tls13_client_config_builder,
    path: *const c_char,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            let text = read_file(path, "path")?;
            anchors_ok(&text, "trust anchors")?;
            b.anchors_pem.push_str(&text);
            b.anchors_pem.push('\n');
            Ok(())
        })
    }
}

/// How the server's certificate is verified: `TLS13_VERIFY_ROOTS`
/// (default), `TLS13_VERIFY_ROOTS_THEN_APP` or `TLS13_VERIFY_APP`.
///
/// # Safety
///
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_client_config_builder_set_verification(
    builder: *mut tls13_client_config_builder,
    mode: u32,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            verification_ok(mode)?;
            b.verification = mode;
            Ok(())
        })
    }
}

/// Adds an ALPN protocol (`len` bytes, 1 to 255), after those added
/// before (the order is the preference).
///
/// # Safety
///
/// `builder` is a live builder; `protocol` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_client_config_builder_add_alpn(
    builder: *mut tls13_client_config_builder,
    protocol: *const u8,
    len: usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            b.alpn.push(alpn_protocol(protocol, len)?);
            Ok(())
        })
    }
}

/// # Safety
///
/// As [`ptr::bytes`].
unsafe fn alpn_protocol(protocol: *const u8, len: usize) -> Result<Vec<u8>, Failure> {
    // SAFETY: the caller's contract, passed on.
    let p = unsafe { ptr::bytes(protocol, len, "protocol") }?;
    if p.is_empty() || p.len() > 255 {
        return Err(Failure::invalid(format!(
            "an ALPN protocol is 1 to 255 bytes, not {}",
            p.len()
        )));
    }
    Ok(p.to_vec())
}

/// The key exchange groups to offer, in preference order, as IANA code
/// points (`0x11ec` X25519MLKEM768, `0x001d` x25519, `0x0017` secp256r1,
/// `0x0018` secp384r1, `0x0019` secp521r1). A key share is sent for the first. Unsupported
/// ones make `tls13_client_config_builder_build` fail.
///
/// # Safety
///
/// `builder` is a live builder; `groups` points to `count` `uint16_t`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_client_config_builder_set_groups(
    builder: *mut tls13_client_config_builder,
    groups: *const u16,
    count: usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            b.groups = Some(
                code_points(groups, count, "groups")?
                    .into_iter()
                    .map(NamedGroup)
                    .collect(),
            );
            Ok(())
        })
    }
}

/// The cipher suites to offer, in preference order, as IANA code points
/// (`0x1301` TLS_AES_128_GCM_SHA256, `0x1302` TLS_AES_256_GCM_SHA384,
/// `0x1303` TLS_CHACHA20_POLY1305_SHA256; and, used only when named here,
/// `0x1304` TLS_AES_128_CCM_SHA256 and `0x1305` TLS_AES_128_CCM_8_SHA256,
/// whose tag is 8 bytes).
///
/// # Safety
///
/// `builder` is a live builder; `suites` points to `count` `uint16_t`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_client_config_builder_set_suites(
    builder: *mut tls13_client_config_builder,
    suites: *const u16,
    count: usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            b.suites = Some(
                code_points(suites, count, "suites")?
                    .into_iter()
                    .map(CipherSuite)
                    .collect(),
            );
            Ok(())
        })
    }
}

/// A client certificate chain (PEM, leaf first) and its private key (PEM:
/// PKCS#8, SEC1 or PKCS#1), sent when a server asks. A key that is not
/// the leaf's makes `tls13_client_config_builder_build` fail.
///
/// # Safety
///
/// `builder` is a live builder; `chain_pem` and `key_pem` point to
/// `chain_len` and `key_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_client_config_builder_set_client_cert_pem(
    builder: *mut tls13_client_config_builder,
    chain_pem: *const u8,
    chain_len: usize,
    key_pem: *const u8,
    key_len: usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            let chain = pem_text(chain_pem, chain_len, "chain_pem")?;
            let key = pem_text(key_pem, key_len, "key_pem")?;
            b.client_cert = Some(chain_and_key(chain, key)?);
            Ok(())
        })
    }
}

/// As `tls13_client_config_builder_set_client_cert_pem`, from files.
///
/// # Safety
///
/// `builder` is a live builder; both paths NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_client_config_builder_set_client_cert_files(
    builder: *mut tls13_client_config_builder,
    chain_path: *const c_char,
    key_path: *const c_char,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            let chain = read_file(chain_path, "chain_path")?;
            let key = read_file(key_path, "key_path")?;
            b.client_cert = Some(chain_and_key(&chain, &key)?);
            Ok(())
        })
    }
}

/// An external pre-shared key to offer (RFC 9846 §2.2): its identity,
/// sent in the clear, its secret, and `TLS13_PSK_SHA256` or
/// `TLS13_PSK_SHA384`. Without trust anchors (and with
/// `TLS13_VERIFY_ROOTS`) the PSK alone authenticates the server: a
/// server that does not accept it is refused. The secret is copied (and
/// wiped when the configuration is freed).
///
/// # Safety
///
/// `builder` is a live builder; `identity` and `secret` point to
/// `identity_len` and `secret_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_client_config_builder_set_external_psk(
    builder: *mut tls13_client_config_builder,
    identity: *const u8,
    identity_len: usize,
    secret: *const u8,
    secret_len: usize,
    hash: u32,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            let id = ptr::bytes(identity, identity_len, "identity")?;
            let secret = ptr::bytes(secret, secret_len, "secret")?;
            b.psk = Some(psk(id, secret, hash)?);
            Ok(())
        })
    }
}

/// Whether sessions are kept for resumption (default true): tickets the
/// server sends are stored in the configuration, and a later connection
/// to the same server name from the same configuration offers one.
///
/// # Safety
///
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_client_config_builder_set_resumption(
    builder: *mut tls13_client_config_builder,
    on: bool,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            b.resumption = on;
            Ok(())
        })
    }
}

/// Whether to offer 0-RTT data when a stored ticket allows it (default
/// false). **0-RTT data can be replayed** by an attacker: send only
/// requests that are safe to execute twice (`tls13_conn_send_early_data`).
///
/// # Safety
///
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_client_config_builder_set_early_data(
    builder: *mut tls13_client_config_builder,
    on: bool,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            b.early_data = on;
            Ok(())
        })
    }
}

/// Checks the settings and makes the configuration, stored in `*out`
/// (free it with `tls13_client_config_free`). The builder is consumed and
/// freed in every case, success or not (a NULL `out` included): do not
/// use or free it afterwards. On failure `*out` is set to NULL and the code says why
/// (`TLS13_ERR_BAD_CONFIG`: no trust anchors with `TLS13_VERIFY_ROOTS`,
/// a key that is not the certificate's, an unsupported group, ...).
///
/// # Safety
///
/// `builder` is NULL or a live builder; `out` points to a writable
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_client_config_builder_build(
    builder: *mut tls13_client_config_builder,
    out: *mut *const tls13_client_config,
) -> tls13_result {
    guard(|| {
        // Taken over first: the builder is freed in every case, a NULL
        // `out` included (the caller no longer owns it after this call).
        let b = if builder.is_null() {
            None
        } else {
            // SAFETY: a live builder (the caller's contract), taken over
            // here and freed when `b` is dropped, whatever happens next.
            Some(unsafe { Box::from_raw(builder) })
        };
        ptr::out_ok(out, "out")?;
        // SAFETY: checked non-NULL; the caller's contract.
        unsafe { ptr::write(out, std::ptr::null()) };
        let Some(b) = b else {
            return Err(Failure::null("builder"));
        };
        let config = build_client(*b)?;
        // SAFETY: `out` checked above.
        unsafe {
            hand_out(
                out,
                tls13_client_config {
                    config: Arc::new(config),
                },
            )
        };
        Ok(())
    })
}

fn build_client(b: tls13_client_config_builder) -> Result<ClientConfig, Failure> {
    let roots = if b.anchors_pem.is_empty() {
        None
    } else {
        Some(WebPkiServerVerifier::from_pem(&b.anchors_pem)?)
    };
    let verifier: Option<Arc<dyn ServerCertVerifier>> = match (b.verification, roots) {
        (TLS13_VERIFY_ROOTS, Some(r)) => Some(Arc::new(r)),
        (TLS13_VERIFY_ROOTS, None) => None,
        (TLS13_VERIFY_ROOTS_THEN_APP, None) => {
            return Err(Failure::new(
                TLS13_ERR_BAD_CONFIG,
                "TLS13_VERIFY_ROOTS_THEN_APP needs trust anchors (or use TLS13_VERIFY_APP)",
            ));
        }
        (_, roots) => Some(Arc::new(AppServerVerifier { roots })),
    };
    let mut psk_only = false;
    let mut builder = match (verifier, &b.psk) {
        (Some(v), _) => ClientConfig::builder(v),
        (None, Some(p)) => {
            psk_only = true;
            ClientConfig::builder_psk_only(p.clone())
        }
        (None, None) => {
            return Err(Failure::new(
                TLS13_ERR_BAD_CONFIG,
                "no trust anchors: add some with tls13_client_config_builder_add_trust_anchors_pem \
                 (or _file), or choose TLS13_VERIFY_APP and check certificates yourself",
            ));
        }
    };
    if !b.alpn.is_empty() {
        let protocols: Vec<&[u8]> = b.alpn.iter().map(Vec::as_slice).collect();
        builder = builder.alpn_protocols(&protocols);
    }
    if let Some(groups) = &b.groups {
        builder = builder.groups(groups);
    }
    if let Some(suites) = &b.suites {
        builder = builder.suites(suites);
    }
    if let Some((chain, key)) = b.client_cert {
        builder = builder.client_auth_cert(chain, key);
    }
    if let (Some(p), false) = (b.psk, psk_only) {
        builder = builder.external_psk(p);
    }
    if !b.resumption {
        builder = builder.session_store(None);
    }
    builder = builder.enable_early_data(b.early_data);
    Ok(builder.build()?)
}

/// Frees a configuration. Connections made from it keep working (they
/// hold their own reference). NULL is ignored.
///
/// # Safety
///
/// `config` is NULL or a configuration from
/// `tls13_client_config_builder_build`, not freed before, and no call
/// that uses it is running or will run.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_client_config_free(config: *const tls13_client_config) {
    // SAFETY: the caller's contract; the pointer came from Box::into_raw.
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe {
        ptr::free_handle(config.cast_mut())
    }));
}

// ---------- server ----------

/// A new server configuration builder with safe defaults: the three
/// GCM/ChaCha20 suites, X25519MLKEM768 preferred; no client authentication, no session
/// tickets, no 0-RTT. A certificate (or an external PSK) must be set.
/// NULL only if memory ran out.
#[unsafe(no_mangle)]
pub extern "C" fn tls13_server_config_builder_new() -> *mut tls13_server_config_builder {
    catch_unwind(|| {
        Box::into_raw(Box::new(tls13_server_config_builder {
            cert: None,
            alpn: Vec::new(),
            groups: None,
            suites: None,
            client_auth: TLS13_CLIENT_AUTH_NONE,
            client_verification: TLS13_VERIFY_ROOTS,
            client_anchors_pem: String::new(),
            psks: Vec::new(),
            tickets: 0,
            max_early_data: 0,
        }))
    })
    .unwrap_or(std::ptr::null_mut())
}

/// Frees a builder that was not built. NULL is ignored.
///
/// # Safety
///
/// `builder` is NULL or a builder from `tls13_server_config_builder_new`
/// that was neither freed nor built.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_server_config_builder_free(
    builder: *mut tls13_server_config_builder,
) {
    // SAFETY: the caller's contract.
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe { ptr::free_handle(builder) }));
}

/// The server's certificate chain (PEM, leaf first) and private key (PEM:
/// PKCS#8, SEC1 or PKCS#1: ECDSA P-256/P-384/P-521, Ed25519, RSA). A key
/// that is not the leaf's makes `tls13_server_config_builder_build` fail.
///
/// # Safety
///
/// `builder` is a live builder; `chain_pem` and `key_pem` point to
/// `chain_len` and `key_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_server_config_builder_set_cert_pem(
    builder: *mut tls13_server_config_builder,
    chain_pem: *const u8,
    chain_len: usize,
    key_pem: *const u8,
    key_len: usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            let chain = pem_text(chain_pem, chain_len, "chain_pem")?;
            let key = pem_text(key_pem, key_len, "key_pem")?;
            b.cert = Some(chain_and_key(chain, key)?);
            Ok(())
        })
    }
}

/// As `tls13_server_config_builder_set_cert_pem`, from files.
///
/// # Safety
///
/// `builder` is a live builder; both paths NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_server_config_builder_set_cert_files(
    builder: *mut tls13_server_config_builder,
    chain_path: *const c_char,
    key_path: *const c_char,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            let chain = read_file(chain_path, "chain_path")?;
            let key = read_file(key_path, "key_path")?;
            b.cert = Some(chain_and_key(&chain, &key)?);
            Ok(())
        })
    }
}

/// Adds an ALPN protocol the server accepts (1 to 255 bytes), after those
/// added before (the server's preference order). With protocols set, a
/// client offering ALPN without any of them is refused
/// (`no_application_protocol`).
///
/// # Safety
///
/// `builder` is a live builder; `protocol` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_server_config_builder_add_alpn(
    builder: *mut tls13_server_config_builder,
    protocol: *const u8,
    len: usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            b.alpn.push(alpn_protocol(protocol, len)?);
            Ok(())
        })
    }
}

/// The key exchange groups accepted, in preference order (IANA code
/// points, as for `tls13_client_config_builder_set_groups`).
///
/// # Safety
///
/// `builder` is a live builder; `groups` points to `count` `uint16_t`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_server_config_builder_set_groups(
    builder: *mut tls13_server_config_builder,
    groups: *const u16,
    count: usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            b.groups = Some(
                code_points(groups, count, "groups")?
                    .into_iter()
                    .map(NamedGroup)
                    .collect(),
            );
            Ok(())
        })
    }
}

/// The cipher suites accepted, in preference order (IANA code points, as
/// for `tls13_client_config_builder_set_suites`).
///
/// # Safety
///
/// `builder` is a live builder; `suites` points to `count` `uint16_t`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_server_config_builder_set_suites(
    builder: *mut tls13_server_config_builder,
    suites: *const u16,
    count: usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            b.suites = Some(
                code_points(suites, count, "suites")?
                    .into_iter()
                    .map(CipherSuite)
                    .collect(),
            );
            Ok(())
        })
    }
}

/// Adds the certificates of a PEM text as trust anchors for client
/// certificates (their subjects are sent in the CertificateRequest's
/// `certificate_authorities`). `TLS13_ERR_BAD_PEM` when it holds none.
///
/// # Safety
///
/// `builder` is a live builder; `pem` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_server_config_builder_add_client_trust_anchors_pem(
    builder: *mut tls13_server_config_builder,
    pem: *const u8,
    len: usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            let text = pem_text(pem, len, "pem")?;
            anchors_ok(text, "client trust anchors")?;
            b.client_anchors_pem.push_str(text);
            b.client_anchors_pem.push('\n');
            Ok(())
        })
    }
}

/// As `tls13_server_config_builder_add_client_trust_anchors_pem`, from a
/// file.
///
/// # Safety
///
/// `builder` is a live builder; `path` a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_server_config_builder_add_client_trust_anchors_file(
    builder: *mut tls13_server_config_builder,
    path: *const c_char,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            let text = read_file(path, "path")?;
            anchors_ok(&text, "client trust anchors")?;
            b.client_anchors_pem.push_str(&text);
            b.client_anchors_pem.push('\n');
            Ok(())
        })
    }
}

/// Client authentication: `TLS13_CLIENT_AUTH_NONE` (default),
/// `TLS13_CLIENT_AUTH_OPTIONAL` or `TLS13_CLIENT_AUTH_REQUIRED`, and how a
/// client's chain is verified (`TLS13_VERIFY_ROOTS`: against the client
/// trust anchors, with clientAuth; `TLS13_VERIFY_ROOTS_THEN_APP`, then by
/// the application through `TLS13_EVENT_VERIFY_CLIENT_CERT`;
/// `TLS13_VERIFY_APP`: by the application alone).
///
/// # Safety
///
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_server_config_builder_set_client_auth(
    builder: *mut tls13_server_config_builder,
    policy: u32,
    verification: u32,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            if !matches!(
                policy,
                TLS13_CLIENT_AUTH_NONE | TLS13_CLIENT_AUTH_OPTIONAL | TLS13_CLIENT_AUTH_REQUIRED
            ) {
                return Err(Failure::invalid(format!(
                    "client auth policy {policy}: use TLS13_CLIENT_AUTH_NONE, _OPTIONAL or _REQUIRED"
                )));
            }
            verification_ok(verification)?;
            b.client_auth = policy;
            b.client_verification = verification;
            Ok(())
        })
    }
}

/// Adds an external pre-shared key the server accepts (identity, secret,
/// `TLS13_PSK_SHA256` or `TLS13_PSK_SHA384`). A server with PSKs and no
/// certificate is PSK-only: clients without one of its PSKs are refused
/// (`unknown_psk_identity`). `tls13_conn_psk_identity` says which one a
/// client used.
///
/// # Safety
///
/// `builder` is a live builder; `identity` and `secret` point to
/// `identity_len` and `secret_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_server_config_builder_add_external_psk(
    builder: *mut tls13_server_config_builder,
    identity: *const u8,
    identity_len: usize,
    secret: *const u8,
    secret_len: usize,
    hash: u32,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            let id = ptr::bytes(identity, identity_len, "identity")?;
            let secret = ptr::bytes(secret, secret_len, "secret")?;
            b.psks.push(psk(id, secret, hash)?);
            Ok(())
        })
    }
}

/// Sends `count` session tickets after each full handshake (default 0:
/// none; at most `TLS13_MAX_SESSION_TICKETS`, more is refused with
/// `TLS13_ERR_INVALID_ARGUMENT`), stateless tickets encrypted under a key
/// the configuration generates and rotates; clients resume with them.
///
/// # Safety
///
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_server_config_builder_set_session_tickets(
    builder: *mut tls13_server_config_builder,
    count: usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            // Every ticket is made and queued at once after each
            // handshake: a count such as `(size_t)-1` would have every
            // handshake loop and allocate without end.
            if count > TLS13_MAX_SESSION_TICKETS {
                return Err(Failure::invalid(format!(
                    "{count} session tickets per handshake: at most \
                     TLS13_MAX_SESSION_TICKETS ({TLS13_MAX_SESSION_TICKETS})"
                )));
            }
            b.tickets = count;
            Ok(())
        })
    }
}

/// Accepts 0-RTT data of up to `size` bytes on resumed connections
/// (default 0: refused). The data arrives as `TLS13_EVENT_EARLY_DATA`
/// and **may be a replay**: act on it only if doing so twice is harmless.
/// Needs session tickets.
///
/// # Safety
///
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_server_config_builder_set_max_early_data(
    builder: *mut tls13_server_config_builder,
    size: u32,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_builder(builder, |b| {
            b.max_early_data = size;
            Ok(())
        })
    }
}

/// Checks the settings and makes the configuration, stored in `*out`
/// (free it with `tls13_server_config_free`). The builder is consumed and
/// freed in every case (a NULL `out` included); on failure `*out` is NULL
/// and the code says why.
///
/// # Safety
///
/// `builder` is NULL or a live builder; `out` points to a writable
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_server_config_builder_build(
    builder: *mut tls13_server_config_builder,
    out: *mut *const tls13_server_config,
) -> tls13_result {
    guard(|| {
        // Taken over first: the builder is freed in every case, a NULL
        // `out` included (the caller no longer owns it after this call).
        let b = if builder.is_null() {
            None
        } else {
            // SAFETY: a live builder (the caller's contract), taken over
            // here and freed when `b` is dropped, whatever happens next.
            Some(unsafe { Box::from_raw(builder) })
        };
        ptr::out_ok(out, "out")?;
        // SAFETY: checked non-NULL; the caller's contract.
        unsafe { ptr::write(out, std::ptr::null()) };
        let Some(b) = b else {
            return Err(Failure::null("builder"));
        };
        let config = build_server(*b)?;
        // SAFETY: `out` checked above.
        unsafe {
            hand_out(
                out,
                tls13_server_config {
                    config: Arc::new(config),
                },
            )
        };
        Ok(())
    })
}

fn build_server(b: tls13_server_config_builder) -> Result<ServerConfig, Failure> {
    let mut psks = b.psks;
    let mut builder = match b.cert {
        Some((chain, key)) => ServerConfig::builder_with_single_cert(chain, key),
        None if !psks.is_empty() => ServerConfig::builder_psk_only(std::mem::take(&mut psks)),
        None => {
            return Err(Failure::new(
                TLS13_ERR_BAD_CONFIG,
                "no certificate: set one with tls13_server_config_builder_set_cert_pem (or \
                 _files), or add an external PSK for a PSK-only server",
            ));
        }
    };
    for p in psks {
        builder = builder.external_psk(p);
    }
    if !b.alpn.is_empty() {
        let protocols: Vec<&[u8]> = b.alpn.iter().map(Vec::as_slice).collect();
        builder = builder.alpn_protocols(&protocols);
    }
    if let Some(groups) = &b.groups {
        builder = builder.groups(groups);
    }
    if let Some(suites) = &b.suites {
        builder = builder.suites(suites);
    }
    if b.client_auth != TLS13_CLIENT_AUTH_NONE {
        let roots = if b.client_anchors_pem.is_empty() {
            None
        } else {
            Some(WebPkiClientVerifier::from_pem(&b.client_anchors_pem)?)
        };
        let verifier: Arc<dyn tls13::ClientCertVerifier> = match (b.client_verification, roots) {
            (TLS13_VERIFY_ROOTS, Some(r)) => Arc::new(r),
            (TLS13_VERIFY_APP, _) => Arc::new(AppClientVerifier { roots: None }),
            (TLS13_VERIFY_ROOTS_THEN_APP, Some(r)) => {
                Arc::new(AppClientVerifier { roots: Some(r) })
            }
            _ => {
                return Err(Failure::new(
                    TLS13_ERR_BAD_CONFIG,
                    "client authentication needs client trust anchors \
                     (tls13_server_config_builder_add_client_trust_anchors_pem), or TLS13_VERIFY_APP",
                ));
            }
        };
        builder = builder.client_auth(if b.client_auth == TLS13_CLIENT_AUTH_REQUIRED {
            ClientAuth::Required(verifier)
        } else {
            ClientAuth::Optional(verifier)
        });
    }
    if b.tickets > 0 {
        builder = builder.session_tickets(b.tickets);
    }
    if b.max_early_data > 0 {
        builder = builder.max_early_data_size(b.max_early_data);
    }
    Ok(builder.build()?)
}

/// Frees a configuration. Connections made from it keep working. NULL is
/// ignored.
///
/// # Safety
///
/// `config` is NULL or a configuration from
/// `tls13_server_config_builder_build`, not freed before, and no call
/// that uses it is running or will run.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_server_config_free(config: *const tls13_server_config) {
    // SAFETY: the caller's contract; the pointer came from Box::into_raw.
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe {
        ptr::free_handle(config.cast_mut())
    }));
}

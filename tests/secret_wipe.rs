//! Secrets loaded from PEM leave no copy behind in freed heap memory: a
//! global allocator scans each block the test thread frees (including
//! the old block of every reallocation, which the default `realloc`
//! frees after copying) for markers cut from the secret, its DER and its
//! base64. One test per binary run at a time: the scan is per thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use tls13::certgen::{KeyType, generate_key, to_pem};
use tls13::crypto::sign::SigningKey;
use tls13::crypto::{OsRandom, rustcrypto};
use tls13::ech::{EchConfigBuilder, EchKeyPair};
use tls13::hpke::HpkeKemId;

const M: usize = 16;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static MARKERS: Cell<[[u8; M]; 2]> = const { Cell::new([[0; M]; 2]) };
    static HITS: Cell<u32> = const { Cell::new(0) };
}

struct Scanning;

// SAFETY: allocation is forwarded to the system allocator unchanged;
// `dealloc` reads the `layout.size()` bytes of the block it is handed
// (allocated, initialised or not, by us) before forwarding. The thread
// locals have const initialisers and do not allocate. `realloc` is the
// trait's default: alloc, copy, dealloc (so the old block is scanned).
unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.try_with(Cell::get).unwrap_or(false) && layout.size() >= M {
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            let markers = MARKERS.with(Cell::get);
            if markers
                .iter()
                .any(|m| block.windows(M).any(|w| w == m.as_slice()))
            {
                HITS.with(|h| h.set(h.get() + 1));
            }
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Scanning = Scanning;

/// Freed blocks holding a marker while `f` runs.
fn freed_copies(markers: [[u8; M]; 2], f: impl FnOnce()) -> u32 {
    MARKERS.with(|m| m.set(markers));
    HITS.with(|h| h.set(0));
    ARMED.with(|a| a.set(true));
    f();
    ARMED.with(|a| a.set(false));
    HITS.with(Cell::get)
}

/// Markers from a 48-byte PKCS#8 key whose secret is its last 32 bytes
/// (X25519, Ed25519): 16 secret bytes, and 16 base64 characters of the
/// first line that encode only secret bytes (bytes 18..30).
fn markers(pem: &str, secret: &[u8]) -> [[u8; M]; 2] {
    let line = pem.lines().nth(1).unwrap().as_bytes();
    [
        secret[8..8 + M].try_into().unwrap(),
        line[24..24 + M].try_into().unwrap(),
    ]
}

#[test]
fn loaded_keys_leave_no_copy_in_freed_memory() {
    // The ECH key file, written and read.
    let k = EchConfigBuilder::new("public.example")
        .kem(HpkeKemId::DHKEM_X25519_HKDF_SHA256)
        .generate(rustcrypto::provider(), &OsRandom)
        .unwrap();
    let secret = k.private_key().to_bytes();
    let pem = k.to_pem();
    let m = markers(&pem, &secret);
    assert_eq!(
        freed_copies(m, || drop(k.to_pem())),
        0,
        "EchKeyPair::to_pem"
    );
    assert_eq!(
        freed_copies(m, || drop(EchKeyPair::from_pem(&pem).unwrap())),
        0,
        "EchKeyPair::from_pem"
    );

    // The same for a P-256 ECH key: the scalar is bytes 36..68 of its
    // PKCS#8, base64 characters 48..64 of the first line hold bytes 36..48.
    let k = EchConfigBuilder::new("public.example")
        .kem(HpkeKemId::DHKEM_P256_HKDF_SHA256)
        .generate(rustcrypto::provider(), &OsRandom)
        .unwrap();
    let secret = k.private_key().to_bytes();
    let pem = k.to_pem();
    let line = pem.lines().nth(1).unwrap().as_bytes();
    let m = [
        secret[8..8 + M].try_into().unwrap(),
        line[48..48 + M].try_into().unwrap(),
    ];
    assert_eq!(freed_copies(m, || drop(k.to_pem())), 0, "P-256 to_pem");
    assert_eq!(
        freed_copies(m, || drop(EchKeyPair::from_pem(&pem).unwrap())),
        0,
        "P-256 from_pem"
    );

    // A server's signing key (PKCS#8 Ed25519), read from PEM.
    let der = generate_key(KeyType::Ed25519, &OsRandom).unwrap();
    assert_eq!(der.len(), 48);
    let mut pem = to_pem("PRIVATE KEY", &der);
    let m = markers(&pem, &der[16..]);
    assert_eq!(
        freed_copies(m, || drop(SigningKey::from_pem(&pem).unwrap())),
        0,
        "SigningKey::from_pem"
    );
    // A file of two keys: the first is loaded, the second passed over,
    // and wiped too.
    let der2 = generate_key(KeyType::Ed25519, &OsRandom).unwrap();
    let mut pem2 = to_pem("PRIVATE KEY", &der2);
    let m = markers(&pem2, &der2[16..]);
    let mut both = format!("{pem}{pem2}");
    assert_eq!(
        freed_copies(m, || drop(SigningKey::from_pem(&both).unwrap())),
        0,
        "SigningKey::from_pem, the key passed over"
    );
    // The test's own copies, wiped before they are freed.
    for text in [&mut pem, &mut pem2, &mut both] {
        zeroize::Zeroize::zeroize(text);
    }
}

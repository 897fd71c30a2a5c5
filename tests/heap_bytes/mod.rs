//! A counting global allocator for the test binaries that measure work
//! by the heap (`tests/cert_compression_kept.rs`, `tests/issue16_review.rs`):
//! [`allocated`] totals the bytes this thread has asked for, so a round
//! of handshakes run on one thread can be compared with another.
//! Compressing allocates the encoder's tables and window every time, so
//! a round that compresses nothing allocates a fraction of one that does.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static BYTES: Cell<u64> = const { Cell::new(0) };
}

fn note(bytes: usize) {
    // try_with: the thread's storage may already be gone while it exits.
    let _ = BYTES.try_with(|b| b.set(b.get() + bytes as u64));
}

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counter is a plain thread-local cell with a const initialiser (no
// allocation while counting).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Bytes this thread has allocated (reallocations count their new size).
pub fn allocated() -> u64 {
    BYTES.with(Cell::get)
}

//! C pointers into Rust references: the only `unsafe` of the crate besides
//! the handle conversions in `config` and `conn`, which use these.
//!
//! The header states the caller's side of every contract: a pointer with
//! a length points to that many bytes, valid (and not written by anyone
//! else) for the duration of the call; a string is NUL-terminated; an out
//! pointer points to writable memory of its type; a handle is one this
//! library returned and that was not freed. What can be checked — NULL,
//! lengths no object can have, UTF-8 — is checked here and refused with a
//! code.

use std::ffi::{CStr, c_char};

use crate::error::Failure;

/// The `len` bytes at `ptr`; NULL is accepted only with `len == 0`.
///
/// # Safety
///
/// Unless NULL, `ptr` points to `len` initialised bytes that stay valid and
/// unmodified until the returned borrow ends (the end of the C call).
pub(crate) unsafe fn bytes<'a>(
    ptr: *const u8,
    len: usize,
    what: &'static str,
) -> Result<&'a [u8], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::null(what));
    }
    check_len(len, what)?;
    // SAFETY: `ptr` is not NULL and `len` is a size an object can have;
    // the caller guarantees (the header's contract for every pointer and
    // length pair) that `len` initialised bytes lie at `ptr`, unmodified
    // while the call runs. u8 has no alignment requirement.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// The `len` writable bytes at `ptr`; NULL is accepted only with
/// `len == 0`.
///
/// # Safety
///
/// Unless NULL, `ptr` points to `len` writable bytes that nothing else
/// reads or writes until the returned borrow ends.
pub(crate) unsafe fn bytes_mut<'a>(
    ptr: *mut u8,
    len: usize,
    what: &'static str,
) -> Result<&'a mut [u8], Failure> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(Failure::null(what));
    }
    check_len(len, what)?;
    // SAFETY: as in `bytes`, and the caller guarantees the bytes are
    // writable and not aliased for the call. Writing `u8`s through the
    // slice is sound even if they were uninitialised, and the slice is
    // only written to before it is read (copies into it).
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

fn check_len(len: usize, what: &'static str) -> Result<(), Failure> {
    if isize::try_from(len).is_err() {
        return Err(Failure::invalid(format!(
            "{what}: a length of {len} bytes is larger than any object"
        )));
    }
    Ok(())
}

/// The NUL-terminated UTF-8 string at `ptr`.
///
/// # Safety
///
/// Unless NULL, `ptr` points to a NUL-terminated string that stays valid
/// and unmodified until the returned borrow ends.
pub(crate) unsafe fn string<'a>(
    ptr: *const c_char,
    what: &'static str,
) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(what));
    }
    // SAFETY: not NULL; the caller guarantees a NUL-terminated string
    // that lives and stays unchanged for the call.
    let s = unsafe { CStr::from_ptr(ptr) };
    s.to_str()
        .map_err(|_| Failure::invalid(format!("{what} is not UTF-8")))
}

/// Refuses a NULL out pointer (before any work is done).
pub(crate) fn out_ok<T>(ptr: *mut T, what: &'static str) -> Result<(), Failure> {
    if ptr.is_null() {
        Err(Failure::null(what))
    } else {
        Ok(())
    }
}

/// Stores `value` through an out pointer checked by [`out_ok`] (a NULL
/// one is skipped: optional outputs).
///
/// # Safety
///
/// Unless NULL, `ptr` points to writable memory for one properly aligned
/// `T`, which may be uninitialised.
pub(crate) unsafe fn write<T>(ptr: *mut T, value: T) {
    if !ptr.is_null() {
        // SAFETY: not NULL; the caller guarantees writable, aligned
        // memory for a `T`. `write` does not read or drop the old
        // contents, which may be uninitialised (a C out variable).
        unsafe { ptr.write(value) }
    }
}

/// A borrowed slice returned to C: its pointer and length, NULL when
/// empty (so that C never sees a dangling pointer).
pub(crate) fn parts(s: &[u8]) -> (*const u8, usize) {
    if s.is_empty() {
        (std::ptr::null(), 0)
    } else {
        (s.as_ptr(), s.len())
    }
}

/// The object behind a mutable handle (a builder, a connection).
///
/// # Safety
///
/// Unless NULL, `p` was returned by this library's constructor for `T`,
/// has not been freed, and no other call uses it while the borrow lives
/// (the header: a builder or connection is used by one thread at a time).
pub(crate) unsafe fn handle_mut<'a, T>(
    p: *mut T,
    what: &'static str,
) -> Result<&'a mut T, Failure> {
    // SAFETY: NULL is refused by `as_mut`; otherwise the caller
    // guarantees a live, exclusively used object made by `Box::into_raw`
    // (so aligned and initialised).
    unsafe { p.as_mut() }.ok_or_else(|| Failure::null(what))
}

/// The object behind a shared handle (a configuration).
///
/// # Safety
///
/// Unless NULL, `p` was returned by this library's constructor for `T`
/// and has not been freed (it may be used by several threads at once:
/// only shared access is made).
pub(crate) unsafe fn handle_ref<'a, T>(p: *const T, what: &'static str) -> Result<&'a T, Failure> {
    // SAFETY: NULL is refused by `as_ref`; otherwise the caller
    // guarantees a live object made by `Box::into_raw`, which is only
    // read here (the configurations are `Sync`).
    unsafe { p.as_ref() }.ok_or_else(|| Failure::null(what))
}

/// Frees a handle made by `Box::into_raw`; NULL is ignored.
///
/// # Safety
///
/// Unless NULL, `p` was returned by this library's constructor for `T`,
/// has not been freed, and no call uses it any more.
pub(crate) unsafe fn free_handle<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: the caller guarantees a pointer from `Box::into_raw`
        // for a `T`, freed exactly once, with no borrow left.
        drop(unsafe { Box::from_raw(p) });
    }
}

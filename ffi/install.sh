#!/bin/sh
# Installs the C API: the header, the static and shared libraries, and a
# pkg-config file (tls13-ffi.pc, from tls13-ffi.pc.in).
#
#   ffi/install.sh PREFIX [BUILD_DIR]
#
# BUILD_DIR is where cargo put the libraries (default target/release,
# after `cargo build --release -p tls13-ffi`).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=${1:?usage: install.sh PREFIX [BUILD_DIR]}
build=${2:-$here/../target/release}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$here/Cargo.toml" | head -n 1)
mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
cp "$here/include/tls13.h" "$prefix/include/"
cp "$build/libtls13_ffi.a" "$build/libtls13_ffi.so" "$prefix/lib/"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" "$here/tls13-ffi.pc.in" \
    > "$prefix/lib/pkgconfig/tls13-ffi.pc"
echo "installed tls13-ffi $version into $prefix"

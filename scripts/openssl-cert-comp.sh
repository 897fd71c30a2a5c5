#!/usr/bin/env bash
# Usage: scripts/openssl-cert-comp.sh PREFIX
#
# Puts Debian trixie's `openssl` program (3.5, built with zlib and zstd,
# so `s_server`/`s_client` do certificate compression, RFC 8879) under
# PREFIX without installing anything into the system, and writes
# PREFIX/openssl, a wrapper that runs it: tests/interop_cert_compression.rs
# uses it ($OPENSSL_CERT_COMP, default /opt/openssl-cert-comp/openssl).
#
# Why not the system's peers: bookworm's OpenSSL 3.0 predates RFC 8879
# support, and Debian builds GnuTLS (bookworm 3.7.9 and trixie 3.8.9
# alike) without zlib, brotli or zstd, so its `--compress-cert` does
# nothing (scripts/gnutls-cert-comp.sh builds one that has them).
#
# How: apt-get with a private source list, state and cache (the system's
# sources, lists and dpkg status are neither read nor changed) downloads
# the openssl package and every library under it, trixie's libc and
# loader included, as if onto an empty system; `dpkg -x` unpacks each
# into PREFIX/root, and the wrapper starts the program through trixie's
# own loader with trixie's libraries, configuration and provider modules,
# so nothing of the host's older libc or libssl is mixed in.
#
# Idempotent: returns at once when PREFIX/openssl already runs.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 PREFIX" >&2
    exit 2
fi
mkdir -p "$1"
prefix="$(cd "$1" && pwd)"
wrapper="$prefix/openssl"

if [ -x "$wrapper" ] && "$wrapper" version >/dev/null 2>&1; then
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    > "$work/trixie.sources"
mkdir -p "$work/state/lists/partial" "$work/cache/archives/partial"
touch "$work/status"
apt_private=(
    -o "Dir::Etc::sourcelist=$work/trixie.sources" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State=$work/state" -o "Dir::State::status=$work/status"
    -o "Dir::Cache=$work/cache" -o "Debug::NoLocking=1"
    # The files are the invoking user's: no drop to the _apt user.
    -o "APT::Sandbox::User=$(id -un)"
)
apt-get "${apt_private[@]}" update -qq
apt-get "${apt_private[@]}" install --download-only -y -qq --no-install-recommends openssl

# A fresh root each time, so that a half-finished earlier run leaves
# nothing behind.
rm -rf "$prefix/root"
mkdir -p "$prefix/root"
for deb in "$work"/cache/archives/*.deb; do
    dpkg -x "$deb" "$prefix/root"
done

root="$prefix/root"
multiarch="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
libdir="$root/usr/lib/$multiarch"
loader="$(find "$libdir" -maxdepth 1 -name 'ld-linux*.so*' | head -n 1)"
if [ -z "$loader" ]; then
    echo "$0: no dynamic loader under $libdir" >&2
    exit 1
fi

# OPENSSL_CONF: trixie's own configuration (the host's /usr/lib/ssl is
# bookworm's); OPENSSL_MODULES / OPENSSL_ENGINES: its provider and engine
# directories, whose compiled-in paths point into the host's /usr/lib.
cat > "$wrapper.tmp" <<EOF
#!/bin/sh
# Debian trixie's openssl (see scripts/openssl-cert-comp.sh), run through
# trixie's loader and libraries unpacked under $root.
OPENSSL_CONF="$root/etc/ssl/openssl.cnf"
OPENSSL_MODULES="$libdir/ossl-modules"
OPENSSL_ENGINES="$libdir/engines-3"
export OPENSSL_CONF OPENSSL_MODULES OPENSSL_ENGINES
exec "$loader" --library-path "$libdir" "$root/usr/bin/openssl" "\$@"
EOF
chmod +x "$wrapper.tmp"
mv "$wrapper.tmp" "$wrapper"
"$wrapper" version

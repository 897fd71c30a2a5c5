#!/usr/bin/env bash
# Usage: scripts/gnutls-cert-comp.sh PREFIX
#
# Builds GnuTLS 3.7.9 from Debian bookworm's own source package (gnutls28)
# with zlib, brotli and zstd, and installs its library and the two
# programs `gnutls-cli` and `gnutls-serv` under PREFIX (PREFIX/bin,
# PREFIX/lib): tests/interop_cert_compression.rs uses them for
# certificate compression (RFC 8879) interop ($GNUTLS_CERT_COMP_DIR,
# default /opt/gnutls-cert-comp/bin).
#
# Why: Debian builds GnuTLS without any compression library, so the
# packaged gnutls-cli/gnutls-serv refuse `--compress-cert` ("Unknown
# compression method"). The source is Debian's (same upstream tarball,
# fetched and hash-checked through apt's signed Sources index), only
# configured with the compression libraries Debian leaves out.
#
# How: apt-get with a private deb-src list and state (the system's
# sources and lists stay as they are) downloads the source; the build
# deps are installed with apt-get when missing; only the library and the
# two programs are built (a top-level `make` builds far more). The
# installed programs find PREFIX/lib through their RUNPATH (libtool
# relinks them on install), never the system's libgnutls: checked below.
#
# Idempotent: returns at once when PREFIX/bin/gnutls-cli already runs
# against PREFIX's own library built with the compression libraries.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 PREFIX" >&2
    exit 2
fi
mkdir -p "$1"
prefix="$(cd "$1" && pwd)"

# PREFIX's programs run, load PREFIX's libgnutls, and that library links
# zlib, brotli and zstd.
installed_ok() {
    local prog lib
    for prog in gnutls-cli gnutls-serv; do
        [ -x "$prefix/bin/$prog" ] || return 1
        "$prefix/bin/$prog" --version >/dev/null 2>&1 || return 1
        lib="$(ldd "$prefix/bin/$prog" | awk '$1 ~ /^libgnutls\.so/ { print $3 }')"
        [ "$lib" = "$prefix/lib/libgnutls.so.30" ] || return 1
    done
    local needed
    needed="$(objdump -p "$prefix/lib/libgnutls.so.30" | awk '$1 == "NEEDED" { print $2 }')"
    for l in libz.so libbrotlienc.so libbrotlidec.so libzstd.so; do
        grep -q "^$l" <<<"$needed" || return 1
    done
}

if installed_ok; then
    exit 0
fi

start=$SECONDS
stage=$SECONDS
lap() {
    echo "gnutls-cert-comp: $1 took $((SECONDS - stage)) s"
    stage=$SECONDS
}

deps=(gcc make pkg-config binutils xz-utils nettle-dev libgmp-dev libtasn1-6-dev
    libbrotli-dev libzstd-dev zlib1g-dev)
missing=()
for d in "${deps[@]}"; do
    dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$d")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
lap "build dependencies"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    > src.sources
mkdir -p state/lists/partial
apt_private=(
    -o "Dir::Etc::sourcelist=$work/src.sources" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$work/state/lists" -o "Debug::NoLocking=1"
    # The files are the invoking user's: no drop to the _apt user.
    -o "APT::Sandbox::User=$(id -un)"
)
apt-get "${apt_private[@]}" update -qq
# The upstream tarball Debian builds from (its debian/ tarball, with
# Debian's packaging and a few patches, is not needed to build).
apt-get "${apt_private[@]}" source --download-only -qq gnutls28
tar xf gnutls28_3.7.9.orig.tar.xz
cd gnutls-3.7.9
lap "source download"

# --with-included-libtasn1 does not build here, so the system's libtasn1
# (libtasn1-6-dev) is used; what the two programs do not need is off.
# -O1 without debug information: the programs run a few handshakes in
# tests, and this builds in about 97 s against 134 s at the default -O2 -g.
CFLAGS="-O1 -g0" ./configure -q --prefix="$prefix" --disable-doc --disable-tests --disable-guile \
    --disable-cxx --with-included-unistring --without-p11-kit --without-idn \
    --without-tpm --without-tpm2 --disable-libdane --disable-nls --disable-static \
    --with-zlib --with-brotli --with-zstd
for h in HAVE_LIBZ HAVE_LIBBROTLI HAVE_LIBZSTD; do
    if ! grep -q "^#define $h 1" config.h; then
        echo "$0: configure did not enable $h" >&2
        exit 1
    fi
done
lap "configure"

jobs="$(nproc 2>/dev/null || echo 2)"
# src/ needs src/gl built first; only the two programs are built there.
make -s -j"$jobs" -C gl
make -s -j"$jobs" -C lib
make -s -j"$jobs" -C src/gl
make -s -j"$jobs" -C src gnutls-cli gnutls-serv
lap "build"

make -s -C lib install
make -s -C src install-binPROGRAMS bin_PROGRAMS="gnutls-cli gnutls-serv"
lap "install"

if ! installed_ok; then
    echo "$0: $prefix/bin/gnutls-cli does not run against $prefix/lib's compression-enabled libgnutls" >&2
    ldd "$prefix/bin/gnutls-cli" >&2 || true
    exit 1
fi
"$prefix/bin/gnutls-cli" --version | head -n 1
echo "gnutls-cert-comp: done in $((SECONDS - start)) s"

#!/usr/bin/env bash
# Regenerates the OCSP fixtures of tests/ocsp.rs and src/x509/ocsp.rs with
# `openssl ocsp` (OpenSSL 3.0). The responses carry the time they were made
# (thisUpdate = producedAt = now, nextUpdate 7 days later unless said
# otherwise); the tests take their validation time from good.der's
# thisUpdate, so the committed files never expire.
#
#   bash vectors/ocsp/make.sh        (from the repository root)
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# ca NAME CN: a self-signed CA.
ca() {
    key "$1.key"
    openssl req -new -x509 -key "$1.key" -out "$1.pem" -days 3650 -subj "/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" 2>/dev/null
}

# issue NAME CA SERIAL CN EXTFILE-LINES...: a certificate from CA.
issue() {
    local name=$1 ca=$2 serial=$3 cn=$4
    shift 4
    key "$name.key"
    openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$work/$name.csr" 2>/dev/null
    printf '%s\n' "$@" > "$work/$name.ext"
    openssl x509 -req -in "$work/$name.csr" -CA "$ca.pem" -CAkey "$ca.key" \
        -set_serial "$serial" -days 3650 -extfile "$work/$name.ext" -out "$name.pem" 2>/dev/null
}

leaf_ext=("basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature"
    "extendedKeyUsage=serverAuth" "subjectAltName=DNS:ocsp.test"
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid")
responder_ext=("basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature"
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid")

ca ca "OCSP Test CA"
ca ca2 "Other CA"
issue leaf ca 0x1001 ocsp.test "${leaf_ext[@]}"
issue revoked ca 0x1002 ocsp.test "${leaf_ext[@]}"
issue unknown ca 0x1003 ocsp.test "${leaf_ext[@]}"
issue must_staple ca 0x1004 ocsp.test "${leaf_ext[@]}" "tlsfeature=status_request"
issue responder ca 0x2001 "OCSP Responder" "${responder_ext[@]}" "extendedKeyUsage=OCSPSigning"
issue responder_noeku ca 0x2002 "OCSP Responder Without EKU" "${responder_ext[@]}" "extendedKeyUsage=serverAuth"
issue responder_other ca2 0x3001 "Other CA Responder" "${responder_ext[@]}" "extendedKeyUsage=OCSPSigning"
# Same serial as leaf, other issuer.
issue leaf_ca2 ca2 0x1001 ocsp.test "${leaf_ext[@]}"

expiry=$(date -u -d '+10 years' +%y%m%d%H%M%SZ)
revoked_at=$(date -u -d '-1 day' +%y%m%d%H%M%SZ)
printf 'V\t%s\t\t1001\tunknown\t/CN=ocsp.test\n' "$expiry" > "$work/index.txt"
printf 'R\t%s\t%s,keyCompromise\t1002\tunknown\t/CN=ocsp.test\n' "$expiry" "$revoked_at" >> "$work/index.txt"
printf 'V\t%s\t\t1004\tunknown\t/CN=ocsp.test\n' "$expiry" >> "$work/index.txt"
printf 'V\t%s\t\t1001\tunknown\t/CN=ocsp.test\n' "$expiry" > "$work/index2.txt"
# Several entries share a subject.
echo 'unique_subject = no' > "$work/index.txt.attr"

# respond OUT CERT ISSUER INDEX SIGNER [extra openssl ocsp options...]
respond() {
    local out=$1 cert=$2 issuer=$3 index=$4 signer=$5
    shift 5
    local digest=(-sha1)
    if [ "${1:-}" = "-sha256" ]; then digest=(-sha256); shift; fi
    openssl ocsp -issuer "$issuer.pem" "${digest[@]}" -cert "$cert.pem" -no_nonce \
        -reqout "$work/req.der" >/dev/null
    openssl ocsp -index "$work/$index" -CA "$issuer.pem" -rsigner "$signer.pem" \
        -rkey "$signer.key" -reqin "$work/req.der" -respout "$out" "$@" >/dev/null
}

respond good.der leaf ca index.txt ca -ndays 7
respond good_sha256.der leaf ca index.txt ca -sha256 -ndays 7
respond good_by_key.der leaf ca index.txt ca -resp_key_id -ndays 7
respond revoked.der revoked ca index.txt ca -ndays 7
respond unknown.der unknown ca index.txt ca -ndays 7
respond must_staple.der must_staple ca index.txt ca -ndays 7
respond delegated.der leaf ca index.txt responder -ndays 7
respond delegated_by_key.der leaf ca index.txt responder -resp_key_id -ndays 7
respond delegated_noeku.der leaf ca index.txt responder_noeku -ndays 7
respond delegated_other_ca.der leaf ca index.txt responder_other -ndays 7
respond no_next_update.der leaf ca index.txt ca
respond short.der leaf ca index.txt ca -nmin 10
respond other_issuer.der leaf_ca2 ca2 index2.txt ca2 -ndays 7
# A response that is not `successful` (tryLater): the DER by hand.
printf '\x30\x03\x0a\x01\x03' > try_later.der

# Kept: the keys of the servers the handshake tests run, and the CA key the
# interop tests sign fresh responses with (tests/interop_ocsp.rs).
rm -f ca2.key unknown.key responder*.key leaf_ca2.key
for f in *.der; do
    openssl ocsp -respin "$f" -resp_text -noverify 2>/dev/null | grep -m1 -E "Cert Status|Response Status" |
        sed "s/^/$f: /" || true
done

#!/usr/bin/env bash
# Makes the "Web PKI shaped" chain of benches/cert_compression.rs with
# `openssl` (OpenSSL 3.0): a root (RSA-4096, kept by the client only), an
# intermediate (RSA-2048) and a leaf (RSA-2048) carrying the extensions a
# public CA puts in its certificates today (modelled on a Let's Encrypt
# RSA chain: policies, AIA, CRL distribution point, key identifiers, two
# SCTs in the leaf, several DNS names), with example.net URLs and names
# of our own. The SCTs are shaped as RFC 6962 §3.3 says (v1, a 32-byte
# log id, a timestamp, an ECDSA-SHA256 signature of DER shape) but their
# log ids and signatures are random bytes, as incompressible as real
# ones; nothing checks them. Valid for 25 years from when this ran.
#
#   bash vectors/cert-compression/make.sh      (from the repository root)
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
days=9125

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$work/root.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/int.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out leaf.key 2>/dev/null

openssl req -new -x509 -key "$work/root.key" -out root.pem -days "$days" -sha256 \
    -subj "/C=XX/O=Example Trust Services/CN=Example Root R1" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null

cat > "$work/int.ext" <<'EXT'
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,digitalSignature,keyCertSign,cRLSign
extendedKeyUsage=serverAuth,clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
authorityInfoAccess=caIssuers;URI:http://r1.i.example.net/
certificatePolicies=2.23.140.1.2.1
crlDistributionPoints=URI:http://r1.c.example.net/
EXT
openssl req -new -key "$work/int.key" -subj "/C=XX/O=Example Trust Services/CN=R12" \
    -out "$work/int.csr" 2>/dev/null
openssl x509 -req -in "$work/int.csr" -CA root.pem -CAkey "$work/root.key" -sha256 \
    -set_serial "0x$(openssl rand -hex 16)" -days "$days" -extfile "$work/int.ext" \
    -out intermediate.pem 2>/dev/null

# One SCT (RFC 6962 §3.2, §3.3): version 0, log id, timestamp (ms),
# no extensions, ecdsa(3)/sha256(4), a 71-byte DER-shaped signature.
sct() {
    printf '00%s%016x0000' "$(openssl rand -hex 32)" "$(( $(date +%s) * 1000 + $1 ))"
    printf '0403004730450220%s0221%02x%s' "$(openssl rand -hex 32)" 0 "$(openssl rand -hex 32)"
}
one=$(sct 1); two=$(sct 2)
len() { printf '%04x' $(( ${#1} / 2 )); }
list="$(len "$one")$one$(len "$two")$two"
scts="04$(printf '81%02x' $(( ${#list} / 2 + 2 )))$(len "$list")$list"

cat > "$work/leaf.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
authorityInfoAccess=caIssuers;URI:http://r12.i.example.net/
certificatePolicies=2.23.140.1.2.1
crlDistributionPoints=URI:http://r12.c.example.net/73.crl
subjectAltName=DNS:example.net,DNS:www.example.net,DNS:api.example.net,DNS:static.example.net
1.3.6.1.4.1.11129.2.4.2=DER:$scts
EXT
openssl req -new -key leaf.key -subj "/CN=example.net" -out "$work/leaf.csr" 2>/dev/null
openssl x509 -req -in "$work/leaf.csr" -CA intermediate.pem -CAkey "$work/int.key" -sha256 \
    -set_serial "0x$(openssl rand -hex 16)" -days "$days" -extfile "$work/leaf.ext" \
    -out leaf.pem 2>/dev/null

openssl verify -CAfile root.pem -untrusted intermediate.pem leaf.pem
for f in root intermediate leaf; do
    printf '%s: %s bytes DER\n' "$f" "$(openssl x509 -in $f.pem -outform DER | wc -c)"
done

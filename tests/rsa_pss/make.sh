#!/bin/sh
# Regenerates the RSA-PSS certificate fixtures with OpenSSL 3.0 (see
# README.md for what each file is). Run from this directory; it rewrites
# every file. The tests read the files, never this script.
set -eu
DAYS=36500   # valid for a century from the day they were made

# pss OUT BITS [MD SALTLEN]: an id-RSASSA-PSS key, restricted to MD (hash
# and MGF1 hash) with a minimum salt of SALTLEN when those are given.
pss() {
  if [ $# -ge 3 ]; then
    openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:$2 \
      -pkeyopt rsa_pss_keygen_md:$3 -pkeyopt rsa_pss_keygen_mgf1_md:$3 \
      -pkeyopt rsa_pss_keygen_saltlen:$4 -out $1 2>/dev/null
  else
    openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:$2 -out $1 2>/dev/null
  fi
}

# plain IN OUT: the same RSA key with an rsaEncryption AlgorithmIdentifier
# (the RSAPrivateKey inside the PKCS#8 OCTET STRING, re-wrapped by OpenSSL).
plain() {
  off=$(openssl asn1parse -in $1 | awk -F: '/OCTET STRING/ {print $1; exit}' | tr -d ' ')
  openssl asn1parse -in $1 -strparse $off -noout -out tmp.der
  openssl rsa -inform DER -in tmp.der -out $2 2>/dev/null
  rm -f tmp.der
}

cat > ca.ext <<X
basicConstraints=critical,CA:true
keyUsage=critical,keyCertSign,cRLSign
X
cat > leaf.ext <<X
basicConstraints=critical,CA:false
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:localhost,DNS:client.example
X

INT="/CN=RSA-PSS Test Intermediate (SHA-384)"

# Root: PSS key restricted to SHA-256, self-signed (RSASSA-PSS SHA-256).
pss root.key 2048 sha256 32
openssl req -x509 -new -key root.key -subj "/CN=RSA-PSS Test Root (SHA-256)" -days $DAYS \
  -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign \
  -out root.pem

# Intermediate: PSS key restricted to SHA-384 (salt >= 48), signed by the root.
pss int.key 2048 sha384 48
openssl req -new -key int.key -subj "$INT" -out tmp.csr
openssl x509 -req -in tmp.csr -CA root.pem -CAkey root.key -days $DAYS -extfile ca.ext \
  -set_serial 2 -out int.pem 2>/dev/null

# The same intermediate key as rsaEncryption, same name: a certificate
# for it lets OpenSSL sign what the PSS certificate's restrictions forbid.
plain int.key int-plain.key
openssl req -new -key int-plain.key -subj "$INT" -out tmp.csr
openssl x509 -req -in tmp.csr -CA root.pem -CAkey root.key -days $DAYS -extfile ca.ext \
  -set_serial 3 -out int-plain.pem 2>/dev/null

# leaf OUT-CERT KEY CA-CERT CA-KEY SERIAL [signing options...]
leaf() {
  out=$1 key=$2 ca=$3 cakey=$4 serial=$5
  shift 5
  openssl req -new -key $key -subj "/CN=${out%.pem}" -out tmp.csr
  openssl x509 -req -in tmp.csr -CA $ca -CAkey $cakey -days $DAYS -extfile leaf.ext \
    -set_serial $serial "$@" -out $out 2>/dev/null
}

# Leaves issued by the intermediate (RSASSA-PSS SHA-384, as its key demands).
pss server.key 2048                    # unrestricted: any of pss_pss_sha256/384/512
leaf server.pem server.key int.pem int.key 10
pss server256.key 2048 sha256 32       # rsa_pss_pss_sha256 only
leaf server256.pem server256.key int.pem int.key 11
pss client512.key 3072 sha512 64       # rsa_pss_pss_sha512 only
leaf client512.pem client512.key int.pem int.key 12

# Leaves whose signature the intermediate's PSS key does not allow, made
# with its rsaEncryption twin: RSASSA-PSS with SHA-256, and PKCS#1 v1.5.
leaf wrong-hash.pem server.key int-plain.pem int-plain.key 13 \
  -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256
leaf pkcs1v15.pem server.key int-plain.pem int-plain.key 14 -sha384

# A key no TLS 1.3 scheme can use: SHA-256 with a minimum salt of 64
# (TLS signs with a salt as long as the hash, RFC 9846 §4.2.3).
pss salt64.key 2048 sha256 64
# A PSS key below the 2048-bit floor.
pss small.key 1024
leaf small.pem small.key int.pem int.key 15

rm -f tmp.csr ca.ext leaf.ext root.srl int.srl int-plain.srl

#!/usr/bin/env python3
"""Makes aes_128_ccm_tls.json: AES-128-CCM known answers with TLS 1.3's
parameters (12-byte nonce; 16-byte tag for TLS_AES_128_CCM_SHA256, 8-byte
for TLS_AES_128_CCM_8_SHA256), as no Wycheproof AES-CCM file was at hand.

- tcId 1: NIST SP 800-38C Appendix C, Example 3 (12-byte nonce, 8-byte
  tag, 20 bytes of associated data, 24 of payload), typed from the
  publication and checked here against pyca/cryptography.
- The rest: inputs derived from fixed labels with SHA-256, outputs from
  pyca/cryptography's AESCCM (OpenSSL's CCM), which shares no code with
  the RustCrypto `ccm` crate the library uses. Invalid cases are valid
  ones with one thing changed, each checked to fail in pyca too.

Run: python3 gen.py > aes_128_ccm_tls.json
"""
import hashlib
import json

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESCCM


def derive(label, n):
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{label} {i}".encode()).digest()
        i += 1
    return out[:n]


def seal(key, nonce, aad, msg, tag_len):
    out = AESCCM(key, tag_length=tag_len).encrypt(nonce, msg, aad)
    return out[:-tag_len], out[-tag_len:]


def fails(key, nonce, aad, ct, tag, tag_len):
    try:
        AESCCM(key, tag_length=tag_len).decrypt(nonce, ct + tag, aad)
    except InvalidTag:
        return True
    return False


def case(tc, key, nonce, aad, msg, ct, tag, result, comment):
    return {
        "tcId": tc,
        "comment": comment,
        "key": key.hex(),
        "iv": nonce.hex(),
        "aad": aad.hex(),
        "msg": msg.hex(),
        "ct": ct.hex(),
        "tag": tag.hex(),
        "result": result,
    }


def group(tag_len, first_tc, extra):
    tests = list(extra)
    tc = first_tc
    # Payload and AAD lengths around the block size, a TLS record header
    # as AAD (5 bytes), and a full TLS record (2^14 + 1 + 16).
    shapes = [(0, 0), (0, 5), (1, 5), (15, 5), (16, 5), (17, 5), (31, 13),
              (64, 0), (300, 5), (16385 + 16, 5)]
    valid = []
    for (n, a) in shapes:
        label = f"tls13 ccm{tag_len} {n} {a}"
        key = derive(label + " key", 16)
        nonce = derive(label + " nonce", 12)
        aad = derive(label + " aad", a)
        msg = derive(label + " msg", n)
        ct, tag = seal(key, nonce, aad, msg, tag_len)
        tests.append(case(tc, key, nonce, aad, msg, ct, tag, "valid",
                          f"{n}-byte payload, {a}-byte AAD"))
        valid.append((key, nonce, aad, msg, ct, tag))
        tc += 1
    key, nonce, aad, msg, ct, tag = valid[5]  # 17-byte payload, 5-byte AAD
    flip = lambda b, i: b[:i] + bytes([b[i] ^ 0x01]) + b[i + 1:]
    bad = [
        (nonce, aad, ct, flip(tag, 0), "tag: first byte changed"),
        (nonce, aad, ct, flip(tag, tag_len - 1), "tag: last byte changed"),
        (nonce, aad, flip(ct, 0), tag, "ciphertext: first byte changed"),
        (nonce, aad, flip(ct, 16), tag, "ciphertext: byte of the second block changed"),
        (nonce, flip(aad, 4), ct, tag, "AAD changed"),
        (nonce, b"", ct, tag, "AAD left out"),
        (flip(nonce, 11), aad, ct, tag, "nonce: last byte changed"),
        (nonce, aad, ct + b"\x00", tag, "ciphertext one byte longer"),
        (nonce, aad, ct, bytes(tag_len), "all-zero tag"),
    ]
    for (n2, a2, c2, t2, comment) in bad:
        assert fails(key, n2, a2, c2, t2, tag_len), comment
        tests.append(case(tc, key, n2, a2, b"", c2, t2, "invalid", comment))
        tc += 1
    return {"keySize": 128, "ivSize": 96, "tagSize": tag_len * 8, "tests": tests}, tc


# NIST SP 800-38C Appendix C, Example 3.
K = bytes.fromhex("404142434445464748494a4b4c4d4e4f")
N = bytes.fromhex("101112131415161718191a1b")
A = bytes.fromhex("000102030405060708090a0b0c0d0e0f10111213")
P = bytes.fromhex("202122232425262728292a2b2c2d2e2f3031323334353637")
C = bytes.fromhex("e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5484392fbc1b09951")
assert seal(K, N, A, P, 8) == (C[:-8], C[-8:])
nist = case(1, K, N, A, P, C[:-8], C[-8:], "valid", "NIST SP 800-38C Appendix C, Example 3")

g8, tc = group(8, 2, [nist])
g16, _ = group(16, tc, [])
doc = {
    "algorithm": "AES-CCM",
    "header": [
        "AES-128-CCM with TLS 1.3's 12-byte nonce and 16- or 8-byte tags.",
        "tcId 1 is NIST SP 800-38C Appendix C Example 3; the rest were computed",
        "with pyca/cryptography's AESCCM (OpenSSL) by gen.py from labelled inputs.",
    ],
    "numberOfTests": sum(len(g["tests"]) for g in (g8, g16)),
    "testGroups": [g8, g16],
}
print(json.dumps(doc, indent=1))

"""Makes rfc9180-subset.json from the official RFC 9180 test vectors.

Usage: python3 extract.py path/to/test-vectors.json > rfc9180-subset.json

Every one of the 128 vectors stays, in the file's order. Those whose KEM
and KDF tls13::hpke implements (KEM 0x0010 DHKEM(P-256, HKDF-SHA256) or
0x0020 DHKEM(X25519, HKDF-SHA256); KDF 0x0001 HKDF-SHA256 or 0x0002
HKDF-SHA384) keep every field, every encryption and every export. The
others keep only mode, kem_id, kdf_id and aead_id, so that the test can
count them and say why each one is skipped. No value is changed.
"""
import json
import sys

KEMS = {0x0010, 0x0020}
KDFS = {0x0001, 0x0002}
IDS = ("mode", "kem_id", "kdf_id", "aead_id")

vectors = json.load(open(sys.argv[1]))
out = []
for v in vectors:
    if v["kem_id"] in KEMS and v["kdf_id"] in KDFS:
        out.append(v)
    else:
        out.append({k: v[k] for k in IDS})
# One vector per line: diffs stay readable, the file stays compact.
sys.stdout.write("[\n" + ",\n".join(json.dumps(v, separators=(",", ":")) for v in out) + "\n]\n")

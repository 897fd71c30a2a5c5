"""Known answers for the HKDF-SHA384 suites (KDF 0x0002), which RFC 9180's
own vectors never use, computed by an independent HPKE written from RFC 9180
in Python over pyca/cryptography (vectors/hpke/oracle.py). Same fields as
rfc9180-subset.json; 3 encryptions and 3 exports per vector.

Usage: python3 gen384.py > hkdf-sha384-oracle.json
"""
import hashlib, json, sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import *

def det(label, n=32):
    return hashlib.sha256(b'tls13 hpke review: ' + label.encode()).digest()[:n]

out = []
info = bytes.fromhex('4f6465206f6e2061204772656369616e2055726e')
for kem_id in (0x10, 0x20):
    for aead in (1, 2, 3, 0xffff):
        for mode in range(4):
            tag = f'{kem_id}/{aead}/{mode}'
            kem = KEM(kem_id)
            v = dict(mode=mode, kem_id=kem_id, kdf_id=2, aead_id=aead, info=info.hex())
            ikmR, ikmE = det('R' + tag), det('E' + tag)
            skR, skE = kem.derive(ikmR), kem.derive(ikmE)
            v.update(ikmR=ikmR.hex(), ikmE=ikmE.hex(), pkRm=kem.pub(skR).hex(), pkEm=kem.pub(skE).hex())
            skS = None
            if mode >= 2:
                ikmS = det('S' + tag); skS = kem.derive(ikmS)
                v.update(ikmS=ikmS.hex(), pkSm=kem.pub(skS).hex())
            psk, psk_id = b'', b''
            if mode in (1, 3):
                psk, psk_id = det('psk' + tag), b'Ennyn Durin aran Moria'
                v.update(psk=psk.hex(), psk_id=psk_id.hex())
            ss, enc = kem.encap(kem.pub(skR), skE, skS)
            assert kem.decap(enc, skR, kem.pub(skS) if skS else None) == ss
            s = schedule(kem_id, 2, aead, mode, ss, info, psk, psk_id)
            v.update(enc=enc.hex(), shared_secret=ss.hex(), key=s['key'].hex(),
                     base_nonce=s['base_nonce'].hex(), exporter_secret=s['exporter_secret'].hex())
            encs = []
            if aead != 0xffff:
                for seq in range(3):
                    aad, pt = f'Count-{seq}'.encode(), b'Beauty is truth, truth beauty'
                    encs.append(dict(aad=aad.hex(), pt=pt.hex(),
                                     ct=seal(aead, s['key'], s['base_nonce'], seq, aad, pt).hex()))
            v['encryptions'] = encs
            # 49 and 97 bytes cross HKDF-SHA384's 48-byte blocks.
            v['exports'] = [dict(exporter_context=c.hex(), L=L, exported_value=export(s, c, L).hex())
                            for c, L in ((b'', 32), (b'\x00', 49), (b'TestContext', 97))]
            out.append(v)
sys.stdout.write("[\n" + ",\n".join(json.dumps(v, separators=(",", ":")) for v in out) + "\n]\n")

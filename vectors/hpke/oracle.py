"""An HPKE (RFC 9180) written from the RFC alone, in Python over
pyca/cryptography: DHKEM(X25519) and DHKEM(P-256) with HKDF-SHA256, the
KDFs HKDF-SHA256/384/512, AES-128/256-GCM, ChaCha20-Poly1305 and
export-only, all four modes. It shares no code with tls13::hpke; it is the
oracle for hkdf-sha384-oracle.json (see gen384.py), and it reproduces every
applicable vector of rfc9180-subset.json:

    python3 oracle.py rfc9180-subset.json
"""
import hmac, hashlib, json, struct, sys
from cryptography.hazmat.primitives.asymmetric import x25519, ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization as ser

HASH={1:hashlib.sha256,2:hashlib.sha384,3:hashlib.sha512}
P256N=0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551
def i2osp(n,l): return n.to_bytes(l,'big')
def extract(h,salt,ikm):
    if not salt: salt=b'\0'*h().digest_size
    return hmac.new(salt,ikm,h).digest()
def expand(h,prk,info,L):
    assert L<=255*h().digest_size
    out=b'';t=b'';i=1
    while len(out)<L:
        t=hmac.new(prk,t+info+bytes([i]),h).digest();out+=t;i+=1
    return out[:L]
def lext(h,sid,salt,label,ikm): return extract(h,salt,b'HPKE-v1'+sid+label+ikm)
def lexp(h,sid,prk,label,info,L): return expand(h,prk,i2osp(L,2)+b'HPKE-v1'+sid+label+info,L)

class KEM:
    def __init__(s,kem_id):
        s.id=kem_id;s.h=hashlib.sha256;s.sid=b'KEM'+i2osp(kem_id,2)
        s.npk=32 if kem_id==0x20 else 65;s.nsecret=32
    def derive(s,ikm):
        prk=lext(s.h,s.sid,b'',b'dkp_prk',ikm)
        if s.id==0x20:
            sk=lexp(s.h,s.sid,prk,b'sk',b'',32)
            return x25519.X25519PrivateKey.from_private_bytes(sk)
        for c in range(256):
            b=lexp(s.h,s.sid,prk,b'candidate',bytes([c]),32)
            v=int.from_bytes(b,'big')
            if 0<v<P256N: return ec.derive_private_key(v,ec.SECP256R1())
        raise Exception('DeriveKeyPairError')
    def pub(s,sk):
        pk=sk.public_key()
        if s.id==0x20: return pk.public_bytes(ser.Encoding.Raw,ser.PublicFormat.Raw)
        return pk.public_bytes(ser.Encoding.X962,ser.PublicFormat.UncompressedPoint)
    def deser(s,b):
        if s.id==0x20: return x25519.X25519PublicKey.from_public_bytes(b)
        assert len(b)==65 and b[0]==4
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(),b)
    def dh(s,sk,pkb):
        pk=s.deser(pkb)
        if s.id==0x20:
            o=sk.exchange(pk); assert o!=b'\0'*32; return o
        return sk.exchange(ec.ECDH(),pk)
    def eae(s,dh,ctx):
        prk=lext(s.h,s.sid,b'',b'eae_prk',dh)
        return lexp(s.h,s.sid,prk,b'shared_secret',ctx,s.nsecret)
    def encap(s,pkR,skE,skS=None):
        enc=s.pub(skE);dh=s.dh(skE,pkR);ctx=enc+pkR
        if skS is not None: dh+=s.dh(skS,pkR);ctx+=s.pub(skS)
        return s.eae(dh,ctx),enc
    def decap(s,enc,skR,pkS=None):
        dh=s.dh(skR,enc);ctx=enc+s.pub(skR)
        if pkS is not None: dh+=s.dh(skR,pkS);ctx+=pkS
        return s.eae(dh,ctx)

AEAD={1:(16,AESGCM),2:(32,AESGCM),3:(32,ChaCha20Poly1305),0xffff:(0,None)}
def schedule(kem,kdf,aead,mode,ss,info,psk=b'',psk_id=b''):
    assert (psk==b'')==(psk_id==b'')
    assert (mode in (1,3))==(psk!=b'')
    h=HASH[kdf];sid=b'HPKE'+i2osp(kem,2)+i2osp(kdf,2)+i2osp(aead,2)
    ctx=bytes([mode])+lext(h,sid,b'',b'psk_id_hash',psk_id)+lext(h,sid,b'',b'info_hash',info)
    secret=lext(h,sid,ss,b'secret',psk)
    nk=AEAD[aead][0]
    key=lexp(h,sid,secret,b'key',ctx,nk) if nk else b''
    nonce=lexp(h,sid,secret,b'base_nonce',ctx,12) if nk else b''
    exp=lexp(h,sid,secret,b'exp',ctx,h().digest_size)
    return dict(key=key,base_nonce=nonce,exporter_secret=exp,h=h,sid=sid)
def seal(aead,key,nonce,seq,aad,pt):
    n=bytes(a^b for a,b in zip(nonce,i2osp(seq,12)))
    return AEAD[aead][1](key).encrypt(n,pt,aad)
def export(s,ctx,L): return lexp(s['h'],s['sid'],s['exporter_secret'],b'sec',ctx,L)


def check_file(path):
    """Recomputes every full vector of an RFC 9180-format file."""
    H = bytes.fromhex
    n = ne = 0
    for v in json.load(open(path)):
        if 'enc' not in v:
            continue
        kem = KEM(v['kem_id'])
        skR, skE = kem.derive(H(v['ikmR'])), kem.derive(H(v['ikmE']))
        assert kem.pub(skR).hex() == v['pkRm'] and kem.pub(skE).hex() == v['pkEm']
        skS = kem.derive(H(v['ikmS'])) if 'ikmS' in v else None
        if skS:
            assert kem.pub(skS).hex() == v['pkSm']
        ss, enc = kem.encap(H(v['pkRm']), skE, skS)
        assert enc.hex() == v['enc'] and ss.hex() == v['shared_secret']
        assert kem.decap(enc, skR, kem.pub(skS) if skS else None) == ss
        s = schedule(v['kem_id'], v['kdf_id'], v['aead_id'], v['mode'], ss, H(v['info']),
                     H(v.get('psk', '')), H(v.get('psk_id', '')))
        for k in ('key', 'base_nonce', 'exporter_secret'):
            assert s[k].hex() == v[k], k
        for i, e in enumerate(v['encryptions']):
            assert seal(v['aead_id'], s['key'], s['base_nonce'], i, H(e['aad']), H(e['pt'])).hex() == e['ct']
            ne += 1
        for x in v['exports']:
            assert export(s, H(x['exporter_context']), x['L']).hex() == x['exported_value']
        n += 1
    print(f'{path}: {n} vectors, {ne} encryptions agree')


if __name__ == '__main__':
    check_file(sys.argv[1])

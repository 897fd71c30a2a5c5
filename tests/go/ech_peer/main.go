// ech_peer: Go's crypto/tls (Go 1.24+) as an independent Encrypted Client
// Hello peer for tests/interop_go_ech.rs. Standard library only.
//
//	ech_peer server -cert C.pem -key K.pem [-cert … -key …] [-ech F.pem]…
//	                [-retry-ech F.pem]… [-curves P256] [-alpn p] [-conns N]
//	    Listens on 127.0.0.1:0 and prints "port=N". For each connection
//	    prints "conn ech-accepted=true|false sni=… alpn=… resumed=…" (or "conn
//	    error=…") and echoes one line back. -ech keys are used without
//	    SendAsRetry, -retry-ech keys with it.
//
//	ech_peer client -addr host:port -sni NAME -ca CA.pem -ech-config B64
//	                [-curves P256] [-alpn p] [-conns N]
//	    Per connection (N > 1: with a session cache, so later ones resume)
//	    prints "ech-accepted=… alpn=… resumed=…" and the echo of a line it
//	    sends, or
//	    "ech-rejected retry=B64" (ECHRejectionError), or "error=…".
//
// ECH key files are what tls13's EchKeyPair::to_pem writes: a PKCS#8
// "PRIVATE KEY" block (X25519) and an "ECHCONFIG" block holding a
// one-config ECHConfigList.
package main

import (
	"bufio"
	"crypto/ecdh"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(s string) error { *l = append(*l, s); return nil }

func die(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ech_peer: "+format+"\n", args...)
	os.Exit(2)
}

func curves(s string) []tls.CurveID {
	var out []tls.CurveID
	for _, c := range strings.Split(s, ",") {
		switch c {
		case "":
		case "X25519":
			out = append(out, tls.X25519)
		case "P256":
			out = append(out, tls.CurveP256)
		case "P384":
			out = append(out, tls.CurveP384)
		default:
			die("unknown curve %q", c)
		}
	}
	return out
}

// echKey reads one key file: the raw X25519 private key and the single
// ECHConfig (the list's 2-byte length stripped, as Go wants it).
func echKey(path string, retry bool) tls.EncryptedClientHelloKey {
	data, err := os.ReadFile(path)
	if err != nil {
		die("%v", err)
	}
	var key tls.EncryptedClientHelloKey
	key.SendAsRetry = retry
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		switch b.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				die("%s: %v", path, err)
			}
			ek, ok := k.(*ecdh.PrivateKey)
			if !ok {
				die("%s: not an ECDH key: %T", path, k)
			}
			key.PrivateKey = ek.Bytes()
		case "ECHCONFIG":
			l := b.Bytes
			if len(l) < 2 || int(l[0])<<8|int(l[1]) != len(l)-2 {
				die("%s: bad ECHConfigList framing", path)
			}
			key.Config = l[2:]
		}
	}
	if key.PrivateKey == nil || key.Config == nil {
		die("%s: missing PRIVATE KEY or ECHCONFIG", path)
	}
	return key
}

func server(args []string) {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	var certs, keys, ech, retry list
	fs.Var(&certs, "cert", "certificate chain PEM (repeatable)")
	fs.Var(&keys, "key", "private key PEM (repeatable, one per -cert)")
	fs.Var(&ech, "ech", "ECH key file (not sent as retry)")
	fs.Var(&retry, "retry-ech", "ECH key file (SendAsRetry)")
	curveList := fs.String("curves", "", "CurvePreferences, e.g. P256")
	alpn := fs.String("alpn", "", "ALPN protocol offered")
	conns := fs.Int("conns", 1, "connections to serve")
	fs.Parse(args)
	if len(certs) != len(keys) {
		die("-cert and -key must pair up")
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS13, CurvePreferences: curves(*curveList)}
	for i := range certs {
		c, err := tls.LoadX509KeyPair(certs[i], keys[i])
		if err != nil {
			die("%v", err)
		}
		cfg.Certificates = append(cfg.Certificates, c)
	}
	for _, f := range ech {
		cfg.EncryptedClientHelloKeys = append(cfg.EncryptedClientHelloKeys, echKey(f, false))
	}
	for _, f := range retry {
		cfg.EncryptedClientHelloKeys = append(cfg.EncryptedClientHelloKeys, echKey(f, true))
	}
	if *alpn != "" {
		cfg.NextProtos = []string{*alpn}
	}
	// Report on stderr each ticket offered to us and whether it opened.
	cfg.UnwrapSession = func(identity []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
		st, err := cfg.DecryptTicket(identity, cs)
		if err != nil {
			fmt.Fprintf(os.Stderr, "ticket offered: error %v\n", err)
		} else {
			fmt.Fprintf(os.Stderr, "ticket offered: opened=%v\n", st != nil)
		}
		return st, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		die("%v", err)
	}
	fmt.Printf("port=%d\n", ln.Addr().(*net.TCPAddr).Port)
	for i := 0; i < *conns; i++ {
		raw, err := ln.Accept()
		if err != nil {
			die("%v", err)
		}
		raw.SetDeadline(time.Now().Add(20 * time.Second))
		c := tls.Server(raw, cfg)
		if err := c.Handshake(); err != nil {
			fmt.Printf("conn error=%q\n", err.Error())
			c.Close()
			continue
		}
		st := c.ConnectionState()
		fmt.Printf("conn ech-accepted=%v sni=%s alpn=%s resumed=%v\n", st.ECHAccepted, st.ServerName, st.NegotiatedProtocol, st.DidResume)
		line, err := bufio.NewReader(c).ReadString('\n')
		if err == nil {
			_, err = c.Write([]byte(line))
		}
		if err != nil {
			fmt.Printf("conn io-error=%q\n", err.Error())
		}
		c.Close()
	}
}

func client(args []string) {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	addr := fs.String("addr", "", "host:port")
	sni := fs.String("sni", "", "server name (the inner one under ECH)")
	ca := fs.String("ca", "", "CA certificate PEM")
	echConfig := fs.String("ech-config", "", "ECHConfigList, base64")
	curveList := fs.String("curves", "", "CurvePreferences, e.g. P256")
	alpn := fs.String("alpn", "", "ALPN protocol offered")
	conns := fs.Int("conns", 1, "connections, one after the other (resuming when >1)")
	fs.Parse(args)
	pool := x509.NewCertPool()
	caPem, err := os.ReadFile(*ca)
	if err != nil || !pool.AppendCertsFromPEM(caPem) {
		die("cannot read CA %s: %v", *ca, err)
	}
	list, err := base64.StdEncoding.DecodeString(*echConfig)
	if err != nil {
		die("-ech-config: %v", err)
	}
	cfg := &tls.Config{
		MinVersion:                     tls.VersionTLS13,
		ServerName:                     *sni,
		RootCAs:                        pool,
		EncryptedClientHelloConfigList: list,
		CurvePreferences:               curves(*curveList),
	}
	if *alpn != "" {
		cfg.NextProtos = []string{*alpn}
	}
	if *conns > 1 {
		cfg.ClientSessionCache = tls.NewLRUClientSessionCache(8)
	}
	for i := 0; i < *conns; i++ {
		if !connect(*addr, cfg) {
			return
		}
	}
}

// connect runs one connection; false when it failed (reported).
func connect(addr string, cfg *tls.Config) bool {
	raw, err := net.DialTimeout("tcp", addr, 20*time.Second)
	if err != nil {
		die("%v", err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(20 * time.Second))
	c := tls.Client(raw, cfg)
	if err := c.Handshake(); err != nil {
		var rej *tls.ECHRejectionError
		if errors.As(err, &rej) {
			fmt.Printf("ech-rejected retry=%s\n", base64.StdEncoding.EncodeToString(rej.RetryConfigList))
		} else {
			fmt.Printf("error=%q\n", err.Error())
		}
		return false
	}
	st := c.ConnectionState()
	fmt.Printf("ech-accepted=%v alpn=%s resumed=%v\n", st.ECHAccepted, st.NegotiatedProtocol, st.DidResume)
	if _, err := c.Write([]byte("ping from go\n")); err != nil {
		fmt.Printf("error=%q\n", err.Error())
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		fmt.Printf("error=%q\n", err.Error())
		return false
	}
	fmt.Printf("echo=%s", line)
	c.Close()
	return true
}

func main() {
	if len(os.Args) < 2 {
		die("usage: ech_peer server|client …")
	}
	switch os.Args[1] {
	case "server":
		server(os.Args[2:])
	case "client":
		client(os.Args[2:])
	default:
		die("unknown mode %q", os.Args[1])
	}
}

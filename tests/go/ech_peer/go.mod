module tls13test/ech_peer

go 1.24

#!/usr/bin/env bash
# Regenerates the test PKI in this directory with the openssl command (3.0 or later):
#
#   bash dtls/tests/data/pki/make.sh
#
# Valid certificates run from 2025-01-01 to 2125-01-01; tests validate at fixed times inside
# that window (and once at the host's clock). Every key here protects nothing.
#
#   ec-root ── ec-int (pathlen 0) ──┬─ ec-server      serverAuth, server.dtls.test
#                                   ├─ ec-client      clientAuth
#                                   ├─ ec-expired     2025-01-01 to 2025-06-01
#                                   ├─ ec-future      2100-2110
#                                   └─ ec-int2 (CA) ── ec-pathlen-leaf      (pathlen exceeded)
#   ec-root ── ec-noca-int (CA:FALSE) ── ec-noca-leaf
#   ec-root ── ec-nocertsign-int (keyUsage without keyCertSign) ── ec-nocertsign-leaf
#   rsa-root ── rsa-int (signed RSA-PSS/SHA-256) ──┬─ rsa-server (sha384WithRSA)   sign + encipher
#                                                  ├─ rsa-server-signonly          digitalSignature only
#                                                  └─ rsa-client                   clientAuth
#   p384-root (ecdsa-with-SHA384) ── p384-server (P-384 key, server.dtls.test only)
#   other-root ── other-server                                        (a root not in the store)
#   selfsigned                                                        (self-signed leaf, CA:FALSE)
set -euo pipefail
cd "$(dirname "$0")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

START=20250101000000Z
END=21250101000000Z

cat >"$work/ca.cnf" <<CNF
[ ca ]
default_ca = ca_default
[ ca_default ]
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
[ root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ int ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ int_nolen ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ noca ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyCertSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ nocertsign ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:server.dtls.test, DNS:*.devices.dtls.test
authorityKeyIdentifier = keyid
[ server_single ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:server.dtls.test
authorityKeyIdentifier = keyid
[ rsa_server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:server.dtls.test
authorityKeyIdentifier = keyid
[ client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:client.dtls.test
authorityKeyIdentifier = keyid
[ selfsigned ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:server.dtls.test
CNF
: >"$work/index.txt"
echo 1000 >"$work/serial"

key() { # name type
    case "$2" in
        p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key.pem" ;;
        p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1.key.pem" ;;
        rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key.pem" 2>/dev/null ;;
    esac
}

# cert NAME ISSUER|self EXTENSIONS [openssl ca options...]
cert() {
    local name="$1" issuer="$2" ext="$3"
    shift 3
    openssl req -new -key "$name.key.pem" -subj "/CN=dtls test $name" -out "$work/$name.csr"
    if [ "$issuer" = self ]; then
        openssl ca -batch -config "$work/ca.cnf" -selfsign -keyfile "$name.key.pem" \
            -in "$work/$name.csr" -out "$work/$name.crt" -extensions "$ext" -notext \
            -startdate "$START" -enddate "$END" "$@" 2>/dev/null
    else
        openssl ca -batch -config "$work/ca.cnf" -cert "$issuer.crt.pem" -keyfile "$issuer.key.pem" \
            -in "$work/$name.csr" -out "$work/$name.crt" -extensions "$ext" -notext \
            -startdate "$START" -enddate "$END" "$@" 2>/dev/null
    fi
    openssl x509 -in "$work/$name.crt" -out "$name.crt.pem"
    openssl x509 -in "$name.crt.pem" -outform DER -out "$name.crt.der"
}

key ec-root p256;            cert ec-root self root
key ec-int p256;             cert ec-int ec-root int
key ec-server p256;          cert ec-server ec-int server
key ec-client p256;          cert ec-client ec-int client
key ec-expired p256;         cert ec-expired ec-int server -enddate 20250601000000Z
key ec-future p256;          cert ec-future ec-int server -startdate 21000101000000Z -enddate 21100101000000Z
key ec-int2 p256;            cert ec-int2 ec-int int_nolen
key ec-pathlen-leaf p256;    cert ec-pathlen-leaf ec-int2 server
key ec-noca-int p256;        cert ec-noca-int ec-root noca
key ec-noca-leaf p256;       cert ec-noca-leaf ec-noca-int server
key ec-nocertsign-int p256;  cert ec-nocertsign-int ec-root nocertsign
key ec-nocertsign-leaf p256; cert ec-nocertsign-leaf ec-nocertsign-int server

key rsa-root rsa;            cert rsa-root self root
key rsa-int rsa;             cert rsa-int rsa-root int -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest
key rsa-server rsa;          cert rsa-server rsa-int rsa_server -md sha384
key rsa-server-signonly rsa; cert rsa-server-signonly rsa-int server
key rsa-client rsa;          cert rsa-client rsa-int client

key p384-root p384;          cert p384-root self root -md sha384
key p384-server p384;        cert p384-server p384-root server_single -md sha384

key other-root p256;         cert other-root self root
key other-server p256;       cert other-server other-root server

key selfsigned p256;         cert selfsigned self selfsigned

# Chains as servers send them (leaf first), and the key formats the loaders accept.
cat ec-server.crt.pem ec-int.crt.pem >ec-server.chain.pem
cat ec-client.crt.pem ec-int.crt.pem >ec-client.chain.pem
cat rsa-server.crt.pem rsa-int.crt.pem >rsa-server.chain.pem
cat rsa-client.crt.pem rsa-int.crt.pem >rsa-client.chain.pem
cat ec-root.crt.pem rsa-root.crt.pem p384-root.crt.pem >roots.pem
openssl pkcs8 -topk8 -nocrypt -in ec-server.key.pem -outform DER -out ec-server.key.der
openssl ec -in ec-server.key.pem -out ec-server.key.sec1.pem 2>/dev/null
openssl ec -in ec-server.key.pem -outform DER -out ec-server.key.sec1.der 2>/dev/null
openssl ec -in p384-server.key.pem -out p384-server.key.sec1.pem 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in rsa-server.key.pem -outform DER -out rsa-server.key.der
openssl rsa -in rsa-server.key.pem -traditional -out rsa-server.key.pkcs1.pem 2>/dev/null
openssl rsa -in rsa-server.key.pem -traditional -outform DER -out rsa-server.key.pkcs1.der 2>/dev/null
# ECDSA signatures whose hash is not the curve's (legal in TLS 1.2 and X.509), by openssl.
printf 'dtls test message' | openssl dgst -sha384 -sign ec-server.key.pem -out ec-server.sha384.sig
printf 'dtls test message' | openssl dgst -sha256 -sign p384-server.key.pem -out p384-server.sha256.sig

# Keys the loaders must refuse, each for its own reason.
openssl genpkey -algorithm ED25519 -out ed25519.key.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out secp256k1.key.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.key.pem 2>/dev/null
openssl pkcs8 -topk8 -in ec-server.key.pem -v2 aes-256-cbc -passout pass:test -out ec-server.key.encrypted.pem
echo "test PKI written to $(pwd)"

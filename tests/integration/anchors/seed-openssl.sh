#!/bin/bash
# Copied from the project's anchors (shared/anchors/seed-openssl.sh): the seed
# article's workflow with openssl ca and the pkcs11 engine, used by t-interop.sh
# to make the OpenSSL CA directory that hsmca must share.
# Anchor 1: "Creating a SmartCard-HSM backed Certificate Authority" (the
# Nitrokey/SmartCard-HSM guide: pkcs11-tool + openssl req/ca + libp11 engine),
# reproduced on SoftHSM2 and made non-interactive.
#
# usage: seed-openssl.sh DIR
#   Builds everything from scratch in DIR (removed first):
#   a fresh SoftHSM2 token "ca" (tokendir under /tmp/anchor-tokens/),
#   EC secp384r1 keys "root" (id 01) and "intermediate" (id 02) on it,
#   the guide's directory layout, root.crt, intermediate.crt, chain.crt,
#   and one server certificate for CN=media signed by the intermediate key.
#
# Deviations from the guide, each needed to make it run (see BASELINE.md):
#   --module   pkcs11-tool's default module is OpenSC's ("No slots." otherwise)
#   --pin      pkcs11-tool otherwise prompts ("Please enter User PIN:")
#   --id       pkcs11-tool 0.23 + SoftHSM2 store keys with an EMPTY CKA_ID when
#              --id is not given; the libp11 engine then silently uses one
#              key for every label (see BASELINE.md, friction F4)
#   -passin    the engine otherwise prompts "Enter PKCS#11 token PIN for ca:"
#              and openssl SEGFAULTs when no PIN can be read
#   -batch     openssl req prompts for each DN field; openssl ca asks "Sign
#              the certificate? [y/n]" and, reading EOF, prints "CERTIFICATE
#              WILL NOT BE CERTIFIED: I/O error" and exits 0
#   -create_serial on every openssl ca call (no serial file is created by the
#              guide's setup: "error while loading serial number")
#   -key 01    the bare CKA_ID.  A "<slot>:<ID>" key id needs the slot number
#              the ENGINE sees: its default module is p11-kit-proxy, which
#              numbers this token 17 (0x11), while softhsm2-util/pkcs11-tool
#              show the random number SoftHSM2 assigned at --init-token;
#              "0:01" or "<that number>:01" -> "The private key was not found
#              on slot N", then a segfault
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
D=$(realpath -m "$1")
MODULE=${MODULE:-/usr/lib/softhsm/libsofthsm2.so}
PIN=${PIN:-1234}
SO_PIN=${SO_PIN:-5678}
TOKDIR=${TOKDIR:-/tmp/anchor-tokens/ossl-$(printf %s "$D" | md5sum | cut -c1-10)}
QUIET=${QUIET:-0}
log() { [ "$QUIET" = 1 ] || echo "+ $*" >&2; }
run() { log "$@"; if [ "$QUIET" = 1 ]; then "$@" >/dev/null 2>&1; else "$@"; fi; }

rm -rf "$D" "$TOKDIR"
mkdir -p "$D" "$TOKDIR"

# --- token ------------------------------------------------------------------
cat > "$D/softhsm2.conf" <<EOF
directories.tokendir = $TOKDIR
objectstore.backend = file
log.level = ERROR
slots.removable = false
slots.mechanisms = ALL
library.reset_on_fork = false
EOF
export SOFTHSM2_CONF="$D/softhsm2.conf"
run softhsm2-util --init-token --free --label ca --pin "$PIN" --so-pin "$SO_PIN"

# --- keys on the token (guide: pkcs11-tool -l --keypairgen --key-type EC:secp384r1 --label root)
P11="pkcs11-tool --module $MODULE --token-label ca -l --pin $PIN"
run $P11 --keypairgen --key-type EC:secp384r1 --label root --id 01
run $P11 --keypairgen --key-type EC:secp384r1 --label intermediate --id 02

# --- directory layout (guide: "Preparing to Start") --------------------------
cd "$D"
mkdir certs config crl newcerts intermediate intermediate/certs intermediate/crl \
      intermediate/csr intermediate/newcerts
touch index.txt intermediate/index.txt
mkdir -m 700 intermediate/private     # addition: home for the server's software key

# --- config files -------------------------------------------------------------
dn_section() {  # $1 = default CN
cat <<EOF
[ req_distinguished_name ]
countryName                     = Country Name (2 letter code)
stateOrProvinceName             = State or Province Name
localityName                    = Locality Name
0.organizationName              = Organization Name
organizationalUnitName          = Organizational Unit Name
commonName                      = Common Name
emailAddress                    = Email Address
countryName_default             = US
stateOrProvinceName_default     = Washington
localityName_default            = Seattle
0.organizationName_default      = Example Org
organizationalUnitName_default  = PKI
commonName_default              = $1
emailAddress_default            =
EOF
}

cat > config/create_root_cert.ini <<EOF
[ req ]
distinguished_name  = req_distinguished_name
string_mask         = utf8only
default_md          = sha512
x509_extensions     = v3_ca

$(dn_section "Example Root CA")

[ v3_ca ]
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always,issuer
basicConstraints       = critical, CA:true
keyUsage               = critical, digitalSignature, cRLSign, keyCertSign
EOF

cat > config/create_intermediate_csr.ini <<EOF
[ req ]
distinguished_name  = req_distinguished_name
string_mask         = utf8only
default_md          = sha512

$(dn_section "Example Intermediate CA")
EOF

cat > config/sign_intermediate_csr.ini <<EOF
[ ca ]
default_ca = CA_default

[ CA_default ]
dir               = $D
certs             = \$dir/certs
crl_dir           = \$dir/crl
new_certs_dir     = \$dir/newcerts
database          = \$dir/index.txt
serial            = \$dir/serial
crlnumber         = \$dir/crlnumber
private_key       = pkcs11:token=ca;object=root;type=private
certificate       = \$dir/certs/root.crt
default_md        = sha512
name_opt          = ca_default
cert_opt          = ca_default
default_days      = 1825
preserve          = no
policy            = policy_strict

[ policy_strict ]
countryName             = match
stateOrProvinceName     = match
organizationName        = match
organizationalUnitName  = optional
commonName              = supplied
emailAddress            = optional

[ v3_intermediate_ca ]
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always,issuer
basicConstraints       = critical, CA:true, pathlen:0
keyUsage               = critical, digitalSignature, cRLSign, keyCertSign
EOF

cat > config/sign_server_csr.ini <<EOF
[ ca ]
default_ca = CA_default

[ CA_default ]
dir               = $D/intermediate
certs             = \$dir/certs
crl_dir           = \$dir/crl
new_certs_dir     = \$dir/newcerts
database          = \$dir/index.txt
serial            = \$dir/serial
crlnumber         = \$dir/crlnumber
private_key       = pkcs11:token=ca;object=intermediate;type=private
certificate       = \$dir/certs/intermediate.crt
default_md        = sha512
name_opt          = ca_default
cert_opt          = ca_default
default_days      = 375
preserve          = no
policy            = policy_loose

[ policy_loose ]
countryName             = optional
stateOrProvinceName     = optional
localityName            = optional
organizationName        = optional
organizationalUnitName  = optional
commonName              = supplied
emailAddress            = optional

[ server_cert ]
basicConstraints       = CA:FALSE
nsCertType             = server
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid,issuer:always
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
EOF

# --- root CA: self-signed with the token key ---------------------------------
ENG="-engine pkcs11 -keyform engine -passin pass:$PIN"
run openssl req -config config/create_root_cert.ini $ENG -key 01 -batch \
    -new -x509 -days 3650 -sha512 -extensions v3_ca -out certs/root.crt

# --- intermediate CA: CSR from the token key, signed by the root key ----------
run openssl req -config config/create_intermediate_csr.ini $ENG -key 02 -batch \
    -new -sha512 -out intermediate/csr/intermediate.csr
run openssl ca -config config/sign_intermediate_csr.ini $ENG -batch \
    -extensions v3_intermediate_ca -days 1825 -notext -md sha512 -create_serial \
    -in intermediate/csr/intermediate.csr -out intermediate/certs/intermediate.crt
# openssl ca can exit 0 without certifying (e.g. "Sign the certificate? [y/n]"
# answered by EOF): check the output instead of trusting the exit status
[ -s intermediate/certs/intermediate.crt ] || { echo "intermediate not issued" >&2; exit 1; }
run openssl verify -CAfile certs/root.crt intermediate/certs/intermediate.crt
cat intermediate/certs/intermediate.crt certs/root.crt > intermediate/certs/chain.crt

# --- server certificate: software key + CSR, signed by the intermediate key ----
run openssl req -new -newkey rsa:2048 -noenc -keyout intermediate/private/media.key \
    -subj "/CN=media" -sha512 -out intermediate/csr/media.csr
run openssl ca -config config/sign_server_csr.ini $ENG -batch \
    -extensions server_cert -days 375 -notext -md sha512 -create_serial \
    -in intermediate/csr/media.csr -out intermediate/certs/media.crt
[ -s intermediate/certs/media.crt ] || { echo "server cert not issued" >&2; exit 1; }
run openssl verify -CAfile intermediate/certs/chain.crt intermediate/certs/media.crt

# public keys of the token keys, to check that each cert carries the right one
for k in root intermediate; do
    GNUTLS_PIN=$PIN p11tool --provider "$MODULE" --export-pubkey \
        "pkcs11:token=ca;object=$k;type=public" --outfile "$D/$k.pub.pem" >/dev/null 2>&1
done
openssl x509 -in certs/root.crt -noout -pubkey | cmp -s - root.pub.pem \
    || { echo "root.crt does not carry the 'root' token key" >&2; exit 1; }
openssl x509 -in intermediate/certs/intermediate.crt -noout -pubkey | cmp -s - intermediate.pub.pem \
    || { echo "intermediate.crt does not carry the 'intermediate' token key" >&2; exit 1; }
log "OK: $D (token dir $TOKDIR)"

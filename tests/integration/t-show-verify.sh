#!/bin/bash
# hsmca show and hsmca verify.
#
# Part 1 drives hsmca end to end on a SoftHSM2 token (selfsign, req, sign)
# and checks every certificate with openssl and certtool as well as with
# `hsmca verify`.  Part 2 builds a small PKI with openssl alone (an
# independent implementation), including the faults verify must name:
# expired, revoked, untrusted, bad signature, wrong host name, wrong
# purpose, a forged CRL.  Part 3 feeds show good and hostile files.
. "$(dirname "$0")/lib.sh"
export HSMCA_PROFILE_PATH=$SRCDIR/profiles
cd "$T"

# expect_reason PATTERN CMD...: CMD fails with exit 1 and a one-line
# "hsmca:" message that matches PATTERN.
expect_reason() {
	local pat=$1; shift
	expect_fail 1 "$@"
	[ "$(wc -l < "$T/stderr")" -eq 1 ] || { cat "$T/stderr" >&2; fail "more than one line: $*"; }
	grep -q -- "$pat" "$T/stderr" || { cat "$T/stderr" >&2; fail "no '$pat': $*"; }
}

# ---- 1. hsmca on a token ---------------------------------------------------
make_token ca
ROOT=$(h keygen --token pkcs11:token=ca --label root --type ec:secp384r1)
INT=$(h keygen --token pkcs11:token=ca --label inter --type ec:secp256r1)
h -q init root --key "$ROOT"
h -q selfsign --yes --ca root --profile root-ca --subject 'CN=IT Root,O=Example,C=US'
h -q req --key "$INT" --subject 'CN=IT Intermediate,O=Example,C=US' --out inter.csr
h show inter.csr > show-csr.txt
grep -q 'Self-signature: verified' show-csr.txt || fail "show: CSR self-signature line"
openssl req -in inter.csr -verify -noout 2>&1 | has 'verify OK' || fail "openssl: hsmca req's CSR"
h -q sign --yes --ca root --profile intermediate-ca --csr inter.csr --out inter.crt
h -q init inter --key "$INT" --cert inter.crt --issuer root
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout www.key \
	-subj /CN=www.example.com -addext subjectAltName=DNS:www.example.com -out www.csr 2>/dev/null
h -q sign --yes --ca inter --profile server --csr www.csr --out www.crt

h verify --ca-file root/certs/ca.crt --chain inter.crt www.crt > out.txt
grep -qx 'www.crt: OK' out.txt || fail "verify: hsmca chain"
h verify --ca-file root/certs/ca.crt --chain inter.crt --hostname www.example.com \
	--purpose server www.crt > /dev/null || fail "verify: host name and purpose"
openssl verify -CAfile root/certs/ca.crt -untrusted inter.crt www.crt | has ': OK' ||
	fail "openssl verify: hsmca chain"
cat www.crt inter.crt root/certs/ca.crt > full.pem
certtool --verify-chain --infile full.pem 2>&1 | has 'Verified' || fail "certtool: hsmca chain"
# Root's SKI is method (1): SHA-1 of the P-384 point (the last 97 octets of
# the SubjectPublicKeyInfo), as OpenSSL's subjectKeyIdentifier=hash.
ski=$(openssl x509 -in root/certs/ca.crt -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' :')
want=$(openssl x509 -in root/certs/ca.crt -noout -pubkey | openssl pkey -pubin -outform DER |
	tail -c 97 | sha1sum | cut -c1-40 | tr a-f A-F)
[ "$ski" = "$want" ] || fail "root SKI $ski is not method (1) $want"
# show prints openssl's own fingerprint.
fp=$(openssl x509 -in www.crt -noout -fingerprint -sha256 | cut -d= -f2)
h show www.crt | grep -qx "SHA-256 fingerprint: $fp" || fail "show: fingerprint differs from openssl's"
pass "hsmca-made chain verified by hsmca, openssl and certtool"

# ---- 2. an openssl-made PKI and every failure reason -----------------------
ext() { printf '%s\n' "$@" > "$T/ext.cnf"; echo "$T/ext.cnf"; }
newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
newkey r.key; newkey i.key; newkey l.key; newkey x.key; newkey rogue.key
openssl req -x509 -key r.key -subj /CN=OS-Root -days 3650 -out r.pem \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
openssl req -x509 -key rogue.key -subj /CN=OS-Root -days 3650 -out rogue.pem \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
openssl req -new -key i.key -subj /CN=OS-Inter -out i.csr
openssl x509 -req -in i.csr -CA r.pem -CAkey r.key -days 1000 -out i.pem 2>/dev/null \
	-extfile "$(ext 'basicConstraints=critical,CA:TRUE,pathlen:0' 'keyUsage=critical,keyCertSign,cRLSign' \
	'nameConstraints=critical,permitted;DNS:example.com')"
leaf() {   # leaf NAME SAN [faketime-date]
	openssl req -new -key l.key -subj "/CN=$1" -out "$1.csr"
	${3:+faketime "$3"} openssl x509 -req -in "$1.csr" -CA i.pem -CAkey i.key -days 30 \
		-out "$1.pem" 2>/dev/null -extfile "$(ext "subjectAltName=$2" 'extendedKeyUsage=serverAuth' \
		'keyUsage=critical,digitalSignature')"
}
leaf good DNS:good.example.com
leaf gone DNS:gone.example.com
leaf old DNS:old.example.com '2020-01-01 00:00:00'
leaf outside DNS:evil.other.org
# The revoked one, in a CRL made by openssl ca.
touch idx.txt; echo 01 > crlnum
cat > ca.cnf <<EOF
[ca]
default_ca = c
[c]
database = $T/idx.txt
crlnumber = $T/crlnum
default_md = sha256
default_crl_days = 30
EOF
openssl ca -config ca.cnf -keyfile i.key -cert i.pem -revoke gone.pem 2>/dev/null
openssl ca -config ca.cnf -keyfile i.key -cert i.pem -gencrl -out i.crl 2>/dev/null
# A forged CRL: the intermediate's name, another key.
openssl req -x509 -key x.key -subj /CN=OS-Inter -days 30 -out x.pem
openssl ca -config ca.cnf -keyfile x.key -cert x.pem -gencrl -out forged.crl 2>/dev/null
# A bad signature: the last byte of the DER flipped.
openssl x509 -in good.pem -outform DER -out good.der
python3 -c "import sys; d=bytearray(open('good.der','rb').read()); d[-1]^=1; open('badsig.der','wb').write(d)"

h verify --ca-file r.pem --chain i.pem --crl i.crl good.pem | grep -qx 'good.pem: OK' || fail "verify good"
h verify --ca-file r.pem --chain i.pem good.der > /dev/null || fail "verify: DER leaf"
cat good.pem i.pem > bundle.pem
h verify --ca-file r.pem bundle.pem > /dev/null || fail "verify: leaf with its chain in one file"
openssl verify -crl_check -CAfile r.pem -untrusted i.pem -CRLfile i.crl good.pem > /dev/null || fail "openssl good"
expect_reason 'revoked' h verify --ca-file r.pem --chain i.pem --crl i.crl gone.pem
openssl verify -crl_check -CAfile r.pem -untrusted i.pem -CRLfile i.crl gone.pem > /dev/null 2>&1 &&
	fail "openssl accepted the revoked certificate"
expect_reason 'expired' h verify --ca-file r.pem --chain i.pem old.pem
expect_reason 'issuer is unknown\|NOT trusted' h verify --ca-file r.pem good.pem
expect_reason 'NOT trusted' h verify --ca-file rogue.pem --chain i.pem good.pem
expect_reason 'signature' h verify --ca-file r.pem --chain i.pem badsig.der
expect_reason 'constraint' h verify --ca-file r.pem --chain i.pem outside.pem
expect_reason 'name in the certificate does not match' \
	h verify --ca-file r.pem --chain i.pem --hostname other.example.com good.pem
expect_reason 'purpose\|key usage\|NOT trusted' \
	h verify --ca-file r.pem --chain i.pem --purpose client good.pem
expect_reason "forged.crl: the CRL's signature does not verify" \
	h verify --ca-file r.pem --chain i.pem --crl forged.crl good.pem
expect_reason 'this is a certificate request, not a certificate' h verify --ca-file r.pem good.csr
expect_fail 2 h verify good.pem
expect_fail 2 h verify --ca-file r.pem --purpose mail good.pem
pass "verify names expired, revoked, untrusted, signature, constraints, host name, purpose, forged CRL"

# ---- 3. show -----------------------------------------------------------------
h show i.crl | has 'CRL' || fail "show: CRL"
h show i.crl | has "$(openssl crl -in i.crl -noout -fingerprint -sha256 | cut -d= -f2)" ||
	fail "show: CRL fingerprint differs from openssl's"
h show good.der | has 'Subject: CN=good' || fail "show: DER certificate"
[ "$(h show full.pem | grep -c '^SHA-256 fingerprint')" -eq 3 ] || fail "show: every certificate of a bundle"
head -c 600 /dev/urandom > garbage.bin
expect_reason 'garbage.bin: not a certificate, certificate request or CRL' h show garbage.bin
head -c 300 www.crt > truncated.pem
expect_reason 'truncated.pem: malformed certificate' h show truncated.pem
expect_reason 'l.key: this is a private key' h show l.key
: > empty.pem
expect_reason 'empty.pem: not a certificate.*empty file' h show empty.pem
expect_reason 'no-such-file' h show no-such-file
openssl req -in www.csr -outform DER | python3 -c "import sys; d=bytearray(sys.stdin.buffer.read()); d[-1]^=1; sys.stdout.buffer.write(d)" > badsig.csr
expect_reason "badsig.csr: the request's signature does not verify" h show badsig.csr
expect_fail 2 h show
pass "show: certificates, bundles, requests, CRLs; hostile files refused in one line"

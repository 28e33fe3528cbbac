#!/bin/bash
# The seed article's whole workflow, as hsmca commands, on a SoftHSM2 token:
# root and intermediate keys on the token, self-signed root, intermediate
# request and certificate, chain, a server certificate; every artefact is
# checked by openssl and certtool too, and a real TLS handshake trusts only
# the root.
. "$(dirname "$0")/lib.sh"
export HSMCA_PROFILE_PATH=$SRCDIR/profiles
cd "$T"
make_token ca

ROOT=$(h keygen --token pkcs11:token=ca --label root)
INT=$(h keygen --token pkcs11:token=ca --label intermediate --type ec:secp384r1)
h init root --key "$ROOT" 2>/dev/null
h selfsign --yes --ca root --subject 'CN=My Company Root CA,OU=My Company Certificate Authority,O=My Company,ST=My State,C=US' 2>/dev/null
openssl verify -CAfile root/certs/ca.crt root/certs/ca.crt >/dev/null || fail "openssl rejects the root"
txt=$(openssl x509 -in root/certs/ca.crt -noout -text)
grep -q 'CA:TRUE' <<<"$txt" || fail "root without CA:TRUE"
grep -q 'Certificate Sign, CRL Sign' <<<"$txt" || fail "root key usage"
grep -q 'ecdsa-with-SHA' <<<"$txt" || fail "root signature algorithm"
grep -qi 'netscape' <<<"$txt" && fail "obsolete Netscape extension in the root"
pass "self-signed root"

# The root carries the token key (the seed's F4: the engine signed with the wrong key).
h list-objects pkcs11:token=ca > objects.txt
root_pub=$(openssl x509 -in root/certs/ca.crt -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum)
p11tool --provider "$SOFTHSM_MODULE" --export "pkcs11:token=ca;object=root;type=public" 2>/dev/null \
	| openssl pkey -pubin -outform DER | sha256sum > tokpub.txt
[ "$root_pub" = "$(cat tokpub.txt)" ] || fail "root certificate does not carry the token's root key"
pass "root carries the token key"

h req --key "$INT" --out int.csr --subject 'CN=My Company Intermediate CA,OU=My Company Certificate Authority,O=My Company,ST=My State,C=US' 2>/dev/null
openssl req -in int.csr -noout -verify 2>&1 | has 'verify OK' || fail "openssl rejects the request"
h sign --yes --ca root --profile intermediate-ca --csr int.csr --out int.crt 2>/dev/null
openssl verify -CAfile root/certs/ca.crt int.crt >/dev/null || fail "openssl rejects the intermediate"
txt=$(openssl x509 -in int.crt -noout -text)
grep -q 'CA:TRUE, pathlen:0' <<<"$txt" || fail "intermediate pathlen"
[ "$(openssl x509 -in int.crt -noout -ext authorityKeyIdentifier | tail -1 | tr -d ' ')" = \
  "$(openssl x509 -in root/certs/ca.crt -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' ')" ] || fail "AKI is not the root's SKI"
pass "intermediate signed by the root"

h init intermediate --key "$INT" --cert int.crt --issuer root 2>/dev/null
h chain --ca intermediate --out chain.crt
[ "$(grep -c BEGIN chain.crt)" = 2 ] || fail "chain.crt does not hold two certificates"
certtool --verify-chain --infile chain.crt 2>&1 | has 'Verified' || fail "certtool rejects the chain"
pass "chain"

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout srv.key \
	-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -out srv.csr 2>/dev/null
h sign --yes --ca intermediate --profile server --csr srv.csr --out srv.crt 2>/dev/null
openssl verify -CAfile root/certs/ca.crt -untrusted chain.crt -purpose sslserver srv.crt >/dev/null || fail "openssl rejects the server certificate"
cat srv.crt chain.crt > full.crt
certtool --verify-chain --infile full.crt 2>&1 | has 'Verified' || fail "certtool rejects the server chain"
txt=$(openssl x509 -in srv.crt -noout -text)
grep -q 'DNS:localhost' <<<"$txt" || fail "server SAN missing"
grep -q 'Key Encipherment' <<<"$txt" && fail "keyEncipherment on an EC server key"
grep -q 'TLS Web Server Authentication' <<<"$txt" || fail "server EKU"
h verify --ca-file root/certs/ca.crt --chain chain.crt srv.crt >/dev/null
pass "server certificate"

# A real TLS handshake, trusting only the root.
port=$((20000 + RANDOM % 20000))
openssl s_server -quiet -accept "127.0.0.1:$port" -cert srv.crt -key srv.key -cert_chain chain.crt \
	</dev/null >/dev/null 2>&1 &
spid=$!
ok=
# no -naccept 1: under load the first try may come before the server is up,
# and up to 20 s are given (the server is killed by its pid afterwards)
for _ in $(seq 1 100); do
	if echo Q | timeout 5 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
		-verify_return_error -verify_hostname localhost -CAfile root/certs/ca.crt >tls.out 2>&1; then
		ok=1; break
	fi
	sleep 0.2
done
kill "$spid" 2>/dev/null || true
[ -n "$ok" ] && grep -q 'Verify return code: 0 (ok)' tls.out || { cat tls.out >&2; fail "TLS handshake"; }
pass "TLS handshake trusting only the root"

# The database is what openssl ca writes, and both tools read it.
[ "$(wc -l < intermediate/index.txt)" = 1 ] || fail "index.txt"
serial=$(openssl x509 -in srv.crt -noout -serial | cut -d= -f2)
grep -q "^V	[0-9]*Z		$serial	unknown	/CN=localhost$" intermediate/index.txt || fail "index line: $(cat intermediate/index.txt)"
cmp -s "intermediate/newcerts/$serial.pem" srv.crt || fail "newcerts/$serial.pem"
h list-certs --ca intermediate | has "$serial" || fail "list-certs"
pass "database"

# Several requests in one run share one login (pkcs11-spy counts C_Login).
if [ -r "$SPY_MODULE" ]; then
	for i in 1 2 3; do
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout /dev/null \
			-subj "/CN=b$i.example" -addext "subjectAltName=DNS:b$i.example" -out "b$i.csr" 2>/dev/null
	done
	PKCS11SPY=$SOFTHSM_MODULE PKCS11SPY_OUTPUT=$T/spy.log HSMCA_PIN=$PIN "$HSMCA" --module "$SPY_MODULE" \
		-q sign --yes --ca intermediate --profile server --csr b1.csr --csr b2.csr --csr b3.csr --out-dir batch
	[ "$(grep -c 'C_Login' "$T/spy.log")" = 1 ] || fail "a 3-request batch logged in $(grep -c 'C_Login' "$T/spy.log") times"
	pass "a batch of 3 requests: one C_Login"
fi

#!/bin/bash
# One CA directory, two tools (issue 4): the seed article's OpenSSL CA
# (anchors/seed-openssl.sh: openssl ca with the pkcs11 engine on SoftHSM2),
# taken over by hsmca init; then hsmca and openssl ca issue, revoke and make
# CRLs side by side, and openssl ocsp answers from the shared index.txt.
. "$(dirname "$0")/lib.sh"
export HSMCA_PROFILE_PATH=$SRCDIR/profiles
[ -e /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so ] || [ -n "$(find /usr/lib -name pkcs11.so -path '*engines*' 2>/dev/null | head -1)" ] \
	|| { echo "SKIP: no OpenSSL pkcs11 engine"; exit 77; }
cd "$T"
# The engine loads SoftHSM2 itself, not p11-kit-proxy: with every module the
# machine registers (tpm2-pkcs11's, when installed) it picks the wrong token,
# and with a smart card present (the SmartCard-HSM lane's emulator) it logs
# in there with this PIN ("Invalid PIN length", then openssl segfaults).
export PKCS11_MODULE_PATH=$SOFTHSM_MODULE
QUIET=1 MODULE=$SOFTHSM_MODULE TOKDIR=$T/seed-tokens PIN=$PIN \
	bash "$SRCDIR/tests/integration/anchors/seed-openssl.sh" "$T/seed" >/dev/null 2>&1 \
	|| fail "seed-openssl.sh could not build the OpenSSL CA"
export SOFTHSM2_CONF=$T/seed/softhsm2.conf
I=$T/seed/intermediate
ENG=(-engine pkcs11 -keyform engine -passin "pass:$PIN")
OCA=(openssl ca -config "$T/seed/config/sign_server_csr.ini" "${ENG[@]}" -batch)
cp "$I/index.txt" index.orig

# hsmca takes the directory over without changing a line of it.
h -q init "$I" --key 'pkcs11:token=ca;object=intermediate' \
	--cert "$I/certs/intermediate.crt" --issuer "$T/seed/certs/root.crt"
cmp -s index.orig "$I/index.txt" || fail "init changed index.txt"
media=$(openssl x509 -in "$I/certs/media.crt" -noout -serial | cut -d= -f2)
h list-certs --ca "$I" | has "$media.*CN=media" || fail "list-certs does not show openssl's certificate"
h audit verify --ca "$I" >/dev/null || fail "audit verify after adoption"
pass "hsmca init adopted the seed's OpenSSL CA directory; list-certs shows openssl's entry"

# hsmca issues there, and revokes what openssl issued.
mkreq() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout "$1.key" \
		-subj "/CN=$1.example" -addext "subjectAltName=DNS:$1.example" -out "$1.csr" 2>/dev/null
}
mkreq web; mkreq api; mkreq ocsp
h -q sign --yes --ca "$I" --profile server --csr web.csr --out web.crt
h -q sign --yes --ca "$I" --profile server --csr api.csr --out api.crt
h -q sign --yes --ca "$I" --profile ocsp-signer --csr ocsp.csr --out ocsp.crt
h -q revoke --ca "$I" --cert "$I/certs/media.crt" --reason keyCompromise
grep -q "^R	.*,keyCompromise	$media	" "$I/index.txt" || fail "hsmca did not revoke openssl's certificate"
pass "hsmca issued 3 certificates and revoked openssl's"

# openssl ca still works in the directory and sees hsmca's entries.
"${OCA[@]}" -revoke web.crt -crl_reason superseded >/dev/null 2>&1 || fail "openssl ca -revoke after hsmca"
"${OCA[@]}" -gencrl -crldays 7 -out ossl.crl >/dev/null 2>&1 || fail "openssl ca -gencrl after hsmca"
web=$(openssl x509 -in web.crt -noout -serial | cut -d= -f2)
openssl crl -in ossl.crl -noout -text > ossl.crl.txt
grep -q "$web" ossl.crl.txt && grep -q "$media" ossl.crl.txt || fail "openssl's CRL misses a revocation"
h list-certs --ca "$I" | grep "$web" | has ' R ' || fail "hsmca does not see openssl's revocation"
pass "openssl ca -revoke and -gencrl work after hsmca, and see its entries"

# OCSP from the shared index, signed by the responder certificate hsmca
# issued with the shipped ocsp-signer profile.
openssl x509 -in ocsp.crt -noout -text | has 'OCSP Signing' || fail "ocsp-signer EKU"
cat "$I/certs/intermediate.crt" "$T/seed/certs/root.crt" > chain.pem
for c in media web api; do
	cert=$c.crt; [ "$c" = media ] && cert=$I/certs/media.crt
	openssl ocsp -issuer "$I/certs/intermediate.crt" -cert "$cert" -no_nonce -reqout "$c.req" >/dev/null 2>&1
	openssl ocsp -index "$I/index.txt" -CA "$I/certs/intermediate.crt" -rsigner ocsp.crt \
		-rkey ocsp.key -reqin "$c.req" -respout "$c.resp" >/dev/null 2>&1 || fail "openssl ocsp responder"
	openssl ocsp -respin "$c.resp" -issuer "$I/certs/intermediate.crt" -CAfile chain.pem \
		-cert "$cert" > "$c.ocsp" 2>&1 || fail "OCSP response for $c does not verify: $(cat "$c.ocsp")"
done
grep -q ': revoked' media.ocsp && grep -q 'keyCompromise' media.ocsp || fail "OCSP for media: $(cat media.ocsp)"
grep -q ': revoked' web.ocsp || fail "OCSP for web: $(cat web.ocsp)"
grep -q ': good' api.ocsp || fail "OCSP for api: $(cat api.ocsp)"
grep -q 'Response verify OK' api.ocsp || fail "OCSP signature"
pass "openssl ocsp -index: revoked by hsmca, revoked by openssl, good; signed by hsmca's OCSP responder"

# hsmca's CRL passes every independent check.
h -q gencrl --ca "$I" --out hsmca.crl
openssl crl -in hsmca.crl -noout -verify -CAfile chain.pem 2>&1 | has 'verify OK' || fail "openssl crl -verify"
certtool --verify-crl --load-ca-certificate "$I/certs/intermediate.crt" --infile hsmca.crl 2>&1 \
	| has 'Verified' || fail "certtool --verify-crl"
cat "$T/seed/certs/root.crt" > root.pem
openssl verify -crl_check -CAfile root.pem -untrusted "$I/certs/intermediate.crt" -CRLfile hsmca.crl api.crt >/dev/null \
	|| fail "openssl verify -crl_check rejects a good certificate"
for c in web.crt "$I/certs/media.crt"; do
	out=$(openssl verify -crl_check -CAfile root.pem -untrusted "$I/certs/intermediate.crt" \
		-CRLfile hsmca.crl "$c" 2>&1) && fail "openssl verify -crl_check accepts revoked $c"
	grep -q 'certificate revoked' <<<"$out" || fail "openssl verify -crl_check: $out"
done
openssl crl -in hsmca.crl -noout -text | has 'Key Compromise' || fail "reason code missing from hsmca's CRL"
expect_fail 1 h verify --ca-file root.pem --chain "$I/certs/intermediate.crt" --crl hsmca.crl web.crt
grep -q 'reason: superseded' "$T/stderr" || fail "hsmca verify does not name the reason: $(cat "$T/stderr")"
pass "hsmca's CRL: openssl crl -verify, openssl verify -crl_check, certtool --verify-crl"

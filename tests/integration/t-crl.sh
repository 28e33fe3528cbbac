#!/bin/bash
# gencrl end to end on a SoftHSM2 token: the CRL is signed by the CA key on
# the token, carries every revoked certificate with its own reason code, the
# crlNumber and the AKI, and openssl and certtool accept it; openssl verify
# -crl_check rejects the revoked certificates and accepts the others.  A CRL
# that would outlive the CA certificate is refused and changes nothing.
. "$(dirname "$0")/lib.sh"
export HSMCA_PROFILE_PATH=$SRCDIR/profiles
cd "$T"
make_token ca

KEY=$(h keygen --token pkcs11:token=ca --label root --type ec:secp384r1)
h init root --key "$KEY" 2>/dev/null
h selfsign --yes --ca root --days 3650 --subject 'CN=CRL Test Root,O=hsmca,C=DE' 2>/dev/null
CA=root/certs/ca.crt

leaf() {  # name -> name.crt, issued by root
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc \
		-keyout "$1.key" -subj "/CN=$1.example" \
		-addext "subjectAltName=DNS:$1.example" -out "$1.csr" 2>/dev/null
	h sign --yes --ca root --profile server --csr "$1.csr" --out "$1.crt"
}
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
for n in a b c d; do leaf "$n"; done

h revoke --ca root --cert a.crt --reason keyCompromise 2>/dev/null
h revoke --ca root --cert b.crt --reason superseded 2>/dev/null
h revoke --ca root --cert c.crt 2>/dev/null
number=$(cat root/crlnumber)
h gencrl --ca root --days 7 --out crl.pem 2>/dev/null
pass "gencrl signed on the token"

txt=$(openssl crl -in crl.pem -noout -text)
block() { awk -v s="Serial Number: $1" '$0 ~ s {p=1; print; next} /Serial Number:/ {p=0} p' <<<"$txt"; }
block "$(serial a.crt)" | has 'Key Compromise' || { echo "$txt" >&2; fail "a: no keyCompromise"; }
block "$(serial b.crt)" | has 'Superseded' || fail "b: no superseded"
block "$(serial c.crt)" | has 'Serial Number' || fail "c is not listed"
block "$(serial c.crt)" | has 'Reason' && fail "c has a reason"
grep -q "Serial Number: $(serial d.crt)" <<<"$txt" && fail "d is listed"
grep -q 'Version 2' <<<"$txt" || fail "not a v2 CRL"
grep -A1 'X509v3 CRL Number' <<<"$txt" | tail -1 | grep -qi "$((16#$number))\|$number" \
	|| { echo "$txt" >&2; fail "CRL number is not $number"; }
[ "$(openssl crl -in crl.pem -noout -text | grep -A1 'Authority Key Identifier' | tail -1 | tr -d ' ')" = \
  "$(openssl x509 -in "$CA" -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' ')" ] || fail "AKI is not the CA's SKI"
[ "$(cat root/crlnumber)" != "$number" ] || fail "crlnumber not incremented"
pass "entries, reasons, CRL number and AKI"

openssl crl -in crl.pem -noout -CAfile "$CA" -verify 2>&1 | has 'verify OK' || fail "openssl crl -verify"
certtool --verify-crl --load-ca-certificate "$CA" --infile crl.pem 2>&1 | has 'Verified' \
	|| fail "certtool --verify-crl"
for n in a b c; do
	out=$(openssl verify -crl_check -CAfile "$CA" -CRLfile crl.pem "$n.crt" 2>&1 || true)
	grep -q 'certificate revoked' <<<"$out" || fail "openssl accepts revoked $n: $out"
done
openssl verify -crl_check -CAfile "$CA" -CRLfile crl.pem d.crt >/dev/null || fail "openssl rejects d"
pass "openssl and certtool verify the CRL"

before=$(tree_sum root)
expect_fail 1 h gencrl --ca root --days 4000
grep -q 'outlive the CA certificate' "$T/stderr" || { cat "$T/stderr" >&2; fail "wrong message"; }
[ "$(tree_sum root)" = "$before" ] || fail "a refused gencrl changed the CA directory"
pass "a CRL that would outlive the CA is refused"

#!/bin/bash
# Issue 11, items 1-4: the signature hash everywhere (--hash on sign and
# gencrl, [defaults] hash in hsmca.conf, default_md when init adopts an
# OpenSSL directory, option > profile > hsmca.conf > the key's), RSASSA-PSS
# (--rsa-pss, rsa_pss in a profile or hsmca.conf), renew, list-certs
# --expiring, and --not-before/--not-after.  Every certificate and CRL made
# here is checked by openssl; every refusal leaves the CA directory as it was.
. "$(dirname "$0")/lib.sh"
export HSMCA_PROFILE_PATH=$SRCDIR/profiles
cd "$T"
make_token ca

sigalg() { openssl "$1" -in "$2" -noout -text | grep -m1 'Signature Algorithm' | sed 's/.*: *//; s/ *$//'; }
want_alg() {  # x509|crl FILE ALG
	local got; got=$(sigalg "$1" "$2")
	[ "$got" = "$3" ] || fail "$2: signature algorithm '$got', wanted '$3'"
}
csr() {  # NAME [DNS...]: NAME.key, NAME.csr
	local n=$1 san="DNS:$1.example"; shift
	for d in "$@"; do san+=",DNS:$d"; done
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc \
		-keyout "$n.key" -subj "/CN=$n.example/O=hsmca" \
		-addext "subjectAltName=$san" -out "$n.csr" 2>/dev/null
}
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
set_default() {  # DIR KEY VALUE: add KEY = VALUE to [defaults]
	sed -i "s/^\[defaults\]\$/&\n$2 = $3/" "$1/hsmca.conf"
}

# ---- 1. the hash: hsmca.conf, profile, option ------------------------------
KEY=$(h keygen --token pkcs11:token=ca --label ec --type ec:secp384r1)
h init ec --key "$KEY" 2>/dev/null
set_default ec hash sha512
h selfsign --yes --ca ec --days 3650 --subject 'CN=Hash Root,O=hsmca' 2>/dev/null
want_alg x509 ec/certs/ca.crt ecdsa-with-SHA512
csr a; csr b; csr c
h sign --yes --ca ec --profile server --csr a.csr --out a.crt 2>/dev/null
want_alg x509 a.crt ecdsa-with-SHA512
openssl verify -CAfile ec/certs/ca.crt a.crt >/dev/null || fail "openssl verify a"
sed 's/^\[profile\]$/&\nhash = sha256/' "$SRCDIR/profiles/server.profile" > sha256.profile
h sign --yes --ca ec --profile ./sha256.profile --csr b.csr --out b.crt 2>/dev/null
want_alg x509 b.crt ecdsa-with-SHA256
h sign --yes --ca ec --profile ./sha256.profile --hash sha384 --csr c.csr --out c.crt 2>/dev/null
want_alg x509 c.crt ecdsa-with-SHA384
pass "hsmca.conf hash, then the profile's, then --hash"

h revoke --ca ec --cert b.crt 2>/dev/null
h gencrl --ca ec --out ec.crl 2>/dev/null
want_alg crl ec.crl ecdsa-with-SHA512
openssl crl -in ec.crl -noout -CAfile ec/certs/ca.crt -verify 2>&1 | has 'verify OK' || fail "crl -verify (sha512)"
h gencrl --ca ec --hash sha256 --out ec2.crl 2>/dev/null
want_alg crl ec2.crl ecdsa-with-SHA256
openssl crl -in ec2.crl -noout -CAfile ec/certs/ca.crt -verify 2>&1 | has 'verify OK' || fail "crl -verify (sha256)"
out=$(openssl verify -crl_check -CAfile ec/certs/ca.crt -CRLfile ec2.crl b.crt 2>&1 || true)
grep -q 'certificate revoked' <<<"$out" || fail "b not revoked by the sha256 CRL: $out"
pass "gencrl signs with hsmca.conf's hash and with --hash"

before=$(tree_sum ec)
expect_fail 2 h sign --yes --ca ec --profile server --csr a.csr --hash md5
grep -q "hsmca: --hash: unknown hash 'md5'" "$T/stderr" || { cat "$T/stderr" >&2; fail "--hash md5 message"; }
expect_fail 2 h gencrl --ca ec --hash sha1
expect_fail 2 h sign --yes --ca ec --profile server --csr a.csr --rsa-pss
grep -q 'rsa-pss: the CA key is EC' "$T/stderr" || { cat "$T/stderr" >&2; fail "--rsa-pss on EC message"; }
cp ec/hsmca.conf conf.keep
sed -i 's/^hash = sha512$/hash = sha-512/' ec/hsmca.conf
line=$(grep -n '^hash = ' ec/hsmca.conf | cut -d: -f1)
expect_fail 1 h sign --yes --ca ec --profile server --csr a.csr
grep -q "ec/hsmca.conf:$line: hash: 'sha-512'" "$T/stderr" || { cat "$T/stderr" >&2; fail "bad hash not named at hsmca.conf:$line"; }
cp conf.keep ec/hsmca.conf
[ "$(tree_sum ec)" = "$before" ] || fail "a refused command changed the CA directory"
pass "bad --hash, --rsa-pss on an EC key, bad hsmca.conf hash: refused, nothing changed"

# ---- RSASSA-PSS ------------------------------------------------------------
RKEY=$(h keygen --token pkcs11:token=ca --label rsa --type rsa:3072)
h init rsa --key "$RKEY" 2>/dev/null
h selfsign --yes --ca rsa --days 3650 --rsa-pss --hash sha512 --subject 'CN=PSS Root' 2>/dev/null
want_alg x509 rsa/certs/ca.crt rsassaPss
openssl x509 -in rsa/certs/ca.crt -noout -text | has 'Mask Algorithm: mgf1 with sha512' || fail "PSS parameters"
openssl verify -CAfile rsa/certs/ca.crt rsa/certs/ca.crt >/dev/null || fail "verify the PSS root"
h sign --yes --ca rsa --profile server --csr a.csr --out ra.crt 2>/dev/null
want_alg x509 ra.crt sha256WithRSAEncryption
set_default rsa rsa_pss yes
h sign --yes --ca rsa --profile server --csr b.csr --out rb.crt 2>/dev/null
want_alg x509 rb.crt rsassaPss
openssl verify -CAfile rsa/certs/ca.crt rb.crt >/dev/null || fail "verify the PSS leaf"
sed 's/^\[profile\]$/&\nrsa_pss = no/' "$SRCDIR/profiles/server.profile" > nopss.profile
h sign --yes --ca rsa --profile ./nopss.profile --csr c.csr --out rc.crt 2>/dev/null
want_alg x509 rc.crt sha256WithRSAEncryption
h sign --yes --ca rsa --profile ./nopss.profile --rsa-pss --hash sha384 --csr c.csr --out rd.crt 2>/dev/null
want_alg x509 rd.crt rsassaPss
openssl x509 -in rd.crt -noout -text | has 'Hash Algorithm: sha384' || fail "PSS with sha384"
h revoke --ca rsa --cert rb.crt 2>/dev/null
h gencrl --ca rsa --hash sha384 --out rsa.crl 2>/dev/null
want_alg crl rsa.crl rsassaPss
openssl crl -in rsa.crl -noout -text | has 'Mask Algorithm: mgf1 with sha384' || fail "CRL PSS parameters"
openssl crl -in rsa.crl -noout -CAfile rsa/certs/ca.crt -verify 2>&1 | has 'verify OK' || fail "crl -verify (PSS)"
certtool --verify-crl --load-ca-certificate rsa/certs/ca.crt --infile rsa.crl 2>&1 | has 'Verified' || fail "certtool PSS CRL"
out=$(openssl verify -crl_check -CAfile rsa/certs/ca.crt -CRLfile rsa.crl rb.crt 2>&1 || true)
grep -q 'certificate revoked' <<<"$out" || fail "rb not revoked by the PSS CRL: $out"
pass "RSASSA-PSS: --rsa-pss, hsmca.conf rsa_pss, profile rsa_pss = no; certificates and CRL"

# ---- init takes default_md from openssl.cnf --------------------------------
adopt() {  # DIR MD
	mkdir -p "$1/newcerts"; : > "$1/index.txt"; echo 01 > "$1/serial"
	printf '[ ca ]\ndefault_ca = CA_default\n[ CA_default ]\ndir = ./%s\ndefault_md = %s\n' "$1" "$2" > "$1/openssl.cnf"
}
adopt o1 sha512
K1=$(h keygen --token pkcs11:token=ca --label o1)
h init o1 --key "$K1" 2>"$T/err1"
grep -qx 'hash = sha512' o1/hsmca.conf || { cat o1/hsmca.conf >&2; fail "default_md not taken"; }
adopt o2 sha1
K2=$(h keygen --token pkcs11:token=ca --label o2)
h init o2 --key "$K2" 2>"$T/err2"
grep -q 'default_md = sha1 is not taken' "$T/err2" || { cat "$T/err2" >&2; fail "no warning for sha1"; }
grep -q '^hash' o2/hsmca.conf && fail "sha1 taken"
mkdir o3; printf '[ca]\ndefault_ca = x\n[x]\ndefault_md = sha384\n' > elsewhere.cnf
K3=$(h keygen --token pkcs11:token=ca --label o3)
h init o3 --key "$K3" --openssl-conf elsewhere.cnf 2>/dev/null
grep -qx 'hash = sha384' o3/hsmca.conf || fail "--openssl-conf not taken"
expect_fail 1 h init o4 --key "$K3" --openssl-conf missing.cnf
[ -e o4 ] && fail "init with a missing --openssl-conf made o4"
h -q selfsign --yes --ca o1 --subject 'CN=Adopted' --days 100
want_alg x509 o1/certs/ca.crt ecdsa-with-SHA512
pass "init takes default_md (DIR/openssl.cnf or --openssl-conf), warns about sha1"

# ---- 2. renew --------------------------------------------------------------
csr r www.r.example
h sign --yes --ca ec --profile server --csr r.csr --days 30 --out r1.crt 2>/dev/null
S1=$(serial r1.crt)
h renew --yes --ca ec --serial "$S1" --days 60 --out r2.crt 2>"$T/err"
grep -q "renewed $S1 as" "$T/err" || { cat "$T/err" >&2; fail "renew message"; }
S2=$(serial r2.crt)
[ "$S1" != "$S2" ] || fail "renew kept the serial"
for f in subject 'ext subjectAltName,extendedKeyUsage,keyUsage,basicConstraints' pubkey; do
	[ "$(openssl x509 -in r1.crt -noout -$f)" = "$(openssl x509 -in r2.crt -noout -$f)" ] \
		|| fail "renew changed the $f"
done
want_alg x509 r2.crt ecdsa-with-SHA512
openssl verify -CAfile ec/certs/ca.crt r2.crt >/dev/null || fail "verify the renewed certificate"
cmp <(openssl x509 -in r2.crt) "ec/newcerts/$S2.pem" || fail "renewed certificate not recorded in newcerts"
grep "\"serial\":\"$S2\"" ec/audit.log | has "\"renews\":\"$S1\"" || fail "audit record lacks renews"
grep "\"serial\":\"$S2\"" ec/audit.log | has 'server.profile' || fail "audit record lacks the profile"
h list-certs --ca ec | grep "^$S1 " | has ' V ' || fail "old certificate no longer valid without --revoke-old"
pass "renew --serial: same subject, SAN, key and profile, a new serial, recorded"

h renew --yes --ca ec --cert r2.crt --not-after 2027-06-01T12:00:00Z --revoke-old --hash sha256 --out r3.crt 2>/dev/null
S3=$(serial r3.crt)
openssl x509 -in r3.crt -noout -enddate | has 'notAfter=Jun  1 12:00:00 2027 GMT' || fail "renew --not-after"
want_alg x509 r3.crt ecdsa-with-SHA256
h list-certs --ca ec --json | python3 -c '
import json, sys
rows = {r["serial"]: r for r in json.load(sys.stdin)}
old, new = rows[sys.argv[1]], rows[sys.argv[2]]
assert old["status"] == "R" and old["reason"] == "superseded", old
assert new["status"] == "V", new' "$S2" "$S3" || fail "--revoke-old did not revoke as superseded"
h gencrl --ca ec --out ec3.crl 2>/dev/null
openssl crl -in ec3.crl -noout -text | grep -A4 "Serial Number: $S2" | has Superseded || fail "CRL lacks the superseded entry"
h audit verify --ca ec | has 'OK' || fail "audit verify after renew"
pass "renew --cert --revoke-old --not-after: old one superseded in the same run, CRL lists it"

before=$(tree_sum ec)
expect_fail 1 h renew --yes --ca ec --serial "$S2"
grep -q 'is revoked' "$T/stderr" || { cat "$T/stderr" >&2; fail "renew of a revoked certificate"; }
expect_fail 1 h renew --yes --ca ec --serial 0123456789ABCDEF
expect_fail 1 h renew --yes --ca ec --cert rb.crt
expect_fail 2 h renew --yes --ca ec --serial "$S3" --days 10 --not-after 2027-01-01T00:00:00Z
expect_fail 2 h renew --yes --ca ec
expect_fail 1 h renew --yes --ca ec --serial "$S3" --not-after 2099-01-01T00:00:00Z
grep -q 'issuer-validity' "$T/stderr" || fail "renew past the CA not linted"
expect_fail 1 h renew --yes --ca ec --serial "$(serial ec/certs/ca.crt)"
grep -q "the CA's own key" "$T/stderr" || { cat "$T/stderr" >&2; fail "renewing the CA certificate"; }
cp ec/index.txt.attr attr.keep
echo 'unique_subject = yes' > ec/index.txt.attr
expect_fail 1 h renew --yes --ca ec --serial "$S3"
grep -q 'unique_subject = yes' "$T/stderr" || { cat "$T/stderr" >&2; fail "unique_subject message"; }
cp attr.keep ec/index.txt.attr
h renew --ca ec --serial "$S3" --dry-run >dry.txt 2>/dev/null || fail "renew --dry-run"
has 'to be signed' dry.txt || fail "renew --dry-run shows nothing"
[ "$(tree_sum ec)" = "$before" ] || fail "a refused renew changed the CA directory"
pass "renew refuses revoked, unknown, foreign and CA certificates, bad dates; dry run; nothing changed"

# ---- 3. list-certs --expiring ---------------------------------------------
h init exp --key "$KEY" 2>/dev/null
h selfsign --yes --ca exp --days 3650 --subject 'CN=Expiry Root' 2>/dev/null
for d in 5 40 400; do
	csr "e$d"
	h sign --yes --ca exp --profile server --csr "e$d.csr" --days "$d" --out "e$d.crt" 2>/dev/null
done
h revoke --ca exp --cert e40.crt 2>/dev/null
csr e41; h sign --yes --ca exp --profile server --csr e41.csr --days 41 --out e41.crt 2>/dev/null
got=$(h list-certs --ca exp --expiring 30 | tail -n +2 | awk '{print $1}')
[ "$got" = "$(serial e5.crt)" ] || fail "--expiring 30: $got"
got=$(h list-certs --ca exp --expiring 60 --json | python3 -c 'import json,sys; print(" ".join(sorted(r["serial"] for r in json.load(sys.stdin))))')
[ "$got" = "$(printf '%s\n' "$(serial e5.crt)" "$(serial e41.crt)" | sort | tr '\n' ' ' | sed 's/ $//')" ] \
	|| fail "--expiring 60 --json: $got (revoked or far ones listed?)"
got=$(faketime '+10 days' "$HSMCA" list-certs --ca exp --expiring 60 --json | python3 -c 'import json,sys; print(" ".join(r["serial"] for r in json.load(sys.stdin)))')
[ "$got" = "$(serial e41.crt)" ] || fail "--expiring 60 ten days later (the expired one must go): $got"
[ "$(h list-certs --ca exp --expiring 0 --json)" = "[
]" ] || [ "$(h list-certs --ca exp --expiring 0 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ] \
	|| fail "--expiring 0"
expect_fail 2 h list-certs --ca exp --expiring soon
expect_fail 2 h list-certs --ca exp --expiring 30 --status R
pass "list-certs --expiring DAYS, text and --json, with faketime"

# ---- 4. --not-before / --not-after -----------------------------------------
csr d1
h sign --yes --ca exp --profile server --csr d1.csr --not-before 2027-01-15T00:00:00Z \
	--not-after 2027-04-15T00:00:00+02:00 --out d1.crt 2>/dev/null
openssl x509 -in d1.crt -noout -dates > dates.txt
has 'notBefore=Jan 15 00:00:00 2027 GMT' dates.txt || fail "--not-before: $(cat dates.txt)"
has 'notAfter=Apr 14 22:00:00 2027 GMT' dates.txt || fail "--not-after: $(cat dates.txt)"
openssl verify -attime 1800000000 -CAfile exp/certs/ca.crt d1.crt >/dev/null || fail "verify d1 in 2027"
h sign --yes --ca exp --profile server --csr d1.csr --not-before 2027-01-15T00:00:00Z --days 10 --out d2.crt 2>/dev/null
openssl x509 -in d2.crt -noout -enddate | has 'notAfter=Jan 25 00:00:00 2027 GMT' || fail "--days from --not-before"
h init ss --key "$RKEY" 2>/dev/null
h selfsign --yes --ca ss --subject 'CN=Dated Root' --not-before 2026-01-01T00:00:00Z --not-after 2036-01-01T00:00:00Z 2>/dev/null
openssl x509 -in ss/certs/ca.crt -noout -dates | tr '\n' ' ' | has 'notBefore=Jan  1 00:00:00 2026 GMT notAfter=Jan  1 00:00:00 2036 GMT' \
	|| fail "selfsign dates"
pass "sign and selfsign --not-before/--not-after (RFC 3339, offsets), --days from --not-before"

before=$(tree_sum exp)
expect_fail 2 h sign --yes --ca exp --profile server --csr d1.csr --days 10 --not-after 2027-01-01T00:00:00Z
grep -q -- '--days and --not-after exclude each other' "$T/stderr" || fail "exclusion message"
expect_fail 2 h sign --yes --ca exp --profile server --csr d1.csr --not-after 2027-02-30T00:00:00Z
grep -q "not an RFC 3339 time" "$T/stderr" || fail "bad date message"
expect_fail 2 h sign --yes --ca exp --profile server --csr d1.csr --not-before 20270115000000Z
expect_fail 1 h sign --yes --ca exp --profile server --csr d1.csr --not-after 2040-01-01T00:00:00Z
grep -q 'issuer-validity: notAfter is later' "$T/stderr" || fail "notAfter past the issuer not linted"
expect_fail 1 h sign --yes --ca exp --profile server --csr d1.csr --not-before 2020-01-01T00:00:00Z
grep -q 'issuer-validity: notBefore is earlier' "$T/stderr" || fail "notBefore before the issuer not linted"
expect_fail 1 h sign --yes --ca exp --profile server --csr d1.csr --not-before 2027-03-01T00:00:00Z --not-after 2027-02-01T00:00:00Z
grep -q 'notAfter is not after notBefore' "$T/stderr" || fail "reversed dates"
expect_fail 2 h selfsign --yes --ca ss --replace --subject 'CN=x' --days 5 --not-after 2030-01-01T00:00:00Z
[ "$(tree_sum exp)" = "$before" ] || fail "a refused sign changed the CA directory"
pass "bad, reversed and out-of-issuer dates refused; --days with --not-after is a usage error"

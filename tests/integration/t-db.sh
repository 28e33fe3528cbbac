#!/bin/bash
# list-certs and revoke on a CA directory that `openssl ca` made with plain
# software keys (no token needed), then `openssl ca -gencrl`, `openssl crl`
# and `openssl verify -crl_check` in the same directory see hsmca's work.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

hs() { "$HSMCA" "$@"; }
D=$T/ca
mkdir -p "$D/certs" "$D/newcerts" "$D/crl" "$D/private"
touch "$D/index.txt"
echo 1000 > "$D/crlnumber"
cat > "$T/ca.cnf" <<EOF
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = $D
certs = \$dir/certs
crl_dir = \$dir/crl
new_certs_dir = \$dir/newcerts
database = \$dir/index.txt
serial = \$dir/serial
crlnumber = \$dir/crlnumber
private_key = \$dir/private/ca.key
certificate = \$dir/certs/ca.crt
default_md = sha256
default_days = 30
default_crl_days = 7
preserve = no
policy = policy_loose
[ policy_loose ]
commonName = supplied
organizationName = optional
[ leaf ]
basicConstraints = CA:FALSE
EOF
ossl_ca() { openssl ca -config "$T/ca.cnf" -batch -notext "$@" 2>>"$T/openssl.log"; }
newkey() { openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc \
	-keyout "$T/$1.key" -subj "$2" -out "$T/$1.csr" 2>>"$T/openssl.log"; }
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc \
	-keyout "$D/private/ca.key" -subj "/O=Test/CN=Test CA" -days 365 \
	-out "$D/certs/ca.crt" 2>>"$T/openssl.log"
for n in a b c; do
	newkey $n "/O=Test/CN=$n.example.com"
	ossl_ca -create_serial -extensions leaf -in "$T/$n.csr" -out "$T/$n.crt"
done
newkey old "/O=Test/CN=old.example.com"
ossl_ca -extensions leaf -startdate 20190101000000Z -enddate 20200101000000Z \
	-in "$T/old.csr" -out "$T/old.crt"
A=$(serial_of "$T/a.crt"); B=$(serial_of "$T/b.crt"); C=$(serial_of "$T/c.crt")
OLD=$(serial_of "$T/old.crt")
[ "$(wc -l < "$D/index.txt")" -eq 4 ] || fail "openssl ca did not issue 4 certificates"
cp "$D/index.txt" "$T/index.orig"

# --- list-certs shows what openssl issued ------------------------------------
hs list-certs --ca "$D" > "$T/list"
for s in "$A" "$B" "$C"; do
	grep -q "^$s V " "$T/list" || { cat "$T/list"; fail "list-certs lacks $s as V"; }
done
grep -q "^$OLD E .*/CN=old.example.com/O=Test\$" "$T/list" || { cat "$T/list"; fail "expired entry not shown as E"; }
[ "$(hs list-certs --ca "$D" --status E | tail -n +2 | wc -l)" -eq 1 ] || fail "--status E"
hs list-certs --ca "$D" --json > "$T/json"
[ "$(grep -c '"serial":' "$T/json")" -eq 4 ] || { cat "$T/json"; fail "--json entries"; }
grep -q "\"serial\":\"$A\"" "$T/json" || fail "--json lacks $A"
cmp -s "$D/index.txt" "$T/index.orig" || fail "list-certs changed index.txt"
pass "list-certs shows openssl's entries"

# --- refused revocations change nothing --------------------------------------
SUM=$(tree_sum "$D")
expect_fail 1 hs revoke --ca "$D" --serial 0BADBAD0
grep -q "serial 0BADBAD0: not in .*index.txt" "$T/stderr" || fail "unknown serial message"
expect_fail 2 hs revoke --ca "$D" --serial "$A" --reason compromised
expect_fail 2 hs revoke --ca "$D" --serial "$A" --cert "$T/a.crt"
expect_fail 1 hs revoke --ca "$D" --serial "$A" --reason AACompromise
expect_fail 2 hs revoke --ca "$D" --serial "$A" --date "$(date -u -d '+2 days' +%Y%m%d%H%M%SZ)"
expect_fail 2 hs revoke --ca "$D" --serial "$A" --date 2026-01-01
expect_fail 1 hs revoke --ca "$T/nowhere" --serial "$A"
# a certificate from another CA that carries C's serial
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc \
	-keyout "$T/evil.key" -subj "/CN=evil" -days 1 -set_serial "0x$C" \
	-out "$T/evil.crt" 2>>"$T/openssl.log"
expect_fail 1 hs revoke --ca "$D" --cert "$T/evil.crt"
grep -q "not the certificate" "$T/stderr" || fail "foreign certificate message"
[ "$(tree_sum "$D")" = "$SUM" ] || fail "a refused revoke changed the CA directory"
pass "refused revocations leave the directory byte for byte"

# --- revoke by certificate and by serial -------------------------------------
hs revoke --ca "$D" --cert "$T/a.crt" --reason keycompromise 2>/dev/null
DAY=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)
hs revoke --ca "$D" --serial "$(echo "$B" | tr A-F a-f)" --date "$DAY" 2>/dev/null
SUM=$(tree_sum "$D")
expect_fail 1 hs revoke --ca "$D" --serial "$A" --reason superseded
grep -q "already revoked" "$T/stderr" || fail "already revoked message"
[ "$(tree_sum "$D")" = "$SUM" ] || fail "revoking twice changed the CA directory"
grep -q "^R	[0-9]*Z	[0-9]\{12\}Z,keyCompromise	$A	unknown	/CN=a.example.com/O=Test\$" \
	"$D/index.txt" || { cat "$D/index.txt"; fail "revoked line for $A"; }
grep -q "^R	[0-9]*Z	${DAY:2}	$B	" "$D/index.txt" || { cat "$D/index.txt"; fail "revoked line for $B"; }
# every other line is byte for byte what openssl wrote
diff <(grep -v -e "$A" -e "$B" "$T/index.orig") <(grep -v -e "$A" -e "$B" "$D/index.txt") \
	|| fail "other index lines changed"
hs list-certs --ca "$D" --status R > "$T/list"
grep -q "^$A R .* keyCompromise " "$T/list" || { cat "$T/list"; fail "list-certs R"; }
pass "revoke writes index.txt as openssl ca -revoke does"

# --- openssl keeps working in the same directory ------------------------------
ossl_ca -gencrl -out "$T/crl.pem"
openssl crl -in "$T/crl.pem" -noout -text > "$T/crl.txt"
grep -A4 "Serial Number: $A" "$T/crl.txt" | has "Key Compromise" || { cat "$T/crl.txt"; fail "CRL lacks $A/keyCompromise"; }
grep -q "Serial Number: $B" "$T/crl.txt" || fail "CRL lacks $B"
grep -q "Serial Number: $C" "$T/crl.txt" && fail "CRL lists $C"
openssl crl -in "$T/crl.pem" -noout -CAfile "$D/certs/ca.crt" -verify 2>&1 | has "verify OK" \
	|| fail "openssl crl -verify"
openssl verify -crl_check -CAfile "$D/certs/ca.crt" -CRLfile "$T/crl.pem" "$T/c.crt" >/dev/null \
	|| fail "c.crt should verify"
openssl verify -crl_check -CAfile "$D/certs/ca.crt" -CRLfile "$T/crl.pem" "$T/a.crt" \
	>"$T/verify.out" 2>&1 && fail "a.crt should be rejected"
grep -q "certificate revoked" "$T/verify.out" || { cat "$T/verify.out"; fail "a.crt reason"; }
ossl_ca -revoke "$T/c.crt" -crl_reason superseded
hs list-certs --ca "$D" | has "^$C R .* superseded " || fail "list-certs after openssl ca -revoke"
pass "openssl ca -gencrl/-revoke and openssl verify work after hsmca revoke"

# --- concurrent revocations lose nothing (the lock serialises rewrites) ------
P=()
for i in 1 2 3 4; do
	newkey p$i "/O=Test/CN=p$i.example.com"
	ossl_ca -extensions leaf -in "$T/p$i.csr" -out "$T/p$i.crt"
	P+=("$(serial_of "$T/p$i.crt")")
done
pids=()
for s in "${P[@]}"; do
	hs -q revoke --ca "$D" --serial "$s" --reason cessationOfOperation & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a parallel revoke failed"; done
for s in "${P[@]}"; do
	grep -q "^R	[0-9]*Z	[0-9]*Z,cessationOfOperation	$s	" "$D/index.txt" \
		|| { cat "$D/index.txt"; fail "parallel revoke of $s lost"; }
done
pass "four parallel revokes all recorded"

# --- a torn last line (a crash mid-append) is cut before a change -------------
printf 'V\t2701010000' >> "$D/index.txt"
hs list-certs --ca "$D" >/dev/null || fail "list-certs with a torn tail"
hs revoke --ca "$D" --serial "$OLD" 2>"$T/stderr" || { cat "$T/stderr"; fail "revoke with a torn tail"; }
grep -q "removed a torn last line (12 bytes)" "$T/stderr" || { cat "$T/stderr"; fail "torn tail warning"; }
[ "$(tail -c 1 "$D/index.txt" | od -An -c | tr -d ' ')" = '\n' ] || fail "index.txt not ending in newline"
ossl_ca -gencrl -out "$T/crl2.pem" || fail "openssl ca -gencrl after repair"
pass "torn tail repaired"

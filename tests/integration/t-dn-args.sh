#!/bin/bash
# Subject DNs are held to RFC 5280 (issue 10, item 4) and a malformed value
# in an argument is a usage error, exit status 2 (item 5), before anything
# is opened: the CA directory is left as it was.  ';' separates RDNs (RFC
# 1779); C= as the most specific part is warned about.
. "$(dirname "$0")/lib.sh"
export HSMCA_PROFILE_PATH=$SRCDIR/profiles
cd "$T"
make_root ca 'CN=DN Root,C=US'
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout /dev/null \
	-subj /CN=a.example -addext subjectAltName=DNS:a.example -out a.csr 2>/dev/null
long=$(printf 'a%.0s' $(seq 65))

before=$(tree_sum ca)
# usage: the same exit status as --days 0, for every command taking a DN
for subj in 'OO=x' 'CN=bob,C=USA' "CN=$long" 'CN=x,O' '/O=a;b/CN=x'; do
	expect_fail 2 h sign --yes --ca ca --profile server --csr a.csr --subject "$subj"
	has -- '--subject: ' "$T/stderr" || fail "sign $subj: $(cat "$T/stderr")"
	expect_fail 2 h req --key "$KEY" --subject "$subj" --out x.csr
	[ ! -e x.csr ] || fail "req $subj wrote a request"
	expect_fail 2 h selfsign --yes --replace --ca ca --subject "$subj"
done
expect_fail 2 h sign --yes --ca ca --profile server --csr a.csr --days 0
expect_fail 2 h sign --yes --ca ca --profile server --csr a.csr --subject 'CN=bob,C=USA'
has "countryName 'USA' must be exactly two letters" "$T/stderr" || fail "C=USA: $(cat "$T/stderr")"
expect_fail 2 h req --key "$KEY" --subject "CN=$long"
has 'commonName is 65 characters long, more than the 64 RFC 5280 allows' "$T/stderr" ||
	fail "long CN: $(cat "$T/stderr")"
expect_fail 2 h req --key not-a-uri --subject CN=x
expect_fail 2 h init ca2 --key not-a-uri
[ ! -e ca2 ] || fail "init with a bad --key made a directory"
expect_fail 2 h keygen --token not-a-uri --label x
expect_fail 2 h list-objects not-a-uri
[ "$(tree_sum ca)" = "$before" ] || fail "a usage error changed the CA directory"
pass "malformed --subject, --key, --token values are usage errors (2); CA unchanged"

# A request's own subject meets the same bounds (exit 1: not an argument)
# (openssl req enforces the bounds itself; certtool does not)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out c.key 2>/dev/null
printf 'cn = c.example\norganization = %s\ndns_name = c.example\n' "$long" > longo.tmpl
certtool --generate-request --load-privkey c.key --template longo.tmpl --outfile longo.csr 2>/dev/null
printf 'cn = c.example\ncountry = USA\ndns_name = c.example\n' > usa.tmpl
certtool --generate-request --load-privkey c.key --template usa.tmpl --outfile usa.csr 2>/dev/null
expect_fail 1 h sign --yes --ca ca --profile server --csr longo.csr
has 'longo.csr: subject: organizationName is 65 characters long' "$T/stderr" ||
	fail "CSR with a long O: $(cat "$T/stderr")"
expect_fail 1 h sign --yes --ca ca --profile server --csr usa.csr
has "usa.csr: subject: countryName 'USA' must be exactly two letters" "$T/stderr" ||
	fail "CSR with C=USA: $(cat "$T/stderr")"
[ "$(tree_sum ca)" = "$before" ] || fail "a refused CSR changed the CA directory"
pass "a CSR subject over RFC 5280's bounds is refused"

# ';' separates RDNs, as RFC 1779 says; '\;' keeps one in a value
h req --key "$KEY" --subject 'CN=foo;O=bar' --out semi.csr 2>/dev/null
openssl req -in semi.csr -noout -subject | has -x 'subject=O = bar, CN = foo' ||
	fail "CN=foo;O=bar: $(openssl req -in semi.csr -noout -subject)"
h req --key "$KEY" --subject 'CN=foo\;bar' --out semi2.csr 2>/dev/null
openssl req -in semi2.csr -noout -subject | has -x 'subject=CN = "foo;bar"' ||
	fail "CN=foo\\;bar: $(openssl req -in semi2.csr -noout -subject)"
pass "';' separates RDNs; '\\;' is kept in the value"

# C= typed first (openssl's print order) is warned about, not refused
h req --key "$KEY" --subject 'C=US,O=Example,CN=w.example' --out order.csr 2>"$T/stderr"
has '^hsmca: warning: subject: countryName (C=) is its most specific part' "$T/stderr" ||
	fail "req: no warning for C= first: $(cat "$T/stderr")"
h sign --yes --ca ca --profile server --csr a.csr --subject 'C=US,CN=w.example' \
	--out order.crt 2>"$T/stderr"
has '^hsmca: warning: subject: countryName (C=) is its most specific part' "$T/stderr" ||
	fail "sign: no warning for C= first: $(cat "$T/stderr")"
h req --key "$KEY" --subject 'CN=w.example,O=Example,C=US' --out right.csr 2>"$T/stderr"
! has warning "$T/stderr" || fail "warning for the right order: $(cat "$T/stderr")"
openssl verify -CAfile ca/certs/ca.crt order.crt >/dev/null || fail "openssl rejects order.crt"
pass "C= as the most specific part is warned about"

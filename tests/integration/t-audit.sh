#!/bin/bash
# The audit trail: one chained JSON line per use of the CA key and per
# revocation; `hsmca audit verify` finds a changed, removed or reordered
# line, an index entry without its record and a certificate file without
# one; an adopted OpenSSL directory starts with a record per entry.
. "$(dirname "$0")/lib.sh"
export HSMCA_PROFILE_PATH=$SRCDIR/profiles
cd "$T"
make_token ca
KEY=$(h keygen --token pkcs11:token=ca --label ca)
h -q init ca --key "$KEY"
h -q selfsign --yes --ca ca --subject 'CN=Audit CA'
for i in 1 2 3; do
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout "k$i" \
		-subj "/CN=h$i.example" -addext "subjectAltName=DNS:h$i.example" -out "c$i.csr" 2>/dev/null
done
h -q sign --yes --ca ca --profile server --csr c1.csr --csr c2.csr --csr c3.csr --out-dir out
S2=$(openssl x509 -in out/c2.crt -noout -serial | cut -d= -f2)
h -q revoke --ca ca --serial "$S2" --reason superseded
h -q gencrl --ca ca
h audit verify --ca ca > verify.out
grep -q 'OK: 6 records; 4 certificates, 1 revocations, 1 CRLs' verify.out || fail "audit verify: $(cat verify.out)"
[ "$(wc -l < ca/audit.log)" = 6 ] || fail "audit.log lines"
python3 - ca/audit.log <<'PY' || fail "audit.log is not a well-formed hash chain of JSON lines"
import hashlib, json, sys
prev = "0" * 64
for n, line in enumerate(open(sys.argv[1], "rb"), 1):
    rec = json.loads(line)
    assert rec["seq"] == n and rec["prev"] == prev, n
    for k in ("time", "op", "user"):
        assert k in rec, (n, k)
    if rec["op"] in ("sign", "selfsign", "gencrl"):
        assert rec["key"].startswith("pkcs11:") and rec["token_serial"], n
    if rec["op"] == "sign":
        assert len(rec["csr_sha256"]) == 64 and len(rec["cert_sha256"]) == 64
    prev = hashlib.sha256(line.rstrip(b"\n")).hexdigest()
PY
pass "audit log: 6 chained records, verify OK"

# Tampering is found and named.
cp ca/audit.log good.log
sed -i '3s/h2.example/h9.example/' ca/audit.log
expect_fail 1 h audit verify --ca ca
grep -q 'audit.log:4: the hash chain breaks' "$T/stderr" || fail "changed line: $(cat "$T/stderr")"
cp good.log ca/audit.log; sed -i '2d' ca/audit.log
expect_fail 1 h audit verify --ca ca
grep -q 'audit.log:2' "$T/stderr" || fail "removed line: $(cat "$T/stderr")"
cp good.log ca/audit.log; head -c -1 good.log > ca/audit.log
expect_fail 1 h audit verify --ca ca
cp good.log ca/audit.log
cp ca/index.txt index.good
printf 'V\t301231235959Z\t\t0123456789ABCDEF\tunknown\t/CN=forged\n' >> ca/index.txt
expect_fail 1 h audit verify --ca ca
grep -q 'index.txt:5: serial 0123456789ABCDEF has no audit record' "$T/stderr" || fail "forged index line: $(cat "$T/stderr")"
cp index.good ca/index.txt
cp out/c1.crt ca/newcerts/0A0A0A.pem
expect_fail 1 h audit verify --ca ca
grep -q 'newcerts/0A0A0A.pem: no audit record' "$T/stderr" || fail "stray newcerts file: $(cat "$T/stderr")"
rm ca/newcerts/0A0A0A.pem
h audit verify --ca ca >/dev/null
pass "a changed, removed or torn line, a forged index entry and a stray certificate are found"

# An OpenSSL CA directory adopted by init: its entries are recorded.
mkdir -p ossl/newcerts && touch ossl/index.txt && echo 'unique_subject = no' > ossl/index.txt.attr
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -noenc -keyout ossl/ca.key \
	-subj /CN=OpenSSL-CA -days 30 -out ossl/ca.crt 2>/dev/null
cat > ossl/ca.cnf <<CNF
[ca]
default_ca = d
[d]
dir = $T/ossl
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
private_key = \$dir/ca.key
certificate = \$dir/ca.crt
default_md = sha256
default_days = 10
policy = p
[p]
commonName = supplied
CNF
echo 01 > ossl/serial
for i in 1 2; do
	openssl ca -batch -config ossl/ca.cnf -in "c$i.csr" -out "ossl$i.crt" >/dev/null 2>&1 || fail "openssl ca"
done
openssl ca -config ossl/ca.cnf -revoke ossl1.crt -crl_reason keyCompromise >/dev/null 2>&1
KEY2=$(h keygen --token pkcs11:token=ca --label adopted)
h -q init ossl --key "$KEY2"
[ "$(wc -l < ossl/audit.log)" = 3 ] || fail "adoption records: $(wc -l < ossl/audit.log)"
h audit verify --ca ossl | has 'OK: 3 records; 2 certificates, 1 revocations' || fail "adopted verify"
pass "adopted OpenSSL directory: 2 entries and a revocation recorded"

#!/bin/bash
# Hostile input to sign: each gives exit 1 or 2 and one "hsmca:" line, and
# leaves the CA directory byte for byte as it was; a batch with one bad
# request issues the others; parallel signers lose nothing.
. "$(dirname "$0")/lib.sh"
export HSMCA_PROFILE_PATH=$SRCDIR/profiles
cd "$T"
make_token ca
KEY=$(h keygen --token pkcs11:token=ca --label sub)
h init ca --key "$KEY" 2>/dev/null
h selfsign --yes --ca ca --profile root-ca --subject 'CN=Test CA' 2>/dev/null

mkcsr() {  # name subj [extra openssl args]
	local n=$1 s=$2; shift 2
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout "$n.key" \
		-subj "$s" -out "$n.csr" "$@" 2>/dev/null
}
mkcsr good /CN=good.example -addext subjectAltName=DNS:good.example
mkcsr good2 /CN=good2.example -addext subjectAltName=DNS:good2.example
mkcsr nosan /CN=nosan.example
mkcsr wantca /CN=evil.example -addext subjectAltName=DNS:evil.example \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
: > empty.csr
head -c 200 good.csr > truncated.csr
head -c 3000 /dev/urandom > garbage.csr
head -c 70000 /dev/urandom | base64 > huge.csr
# a bad signature: flip a byte inside the signature of the DER request
openssl req -in good.csr -outform DER -out bad.der
python3 - <<'PY'
d = bytearray(open("bad.der", "rb").read()); d[-5] ^= 0x55; open("badsig.csr", "wb").write(d)
PY
cp ca/certs/ca.crt cert-as-csr.csr
printf '[profile]\ndays = 30\n[extensions]\nbasicConstraints = critical, CA:false\nkeyUsag = digitalSignature\n' > broken.profile

before=$(tree_sum ca)
for bad in empty truncated garbage huge badsig cert-as-csr; do
	expect_fail 1 h sign --yes --ca ca --profile server --csr "$bad.csr" --out out.crt
	[ "$(tree_sum ca)" = "$before" ] || fail "$bad.csr changed the CA directory"
	[ ! -e out.crt ] || fail "$bad.csr produced a certificate"
	pass "refused $bad.csr: $(head -1 "$T/stderr")"
done
expect_fail 1 h sign --yes --ca ca --profile server --csr nosan.csr
grep -q 'SAN\|subjectAltName' "$T/stderr" || fail "server without SAN: $(cat "$T/stderr")"
expect_fail 1 h sign --yes --ca ca --profile ./broken.profile --csr good.csr
grep -q 'broken.profile:5' "$T/stderr" || fail "broken profile not named with its line: $(cat "$T/stderr")"
expect_fail 2 h sign --yes --ca ca --profile server --csr good.csr --days 0
expect_fail 2 h sign --yes --ca ca --profile server --csr good.csr --days abc
expect_fail 2 h sign --yes --ca ca --profile server --csr good.csr --san bogus:x
expect_fail 1 h sign --ca ca --profile server --csr good.csr </dev/null
grep -q -- '--yes' "$T/stderr" || fail "off a terminal without --yes must say so"
[ "$(tree_sum ca)" = "$before" ] || fail "refused commands changed the CA directory"
pass "bad profile, --days, --san, missing --yes refused; directory unchanged"

# A CSR asking for CA:TRUE gets the profile's extensions only.
h sign --yes --ca ca --profile server --csr wantca.csr --out wantca.crt 2>/dev/null
openssl x509 -in wantca.crt -noout -text | has 'CA:TRUE' && fail "CSR obtained CA:TRUE"
openssl x509 -in wantca.crt -noout -text | has 'Certificate Sign' && fail "CSR obtained keyCertSign"
pass "CA:TRUE request gets a leaf"

# A batch: one bad request, the others are issued and kept.
before_lines=$(wc -l < ca/index.txt)
rc=0
h sign --yes --ca ca --profile server --csr good.csr --csr garbage.csr --csr good2.csr --out-dir outdir 2>batch.err || rc=$?
[ "$rc" = 1 ] || fail "batch with a bad request must exit 1"
[ -s outdir/good.crt ] && [ -s outdir/good2.crt ] && [ ! -e outdir/garbage.crt ] || fail "batch outputs: $(ls outdir)"
[ "$(wc -l < ca/index.txt)" = $((before_lines + 2)) ] || fail "batch index lines"
grep -q garbage.csr batch.err || fail "batch failure not reported"
openssl verify -CAfile ca/certs/ca.crt outdir/good.crt outdir/good2.crt >/dev/null || fail "batch certificates"
pass "batch keeps the good certificates"

# Parallel signers on one CA directory: nothing lost, no serial twice.
for i in $(seq 1 12); do mkcsr "p$i" "/CN=p$i.example" -addext "subjectAltName=DNS:p$i.example"; done
before_lines=$(wc -l < ca/index.txt)
pids=()
for w in 1 2 3; do
	( for i in $(seq "$w" 3 12); do h sign --yes --ca ca --profile server --csr "p$i.csr" --out "p$i.crt" 2>>"par$w.err" || echo "p$i" >> par-failed.txt; done ) &
	pids+=($!)
done
wait "${pids[@]}"
[ ! -s par-failed.txt ] || { cat par*.err >&2; fail "parallel signing failed: $(cat par-failed.txt)"; }
[ "$(wc -l < ca/index.txt)" = $((before_lines + 12)) ] || fail "parallel: index has $(wc -l < ca/index.txt) lines"
[ "$(cut -f4 ca/index.txt | sort -u | wc -l)" = "$(wc -l < ca/index.txt)" ] || fail "parallel: a serial repeats"
for i in $(seq 1 12); do
	s=$(openssl x509 -in "p$i.crt" -noout -serial | cut -d= -f2)
	grep -q "	$s	" ca/index.txt || fail "p$i.crt serial $s not in index.txt"
done
pass "3 parallel signers, 12 certificates, no loss, no repeated serial"

# A big batch signs in two sessions at once: every certificate is right.
args=()
for i in $(seq 1 24); do
	mkcsr "big$i" "/CN=big$i.example" -addext "subjectAltName=DNS:big$i.example"
	args+=(--csr "big$i.csr")
done
before_lines=$(wc -l < ca/index.txt)
h -q sign --yes --ca ca --profile server "${args[@]}" --out-dir big
[ "$(ls big | wc -l)" = 24 ] || fail "big batch: $(ls big | wc -l) certificates"
[ "$(wc -l < ca/index.txt)" = $((before_lines + 24)) ] || fail "big batch: index lines"
for i in $(seq 1 24); do
	openssl verify -CAfile ca/certs/ca.crt "big/big$i.crt" >/dev/null || fail "big$i.crt does not verify"
	[ "$(openssl x509 -in "big/big$i.crt" -noout -subject)" = "subject=CN = big$i.example" ] || fail "big$i.crt has the wrong subject"
	openssl x509 -in "big/big$i.crt" -noout -pubkey | cmp -s - <(openssl req -in "big$i.csr" -noout -pubkey) \
		|| fail "big$i.crt does not carry big$i.csr's key"
done
[ "$(cut -f4 ca/index.txt | sort -u | wc -l)" = "$(wc -l < ca/index.txt)" ] || fail "big batch: a serial repeats"
h audit verify --ca ca >/dev/null || fail "big batch: audit verify"
pass "a batch of 24 (two signing sessions): every certificate verifies and carries its request's key and subject"

# Requests of a big batch are read and built on two workers: bad ones on
# either worker are reported, in the order given, and the rest issued.
args=()
for i in $(seq 1 10); do
	mkcsr "mix$i" "/CN=mix$i.example" -addext "subjectAltName=DNS:mix$i.example"
	args+=(--csr "mix$i.csr")
	case $i in 3) args+=(--csr garbage.csr) ;; 6) args+=(--csr wantca.csr --csr no-such.csr) ;; esac
done
before_lines=$(wc -l < ca/index.txt)
rc=0
h -q sign --yes --ca ca --profile server "${args[@]}" --out-dir mix 2>mix.err || rc=$?
[ "$rc" = 1 ] || fail "mixed batch must exit 1 (got $rc)"
[ "$(ls mix | wc -l)" = 11 ] || fail "mixed batch: $(ls mix) (10 good requests and wantca)"
[ "$(wc -l < ca/index.txt)" = $((before_lines + 11)) ] || fail "mixed batch: index lines"
[ "$(grep -o -e 'garbage.csr' -e 'no-such.csr' mix.err | tr '\n' ' ')" = "garbage.csr no-such.csr " ] ||
	fail "mixed batch: errors not reported in order: $(cat mix.err)"
for i in $(seq 1 10); do
	openssl verify -CAfile ca/certs/ca.crt "mix/mix$i.crt" >/dev/null || fail "mix$i.crt does not verify"
	[ "$(openssl x509 -in "mix/mix$i.crt" -noout -subject)" = "subject=CN = mix$i.example" ] || fail "mix$i.crt has the wrong subject"
done
h audit verify --ca ca >/dev/null || fail "mixed batch: audit verify"
pass "a batch of 13 with 2 bad requests on both workers: the 11 others issued, errors in order"

#!/bin/bash
# Faults: a kill -9 between every two write steps, and after random delays;
# a disk that fills; a token that goes away; read-only files; four writers
# at once.  After each: audit verify passes, every certificate file is in
# index.txt, no serial repeats, and the next command works.
. "$(dirname "$0")/lib.sh"
export HSMCA_PROFILE_PATH=$SRCDIR/profiles
HT=${HSMCA_TESTABLE:?}
ht() { HSMCA_PIN=$PIN "$HT" --module "$SOFTHSM_MODULE" "$@"; }
cd "$T"
make_token ca
KEY=$(h keygen --token pkcs11:token=ca --label ca)
h -q init ca --key "$KEY"
h -q selfsign --yes --ca ca --subject 'CN=Fault CA'
n=0
csr() {  # a fresh request; prints its path
	n=$((n + 1))
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout /dev/null \
		-subj "/CN=f$n.example" -addext "subjectAltName=DNS:f$n.example" -out "f$n.csr" 2>/dev/null
	echo "f$n.csr"
}
consistent() {  # what must hold after any fault
	h audit verify --ca ca >/dev/null 2>"$T/verify.err" || { cat "$T/verify.err" >&2; fail "audit verify after $1"; }
	for f in ca/newcerts/*.pem; do
		s=$(basename "$f" .pem)
		grep -q "	$s	" ca/index.txt || fail "$f not in index.txt after $1"
	done
	[ "$(cut -f4 ca/index.txt | sort | uniq -d | wc -l)" = 0 ] || fail "a serial repeats after $1"
}
for point in before-audit after-audit after-index after-newcert after-serial after-output; do
	rc=0
	HSMCA_TEST_KILL_AT=$point ht -q sign --yes --ca ca --profile server --csr "$(csr)" --out k.crt || rc=$?
	[ "$rc" = 137 ] || fail "not killed at $point (exit $rc)"
	consistent "kill at $point"
	h -q sign --yes --ca ca --profile server --csr "$(csr)" --out next.crt 2>/dev/null || fail "sign after kill at $point"
	consistent "the sign after a kill at $point"
done
pass "kill -9 at each of 6 points between write steps: consistent, next sign works"
h audit verify --ca ca > verify.out
grep -q ' 1 abandoned operations' verify.out || fail "the kill after the audit record must leave one abandoned operation: $(cat verify.out)"
[ "$(ls ca/newcerts | wc -l)" = "$(wc -l < ca/index.txt)" ] || fail "the kill after the index line: newcerts/ not restored"
pass "recovery: one record abandoned, one certificate restored from the audit log"

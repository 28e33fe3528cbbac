#!/bin/bash
# Secrets and process hygiene (issue 6): a distinctive PIN given by every
# source (HSMCA_PIN, --pin-file, pin-value in a URI) appears in nothing a
# whole workflow writes; core dumps are off while it runs; the CA
# directory is private.
. "$(dirname "$0")/lib.sh"
export HSMCA_PROFILE_PATH=$SRCDIR/profiles
cd "$T"
PIN='Pin-7Qz!x9Kw'
make_token ca "$PIN"
mkdir out
run() { "$HSMCA" --module "$SOFTHSM_MODULE" "$@" >>out/stdout 2>>out/stderr; }
printf '%s\n' "$PIN" > pinfile
KEY=$(HSMCA_PIN=$PIN "$HSMCA" --module "$SOFTHSM_MODULE" keygen --token pkcs11:token=ca --label ca 2>>out/stderr)
HSMCA_PIN=$PIN run -v init ca --key "$KEY"
run -v --pin-file pinfile selfsign --yes --ca ca --subject 'CN=Hygiene CA'
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout /dev/null \
	-subj /CN=h.example -addext subjectAltName=DNS:h.example -out h.csr 2>/dev/null
run -v sign --yes --ca ca --profile server --csr "h.csr" --out out/h.crt \
	--pin-file pinfile
# pin-value in the URI: hsmca.conf names the key without it, so use req
run -v req --key "$KEY;pin-value=$PIN" --subject CN=req.example --out out/req.csr
HSMCA_PIN=$PIN run -v list-objects --login pkcs11:token=ca
HSMCA_PIN=$PIN run -v gencrl --ca ca
HSMCA_PIN=wrong-pin run -v sign --yes --ca ca --profile server --csr h.csr --out out/x.crt || true
[ -s out/h.crt ] && [ -s out/req.csr ] || fail "the workflow did not run: $(cat out/stderr)"
found=$(grep -rlF --exclude-dir=tokens --exclude=pinfile -e "$PIN" . || true)
[ -z "$found" ] || fail "the PIN appears in: $found"
# the search itself works: it finds the PIN file when not told to skip it
grep -rlF --exclude-dir=tokens -e "$PIN" . | grep -q pinfile || fail "the PIN search is broken"
pass "the PIN appears in no output, log, audit record or CA file"

# Core dumps are off and the process is not dumpable while the PIN is held.
if [ -n "${HSMCA_TESTABLE:-}" ]; then
	(HSMCA_TEST_STOP_AT=after-login HSMCA_PIN=$PIN exec "$HSMCA_TESTABLE" --module "$SOFTHSM_MODULE" -q sign --yes \
		--ca ca --profile server --csr h.csr --out out/y.crt) &
	pid=$!
	for _ in $(seq 1 100); do grep -q '^State:.*T (stopped)' "/proc/$pid/status" 2>/dev/null && break; sleep 0.05; done
	limits=$(cat "/proc/$pid/limits")
	kill -CONT "$pid"; wait "$pid" || fail "the stopped sign did not finish"
	grep -q '^Max core file size *0 *0' <<<"$limits" || fail "core dumps are on"
	pass "core dumps off while the PIN is in memory"
else
	echo "skip: core dump check (no hsmca-testable)"
fi

# The CA directory is private.
[ -z "$(find ca -type d -perm /077)" ] || fail "a CA directory folder is open to others: $(find ca -type d -perm /077)"
[ -z "$(find ca -type f -perm /077 ! -path 'ca/newcerts/*' ! -path 'ca/certs/*' ! -path 'ca/crl/*')" ] \
	|| fail "a CA file is open to others: $(find ca -type f -perm /077)"
pass "the CA directory is private (0700 folders, 0600 records)"

#!/bin/bash
# The SmartCard-HSM across an OpenSC upgrade (issue 9, points 1 and 4), on
# the emulated card: Debian 12's OpenSC 0.23 names the token "SmartCard-HSM
# (UserPIN)" and misreports a new key's CKA_SENSITIVE until the module is
# loaded again; OpenSC 0.24 and later name it "SmartCard-HSM" and report the
# key right away.  A CA made with 0.23 keeps working with the newer module
# (the key is found by the CA certificate's public key, and the new URI is
# offered), and keygen reloads the module only where the module needs it
# (counted with pkcs11-spy).
#
# Needs HSMCA_SCHSM_EMULATOR (see tokens.sh) and HSMCA_OPENSC_NEW, the
# opensc-pkcs11.so of a newer OpenSC (scripts/build-opensc; .ci/run builds
# 0.27.1 from ../shared/tokens/ and sets it); skipped without them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tokens.sh"
[ -n "${HSMCA_OPENSC_NEW:-}" ] ||
	skip "HSMCA_OPENSC_NEW is not set (a newer OpenSC's opensc-pkcs11.so: scripts/build-opensc; .ci/run sets it)"
[ -r "$HSMCA_OPENSC_NEW" ] || fail "HSMCA_OPENSC_NEW=$HSMCA_OPENSC_NEW: no such module"
[ -r "$SPY_MODULE" ] || skip "no pkcs11-spy"
schsm_start
cd "$T"
export HSMCA_PROFILE_PATH=$SRCDIR/profiles
OLD=$SCHSM_MODULE NEW=$HSMCA_OPENSC_NEW
lsan_allow leak:pkcs11-spy.so
spy() {  # MODULE LOG ARGS...: hsmca through pkcs11-spy on MODULE
	local m=$1 log=$2; shift 2
	PKCS11SPY=$m PKCS11SPY_OUTPUT=$log HSMCA_PIN=$SCHSM_USER_PIN "$HSMCA" --module "$SPY_MODULE" "$@"
}
inits() { grep -c '^[0-9]*: C_Initialize$' "$1"; }

# the two modules name the one card differently
old_label=$(HSMCA_PIN=$SCHSM_USER_PIN "$HSMCA" --module "$OLD" list-tokens --json |
	python3 -c 'import json,sys; print([t["label"] for t in json.load(sys.stdin)["tokens"] if t["label"].startswith("SmartCard-HSM")][0])')
new_label=$(HSMCA_PIN=$SCHSM_USER_PIN "$HSMCA" --module "$NEW" list-tokens --json |
	python3 -c 'import json,sys; print([t["label"] for t in json.load(sys.stdin)["tokens"] if t["label"].startswith("SmartCard-HSM")][0])')
[ "$old_label" = "SmartCard-HSM (UserPIN)" ] || fail "OpenSC 0.23 names the token '$old_label'"
[ "$new_label" = "SmartCard-HSM" ] || fail "the newer OpenSC names the token '$new_label'"
pass "OpenSC 0.23 names the card '$old_label', the newer one '$new_label'"

# keygen with 0.23: the key is read a second time through a reloaded module
ROOT=$(spy "$OLD" "$T/old.log" keygen --token 'pkcs11:token=SmartCard-HSM%20%28UserPIN%29' --label root)
[ "$(inits "$T/old.log")" = 2 ] || fail "keygen with OpenSC 0.23 initialised the module $(inits "$T/old.log") times, not 2"
# with the newer module it is reported right the first time: no reload
spy "$NEW" "$T/new.log" keygen --token 'pkcs11:token=SmartCard-HSM' --label k-new --type ec:secp256r1 >/dev/null
[ "$(inits "$T/new.log")" = 1 ] || fail "keygen with the newer OpenSC initialised the module $(inits "$T/new.log") times, not 1"
# each module with its own pkcs11-tool (Debian's 0.23 tool crashes on the
# newer module)
new_tool=$(dirname "$NEW")/../bin/pkcs11-tool
[ -x "$new_tool" ] || skip "no pkcs11-tool beside $NEW"
for m in "$OLD" "$NEW"; do
	tool=pkcs11-tool
	[ "$m" = "$NEW" ] && tool=$new_tool
	"$tool" --module "$m" --login --pin "$SCHSM_USER_PIN" --list-objects 2>/dev/null |
		awk '/^Private Key Object/ {p = 1} p && /label:/ {l = $2} p && /Access:/ {print l ": " $0; p = 0}' > "$T/access"
	for k in root k-new; do
		grep -q "^$k: .*sensitive, always sensitive, never extractable, local" "$T/access" ||
			{ cat "$T/access" >&2; fail "$k is not sensitive/never extractable as $m reports it"; }
	done
done
pass "keygen: a second look with OpenSC 0.23 only; both keys sensitive and never extractable to both modules"

# a CA made with 0.23 ...
HSMCA_PIN=$SCHSM_USER_PIN "$HSMCA" --module "$OLD" init root --key "$ROOT" 2>/dev/null
HSMCA_PIN=$SCHSM_USER_PIN "$HSMCA" selfsign --yes --ca root --subject 'CN=Card Root,O=Example,C=US' 2>/dev/null
grep -q 'token=SmartCard-HSM%20%28UserPIN%29' root/hsmca.conf || fail "the stored URI does not name the 0.23 token"
# ... after the upgrade: found by its certificate's public key, new URI offered
HSMCA_PIN=$SCHSM_USER_PIN "$HSMCA" --module "$NEW" gencrl --ca root --out root.crl 2>"$T/stderr" ||
	{ cat "$T/stderr"; fail "gencrl with the newer OpenSC"; }
has -F "the CA certificate's key was found on token 'SmartCard-HSM' instead: set key = " "$T/stderr" ||
	fail "no rename warning: $(cat "$T/stderr")"
has -F ";token=SmartCard-HSM;id=" "$T/stderr" || fail "the new URI is not offered: $(cat "$T/stderr")"
openssl crl -in root.crl -noout -CAfile root/certs/ca.crt 2>&1 | has 'verify OK' || fail "openssl rejects the CRL"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout srv.key \
	-subj /CN=www.example.com -addext subjectAltName=DNS:www.example.com -out srv.csr 2>/dev/null
HSMCA_PIN=$SCHSM_USER_PIN "$HSMCA" --module "$NEW" sign --yes --ca root --profile server \
	--csr srv.csr --out srv.crt 2>/dev/null
openssl verify -CAfile root/certs/ca.crt srv.crt >/dev/null || fail "openssl rejects the certificate"
certtool --verify-chain --infile <(cat srv.crt root/certs/ca.crt) 2>&1 | has 'Verified' ||
	fail "certtool rejects the chain"
pass "a CA made with OpenSC 0.23 signs with the newer OpenSC, and says which URI to store"

#!/bin/bash
# A CA directory remembers its token's module (issue 9, points 3 and 4):
# init records the module that holds the key (its p11-kit name where it is
# registered, else its path), later commands load that module only, without
# --module; --module overrides it and HSMCA_MODULE is the default for
# commands without a CA directory.  A CA directory whose stored URI names a
# token that is no longer there (renamed) finds its key by the CA
# certificate's public key and CKA_ID, and says so; anything else fails
# closed.
. "$(dirname "$0")/lib.sh"
export HSMCA_PROFILE_PATH=$SRCDIR/profiles
cd "$T"
make_token ca
make_token other
export HSMCA_PIN=$PIN
unset HSMCA_MODULE
run() { "$HSMCA" "$@"; }

# keygen without --module: HSMCA_MODULE names the module
ROOT=$(HSMCA_MODULE=$SOFTHSM_MODULE run keygen --token pkcs11:token=ca --label root)
expect_fail 1 env HSMCA_MODULE=$T/no-such-module.so "$HSMCA" keygen --token pkcs11:token=ca --label x
has -F "$T/no-such-module.so" "$T/stderr" || fail "HSMCA_MODULE's module is not named: $(cat "$T/stderr")"
# --module beats HSMCA_MODULE
run --module "$SOFTHSM_MODULE" list-objects pkcs11:token=ca >/dev/null 2>&1 ||
	fail "--module does not override HSMCA_MODULE"
pass "HSMCA_MODULE for commands without a CA directory"

# a URI that matches two tokens: the hint names what tells them apart
expect_fail 1 run --module "$SOFTHSM_MODULE" keygen --token 'pkcs11:model=SoftHSM%20v2' --label x
has -E "name one with token= \\('(ca|other)' or '(ca|other)'\\)" "$T/stderr" || fail "ambiguity hint: $(cat "$T/stderr")"
pass "two matching tokens: the hint names the attribute that differs"

# a module named by its p11-kit registration, or refused with the name
softhsm_name=
for f in /usr/share/p11-kit/modules/*.module /etc/pkcs11/modules/*.module; do
	[ -r "$f" ] || continue
	m=$(sed -n 's/^module:[[:space:]]*//p' "$f")
	case $m in /*) ;; *) m=/usr/lib/x86_64-linux-gnu/pkcs11/$m ;; esac
	[ "$(realpath "$m" 2>/dev/null)" = "$(realpath "$SOFTHSM_MODULE")" ] &&
		softhsm_name=$(basename "$f" .module)
done
if [ -n "$softhsm_name" ]; then
	run --module "$softhsm_name" list-objects pkcs11:token=ca | has -F 'object=root' ||
		fail "--module $softhsm_name does not load SoftHSM2"
	pass "--module by p11-kit name ($softhsm_name)"
fi
expect_fail 1 run --module no-such-module list-tokens
has -F "'no-such-module': not registered with p11-kit" "$T/stderr" || fail "unregistered name: $(cat "$T/stderr")"
pass "an unregistered module name is refused"

# init records the module; every later command loads it without --module
run --module "$SOFTHSM_MODULE" init root --key "$ROOT" 2>/dev/null
want=${softhsm_name:-$SOFTHSM_MODULE}
grep -qx "module = $want" root/hsmca.conf || fail "hsmca.conf: $(cat root/hsmca.conf)"
run selfsign --yes --ca root --subject 'CN=Module Root,O=Example,C=US' 2>/dev/null
openssl verify -CAfile root/certs/ca.crt root/certs/ca.crt >/dev/null || fail "openssl rejects the root"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout srv.key \
	-subj /CN=www.example.com -addext subjectAltName=DNS:www.example.com -out srv.csr 2>/dev/null
run sign --yes --ca root --profile server --csr srv.csr --out srv.crt 2>/dev/null
openssl verify -CAfile root/certs/ca.crt srv.crt >/dev/null || fail "openssl rejects the server certificate"
serial=$(openssl x509 -in srv.crt -noout -serial | cut -d= -f2)
run revoke --ca root --serial "$serial" --reason keyCompromise 2>/dev/null
run gencrl --ca root --out root.crl 2>/dev/null
openssl crl -in root.crl -noout -CAfile root/certs/ca.crt 2>&1 | has 'verify OK' || fail "openssl rejects the CRL"
openssl crl -in root.crl -noout -text | has -i "serial number: *$serial" || fail "the CRL does not list $serial"
pass "init records '$want'; selfsign, sign, revoke and gencrl need no --module"

# the recorded module is the one loaded: a CA directory made through
# pkcs11-spy logs its calls there, with no --module
if [ -r "$SPY_MODULE" ]; then
	SPY=$(run --module "$SOFTHSM_MODULE" keygen --token pkcs11:token=ca --label spied)
	{ cat "$SRCDIR/tests/lsan.supp" 2>/dev/null; echo 'leak:pkcs11-spy.so'; } > "$T/lsan.supp"
	saved_lsan=${LSAN_OPTIONS-}
	export LSAN_OPTIONS="suppressions=$T/lsan.supp:print_suppressions=0"
	PKCS11SPY=$SOFTHSM_MODULE PKCS11SPY_OUTPUT=$T/spy.log run --module "$SPY_MODULE" init spied --key "$SPY" 2>/dev/null
	grep -qx "module = $SPY_MODULE" spied/hsmca.conf || fail "spied/hsmca.conf: $(cat spied/hsmca.conf)"
	rm -f "$T/spy.log"
	PKCS11SPY=$SOFTHSM_MODULE PKCS11SPY_OUTPUT=$T/spy.log run selfsign --yes --ca spied --subject CN=Spied 2>/dev/null
	has -c 'C_Sign' "$T/spy.log" || fail "the recorded module was not the one that signed"
	# --module overrides the recorded module
	rm -f "$T/spy.log"
	run --module "$SOFTHSM_MODULE" gencrl --ca spied --out spied.crl 2>/dev/null
	[ ! -s "$T/spy.log" ] || fail "--module did not override hsmca.conf's module"
	openssl crl -in spied.crl -noout -CAfile spied/certs/ca.crt 2>&1 | has 'verify OK' || fail "spied CRL"
	export LSAN_OPTIONS=$saved_lsan
	pass "only the recorded module is loaded; --module overrides it"
fi

# a recorded module that is gone: a clear error, nothing changed
cp -a root broken
sed -i "s|^module = .*|module = $T/gone.so|" broken/hsmca.conf
before=$(tree_sum broken)
expect_fail 1 run gencrl --ca broken --out broken.crl
has -F "$T/gone.so" "$T/stderr" || fail "the missing module is not named: $(cat "$T/stderr")"
[ "$(tree_sum broken)" = "$before" ] || fail "a failed gencrl changed the CA directory"
[ ! -e broken.crl ] || fail "a failed gencrl wrote its output"
pass "a missing recorded module fails closed"

# the token was renamed: the key is found by the certificate's public key
cp -a root moved
sed -i 's/;token=ca;/;token=ca-renamed;/' moved/hsmca.conf
grep -q 'token=ca-renamed' moved/hsmca.conf || fail "test setup: no token= in the key URI"
run gencrl --ca moved --out moved.crl 2>"$T/stderr" || { cat "$T/stderr"; fail "gencrl after a rename"; }
has -F "is not there; the CA certificate's key was found on token 'ca' instead: set key = " "$T/stderr" ||
	fail "no rename warning: $(cat "$T/stderr")"
has -F "token=ca;id=" "$T/stderr" || fail "the warning offers no new URI"
openssl crl -in moved.crl -noout -CAfile root/certs/ca.crt 2>&1 | has 'verify OK' || fail "the CRL after a rename"
pass "a renamed token: key found by the certificate's public key, new URI offered"

# ... but only the key with that id and that public key
cp -a moved moved-id
sed -i 's/;id=%\(..\)/;id=%00/' moved-id/hsmca.conf
before=$(tree_sum moved-id)
expect_fail 1 run gencrl --ca moved-id --out x.crl
has 'no token holds a public key object' "$T/stderr" || fail "wrong id: $(cat "$T/stderr")"
[ "$(tree_sum moved-id)" = "$before" ] || fail "a refused gencrl changed the CA directory"
# a certificate of another key: never signs with the key it finds
OTHER=$(run --module "$SOFTHSM_MODULE" keygen --token pkcs11:token=other --label other)
run --module "$SOFTHSM_MODULE" init otherca --key "$OTHER" 2>/dev/null
run selfsign --yes --ca otherca --subject CN=Other 2>/dev/null
cp -a moved moved-cert
cp otherca/certs/ca.crt moved-cert/certs/ca.crt
before=$(tree_sum moved-cert)
expect_fail 1 run gencrl --ca moved-cert --out y.crl
[ "$(tree_sum moved-cert)" = "$before" ] || fail "a refused gencrl changed the CA directory"
[ ! -e y.crl ] || fail "a refused gencrl wrote its output"
pass "a renamed token with another id or another certificate: refused, nothing changed"

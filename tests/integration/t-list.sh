#!/bin/bash
# list-tokens and list-objects against SoftHSM2, cross-checked with p11tool:
# same objects and URIs (with and without --login, one token or all), every
# URI opens again in p11tool and hsmca, JSON parses, odd labels survive,
# duplicates are flagged, the trust module is left out unless asked.
. "$(dirname "$0")/lib.sh"

make_token ca
make_token 'we"ird\lab€l'
export GNUTLS_PIN=$PIN
CA='pkcs11:token=ca'
h keygen --token "$CA" --label root >/dev/null
h keygen --token "$CA" --label sub --type ed25519 >/dev/null
h keygen --token 'pkcs11:token=we%22ird%5Clab%E2%82%ACl' --label k >/dev/null
# a certificate object, and two keys the seed's way (same label, no id)
certtool --generate-privkey --key-type ecdsa --outfile "$T/c.key" 2>/dev/null
printf 'cn = c\nexpiration_days = 2\n' > "$T/c.tmpl"
certtool --generate-self-signed --load-privkey "$T/c.key" --template "$T/c.tmpl" \
	--outfile "$T/c.pem" 2>/dev/null
p11tool --provider "$SOFTHSM_MODULE" --login --write --load-certificate "$T/c.pem" \
	--label cert "$CA" >/dev/null 2>&1 || fail "p11tool --write"
for i in 1 2; do
	pkcs11-tool --module "$SOFTHSM_MODULE" --token-label ca --login --pin "$PIN" --keypairgen \
		--key-type EC:prime256v1 --label dup >/dev/null 2>&1 || fail "pkcs11-tool"
done

# URL lines as p11tool and hsmca print them
p11urls() { p11tool --provider "$SOFTHSM_MODULE" --list-all "$@" 2>/dev/null | sed -n 's/^[[:space:]]*URL: //p' | sort; }
hurls() { h list-objects --json "$@" | python3 -c 'import json, sys
for o in json.load(sys.stdin)["objects"]: print(o["uri"])' | sort; }

for login in "" --login; do
	for uri in "$CA" "pkcs11:"; do
		p11urls $login "$uri" > "$T/p"
		hurls $login "$uri" > "$T/h"
		[ -s "$T/p" ] || fail "p11tool listed nothing for $uri $login"
		diff "$T/p" "$T/h" || fail "objects differ from p11tool for '$uri' $login"
	done
	p11urls $login "pkcs11:" > "$T/p"
	hurls $login > "$T/h"
	diff "$T/p" "$T/h" || fail "objects without URI differ from p11tool $login"
	pass "list-objects $login: same URIs as p11tool --list-all $login"
done
[ "$(wc -l < "$T/h")" -eq 11 ] || fail "expected 11 objects with --login, got $(wc -l < "$T/h")"

# every URI opens again, in p11tool and in hsmca, as exactly that object
while read -r uri; do
	case $uri in *object=dup*) continue ;; esac
	[ "$(p11urls --login "$uri")" = "$uri" ] || fail "p11tool does not reopen $uri"
	[ "$(hurls --login "$uri")" = "$uri" ] || fail "hsmca does not reopen $uri"
done < "$T/h"
pass "every listed URI reopens in p11tool and hsmca"

# text: class, key type, flags; the duplicates are flagged
h list-objects --login "$CA" > "$T/text"
grep -q 'Type:         private key' "$T/text" || fail "no private key in text"
grep -q 'Key:          ed25519' "$T/text" || fail "no ed25519 key type"
grep -q 'Key:          ec:secp384r1' "$T/text" || fail "no P-384 key type"
grep -q 'Type:         certificate' "$T/text" || fail "no certificate"
grep -q 'Flags:        sensitive, never extractable, private, sign' "$T/text" ||
	fail "private key flags"
[ "$(grep -c "it is ambiguous" "$T/text")" -eq 4 ] || { cat "$T/text" >&2; fail "duplicates not flagged"; }
h list-objects --login --json "$CA" | python3 -c 'import json, sys
objs = json.load(sys.stdin)["objects"]
priv = [o for o in objs if o["class"] == "private key" and o["label"] == "root"][0]
assert priv["key_type"] == "ec:secp384r1", priv
assert set(priv["flags"]) >= {"sensitive", "never-extractable", "private", "sign"}, priv
assert "extractable" not in priv["flags"], priv
assert len(priv["id"].split(":")) == 20, priv
dups = [o for o in objs if o["label"] == "dup"]
assert len(dups) == 4 and all(o["same_uri"] == 1 for o in dups), dups
assert [o for o in objs if o["class"] == "certificate"][0]["key_type"] is None
' || fail "JSON objects"
pass "list-objects: class, key type, flags, duplicates"

# a command that needs one key refuses the duplicates and names them all
if "$HSMCA" req --help >/dev/null 2>&1; then
	expect_fail 1 h req --key "$CA;object=dup" --subject CN=x
	grep -q "^hsmca: .*token=ca;object=dup;type=private: matches 2 private keys; .*object=dup;type=private, pkcs11:.*object=dup;type=private" \
		"$T/stderr" || fail "ambiguous key URI: $(cat "$T/stderr")"
	pass "an ambiguous key URI is refused with every candidate listed"
fi

# list-tokens: text, JSON (python's parser), odd label intact
h list-tokens > "$T/tokens.txt"
grep -q "Label:        ca" "$T/tokens.txt" || fail "token ca not listed"
grep -q "Module:       $SOFTHSM_MODULE" "$T/tokens.txt" || fail "module path"
grep -q "Flags:        login required, initialized" "$T/tokens.txt" || fail "token flags"
h list-tokens --json > "$T/tokens.json"
python3 -m json.tool "$T/tokens.json" >/dev/null || fail "list-tokens --json is not JSON"
h list-objects --login --json > "$T/objects.json"
python3 -m json.tool "$T/objects.json" >/dev/null || fail "list-objects --json is not JSON"
python3 -c 'import json, sys
toks = json.load(open(sys.argv[1]))["tokens"]
labels = sorted(t["label"] for t in toks)
assert labels == ["ca", "we\"ird\\lab\u20acl"], labels
for t in toks:
    assert t["model"] == "SoftHSM v2" and "login-required" in t["flags"], t
    assert t["module"] == sys.argv[2], t
' "$T/tokens.json" "$SOFTHSM_MODULE" || fail "token JSON content"
pass "list-tokens text and JSON"

# errors
expect_fail 1 h list-objects pkcs11:token=absent
grep -q "^hsmca: pkcs11:token=absent: no token matches this URI" "$T/stderr" || fail "missing token message"
expect_fail 2 h list-objects 'pkcs11:token=ca;bogus=1'   # malformed argument: usage
grep -q "unknown attribute" "$T/stderr" || fail "bad URI message"
expect_fail 2 h list-objects "$CA" pkcs11:token=other
expect_fail 2 h list-tokens --bogus
expect_fail 1 "$HSMCA" --module /nonexistent/module.so list-tokens
grep -q "^hsmca: /nonexistent/module.so: cannot load PKCS#11 module: No such file" "$T/stderr" ||
	fail "missing module message"
pass "errors: missing token, bad URI, usage, missing module"

# the p11-kit registry (no --module): SoftHSM2 is registered and reads
# SOFTHSM2_CONF; the trust module is left out unless --all, with a note
if [ -e /usr/share/p11-kit/modules/softhsm2.module ] &&
	[ -e /usr/share/p11-kit/modules/p11-kit-trust.module ]; then
	HSMCA_PIN=$PIN "$HSMCA" list-tokens >"$T/out" 2>"$T/err" || fail "registry list-tokens"
	grep -q "Label:        ca" "$T/out" || fail "registry: token ca missing"
	grep -q "System Trust" "$T/out" && fail "registry: trust token listed without --all"
	grep -q "^hsmca: note: 1 token(s) of the p11-kit trust module not listed" "$T/err" ||
		fail "registry: no note about the trust module: $(cat "$T/err")"
	HSMCA_PIN=$PIN "$HSMCA" list-tokens --all >"$T/out" || fail "registry list-tokens --all"
	grep -q "Label:        System Trust" "$T/out" || fail "registry: --all does not list the trust token"
	HSMCA_PIN=$PIN "$HSMCA" list-objects >"$T/out" 2>"$T/err" || fail "registry list-objects"
	grep -q "System%20Trust" "$T/out" && fail "registry: trust objects listed without --all"
	grep -q "^hsmca: note: objects of 1 p11-kit trust module token(s) not listed" "$T/err" ||
		fail "registry: no note for objects"
	HSMCA_PIN=$PIN "$HSMCA" list-objects --all >"$T/out" || fail "registry list-objects --all"
	grep -q "token=System%20Trust" "$T/out" || fail "registry: --all does not list trust objects"
	# a module that fails to initialise is a warning, not fatal
	SOFTHSM2_CONF=$T/missing.conf HSMCA_PIN=$PIN "$HSMCA" list-tokens --all \
		>"$T/out" 2>"$T/err" || fail "registry with a broken module failed"
	grep -q "^hsmca: warning: PKCS#11 module softhsm2 (.*) failed to initialise: .*; skipped$" "$T/err" || fail "no warning for the broken module: $(cat "$T/err")"
	grep -q "System Trust" "$T/out" || fail "other modules not listed"
	pass "p11-kit registry: trust module hidden with a note, --all, broken module is a warning"
fi
exit 0

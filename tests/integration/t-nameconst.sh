#!/bin/bash
# sign checks every name against the nameConstraints of the issuer's chain
# before signing (issue 10, item 2), and agrees with openssl verify: for each
# set of names, openssl's verdict on a leaf it makes itself under an
# all-software copy of the same constrained intermediate is the verdict hsmca
# must reach under its own token-held intermediate; a refusal names the name
# and the constraint and leaves the CA directory byte for byte as it was.
. "$(dirname "$0")/lib.sh"
export HSMCA_PROFILE_PATH=$SRCDIR/profiles
cd "$T"
NC='critical, permitted;DNS:.example.com, permitted;IP:192.0.2.0/255.255.255.0, excluded;DNS:.secret.example.com'
NC2='critical, permitted;email:.example.com, excluded;URI:.evil.example.com, excluded;DNS:.hidden.example.com'

# --- hsmca: root -> constrained intermediate (-> unconstrained sub-CA) ------
make_token ca
ROOT=$(h keygen --token pkcs11:token=ca --label root)
INT=$(h keygen --token pkcs11:token=ca --label int)
SUB=$(h keygen --token pkcs11:token=ca --label sub)
INT2=$(h keygen --token pkcs11:token=ca --label int2)
h init root --key "$ROOT" 2>/dev/null
h selfsign --yes --ca root --subject 'CN=NC Root' 2>/dev/null
ca_profile() {  # name pathlen days nameConstraints [EKU]
	{ printf '[profile]\ndays = %s\n[policy]\ncommonName = supplied\n' "$3"
	  printf '[extensions]\nbasicConstraints = critical, CA:true, pathlen:%s\n' "$2"
	  printf 'keyUsage = critical, digitalSignature, cRLSign, keyCertSign\n'
	  printf 'subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n'
	  [ -z "$4" ] || printf 'nameConstraints = %s\n' "$4"
	  [ -z "${5-}" ] || printf 'extendedKeyUsage = %s\n' "$5"; } > "$1.profile"
}
ca_profile nc 1 1000 "$NC"
# a web-PKI style TLS subordinate CA: EKU serverAuth and no SAN (lint's
# server-san is for end entities only, issue 10 item 3)
ca_profile nc2 0 1000 "$NC2" 'serverAuth, clientAuth'
ca_profile plain 0 500 ''
subca() {  # dir key subject profile parent
	h req --key "$2" --subject "$3" --out "$1.csr" 2>/dev/null
	h sign --yes --ca "$5" --profile "./$4.profile" --csr "$1.csr" --out "$1.crt" 2>"$T/stderr" ||
		fail "signing $1: $(cat "$T/stderr")"
	h init "$1" --key "$2" --cert "$1.crt" --issuer "$5" 2>/dev/null
}
subca int "$INT" 'CN=NC Intermediate' nc root
subca int2 "$INT2" 'CN=NC Intermediate 2' nc2 root
openssl x509 -in int.crt -noout -ext nameConstraints | has 'Excluded' || fail "intermediate lacks nameConstraints"
openssl x509 -in int2.crt -noout -ext extendedKeyUsage | has 'TLS Web Server Authentication' ||
	fail "the TLS sub-CA lacks its EKU"
openssl verify -CAfile root/certs/ca.crt int2.crt >/dev/null || fail "openssl rejects the TLS sub-CA"
subca sub "$SUB" 'CN=NC Sub CA' plain int
h chain --ca sub --out sub-chain.pem
cat root/certs/ca.crt > root.pem
pass "hsmca built root -> intermediate ($NC) -> sub-CA"

# --- openssl: the same constraints on software keys --------------------------
sw_ca() {  # name subject issuer-name nameConstraints
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout "sw-$1.key" \
		-subj "$2" -out "sw-$1.csr" 2>/dev/null
	{ echo "basicConstraints = critical, CA:true"; echo "keyUsage = critical, keyCertSign, cRLSign"
	  [ -z "$4" ] || echo "nameConstraints = $4"; } > "sw-$1.ext"
	if [ "$3" = self ]; then
		openssl x509 -req -in "sw-$1.csr" -signkey "sw-$1.key" -days 30 -extfile "sw-$1.ext" \
			-out "sw-$1.crt" 2>/dev/null
	else
		openssl x509 -req -in "sw-$1.csr" -CA "sw-$3.crt" -CAkey "sw-$3.key" -days 30 \
			-set_serial "0x$(openssl rand -hex 8)" -extfile "sw-$1.ext" -out "sw-$1.crt" 2>/dev/null
	fi
}
sw_ca root /CN=SW-Root self ''
sw_ca int /CN=SW-Int root "$NC"
sw_ca int2 /CN=SW-Int2 root "$NC2"

# openssl_verdict SUBJECT SAN ISSUER: ok or refused, for a leaf under sw-ISSUER
openssl_verdict() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout leaf.key \
		-subj "$1" -out leaf.csr 2>/dev/null
	printf 'basicConstraints = CA:false\nsubjectAltName = %s\n' "$2" > leaf.ext
	openssl x509 -req -in leaf.csr -CA "sw-$3.crt" -CAkey "sw-$3.key" -days 7 \
		-set_serial "0x$(openssl rand -hex 8)" -extfile leaf.ext -out sw-leaf.crt 2>/dev/null
	if openssl verify -CAfile sw-root.crt -untrusted "sw-$3.crt" sw-leaf.crt >/dev/null 2>&1
	then echo ok; else echo refused; fi
}

# hsmca_verdict SUBJECT SAN CA: ok or refused; a refusal must be a
# name-constraints lint error naming WANT_NAME and leave CA unchanged
hsmca_verdict() {
	local before rc=0
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout leaf.key \
		-subj "$1" -addext "subjectAltName = $2" -out leaf.csr 2>/dev/null
	before=$(tree_sum "$3")
	rm -f hsmca-leaf.crt
	h sign --yes --ca "$3" --profile "${PROF:-server}" --csr leaf.csr --out hsmca-leaf.crt \
		>/dev/null 2>"$T/stderr" || rc=$?
	if [ "$rc" = 0 ]; then
		echo ok
	else
		[ "$rc" = 1 ] || fail "exit $rc for $2: $(cat "$T/stderr")"
		has 'lint: name-constraints: ' "$T/stderr" || fail "not a name-constraints refusal: $(cat "$T/stderr")"
		[ "$(tree_sum "$3")" = "$before" ] || fail "refusing $2 changed $3"
		[ ! -e hsmca-leaf.crt ] || fail "refusing $2 wrote --out"
		echo refused
	fi
}

# case CA SW-CA SUBJECT SAN WANT [TEXT]: hsmca and openssl both say WANT;
# a refusal's message contains TEXT (the name and the constraint)
n=0
case_() {
	local ca=$1 sw=$2 subj=$3 san=$4 want=$5 text=${6-} o hv
	o=$(openssl_verdict "$subj" "$san" "$sw")
	hv=$(hsmca_verdict "$subj" "$san" "$ca")
	[ "$o" = "$want" ] || fail "openssl says $o for $san under $sw (test expects $want)"
	[ "$hv" = "$o" ] || fail "hsmca says $hv, openssl $o, for $subj $san under $ca: $(cat "$T/stderr")"
	if [ "$hv" = ok ]; then
		openssl verify -CAfile root.pem -untrusted "$ca.crt" hsmca-leaf.crt >/dev/null 2>&1 ||
		openssl verify -CAfile root.pem -untrusted sub-chain.pem hsmca-leaf.crt >/dev/null ||
			fail "openssl rejects what hsmca issued for $san"
	elif [ -n "$text" ]; then
		has -F -- "$text" "$T/stderr" || fail "message for $san lacks '$text': $(cat "$T/stderr")"
	fi
	n=$((n + 1))
	pass "$ca: $subj $san: $hv (openssl: $o)"
}
case_ int int /CN=www.example.com DNS:www.example.com ok
case_ int int /CN=evil DNS:www.evil.org refused \
	'DNS:www.evil.org (subjectAltName) is not within permitted;DNS:.example.com of CN=NC Intermediate'
case_ int int /CN=x DNS:x.secret.example.com refused \
	'DNS:x.secret.example.com (subjectAltName) is inside excluded;DNS:.secret.example.com of CN=NC Intermediate'
case_ int int /CN=ip IP:192.0.2.7 ok
case_ int int /CN=ip IP:198.51.100.1 refused \
	'IP:198.51.100.1 (subjectAltName) is not within permitted;IP:192.0.2.0/255.255.255.0 of CN=NC Intermediate'
case_ int int /CN=ip6 IP:2001:db8::1 refused 'IP:2001:db8::1 (subjectAltName) is not within permitted;IP:192.0.2.0/255.255.255.0'
case_ int int /CN=two 'DNS:a.example.com, DNS:b.evil.org' refused 'DNS:b.evil.org'
# the subject's CN is a host name only checked when the SAN has no DNS name
case_ int int /CN=www.evil.org DNS:www.example.com ok
case_ int int /CN=apex DNS:example.com refused 'DNS:example.com'
case_ int int /CN=www.evil.org email:a@b.org refused 'DNS:www.evil.org (subject commonName) is not within'
# the intermediate's constraints bind the sub-CA's certificates too
case_ sub int /CN=deep DNS:deep.example.com ok
case_ sub int /CN=deep DNS:deep.evil.org refused 'DNS:deep.evil.org (subjectAltName) is not within permitted;DNS:.example.com of CN=NC Intermediate'
case_ sub int /CN=deep DNS:y.secret.example.com refused 'inside excluded;DNS:.secret.example.com'
# e-mail (SAN and the subject's emailAddress) and URI
case_ int2 int2 /CN=mail email:alice@mail.example.com ok
case_ int2 int2 /CN=mail email:alice@evil.org refused \
	'email:alice@evil.org (subjectAltName) is not within permitted;email:.example.com of CN=NC Intermediate 2'
# (a server profile whose DN policy keeps the subject's emailAddress)
sed 's/^\[policy\]$/[policy]\nemailAddress = optional/' "$SRCDIR/profiles/server.profile" > email.profile
PROF=./email.profile case_ int2 int2 /CN=mail/emailAddress=bob@evil.org DNS:www.example.com refused \
	'email:bob@evil.org (subject emailAddress) is not within permitted;email:.example.com'
case_ int2 int2 /CN=uri URI:https://www.example.com/x ok
case_ int2 int2 /CN=uri URI:https://a.evil.example.com/x refused \
	'URI:https://a.evil.example.com/x (subjectAltName) is inside excluded;URI:.evil.example.com'
case_ int2 int2 /CN=hid DNS:z.hidden.example.com refused 'excluded;DNS:.hidden.example.com'

# a batch: the bad request is refused, the good ones are issued
for s in good1.example.com bad.evil.org good2.example.com; do
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout /dev/null \
		-subj "/CN=$s" -addext "subjectAltName = DNS:$s" -out "$s.csr" 2>/dev/null
done
rc=0
h sign --yes --ca int --profile server --csr good1.example.com.csr --csr bad.evil.org.csr \
	--csr good2.example.com.csr --out-dir batch >/dev/null 2>"$T/stderr" || rc=$?
[ "$rc" = 1 ] || fail "batch exit $rc"
has 'bad.evil.org.csr: lint: name-constraints: DNS:bad.evil.org' "$T/stderr" || fail "batch: $(cat "$T/stderr")"
[ -f batch/good1.example.com.crt ] && [ -f batch/good2.example.com.crt ] && [ ! -e batch/bad.evil.org.crt ] ||
	fail "batch outputs: $(ls batch)"
grep -c '^V' int/index.txt | has -x 6 || fail "index.txt: $(cat int/index.txt)"
h audit verify --ca int >/dev/null 2>&1 || fail "audit verify after the refusals"
pass "$n cases agree with openssl verify; a batch issues the good requests only"

# Real token stacks for the integration tests, sourced after lib.sh: a TPM
# (swtpm + tpm2-abrmd + tpm2-pkcs11), a SoftHSM2 token reached over p11-kit's
# RPC, and the emulated SmartCard-HSM driven by Debian's OpenSC.  Every stack
# lives in the test's own directory $T and every daemon is stopped by its pid
# when the test exits (lib.sh's at_exit).  ../shared/tokens/README.md has what
# each stack does that SoftHSM2 never does.

# skip REASON: the stack cannot run here (exit 77: skipped, for meson).
skip() { echo "SKIP: $*"; exit 77; }

# stop_pid PID NAME: TERM, then KILL if it is still there after 5 s.
stop_pid() {
	local pid=$1 i
	kill "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	echo "tokens.sh: $2 (pid $pid) ignored SIGTERM, killing it" >&2
	kill -KILL "$pid" 2>/dev/null || true
}

# wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds.
wait_for() {
	local n=$(($1 * 10)); shift
	while [ "$n" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; n=$((n - 1)); sleep 0.1; done
	return 1
}

# listening PORT: something accepts connections on 127.0.0.1:PORT (bash's
# /dev/tcp: no iproute2 needed in a build chroot).
listening() { (: </dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

# asan_allow LINE / lsan_allow LINE: in the sanitizer runs (scripts/run-tests
# sets ASAN_OPTIONS and LSAN_OPTIONS), suppress one fault of a third-party
# library for this test only; the other tests keep tests/lsan.supp alone.
asan_allow() {
	[ -n "${ASAN_OPTIONS:-}" ] || return 0
	echo "$1" >>"$T/asan.supp"
	export ASAN_OPTIONS=$ASAN_OPTIONS:suppressions=$T/asan.supp
}
lsan_allow() {
	[ -n "${LSAN_OPTIONS:-}" ] || return 0
	[ -e "$T/lsan.supp" ] || cat "$SRCDIR/tests/lsan.supp" >"$T/lsan.supp"
	echo "$1" >>"$T/lsan.supp"
	export LSAN_OPTIONS=$LSAN_OPTIONS:suppressions=$T/lsan.supp
	# GnuTLS has no frame pointers: only the slow unwinder sees past it.
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0
}

# --- TPM: swtpm -> tpm2-abrmd (private D-Bus) -> tpm2-pkcs11 -------------------
TPM_MODULE=/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so
TPM_PIN=74125896
TPM_SO_PIN=36985214

# tpm_start: a fresh TPM with one tpm2-pkcs11 token labelled "ca" (user PIN
# $TPM_PIN); exports TPM2_PKCS11_TCTI, TPM2_PKCS11_STORE and the private bus.
tpm_start() {
	local p missing="" d=$T/tpm port=
	for p in swtpm tpm2_ptool tpm2-abrmd dbus-daemon tpm2_getcap; do
		command -v "$p" >/dev/null || missing="$missing $p"
	done
	[ -r "$TPM_MODULE" ] || missing="$missing libtpm2-pkcs11-1"
	ls /usr/lib/*/libtss2-tcti-tabrmd.so.0 >/dev/null 2>&1 || missing="$missing libtss2-tcti-tabrmd0"
	[ -z "$missing" ] || skip "TPM lane needs:$missing (swtpm swtpm-tools tpm2-tools tpm2-abrmd libtss2-tcti-tabrmd0 libtpm2-pkcs11-1 libtpm2-pkcs11-tools dbus)"
	mkdir -p "$d/state" "$d/store"
	# A random even port pair, never 2321/2322: the default TCTI of every other
	# program's tpm2-pkcs11 (p11-kit registry) tries swtpm and mssim there.
	for _ in $(seq 20); do
		p=$((30000 + 2 * (RANDOM % 15000)))
		! listening "$p" && ! listening $((p + 1)) || continue
		swtpm socket --tpmstate dir="$d/state" --tpm2 \
			--server type=tcp,port="$p",bindaddr=127.0.0.1 \
			--ctrl type=tcp,port=$((p + 1)),bindaddr=127.0.0.1 \
			--flags not-need-init,startup-clear >"$d/swtpm.log" 2>&1 &
		TPM_SWTPM_PID=$!
		at_exit stop_pid "$TPM_SWTPM_PID" swtpm
		if wait_for 5 eval "! kill -0 $TPM_SWTPM_PID || listening $((p + 1))"; then
			kill -0 "$TPM_SWTPM_PID" 2>/dev/null && { port=$p; break; }
		fi
	done
	[ -n "$port" ] || { cat "$d/swtpm.log" >&2; fail "swtpm did not start on a free port"; }
	# A private session bus for tpm2-abrmd (the machine may have no system bus).
	dbus-daemon --session --fork --nopidfile --print-address=1 --print-pid=3 \
		>"$d/dbus.addr" 3>"$d/dbus.pid"
	TPM_DBUS_PID=$(cat "$d/dbus.pid")
	at_exit stop_pid "$TPM_DBUS_PID" dbus-daemon
	export DBUS_SESSION_BUS_ADDRESS
	DBUS_SESSION_BUS_ADDRESS=$(cat "$d/dbus.addr")
	tpm2-abrmd --session --allow-root --flush-all --tcti="swtpm:host=127.0.0.1,port=$port" \
		>"$d/abrmd.log" 2>&1 &
	TPM_ABRMD_PID=$!
	at_exit stop_pid "$TPM_ABRMD_PID" tpm2-abrmd
	export TPM2_PKCS11_TCTI='tabrmd:bus_type=session' TPM2TOOLS_TCTI='tabrmd:bus_type=session'
	export TPM2_PKCS11_STORE=$d/store TPM2_PKCS11_LOG_LEVEL=0
	wait_for 10 tpm2_getcap properties-fixed ||
		{ cat "$d/abrmd.log" >&2; fail "tpm2-abrmd does not answer on the private bus"; }
	tpm2_ptool init --path="$d/store" >"$d/ptool.log" 2>&1 &&
	tpm2_ptool addtoken --pid=1 --label=ca --sopin="$TPM_SO_PIN" --userpin="$TPM_PIN" \
		--path="$d/store" >>"$d/ptool.log" 2>&1 ||
		{ cat "$d/ptool.log" >&2; fail "tpm2_ptool could not make the token"; }
	# This test wants tpm2-pkcs11 in the p11-kit registry after all.
	rm -f "$XDG_CONFIG_HOME/pkcs11/modules/tpm2_pkcs11.module"
}

# --- p11-kit RPC: p11-kit server over a SoftHSM2 token ------------------------
RPC_CLIENT_MODULE=/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so

# rpc_start LABEL: a SoftHSM2 token LABEL (PIN $PIN) in a token directory of
# its own, served by p11-kit server on a unix socket in $T; exports
# P11_KIT_SERVER_ADDRESS for the client module.  This test's own SoftHSM2
# (lib.sh's SOFTHSM2_CONF, in the p11-kit registry) never sees that token: the
# client reaches it only over the socket, as from another machine.
rpc_start() {
	command -v p11-kit >/dev/null && [ -r "$RPC_CLIENT_MODULE" ] ||
		skip "RPC lane needs p11-kit and $RPC_CLIENT_MODULE (Debian package p11-kit)"
	local d=$T/rpc-server sock=$T/rpc-server/sock
	mkdir -p "$d/tokens"
	# A unix socket path has at most 107 bytes; build trees can be deep.
	if [ "${#sock}" -gt 100 ]; then
		sock=$(mktemp -d /tmp/hsmca-rpc-XXXXXX)
		at_exit rm -rf "$sock"
		sock=$sock/sock
	fi
	sed "s|^directories.tokendir = .*|directories.tokendir = $d/tokens|" "$SOFTHSM2_CONF" > "$d/softhsm2.conf"
	SOFTHSM2_CONF=$d/softhsm2.conf make_token "$1"
	SOFTHSM2_CONF=$d/softhsm2.conf p11-kit server --foreground --provider "$SOFTHSM_MODULE" \
		--name "$sock" "pkcs11:token=$1" >"$d/server.log" 2>&1 &
	RPC_SERVER_PID=$!
	at_exit stop_pid "$RPC_SERVER_PID" "p11-kit server"
	wait_for 10 test -S "$sock" || { cat "$d/server.log" >&2; fail "p11-kit server did not start"; }
	kill -0 "$RPC_SERVER_PID" 2>/dev/null || { cat "$d/server.log" >&2; fail "p11-kit server exited"; }
	export P11_KIT_SERVER_ADDRESS=unix:path=$sock
	# p11-kit 0.24's client reads past its array when it purges the
	# mechanisms it cannot marshal from C_GetMechanismList's answer (fixed
	# upstream: p11-kit pull request 454, "rpc: Fix two off-by-one errors").
	asan_allow interceptor_via_lib:p11-kit-client.so
}

# --- SmartCard-HSM: pico-hsm emulator -> vpcd -> pcscd -> OpenSC ---------------
SCHSM_LOCK=/tmp/hsmca-schsm.lock

# schsm_start: a fresh emulated card (its flash in $T), holding the machine's
# card lock until the test exits; sets SCHSM_MODULE, SCHSM_USER_PIN, SCHSM_TOKEN.
schsm_start() {
	[ -n "${HSMCA_SCHSM_EMULATOR:-}" ] ||
		skip "HSMCA_SCHSM_EMULATOR is not set (path of ../shared/tokens/smartcard-hsm-emulator; .ci/run sets it)"
	[ -x "$HSMCA_SCHSM_EMULATOR" ] || fail "HSMCA_SCHSM_EMULATOR=$HSMCA_SCHSM_EMULATOR is not executable"
	command -v flock >/dev/null || skip "SmartCard-HSM lane needs flock (util-linux)"
	[ "$(id -u)" -eq 0 ] || pgrep -x pcscd >/dev/null ||
		skip "SmartCard-HSM lane: no pcscd running, and only root can start one"
	SCHSM_W=$T/schsm
	unset PCSCLITE_CSOCK_NAME
	mkdir -p "$SCHSM_W"
	# One card per machine (fixed ports 35962/35963): wait for the lock, keep it.
	exec 8>>"$SCHSM_LOCK"
	flock -w 600 8 || fail "$SCHSM_LOCK was held by someone else for 10 minutes (a manual card session?)"
	if [ -n "${HSMCA_SCHSM_BUILD:-}" ] && [ -x "$HSMCA_SCHSM_BUILD/pico-hsm/build/pico_hsm" ]; then
		mkdir -p "$SCHSM_W/pico-hsm/build"
		ln -s "$HSMCA_SCHSM_BUILD/pico-hsm/build/pico_hsm" "$SCHSM_W/pico-hsm/build/pico_hsm"
	fi
	at_exit schsm_stop
	pcscd_start
	# The daemons must not inherit the lock (a stray one would hold it forever).
	"$HSMCA_SCHSM_EMULATOR" start "$SCHSM_W" 8>&- >"$T/schsm.env" 2>"$T/schsm.log" ||
		{ cat "$T/schsm.log" "$SCHSM_W/build.log" "$SCHSM_W/state/emu.log" >&2 2>/dev/null; fail "the emulated SmartCard-HSM did not start"; }
	eval "$(grep -E '^SCHSM_[A-Z_]+=[^;&|`$]*$' "$T/schsm.env")"
	[ -n "${SCHSM_MODULE:-}" ] && [ -n "${SCHSM_USER_PIN:-}" ] || fail "the emulator printed no SCHSM_MODULE/SCHSM_USER_PIN"
	# GnuTLS 3.7.9 leaks an object of this card in
	# gnutls_pkcs11_obj_list_import_url4 (p11tool --list-all leaks it too,
	# under valgrind: 144 bytes direct, 624 indirect).
	lsan_allow leak:gnutls_pkcs11_obj_list_import_url4
	SCHSM_TOKEN=$(p11tool --provider "$SCHSM_MODULE" --list-token-urls 2>/dev/null | grep -m1 'SmartCard-HSM') ||
		fail "no SmartCard-HSM token on $SCHSM_MODULE"
}

schsm_stop() {
	"$HSMCA_SCHSM_EMULATOR" stop "$SCHSM_W" 8>&- >/dev/null 2>&1 ||
		echo "tokens.sh: smartcard-hsm-emulator stop failed" >&2
	[ -z "${PCSCD_PID:-}" ] || stop_pid "$PCSCD_PID" pcscd
	exec 8>&-
}

# pcscd_start: as root with no pcscd running, start one that this test owns
# (stopped by its pid in schsm_stop), so the emulator script finds it and
# starts none.  It runs in a clean environment: the test's (meson's
# MALLOC_PERTURB_, the sanitizer options) is not pcscd's business.  pcscd
# 1.9.9 once died of a segmentation fault at start in CI, before it made its
# socket, on a machine where it had started twice that run; the cause is not
# known, so its log is shown and it gets one more try -- a card test must
# not fail for a daemon that did not come up, but it must say so.
pcscd_start() {
	local try
	pgrep -x pcscd >/dev/null && return 0
	for try in 1 2; do
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/sbin/pcscd -f \
			>"$T/pcscd.$try.log" 2>&1 8>&- &
		PCSCD_PID=$!
		# the emulator connects once, at its start, to vpcd's port, which
		# pcscd opens when it has loaded the reader driver
		wait_for 10 listening 35963 && kill -0 "$PCSCD_PID" 2>/dev/null && return 0
		stop_pid "$PCSCD_PID" pcscd
		wait "$PCSCD_PID" 2>/dev/null
		echo "tokens.sh: pcscd (try $try) did not start (exit status $?); its log:" >&2
		sed 's/^/  pcscd: /' "$T/pcscd.$try.log" >&2
		PCSCD_PID=
	done
	fail "pcscd did not start twice running"
}

# --- checks shared by the lanes -------------------------------------------------
# Each lane sets LANE_MODULE (the PKCS#11 module), LANE_TOKEN (the token's URI),
# LANE_LABEL (its label) and LANE_PIN (its user PIN, given to hsmca only through
# HSMCA_PIN; third-party tools take it on argv).

# hk ARGS...: hsmca with the PIN and NO module: what every command on a CA
# directory must be able to do once init has recorded the module.
hk() { env -u HSMCA_MODULE HSMCA_PIN="$LANE_PIN" "$HSMCA" "$@"; }
# hm ARGS...: hsmca with the lane's module named on the command line.
hm() { env -u HSMCA_MODULE HSMCA_PIN="$LANE_PIN" "$HSMCA" --module "$LANE_MODULE" "$@"; }

# objects [--login]: pkcs11-tool's listing of the lane's token, in a new process.
objects() {
	pkcs11-tool --module "$LANE_MODULE" --token-label "$LANE_LABEL" ${1:+--login --pin "$LANE_PIN"} \
		--list-objects 2>/dev/null
}

# key_is_safe LABEL: an independent tool, in a fresh process (a fresh module
# initialisation), sees LABEL's private key sensitive, never extractable,
# generated on the token and able to sign.
key_is_safe() {
	local blk
	blk=$(objects --login | awk -v l="$1" '
		/^[^ \t]/ { if (p && hit) exit; p = /^Private Key Object/; b = ""; hit = 0 }
		p { b = b $0 "\n"; if ($1 == "label:" && $2 == l) hit = 1 }
		END { if (p && hit) printf "%s", b }')
	[ -n "$blk" ] || { objects --login >&2; fail "$1: pkcs11-tool finds no private key labelled so"; }
	grep -q 'Access:.*\bsensitive, always sensitive, never extractable, local' <<<"$blk" ||
		{ echo "$blk" >&2; fail "$1: the private key is not sensitive/never extractable/local"; }
	grep -q 'Usage:.*\bsign' <<<"$blk" || { echo "$blk" >&2; fail "$1: the private key cannot sign"; }
}

# no_object LABEL: no object of any class labelled LABEL is on the token.
no_object() {
	if objects --login | awk -v l="$1" '$1 == "label:" && $2 == l {f = 1} END {exit !f}'; then
		objects --login >&2; fail "an object labelled $1 was left on the token"
	fi
}

# one_hsmca_line PATTERN: $T/stderr holds exactly one "hsmca: " line, naming
# the token (its label or URI) and matching PATTERN.  Other lines are the
# module's own chatter (tpm2-pkcs11 prints ERROR: lines of its own).
one_hsmca_line() {
	local line enc
	[ "$(grep -c '^hsmca: ' "$T/stderr")" -eq 1 ] || { cat "$T/stderr" >&2; fail "not one 'hsmca:' line"; }
	line=$(grep '^hsmca: ' "$T/stderr")
	enc=$(sed -e 's/%/%25/g' -e 's/ /%20/g' -e 's/(/%28/g' -e 's/)/%29/g' <<<"$LANE_LABEL")
	grep -qF -e "$LANE_LABEL:" -e "'$LANE_LABEL'" -e "\"$LANE_LABEL\"" -e "token $LANE_LABEL" -e "token=$enc" <<<"$line" ||
		fail "the message does not name the token '$LANE_LABEL': $line"
	grep -q -- "$1" <<<"$line" || fail "the message does not say '$1': $line"
}

# keygen_ok TYPE: hsmca keygen makes a TYPE key that prints its URI, is safe
# (key_is_safe) and signs a request that openssl verifies.
keygen_ok() {
	local type=$1 label=k-${1//:/-} uri
	uri=$(hm keygen --token "$LANE_TOKEN" --label "$label" --type "$type") ||
		fail "keygen --type $type"
	case $uri in
	pkcs11:*"object=$label"*"type=private"*) ;;
	*) fail "$type: keygen printed '$uri', not the private key's URI" ;;
	esac
	key_is_safe "$label"
	quiet env HSMCA_MODULE="$LANE_MODULE" HSMCA_PIN="$LANE_PIN" "$HSMCA" req --key "$uri" \
		--subject "CN=$label" --out "$label.csr"
	openssl req -in "$label.csr" -noout -verify 2>&1 | has 'verify OK' || fail "$type: openssl rejects the request"
	pass "keygen $type: sensitive, never extractable, signs"
}

# keygen_refused TYPE [PATTERN]: keygen refuses TYPE in one line naming the
# token, exits non-zero and leaves no object behind.
keygen_refused() {
	local type=$1 label=no-${1//:/-} rc=0
	hm keygen --token "$LANE_TOKEN" --label "$label" --type "$type" >"$T/stdout" 2>"$T/stderr" || rc=$?
	[ "$rc" -ne 0 ] || { cat "$T/stdout" >&2; fail "keygen --type $type succeeded on $LANE_LABEL"; }
	[ ! -s "$T/stdout" ] || { cat "$T/stdout" >&2; fail "a refused keygen printed a URI"; }
	one_hsmca_line "${2:-.}"
	no_object "$label"
	pass "keygen $type refused in one line, nothing left: $(grep '^hsmca: ' "$T/stderr")"
}

# keygen_ok_or_refused TYPE: for types the lane does not promise: either a
# safe key or a clean refusal, never a half-made pair.
keygen_ok_or_refused() {
	local type=$1 label=k-${1//:/-}
	if hm keygen --token "$LANE_TOKEN" --label "$label" --type "$type" >"$T/stdout" 2>"$T/stderr"; then
		key_is_safe "$label"
		pass "keygen $type (not promised) works"
	else
		one_hsmca_line .
		no_object "$label"
		pass "keygen $type (not promised) refused cleanly: $(grep '^hsmca: ' "$T/stderr")"
	fi
}

# conf_module DIR: init recorded the lane's module in DIR/hsmca.conf's [ca]
# section, as its path or as the name p11-kit registers it under.
conf_module() {
	local v f
	v=$(awk -F' *= *' '/^\[/ {s = $0} s == "[ca]" && $1 ~ /^[ \t]*module$/ {print $2}' "$1/hsmca.conf")
	[ -n "$v" ] || { cat "$1/hsmca.conf" >&2; fail "$1/hsmca.conf records no module in [ca]"; }
	[ "$v" = "$LANE_MODULE" ] && return 0
	for f in /etc/pkcs11/modules/"$v".module /usr/share/p11-kit/modules/"$v".module; do
		[ -r "$f" ] && grep -Eq "^module: *(.*/)?${LANE_MODULE##*/}\$" "$f" && return 0
	done
	fail "$1/hsmca.conf records module = $v, not $LANE_MODULE"
}

# quiet CMD...: run CMD with its stderr (previews, notes) in $T/quiet.err
# (and all of them in $T/quiet.all); if it fails, show that and fail the test.
quiet() {
	"$@" 2>"$T/quiet.err" || { cat "$T/quiet.err" >&2; fail "$*"; }
	cat "$T/quiet.err" >>"$T/quiet.all"
}

# article_workflow ROOT-TYPE INTERMEDIATE-TYPE: the seed article's whole
# workflow (t-seed.sh) on the lane's token with keys made by hsmca keygen; every
# command after init runs without --module and without HSMCA_MODULE.
article_workflow() {
	local root int txt serial out
	export HSMCA_PROFILE_PATH=$SRCDIR/profiles
	root=$(hm keygen --token "$LANE_TOKEN" --label root --type "$1") || fail "keygen root ($1)"
	int=$(HSMCA_MODULE=$LANE_MODULE HSMCA_PIN=$LANE_PIN "$HSMCA" keygen --token "$LANE_TOKEN" \
		--label intermediate --type "$2") || fail "keygen intermediate ($2) with HSMCA_MODULE"
	key_is_safe root
	key_is_safe intermediate
	pass "root ($1) and intermediate ($2) keys made by hsmca keygen"

	quiet hm init root --key "$root"
	conf_module root
	quiet hk selfsign --yes --ca root --subject 'CN=My Company Root CA,OU=My Company Certificate Authority,O=My Company,ST=My State,C=US'
	openssl verify -CAfile root/certs/ca.crt root/certs/ca.crt >/dev/null || fail "openssl rejects the root"
	txt=$(openssl x509 -in root/certs/ca.crt -noout -text)
	grep -q 'CA:TRUE' <<<"$txt" || fail "root without CA:TRUE"
	grep -q 'Certificate Sign, CRL Sign' <<<"$txt" || fail "root key usage"
	[ "$(openssl x509 -in root/certs/ca.crt -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum)" = \
	  "$(p11tool --provider "$LANE_MODULE" --export "$LANE_TOKEN;object=root;type=public" 2>/dev/null |
		openssl pkey -pubin -outform DER | sha256sum)" ] || fail "the root certificate does not carry the token's root key"
	pass "init records the module; self-signed root (no --module) carries the token key"

	quiet env HSMCA_MODULE="$LANE_MODULE" HSMCA_PIN="$LANE_PIN" "$HSMCA" req --key "$int" --out int.csr \
		--subject 'CN=My Company Intermediate CA,OU=My Company Certificate Authority,O=My Company,ST=My State,C=US'
	openssl req -in int.csr -noout -verify 2>&1 | has 'verify OK' || fail "openssl rejects the request"
	quiet hk sign --yes --ca root --profile intermediate-ca --csr int.csr --out int.crt
	openssl verify -CAfile root/certs/ca.crt int.crt >/dev/null || fail "openssl rejects the intermediate"
	openssl x509 -in int.crt -noout -text | has 'CA:TRUE, pathlen:0' || fail "intermediate pathlen"
	[ "$(openssl x509 -in int.crt -noout -ext authorityKeyIdentifier | tail -1 | tr -d ' ')" = \
	  "$(openssl x509 -in root/certs/ca.crt -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' ')" ] || fail "AKI is not the root's SKI"
	pass "intermediate request (HSMCA_MODULE) and certificate (no --module)"

	quiet env HSMCA_MODULE="$LANE_MODULE" HSMCA_PIN="$LANE_PIN" "$HSMCA" init intermediate \
		--key "$int" --cert int.crt --issuer root
	conf_module intermediate
	hk chain --ca intermediate --out chain.crt
	[ "$(grep -c BEGIN chain.crt)" = 2 ] || fail "chain.crt does not hold two certificates"
	certtool --verify-chain --infile chain.crt 2>&1 | has 'Verified' || fail "certtool rejects the chain"
	pass "intermediate CA directory (init with HSMCA_MODULE) and chain"

	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout srv.key \
		-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -out srv.csr 2>/dev/null
	quiet hk sign --yes --ca intermediate --profile server --csr srv.csr --out srv.crt
	openssl verify -CAfile root/certs/ca.crt -untrusted chain.crt -purpose sslserver srv.crt >/dev/null ||
		fail "openssl rejects the server certificate"
	cat srv.crt chain.crt > full.crt
	certtool --verify-chain --infile full.crt 2>&1 | has 'Verified' || fail "certtool rejects the server chain"
	txt=$(openssl x509 -in srv.crt -noout -text)
	grep -q 'DNS:localhost' <<<"$txt" || fail "server SAN missing"
	grep -q 'TLS Web Server Authentication' <<<"$txt" || fail "server EKU"
	hk verify --ca-file root/certs/ca.crt --chain chain.crt --hostname localhost --purpose server srv.crt >/dev/null
	serial=$(openssl x509 -in srv.crt -noout -serial | cut -d= -f2)
	hk list-certs --ca intermediate | has "^$serial V " || fail "list-certs does not show $serial valid"
	pass "server certificate"

	quiet hk revoke --ca intermediate --cert srv.crt --reason keyCompromise
	quiet hk gencrl --ca intermediate --days 7 --out crl.pem
	quiet hk gencrl --ca root --days 7 --out root-crl.pem
	openssl crl -in crl.pem -noout -CAfile int.crt -verify 2>&1 | has 'verify OK' || fail "openssl crl -verify (intermediate)"
	openssl crl -in root-crl.pem -noout -CAfile root/certs/ca.crt -verify 2>&1 | has 'verify OK' || fail "openssl crl -verify (root)"
	certtool --verify-crl --load-ca-certificate int.crt --infile crl.pem 2>&1 | has 'Verified' || fail "certtool --verify-crl"
	openssl crl -in crl.pem -noout -text | has "Serial Number: $serial" || fail "the CRL does not list $serial"
	out=$(openssl verify -crl_check -CAfile root/certs/ca.crt -untrusted chain.crt -CRLfile crl.pem srv.crt 2>&1 || true)
	grep -q 'certificate revoked' <<<"$out" || fail "openssl accepts the revoked server certificate: $out"
	expect_fail 1 hk verify --ca-file root/certs/ca.crt --chain chain.crt --crl crl.pem srv.crt
	grep -q 'revoked' "$T/stderr" || { cat "$T/stderr" >&2; fail "hsmca verify does not say revoked"; }
	hk list-certs --ca intermediate | has "^$serial R " || fail "list-certs does not show $serial revoked"
	pass "revoke, gencrl (no --module), CRLs verified by openssl and certtool"

	# A CA directory loads its own module only: no other module's chatter
	# (tpm2-pkcs11, registered with p11-kit, prints TCTI errors when it loads).
	if [ "$LANE_MODULE" != "$TPM_MODULE" ] && grep -i 'tcti\|tpm' "$T/quiet.all" >&2; then
		fail "a command on the CA directory loaded tpm2-pkcs11 too"
	fi
}

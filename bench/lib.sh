# bench/lib.sh: helpers for bench/run.sh (sourced, not run).
#
# Timing: every measurement is the wall time of one whole process, taken
# with bash's $EPOCHREALTIME around the command (no extra fork), in
# milliseconds.  A command that fails stops the benchmark: the time of a
# failure means nothing.
# shellcheck shell=bash

# die MESSAGE: stop the benchmark with a one-line reason.
die() {
	echo "bench: $*" >&2
	exit 1
}

# note MESSAGE: progress on stderr, so that stdout holds only results.
note() {
	printf 'bench: %s\n' "$*" >&2
}

# find_module: print the SoftHSM2 module path ($MODULE wins).
find_module() {
	local m
	if [ -n "${MODULE:-}" ]; then
		[ -r "$MODULE" ] || die "MODULE=$MODULE is not readable"
		echo "$MODULE"
		return
	fi
	for m in /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
		/usr/lib/softhsm/libsofthsm2.so \
		/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so; do
		[ -r "$m" ] && { echo "$m"; return; }
	done
	die "no SoftHSM2 module found (install softhsm2 or set MODULE=)"
}

# find_engine: print the path of OpenSSL's pkcs11 engine (libp11).
find_engine() {
	local dir
	dir=$(openssl version -e | sed -n 's/^ENGINESDIR: "\(.*\)"$/\1/p')
	[ -r "$dir/pkcs11.so" ] ||
		die "no OpenSSL pkcs11 engine in $dir (install libengine-pkcs11-openssl)"
	echo "$dir/pkcs11.so"
}

# softhsm_conf DIR: a private SoftHSM2 configuration with its tokens in
# DIR/tokens; prints the configuration file's path.  The system's SoftHSM2
# configuration is never used.
softhsm_conf() {
	mkdir -p "$1/tokens"
	cat > "$1/softhsm2.conf" <<-CONF
		directories.tokendir = $1/tokens
		objectstore.backend = file
		log.level = ERROR
		slots.removable = false
		slots.mechanisms = ALL
		library.reset_on_fork = false
	CONF
	echo "$1/softhsm2.conf"
}

# timed SAMPLES CMD...: run CMD once, append its wall time in ms to the file
# SAMPLES.  Its stdout and stderr go to $W/last.out and $W/last.err.
timed() {
	local samples=$1 t0 t1
	shift
	t0=$EPOCHREALTIME
	if ! "$@" > "$W/last.out" 2> "$W/last.err"; then
		cat "$W/last.err" >&2
		die "failed: $*"
	fi
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }' \
		>> "$samples"
}

# median FILE [FORMAT]: the median of the numbers in FILE, one a line.
median() {
	sort -g "$1" | awk -v f="${2:-%.3f}" '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		if (NR % 2) printf f, v[(NR + 1) / 2]
		else printf f, (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# spread FILE [FORMAT]: "min-max" of the numbers in FILE.
spread() {
	sort -g "$1" | awk -v f="${2:-%.3f}" 'NR == 1 { lo = $1 } { hi = $1 }
		END { printf f "-" f, lo, hi }'
}

# paired A B: line by line, A / B (runs made side by side).
paired() {
	paste "$1" "$2" | awk '{ printf "%.4f\n", $1 / $2 }'
}

# rates FILE N: for each time in ms in FILE, N items per second.
rates() {
	awk -v n="$2" '{ printf "%.2f\n", n * 1000 / $1 }' "$1"
}

# index_lines STATUS N: N synthetic index.txt lines in openssl ca's format,
# valid for both hsmca and openssl ca: status V (valid) or R (revoked, with
# a revocation date and one of six reasons that both tools know), an expiry
# in 2027, a 20-octet positive serial unique per line, and /CN=hostN.
index_lines() {
	awk -v st="$1" -v n="$2" 'BEGIN {
		split("unspecified keyCompromise CACompromise affiliationChanged " \
		    "superseded cessationOfOperation", why, " ")
		for (i = 1; i <= n; i++) {
			rev = st == "R" ? "261101000000Z," why[1 + i % 6] : ""
			printf "%s\t271207000000Z\t%s\t%02X%038X\tunknown\t/CN=host%d\n",
			    st, rev, 64 + i % 63, i, i
		}
	}'
}

# openssl_engine_conf FILE: an OPENSSL_CONF that loads the pkcs11 engine
# with the SoftHSM2 module directly (not through p11-kit-proxy) and the PIN,
# as the anchors' setup.sh does; certtool gets --provider with the same
# module, and hsmca --module, so all three load one module.
openssl_engine_conf() {
	cat > "$1" <<-CNF
		openssl_conf = openssl_init
		[openssl_init]
		engines = engine_section
		[engine_section]
		pkcs11 = pkcs11_section
		[pkcs11_section]
		engine_id = pkcs11
		dynamic_path = $ENGINE
		MODULE_PATH = $MOD
		PIN = $PIN
		init = 0
	CNF
}

# openssl_ca_conf FILE DIR: an openssl ca configuration for the hsmca CA
# directory DIR (the same layout), signing with the same token key and
# the server profile's extensions, hash and validity.
openssl_ca_conf() {
	cat > "$1" <<-CNF
		[ ca ]
		default_ca = bench
		[ bench ]
		dir = $2
		database = \$dir/index.txt
		new_certs_dir = \$dir/newcerts
		serial = \$dir/serial
		crlnumber = \$dir/crlnumber
		certificate = \$dir/certs/ca.crt
		private_key = $KEY
		default_md = sha384
		default_days = 375
		default_crl_days = 30
		policy = policy_any
		unique_subject = no
		copy_extensions = copy
		x509_extensions = server_cert
		[ policy_any ]
		commonName = supplied
		[ server_cert ]
		basicConstraints = critical, CA:false
		keyUsage = critical, digitalSignature
		extendedKeyUsage = serverAuth
		subjectKeyIdentifier = hash
		authorityKeyIdentifier = keyid
	CNF
}

# certtool_template FILE: the server profile as a certtool template; the
# SAN comes from the request, as hsmca's server profile takes it.
certtool_template() {
	cat > "$1" <<-TMPL
		expiration_days = 375
		tls_www_server
		signing_key
		honor_crq_extensions
	TMPL
}

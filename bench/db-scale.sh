#!/bin/bash
# bench/db-scale.sh [N]: how the CA database scales, in one run.
#
# Builds two index.txt files in the form openssl ca writes (N entries,
# default 100000, and 100), then times on each:
#   - hsmca list-certs (parses the whole index)
#   - hsmca revoke     (parses, then rewrites index.txt atomically)
#   - openssl ca -revoke on the same index, for comparison
# and prints the big/small ratios.  A benchmark, not a timed test: no
# thresholds, nothing fails on slowness.  Needs the built binary in $HSMCA
# (default: build/src/hsmca) and openssl.
set -euo pipefail
N=${1:-100000}
HSMCA=${HSMCA:-$(dirname "$0")/../build/src/hsmca}
T=$(mktemp -d "${TMPDIR:-/tmp}/hsmca-bench-XXXXXX")
trap 'rm -rf "$T"' EXIT

# make_ca DIR COUNT: a CA directory whose index has COUNT valid entries with
# 20-octet serials; the last one is the certificate we revoke.
make_ca() {
	local d=$1 n=$2
	mkdir -p "$d/newcerts" "$d/private" "$d/certs"
	awk -v n="$n" 'BEGIN { srand(1); for (i = 1; i <= n; i++)
		printf "V\t301231235959Z\t\t%02X%038X\tunknown\t/O=Bench/CN=host%d.example.com\n",
		    64 + i % 63, i, i }' > "$d/index.txt"
	echo "unique_subject = no" > "$d/index.txt.attr"
	cat > "$d/ca.cnf" <<EOF
[ ca ]
default_ca = d
[ d ]
dir = $d
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
private_key = \$dir/private/ca.key
certificate = \$dir/certs/ca.crt
default_md = sha256
policy = p
[ p ]
commonName = supplied
EOF
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc \
		-keyout "$d/private/ca.key" -subj "/CN=Bench CA" -days 1 \
		-out "$d/certs/ca.crt" 2>/dev/null
}

# seconds COMMAND...: wall time of one run
seconds() {
	local a b
	a=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	b=$(date +%s.%N)
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", b - a }'
}

last_serial() { tail -n 1 "$1/index.txt" | cut -f4; }

# openssl ca -revoke wants the certificate file: revoke by serial with
# -revoke on a certificate carrying that serial (self-signed, same serial).
ossl_revoke() {
	local d=$1 s
	s=$(last_serial "$d")
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc \
		-keyout "$d/x.key" -subj "/CN=x" -days 1 -set_serial "0x$s" \
		-out "$d/x.crt" 2>/dev/null
	seconds openssl ca -config "$d/ca.cnf" -revoke "$d/x.crt"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

declare -A L R O
for size in big small; do
	n=$N; [ $size = small ] && n=100
	make_ca "$T/$size" "$n"
	cp -r "$T/$size" "$T/$size-ossl"
done
for size in big small; do
	L[$size]=$(seconds "$HSMCA" list-certs --ca "$T/$size")
	R[$size]=$(seconds "$HSMCA" revoke --ca "$T/$size" \
		--serial "$(last_serial "$T/$size")" --reason superseded)
	O[$size]=$(ossl_revoke "$T/$size-ossl")
done
printf 'entries: %d vs 100\n' "$N"
printf 'hsmca list-certs   %8.3f s vs %8.3f s  ratio %s\n' "${L[big]}" "${L[small]}" "$(ratio "${L[big]}" "${L[small]}")"
printf 'hsmca revoke       %8.3f s vs %8.3f s  ratio %s\n' "${R[big]}" "${R[small]}" "$(ratio "${R[big]}" "${R[small]}")"
printf 'openssl ca -revoke %8.3f s vs %8.3f s  ratio %s\n' "${O[big]}" "${O[small]}" "$(ratio "${O[big]}" "${O[small]}")"
printf 'hsmca revoke / openssl ca -revoke at %d entries: %s\n' "$N" "$(ratio "${R[big]}" "${O[big]}")"

#!/bin/bash
# bench/run.sh: hsmca's speed as ratios against anchors measured in the
# same run, on one throw-away SoftHSM2 token (private SOFTHSM2_CONF), with
# one CA key (EC P-384, made by hsmca keygen) used by every tool:
#   1. batch issuance: one `hsmca sign` of 200 CSRs, in certificates/s,
#      against the token's raw signing rate (signrate.c, same key, SHA-384)
#      and against one `openssl ca -infiles` of the same CSRs;
#   2. one certificate, whole process: `hsmca sign` against certtool;
#   3. one certificate with 100,000 entries in index.txt against an empty
#      index, for hsmca and for openssl ca;
#   4. gencrl with 100,000 revoked entries against openssl ca -gencrl.
# Each figure is the median of several runs (range in brackets); A/B pairs
# run alternately.  A benchmark, not a test: nothing fails on slowness, but
# every command must succeed and its output is checked by openssl.
#
# usage: bench/run.sh
#   QUICK=1        fewer and shorter runs (about a minute; for CI)
#   HSMCA=path     the hsmca binary (default: build into build-bench/)
#   MODULE=path    the SoftHSM2 module (default: found)
#   RESULTS=file   where the summary is appended (default:
#                  bench/results/YYYY-MM-DD.txt; "none" for nowhere)
#   KEEP=1         keep the work directory
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
export LC_ALL=C
BENCH=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$BENCH/.." && pwd)
# shellcheck source=lib.sh
. "$BENCH/lib.sh"

QUICK=${QUICK:-0}
NCSR=200
NDB=100000
if [ "$QUICK" = 1 ]; then
	RAW_S=1 R_BATCH=3 R_ONE=7 R_DB=5 R_CRL=3
else
	RAW_S=3 R_BATCH=9 R_ONE=31 R_DB=21 R_CRL=7
fi
for tool in openssl certtool softhsm2-util cc pkg-config; do
	command -v "$tool" > /dev/null || die "$tool is needed"
done
MOD=$(find_module)
ENGINE=$(find_engine)

# -- the binary: HSMCA=, or built here with the release build type
if [ -z "${HSMCA:-}" ]; then
	B=$SRC/build-bench
	if [ ! -f "$B/build.ninja" ]; then
		note "meson setup $B"
		meson setup "$B" "$SRC" -Dbuildtype=release -Dtests=disabled \
			> "${TMPDIR:-/tmp}/hsmca-bench-setup.log" ||
			die "meson setup failed: ${TMPDIR:-/tmp}/hsmca-bench-setup.log"
	fi
	ninja -C "$B" src/hsmca > "${TMPDIR:-/tmp}/hsmca-bench-build.log" ||
		die "build failed: ${TMPDIR:-/tmp}/hsmca-bench-build.log"
	HSMCA=$B/src/hsmca
fi
[ -x "$HSMCA" ] || die "HSMCA=$HSMCA is not an executable"
export HSMCA_PROFILE_PATH=${HSMCA_PROFILE_PATH:-$SRC/profiles}

W=$(mktemp -d "${TMPDIR:-/tmp}/hsmca-bench-XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
	note "work directory kept: $W"
else
	trap 'rm -rf "$W"' EXIT
fi
SOFTHSM2_CONF=$(softhsm_conf "$W")
export SOFTHSM2_CONF
unset HSMCA_PIN GNUTLS_PIN OPENSSL_CONF
PIN=1234

# The three tools, each loading the SoftHSM2 module only.  Functions, so
# that the timed process is the tool itself, with no wrapper process.
h() { HSMCA_PIN=$PIN "$HSMCA" --module "$MOD" "$@"; }
ct() { GNUTLS_PIN=$PIN certtool --provider "$MOD" "$@"; }
oca() { OPENSSL_CONF=$W/engine.cnf openssl ca -engine pkcs11 -keyform engine "$@"; }

# -- setup (not timed): token, CA key and certificate, CSRs, databases
note "setup in $W"
softhsm2-util --init-token --free --label bench --so-pin 12345678 \
	--pin "$PIN" > /dev/null
KEY=$(h keygen --token pkcs11:token=bench --label ca --type ec:secp384r1)
h init "$W/ca" --key "$KEY" 2> /dev/null
h selfsign --yes --ca "$W/ca" --subject 'CN=hsmca bench CA,O=hsmca bench' \
	2> /dev/null
CACRT=$W/ca/certs/ca.crt
openssl_engine_conf "$W/engine.cnf"
certtool_template "$W/server.tmpl"

mkdir "$W/csr"
CSRS=()
CSR_ARGS=()
for i in $(seq -w 1 "$NCSR"); do
	f=$W/csr/host$i.csr
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc \
		-keyout "$W/csr/host$i.key" -subj "/CN=host$i.example" \
		-addext "subjectAltName=DNS:host$i.example" -out "$f" 2> /dev/null
	CSRS+=("$f")
	CSR_ARGS+=(--csr "$f")
done

# copy_ca NAME [STATUS N]: a fresh copy of the CA directory as $W/NAME,
# with N synthetic index lines of STATUS appended, and an openssl ca
# configuration for it in $W/NAME.cnf.
copy_ca() {
	rm -rf "${W:?}/$1"
	cp -a "$W/ca" "$W/$1"
	[ $# -eq 1 ] || index_lines "$2" "$3" >> "$W/$1/index.txt"
	openssl_ca_conf "$W/$1.cnf" "$W/$1"
}

# -- 1. batch issuance in one process, each run beside a raw signing rate
# run on the same key: signrate.c (the anchors' program, SHA-384 as the
# server profile), hsmca sign of all the CSRs (CA directory on disk, and
# again on tmpfs, where fsync costs nothing), openssl ca -infiles.
SIGNRATE_C=$BENCH/signrate.c
for s in "$SRC/../shared/anchors/signrate.c" /work/shared/anchors/signrate.c; do
	if [ -r "$s" ] && ! cmp -s "$s" "$SIGNRATE_C"; then
		note "warning: $SIGNRATE_C differs from $s"
	fi
done
# shellcheck disable=SC2046 # pkg-config's flags are words
cc -O2 -o "$W/signrate" "$SIGNRATE_C" \
	$(pkg-config --cflags --libs gnutls) -lpthread ||
	die "cannot build $SIGNRATE_C"
SHM=
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	SHM=$(mktemp -d /dev/shm/hsmca-bench-XXXXXX)
	if [ "${KEEP:-0}" = 1 ]; then
		note "tmpfs directory kept: $SHM"
	else
		trap 'rm -rf "$W" "$SHM"' EXIT
	fi
fi
note "1. batch of $NCSR: $R_BATCH runs each, with raw rate ${RAW_S}s"
for _ in $(seq "$R_BATCH"); do
	GNUTLS_PIN=$PIN "$W/signrate" -m "$MOD" -d sha384 -s "$RAW_S" "$KEY" \
		> "$W/signrate.out" || die "signrate failed"
	grep -q 'curve=SECP384R1 digest=SHA384' "$W/signrate.out" ||
		die "signrate did not sign with P-384/SHA-384: $(cat "$W/signrate.out")"
	sed -n 's/.*sig_per_s=\([0-9.]*\).*/\1/p' "$W/signrate.out" >> "$W/s.raw"
	for where in $W $SHM; do
		rm -rf "$where/batch-h"
		cp -a "$W/ca" "$where/batch-h"
		mkdir "$where/batch-h/out"
		s=$W/s.batch.h
		[ "$where" = "$W" ] || s=$W/s.batch.shm
		timed "$s" h sign --yes --ca "$where/batch-h" --profile server \
			"${CSR_ARGS[@]}" --out-dir "$where/batch-h/out"
		n=$(find "$where/batch-h/out" -name '*.crt' | wc -l)
		[ "$n" -eq "$NCSR" ] || die "hsmca sign wrote $n of $NCSR certificates"
	done
	copy_ca batch-o
	timed "$W/s.batch.o" oca -config "$W/batch-o.cnf" -batch -notext \
		-infiles "${CSRS[@]}"
	n=$(grep -c 'BEGIN CERTIFICATE' "$W/last.out")
	[ "$n" -eq "$NCSR" ] || die "openssl ca wrote $n of $NCSR certificates"
done
openssl verify -CAfile "$CACRT" "$W/batch-h/out/host001.crt" \
	"$W/batch-h/out/host$NCSR.crt" > /dev/null ||
	die "openssl rejects hsmca's batch certificates"
cp "$W/last.out" "$W/batch-o.pem"
openssl verify -CAfile "$CACRT" "$W/batch-o.pem" > /dev/null ||
	die "openssl rejects openssl ca's certificates"

# -- 2. one certificate, whole process: hsmca sign vs certtool
note "2. one certificate: $R_ONE runs each, alternated"
copy_ca one-h
for i in $(seq -2 "$R_ONE"); do
	s=$W/s.one
	[ "$i" -gt 0 ] || s=$W/s.warm
	csr=${CSRS[$(((i + 2) % NCSR))]}
	timed "$s.h" h sign --yes --ca "$W/one-h" --profile server \
		--csr "$csr" --out "$W/one-h.crt"
	timed "$s.c" ct --generate-certificate --load-request "$csr" \
		--load-ca-privkey "$KEY" --load-ca-certificate "$CACRT" \
		--template "$W/server.tmpl" --hash SHA384 --outfile "$W/one-c.crt"
	# the same on tmpfs (CA directory and output): hsmca without fsync cost
	[ -z "$SHM" ] || timed "$s.shm" h sign --yes --ca "$SHM/batch-h" \
		--profile server --csr "$csr" --out "$SHM/one.crt"
done
for f in one-h one-c; do
	openssl verify -CAfile "$CACRT" "$W/$f.crt" > /dev/null ||
		die "openssl rejects $f.crt"
	openssl x509 -in "$W/$f.crt" -noout -text |
		grep -q 'ecdsa-with-SHA384' || die "$f.crt is not signed with SHA-384"
done

# -- 3. one certificate against a 100,000-entry index vs an empty one
note "3. index of $NDB entries vs empty: $R_DB runs each, alternated"
copy_ca db-h-0
copy_ca db-h-big V "$NDB"
copy_ca db-o-0
copy_ca db-o-big V "$NDB"
for i in $(seq -1 "$R_DB"); do
	s=$W/s.db
	[ "$i" -gt 0 ] || s=$W/s.warm
	csr=${CSRS[$(((i + 1) % NCSR))]}
	for size in 0 big; do
		timed "$s.h.$size" h sign --yes --ca "$W/db-h-$size" \
			--profile server --csr "$csr" --out "$W/db-h-$size.crt"
	done
	for size in 0 big; do
		timed "$s.o.$size" oca -config "$W/db-o-$size.cnf" -batch -notext \
			-in "$csr" -out "$W/db-o-$size.crt"
	done
done
for f in db-h-big db-o-big; do
	openssl verify -CAfile "$CACRT" "$W/$f.crt" > /dev/null ||
		die "openssl rejects $f.crt"
	n=$(wc -l < "$W/$f/index.txt")
	[ "$n" -eq $((NDB + 1 + R_DB + 2)) ] || die "$f/index.txt has $n lines"
done

# -- 4. gencrl with 100,000 revoked entries: hsmca vs openssl ca -gencrl
note "4. gencrl of $NDB revoked: $R_CRL runs each, alternated"
copy_ca crl-h R "$NDB"
copy_ca crl-o R "$NDB"
for _ in $(seq "$R_CRL"); do
	timed "$W/s.crl.h" h gencrl --ca "$W/crl-h" --out "$W/crl-h.crl"
	timed "$W/s.crl.o" oca -config "$W/crl-o.cnf" -gencrl -out "$W/crl-o.crl"
done
for f in crl-h crl-o; do
	openssl crl -in "$W/$f.crl" -CAfile "$CACRT" -noout 2>&1 |
		grep -q 'verify OK' || die "openssl rejects the signature of $f.crl"
	openssl crl -in "$W/$f.crl" -noout -text > "$W/$f.txt"
	n=$(grep -c 'Serial Number:' "$W/$f.txt")
	[ "$n" -eq "$NDB" ] || die "$f.crl lists $n of $NDB revoked certificates"
	grep -c 'Key Compromise' "$W/$f.txt" > "$W/$f.kc"
done
cmp -s "$W/crl-h.kc" "$W/crl-o.kc" ||
	die "the two CRLs differ in their keyCompromise entries"

# -- the summary: medians of each side, and the median of the ratios of
# the runs made side by side (paired), which the load of a shared machine
# moves less than either side alone.
rates "$W/s.batch.h" "$NCSR" > "$W/r.batch.h"
rates "$W/s.batch.o" "$NCSR" > "$W/r.batch.o"
paired "$W/r.batch.h" "$W/s.raw" > "$W/p.h.raw"
paired "$W/r.batch.o" "$W/s.raw" > "$W/p.o.raw"
paired "$W/r.batch.h" "$W/r.batch.o" > "$W/p.h.o"
paired "$W/s.one.h" "$W/s.one.c" > "$W/p.one"
paired "$W/s.db.h.big" "$W/s.db.h.0" > "$W/p.db.h"
paired "$W/s.db.o.big" "$W/s.db.o.0" > "$W/p.db.o"
paired "$W/s.crl.h" "$W/s.crl.o" > "$W/p.crl"
commit=$(git -C "$SRC" rev-parse --short HEAD 2> /dev/null || echo unknown)
git -C "$SRC" diff --quiet HEAD -- src include 2> /dev/null ||
	commit="$commit+dirty"

# ms FILE / per_s FILE / ratio FILE: "median (min-max)" of a samples file
ms() {
	local f=%.1f
	[ "$(median "$1" '%.0f')" -lt 100 ] || f=%.0f
	printf '%s ms (%s)' "$(median "$1" "$f")" "$(spread "$1" "$f")"
}
per_s() { printf '%s/s (%s)' "$(median "$1" '%.0f')" "$(spread "$1" '%.0f')"; }
ratio() { printf '%s (%s)' "$(median "$1" '%.2f')" "$(spread "$1" '%.2f')"; }
# row MEASURE HSMCA ANCHOR RATIO MEANING: one line of the table
row() { printf '%-30s %-24s %-38s %-17s %s\n' "$@" | sed 's/ *$//'; }
summary() {
	echo "== hsmca bench $(date -u +%FT%TZ) QUICK=$QUICK hsmca $commit," \
		"$(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "   GnuTLS $(pkg-config --modversion gnutls)," \
		"SoftHSM2 $(softhsm2-util --version), $(openssl version | cut -d' ' -f1-2);" \
		"CA key EC P-384 on SoftHSM2, SHA-384, CSRs EC P-256"
	echo "   median (min-max) of runs: batch $R_BATCH (raw rate ${RAW_S}s each)," \
		"one cert $R_ONE, index $R_DB, gencrl $R_CRL; ratios paired run by run"
	row "measure" "hsmca" "anchor" "ratio" ""
	row "1 batch $NCSR certs, 1 process" "$(per_s "$W/r.batch.h")" \
		"token raw $(per_s "$W/s.raw")" "$(ratio "$W/p.h.raw")" "hsmca/raw"
	row "" "" "openssl ca -infiles $(per_s "$W/r.batch.o")" \
		"$(ratio "$W/p.h.o")" "hsmca/openssl"
	row "" "" "" "$(ratio "$W/p.o.raw")" "openssl/raw"
	if [ -s "$W/s.batch.shm" ]; then
		rates "$W/s.batch.shm" "$NCSR" > "$W/r.batch.shm"
		paired "$W/r.batch.shm" "$W/s.raw" > "$W/p.shm.raw"
		row "  CA dir on tmpfs (no fsync)" "$(per_s "$W/r.batch.shm")" "" \
			"$(ratio "$W/p.shm.raw")" "hsmca/raw"
	fi
	row "2 one cert, whole process" "$(ms "$W/s.one.h")" \
		"certtool $(ms "$W/s.one.c")" "$(ratio "$W/p.one")" "hsmca/certtool"
	if [ -s "$W/s.one.shm" ]; then
		paired "$W/s.one.shm" "$W/s.one.c" > "$W/p.one.shm"
		row "  CA dir on tmpfs (no fsync)" "$(ms "$W/s.one.shm")" "" \
			"$(ratio "$W/p.one.shm")" "hsmca/certtool"
	fi
	row "3 one cert, index $NDB" "$(ms "$W/s.db.h.big")" \
		"empty $(ms "$W/s.db.h.0")" "$(ratio "$W/p.db.h")" "hsmca 100k/empty"
	row "  openssl ca, same indexes" "$(ms "$W/s.db.o.big")" \
		"empty $(ms "$W/s.db.o.0")" "$(ratio "$W/p.db.o")" "openssl 100k/empty"
	row "4 gencrl, $NDB revoked" "$(ms "$W/s.crl.h")" \
		"openssl ca $(ms "$W/s.crl.o")" "$(ratio "$W/p.crl")" "hsmca/openssl"
}
summary > "$W/summary.txt"
cat "$W/summary.txt"
RESULTS=${RESULTS:-$BENCH/results/$(date -u +%F).txt}
if [ "$RESULTS" != none ]; then
	mkdir -p "$(dirname "$RESULTS")"
	{ cat "$W/summary.txt"; echo; } >> "$RESULTS"
	note "appended to $RESULTS"
fi

# Shared setup for the integration tests: sourced by every t-*.sh.
#
# Each test gets its own directory ($T) and its own SoftHSM2 configuration
# (SOFTHSM2_CONF=$T/softhsm2.conf, tokens in $T/tokens): the system's SoftHSM2
# configuration is never touched.  Exit 77 means "skipped" for meson.
set -euo pipefail

HSMCA=${HSMCA:?HSMCA must name the built binary}
SRCDIR=${HSMCA_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SOFTHSM_MODULE=
for m in /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so /usr/lib/softhsm/libsofthsm2.so \
	/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so; do
	[ -r "$m" ] && { SOFTHSM_MODULE=$m; break; }
done
SPY_MODULE=/usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so
command -v softhsm2-util >/dev/null && [ -n "$SOFTHSM_MODULE" ] || { echo "SKIP: no SoftHSM2"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/hsmca-it-XXXXXX")
trap '[ -n "${HSMCA_KEEP_TEST_DIR:-}" ] || rm -rf "$T"' EXIT
[ -z "${HSMCA_KEEP_TEST_DIR:-}" ] || echo "test directory: $T" >&2
export SOFTHSM2_CONF=$T/softhsm2.conf
mkdir -p "$T/tokens"
cat > "$SOFTHSM2_CONF" <<CONF
directories.tokendir = $T/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
slots.mechanisms = ALL
library.reset_on_fork = false
CONF
unset HSMCA_PIN GNUTLS_PIN
# The p11-kit registry also loads the trust module and OpenSC; tests name the
# module unless they test the registry itself.
PIN=1234
SO_PIN=12345678

# make_token LABEL [PIN]: a fresh initialised token in this test's directory.
make_token() {
	softhsm2-util --init-token --free --label "$1" --so-pin "$SO_PIN" \
		--pin "${2:-$PIN}" >/dev/null
}

# make_root DIR SUBJECT: a token "ca", a key "root" on it, and a self-signed
# CA directory DIR; the key's URI is left in $KEY.
make_root() {
	make_token ca
	KEY=$(h keygen --token pkcs11:token=ca --label root)
	h init "$1" --key "$KEY" 2>/dev/null
	h selfsign --yes --ca "$1" --subject "$2" 2>/dev/null
}

# h ARGS...: run hsmca on SoftHSM2's module with the PIN from the environment.
h() { HSMCA_PIN=${HSMCA_PIN-$PIN} "$HSMCA" --module "$SOFTHSM_MODULE" "$@"; }

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

# expect_fail STATUS CMD...: CMD must exit with STATUS and print one
# "hsmca: " line on stderr; its stderr is left in $T/stderr.
expect_fail() {
	local want=$1 rc=0; shift
	"$@" >"$T/stdout" 2>"$T/stderr" || rc=$?
	[ "$rc" -eq "$want" ] || { cat "$T/stderr" >&2; fail "exit $rc, wanted $want: $*"; }
	grep -q '^hsmca: ' "$T/stderr" || { cat "$T/stderr" >&2; fail "no 'hsmca:' message: $*"; }
}

# tree_sum DIR: one checksum over every file's name and bytes, to prove that a
# refused command changed nothing.
tree_sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum; }

# has PATTERN...: grep that reads all its input (grep -q may exit early and
# SIGPIPE the command before it, which pipefail then reports as a failure).
has() { grep "$@" >/dev/null; }

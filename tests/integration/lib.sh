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
# at_exit CMD...: run CMD when the test ends, however it ends (last registered
# first), before $T is removed: tokens.sh stops its daemons this way, by pid.
_at_exit=()
at_exit() { _at_exit=("$(printf '%q ' "$@")" "${_at_exit[@]}"); }
_lib_exit() {
	local rc=$? c
	set +e
	trap '' HUP INT TERM   # a second signal must not cut the cleanup short
	for c in "${_at_exit[@]}"; do eval "$c"; done
	[ -n "${HSMCA_KEEP_TEST_DIR:-}" ] || rm -rf "$T"
	exit "$rc"
}
trap _lib_exit EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM
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
unset HSMCA_PIN GNUTLS_PIN HSMCA_MODULE
# libtpm2-pkcs11-1 registers tpm2-pkcs11 with p11-kit for every program.  A
# user module config overrides that registration -- but p11-kit 0.24 reads no
# user config at all in a program running as root ("skipping user config in
# program running as root", P11_KIT_DEBUG=conf), as CI and autopkgtest do.  So
# both: the override for non-root runs (buildds), and for root runs an
# environment in which the module, if it loads, finds no TPM quietly (its
# default TCTIs would try any swtpm on port 2321) and keeps its database in $T,
# not in $HOME/.tpm2_pkcs11.  tokens.sh's tpm_start replaces all of this for
# the test that wants the TPM.
export XDG_CONFIG_HOME=$T/config
mkdir -p "$XDG_CONFIG_HOME/pkcs11/modules" "$T/tpm2-unused"
printf 'enable-in: hsmca-no-program\n' > "$XDG_CONFIG_HOME/pkcs11/modules/tpm2_pkcs11.module"
export TPM2_PKCS11_STORE=$T/tpm2-unused TPM2_PKCS11_LOG_LEVEL=0 TSS2_LOG=all+NONE
export TPM2_PKCS11_TCTI=device:/dev/null/no-tpm
# Likewise OpenSC (registered too) sees every card on the machine through
# pcscd -- an emulated SmartCard-HSM of t-schsm or of a manual session -- and
# the registry-based tests (openssl's pkcs11 engine among them) would find
# its keys and try their PIN on it.  A pcscd socket that is not there hides
# them; tokens.sh's schsm_start gives the card lane the real one.
export PCSCLITE_CSOCK_NAME=$T/no-pcscd
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

#!/bin/bash
# Test the bash completion for hsmca: source it in this bash, fake the
# COMP_* variables of a command line, call the completion function and
# compare COMPREPLY with what it must be.
#
#   test-completion.sh PATH-TO-completion/hsmca
set -uo pipefail
comp=${1:?usage: test-completion.sh COMPLETION-FILE}
# shellcheck source=/dev/null
. "$comp" || { echo "FAIL: cannot source $comp"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/hsmca-comp-XXXXXX")
trap 'rm -rf "$T"' EXIT
failed=0 n=0

# complete LINE: run the completion for LINE (the cursor at its end; a
# trailing space starts a new, empty word); the sorted replies go to $got.
complete_line() {
	local line=$1
	COMP_LINE=$line
	COMP_POINT=${#line}
	# Split as readline does: at blanks, and '=' becomes a word of its own.
	local spaced=${line//=/ = }
	read -r -a COMP_WORDS <<<"$spaced"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	[[ $line == *"=" ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_hsmca hsmca "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | tr '\n' ' ')
	got=${got% }
}

# expect LINE WANT...: the replies for LINE must be exactly WANT (any order).
expect() {
	local line=$1 want
	shift
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort | tr '\n' ' ')
	want=${want% }
	complete_line "$line"
	n=$((n + 1))
	if [ "$got" = "$want" ]; then
		echo "ok $n - '$line'"
	else
		echo "not ok $n - '$line'"
		echo "#   want: [$want]"
		echo "#   got:  [$got]"
		failed=$((failed + 1))
	fi
}

# expect_has LINE WORD...: the replies for LINE must include every WORD;
# expect_lacks LINE WORD...: and must include none of them.
expect_has() {
	local line=$1 w bad=""
	shift
	complete_line "$line"
	for w in "$@"; do
		[[ " $got " == *" $w "* ]] || bad+=" $w"
	done
	n=$((n + 1))
	if [ -z "$bad" ]; then
		echo "ok $n - '$line' has $*"
	else
		echo "not ok $n - '$line' lacks$bad (got: $got)"
		failed=$((failed + 1))
	fi
}
expect_lacks() {
	local line=$1 w bad=""
	shift
	complete_line "$line"
	for w in "$@"; do
		[[ " $got " == *" $w "* ]] && bad+=" $w"
	done
	n=$((n + 1))
	if [ -z "$bad" ]; then
		echo "ok $n - '$line' lacks $*"
	else
		echo "not ok $n - '$line' offers$bad"
		failed=$((failed + 1))
	fi
}

# Profiles: two lookup directories through HSMCA_PROFILE_PATH, ./profiles,
# and a CA directory's profiles/.  Files not ending in .profile are not
# profiles.
mkdir -p "$T/p1" "$T/p2" "$T/work/profiles" "$T/ca/profiles" "$T/work/cadir"
touch "$T/p1/alpha.profile" "$T/p1/server.profile" "$T/p1/notes.txt" \
	"$T/p2/beta.profile" "$T/work/profiles/local.profile" \
	"$T/ca/profiles/ca-only.profile" "$T/work/request.csr"
cd "$T/work" || exit 1
export HSMCA_PROFILE_PATH=$T/p1:$T/p2

expect "hsmca " list-tokens list-objects keygen init selfsign req sign \
	renew revoke gencrl list-certs chain verify show audit
expect "hsmca li" list-tokens list-objects list-certs
expect "hsmca --module /x/y.so sel" selfsign
expect "hsmca --pin-file pin re" req renew revoke
expect "hsmca --v" --verbose --version
expect "hsmca keygen --" --token --label --type --id --module --pin-file \
	--yes --verbose --quiet --help
expect "hsmca keygen --type " ec:secp384r1 ec:secp256r1 ec:secp521r1 \
	rsa:2048 rsa:3072 rsa:4096 ed25519
expect "hsmca keygen --type rsa" rsa:2048 rsa:3072 rsa:4096
expect "hsmca keygen --type=ec" ec:secp384r1 ec:secp256r1 ec:secp521r1
expect "hsmca sign --dr" --dry-run
expect_lacks "hsmca list-tokens --" --csr --ca --profile
expect "hsmca sign --profile " alpha server beta local
expect "hsmca sign --profile s" server
expect "hsmca sign --ca $T/ca --profile " alpha server beta local ca-only
expect "hsmca sign --ca=$T/ca --profile=" alpha server beta local ca-only
expect "hsmca selfsign --ca $T/ca --profile c" ca-only
expect "hsmca revoke --reason key" keyCompromise
expect "hsmca revoke --reason " unspecified keyCompromise CACompromise \
	affiliationChanged superseded cessationOfOperation certificateHold
expect "hsmca selfsign --hash sha5" sha512
expect "hsmca list-certs --status " V R E
expect "hsmca verify --purpose " server client
expect "hsmca verify --hostname " ""
expect "hsmca sign --ca " cadir profiles
expect "hsmca sign --csr re" request.csr
expect "hsmca keygen --label " ""
expect "hsmca audit " verify
expect "hsmca audit verify " ""
expect "hsmca init " cadir profiles
# issue 11: --hash everywhere, --rsa-pss, renew, --expiring, dates
expect "hsmca sign --ha" --hash
expect "hsmca sign --hash " sha256 sha384 sha512
expect "hsmca gencrl --hash=sha" sha256 sha384 sha512
expect "hsmca gencrl --" --ca --days --hash --rsa-pss --out --module \
	--pin-file --yes --verbose --quiet --help
expect_has "hsmca sign --" --not-before --not-after --rsa-pss --hash
expect_has "hsmca selfsign --" --not-before --not-after --rsa-pss
expect "hsmca renew --" --ca --serial --cert --days --not-before \
	--not-after --hash --rsa-pss --profile --out --revoke-old --dry-run \
	--module --pin-file --yes --verbose --quiet --help
expect "hsmca renew --ca $T/ca --profile c" ca-only
expect "hsmca renew --cert re" request.csr
expect "hsmca renew --serial " ""
expect "hsmca renew --hash sha3" sha384
expect "hsmca sign --not-after " ""
expect "hsmca selfsign --not-before " ""
expect "hsmca list-certs --exp" --expiring
expect "hsmca list-certs --expiring " ""
expect "hsmca init x --openssl-conf re" request.csr

# Without HSMCA_PROFILE_PATH the system directories are searched: a name
# from p1 must then not be offered.
unset HSMCA_PROFILE_PATH
expect_lacks "hsmca sign --profile " alpha beta
expect_has "hsmca sign --profile " local

echo "1..$n"
[ "$failed" -eq 0 ] || { echo "# $failed of $n failed"; exit 1; }

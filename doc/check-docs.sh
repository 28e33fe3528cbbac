#!/bin/bash
# check-docs.sh HSMCA MANPAGE COMPLETION: keep hsmca(1) and the bash
# completion honest about the binary.  For every command that `hsmca --help`
# lists, the man page must have a "hsmca COMMAND" subsection and the
# completion must know the command; for every option that `hsmca COMMAND
# --help` prints, the subsection must document it and the completion must
# offer it.  A command whose --help fails (not written yet) is reported and
# only its subsection is checked.  TAP output.
set -uo pipefail
hsmca=${1:?usage: check-docs.sh HSMCA MANPAGE COMPLETION}
man=${2:?} comp=${3:?}
# shellcheck source=/dev/null
. "$comp" || { echo "Bail out! cannot source $comp"; exit 1; }

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

cmds=$("$hsmca" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$cmds" ] || { echo "Bail out! 'hsmca --help' lists no commands"; exit 1; }

for c in $cmds; do
	# The man page subsection: from '.SS "hsmca CMD ' to the next .SS/.SH.
	cesc=${c//-/\\-}
	section=$(C=$cesc awk '
		/^\.S[SH] / { c = ENVIRON["C"]; on = (index($0, ".SS \"hsmca " c " ") == 1 ||
			$0 == ".SS \"hsmca " c "\"") }
		on' "$man")
	if [ -n "$section" ]; then
		ok "hsmca($c) has a section in the man page"
	else
		nok "no '.SS \"hsmca $c ...' section in $man"
		continue
	fi
	# shellcheck disable=SC2154 # set by the sourced completion
	if [[ " $(printf '%s' "$_hsmca_commands" | tr -s '[:space:]' ' ') " == *" $c "* ]]; then
		ok "completion knows command $c"
	else
		nok "completion does not know command $c"
	fi
	help=$("$hsmca" "$c" --help 2>/dev/null) || {
		echo "# $c: 'hsmca $c --help' fails (not implemented yet?): options not checked"
		continue
	}
	copts=" $(_hsmca_options "$c" | tr -s '[:space:]' ' ') "
	for o in $(printf '%s\n' "$help" | sed -n 's/^  \(--[a-z][a-z0-9-]*\).*/\1/p'); do
		[ "$o" = --help ] && continue
		esc=${o//-/\\-}
		if grep -qF -- "$esc" <<<"$section"; then
			ok "man page documents $c $o"
		else
			nok "man page section of $c lacks $o"
		fi
		if [[ $copts == *" $o "* ]]; then
			ok "completion offers $c $o"
		else
			nok "completion of $c lacks $o"
		fi
	done
done
echo "1..$n"
[ "$failed" -eq 0 ]

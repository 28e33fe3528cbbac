#!/bin/bash
# Every command's --help in one style (issue 10, item 10): the first line is
# "usage: hsmca COMMAND SYNOPSIS" and the synopsis names every option the
# help lists; the summary under it is a sentence (capital, full stop); the
# help goes to standard output with exit status 0.
. "$(dirname "$0")/lib.sh"
cmds=$("$HSMCA" --help | sed -n '/^commands:/,/^$/p' | awk 'NF && !/^commands:/ {print $1}')
[ -n "$cmds" ] || fail "hsmca --help lists no commands"
for c in $cmds; do
	"$HSMCA" "$c" --help > "$T/help" 2>"$T/stderr" || fail "$c --help: exit $?"
	[ ! -s "$T/stderr" ] || fail "$c --help wrote to stderr: $(cat "$T/stderr")"
	usage=$(head -1 "$T/help")
	case $usage in "usage: hsmca $c "*) ;; *) fail "$c: first line '$usage'" ;; esac
	summary=$(sed -n 3p "$T/help")
	[[ $summary =~ ^[A-Z].*\.$ ]] || fail "$c: summary '$summary' is not a sentence"
	for o in $(sed -n '/^options:/,/^$/p' "$T/help" | grep -o '^  --[a-z-]*'); do
		[ "$o" = --help ] && continue
		grep -q -- "$o\b" <<<"$usage" || fail "$c: the usage line leaves out $o"
	done
done
pass "every help: usage line with every option, summary sentence ($(echo $cmds | wc -w) commands)"

#!/bin/bash
# PINs: a wrong PIN is exactly one C_Login (counted by OpenSC's pkcs11-spy in
# front of SoftHSM2) and exit 1 with one clear line; the sources' order (URI
# pin-value/pin-source, --pin-file, HSMCA_PIN); PIN files with and without
# newline, empty, missing; no PIN and no terminal; the PIN is never printed.
. "$(dirname "$0")/lib.sh"

GOOD=pin-8675309
make_token ca "$GOOD"
CA='pkcs11:token=ca'
ALL=$T/all-output      # everything hsmca prints in this test
: > "$ALL"
run() {  # run hsmca (with its output kept in $ALL), status in $rc
	rc=0
	"$HSMCA" "$@" >"$T/stdout" 2>"$T/stderr" || rc=$?
	cat "$T/stdout" "$T/stderr" >> "$ALL"
}
HSMCA_PIN=$GOOD run --module "$SOFTHSM_MODULE" keygen --token "$CA" --label root
[ "$rc" -eq 0 ] || fail "keygen with the right PIN: $(cat "$T/stderr")"
pass "keygen with HSMCA_PIN"

# wrong PIN: exit 1, one line, exactly one C_Login, for each command
[ -r "$SPY_MODULE" ] || { echo "SKIP: no pkcs11-spy"; exit 77; }
# pkcs11-spy itself leaks a little: keep sanitizer builds about hsmca
{ cat "$SRCDIR/tests/lsan.supp" 2>/dev/null; echo 'leak:pkcs11-spy.so'; } > "$T/lsan.supp"
spy_run() {  # CMD...: run through pkcs11-spy with a wrong PIN
	rm -f "$T/spy.log"
	LSAN_OPTIONS=suppressions=$T/lsan.supp:print_suppressions=0 \
	PKCS11SPY=$SOFTHSM_MODULE PKCS11SPY_OUTPUT=$T/spy.log HSMCA_PIN=wrong-4242 \
		run --module "$SPY_MODULE" "$@"
	n=$(grep -c '^[0-9]*: C_Login$' "$T/spy.log" || true)
}
for cmd in "list-objects --login $CA" "list-objects --login" \
	"keygen --token $CA --label new"; do
	# shellcheck disable=SC2086
	spy_run $cmd
	[ "$rc" -eq 1 ] || fail "$cmd with a wrong PIN: exit $rc"
	[ "$n" -eq 1 ] || fail "$cmd with a wrong PIN: $n C_Login calls, wanted 1"
	[ "$(grep -c '^hsmca: ca: wrong PIN' "$T/stderr")" -eq 1 ] ||
		fail "$cmd: message: $(cat "$T/stderr")"
	grep -q '^hsmca: ca: wrong PIN (.*not retried)$' "$T/stderr" || fail "$cmd: message form"
	[ "$(grep -vc '^hsmca: warning: ' "$T/stderr")" -eq 1 ] || { cat "$T/stderr" >&2; fail "$cmd: more than one error line"; }
done
# SoftHSM2 reports a low count after a failure: said in the error, and
# warned about before the next login
grep -q 'wrong PIN (the token reports a low PIN try count; not retried)' "$T/stderr" ||
	fail "tries-left state missing: $(cat "$T/stderr")"
HSMCA_PIN=$GOOD run --module "$SOFTHSM_MODULE" list-objects --login "$CA"
[ "$rc" -eq 0 ] || fail "right PIN after wrong ones"
grep -q '^hsmca: warning: ca: the token reports a low PIN try count' "$T/stderr" ||
	fail "no low-count warning: $(cat "$T/stderr")"
pass "wrong PIN: exit 1 after exactly one C_Login, one line with the tries-left state"

# a right PIN through the spy: logins succeed, never a failed one
rm -f "$T/spy.log"
n=$(LSAN_OPTIONS=suppressions=$T/lsan.supp:print_suppressions=0 \
	PKCS11SPY=$SOFTHSM_MODULE PKCS11SPY_OUTPUT=$T/spy.log HSMCA_PIN=$GOOD \
	"$HSMCA" --module "$SPY_MODULE" list-objects --login "$CA" >/dev/null 2>&1; \
	grep -A8 '^[0-9]*: C_Login$' "$T/spy.log" | grep -c 'CKR_PIN_INCORRECT' || true)
[ "$n" -eq 0 ] || fail "a right PIN gave $n failed logins"
[ "$(grep -A8 '^[0-9]*: C_Login$' "$T/spy.log" | grep -c 'Returned:  0 CKR_OK')" -ge 1 ] ||
	fail "the spy saw no successful login"

# sources, in order
printf '%s\n' "$GOOD" > "$T/pin-nl"
printf '%s' "$GOOD" > "$T/pin-nonl"
printf '%s\r\nsecond line\n' "$GOOD" > "$T/pin-crlf"
: > "$T/pin-empty"
printf 'wrong-4242\n' > "$T/pin-wrong"
for f in pin-nl pin-nonl pin-crlf; do
	HSMCA_PIN=wrong-4242 run --module "$SOFTHSM_MODULE" --pin-file "$T/$f" \
		list-objects --login "$CA"
	[ "$rc" -eq 0 ] || fail "--pin-file $f (over a wrong HSMCA_PIN): $(cat "$T/stderr")"
	grep -q 'type=private' "$T/stdout" || fail "--pin-file $f: no private object"
done
pass "--pin-file with and without newline, CRLF; it wins over HSMCA_PIN"

HSMCA_PIN=$GOOD run --module "$SOFTHSM_MODULE" --pin-file "$T/pin-empty" list-objects --login "$CA"
[ "$rc" -eq 1 ] && grep -q "^hsmca: $T/pin-empty: empty PIN file" "$T/stderr" ||
	fail "empty pin file: $rc $(cat "$T/stderr")"
HSMCA_PIN=$GOOD run --module "$SOFTHSM_MODULE" --pin-file "$T/none" list-objects --login "$CA"
[ "$rc" -eq 1 ] && grep -q "^hsmca: $T/none: cannot open PIN file: No such file" "$T/stderr" ||
	fail "missing pin file: $rc $(cat "$T/stderr")"
pass "empty and missing PIN files: clear errors"

enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$GOOD")
HSMCA_PIN=wrong-4242 run --module "$SOFTHSM_MODULE" --pin-file "$T/pin-wrong" \
	list-objects --login "$CA;pin-value=$enc"
[ "$rc" -eq 0 ] || fail "URI pin-value over --pin-file and HSMCA_PIN: $(cat "$T/stderr")"
HSMCA_PIN=wrong-4242 run --module "$SOFTHSM_MODULE" list-objects --login "$CA?pin-source=file:$T/pin-nl"
[ "$rc" -eq 0 ] || fail "URI pin-source=file: with a newline: $(cat "$T/stderr")"
grep -q 'pin-' "$T/stdout" && fail "a printed URI carries the PIN attribute"
HSMCA_PIN=$GOOD run --module "$SOFTHSM_MODULE" list-objects --login "$CA;pin-value=wrong-4242"
[ "$rc" -eq 1 ] && grep -q '^hsmca: ca: wrong PIN' "$T/stderr" || fail "a wrong pin-value is not used first"
pass "URI pin-value and pin-source come first"

# no PIN anywhere and no terminal (setsid: no controlling terminal)
rc=0
env -u HSMCA_PIN setsid -w "$HSMCA" --module "$SOFTHSM_MODULE" list-objects --login "$CA" \
	>"$T/stdout" 2>"$T/stderr" </dev/null || rc=$?
cat "$T/stdout" "$T/stderr" >> "$ALL"
[ "$rc" -eq 1 ] && grep -q '^hsmca: ca: no PIN: give --pin-file FILE or set HSMCA_PIN' "$T/stderr" ||
	fail "no PIN source: $rc $(cat "$T/stderr")"
pass "no PIN and no terminal: clear error"

# the terminal prompt: no echo, asked once, a wrong answer is not asked again
cat > "$T/answer_pin.py" <<'PY'
import os, pty, sys, time
# answer_pin.py PIN CMD...: run CMD on a new terminal, type PIN at each
# "PIN for token" prompt; print what the terminal showed; CMD's status.
pin = sys.argv[1].encode()
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
seen, answered = b"", 0
deadline = time.time() + 30
while time.time() < deadline:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    if seen.count(b"PIN for token") > answered:
        answered += 1
        os.write(fd, pin + b"\n")
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
rc=0
env -u HSMCA_PIN python3 "$T/answer_pin.py" "$GOOD" "$HSMCA" --module "$SOFTHSM_MODULE" \
	list-objects --login "$CA" > "$T/tty" || rc=$?
cat "$T/tty" >> "$ALL"
[ "$rc" -eq 0 ] || fail "terminal prompt: exit $rc: $(cat "$T/tty")"
[ "$(grep -c "PIN for token 'ca': " "$T/tty")" -eq 1 ] || fail "prompted $(grep -c 'PIN for token' "$T/tty") times"
grep -q 'type=private' "$T/tty" || fail "terminal PIN did not log in"
rc=0
env -u HSMCA_PIN python3 "$T/answer_pin.py" wrong-4242 "$HSMCA" --module "$SOFTHSM_MODULE" \
	list-objects --login "$CA" > "$T/tty" || rc=$?
cat "$T/tty" >> "$ALL"
[ "$rc" -eq 1 ] || fail "wrong PIN on the terminal: exit $rc"
[ "$(grep -c "PIN for token" "$T/tty")" -eq 1 ] || fail "a wrong terminal PIN was asked again"
rc=0
env -u HSMCA_PIN python3 "$T/answer_pin.py" "$GOOD" "$HSMCA" --module "$SOFTHSM_MODULE" \
	list-objects --login "$CA" > "$T/tty" || rc=$?
cat "$T/tty" >> "$ALL"
[ "$rc" -eq 0 ] || fail "terminal prompt after a failure: exit $rc"
grep -q 'warning: the token reports a low PIN try count' "$T/tty" ||
	fail "no low-count note before the prompt: $(cat "$T/tty")"
pass "terminal prompt: no echo, one attempt, low-count note first"

# listing without --login never asks for a PIN
env -u HSMCA_PIN setsid -w "$HSMCA" --module "$SOFTHSM_MODULE" list-objects "$CA" \
	>"$T/stdout" 2>"$T/stderr" </dev/null || fail "list-objects without --login asked for a PIN"
grep -q 'type=public' "$T/stdout" || fail "public objects missing"

# the PIN, right or wrong, never appears in anything hsmca printed
[ -s "$ALL" ] || fail "no output collected"
if grep -q -e 8675309 -e 4242 "$ALL"; then
	fail "a PIN appears in hsmca's output"
fi
pass "no PIN in any output"
exit 0

#!/bin/bash
# Every output option writes a path the user named the way the user means it
# (issue 10, item 1): a character device, FIFO or socket is written as it is
# and stays what it was; a symlink's target is replaced in the target's own
# directory and the link is kept; "-" is standard output.  Inside the CA
# directory a planted symlink is refused and nothing is written through it.
# The device is a copy of /dev/null's numbers made here with mknod, never
# /dev/null itself (a regression would replace the machine's /dev/null).
. "$(dirname "$0")/lib.sh"
export HSMCA_PROFILE_PATH=$SRCDIR/profiles
cd "$T"
make_root ca 'CN=Outputs Root'
REQKEY=$(h keygen --token pkcs11:token=ca --label leaf)
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout a.key \
	-subj /CN=a.example -addext subjectAltName=DNS:a.example -out a.csr 2>/dev/null

# The commands under test; each gets its output path as "$1".
out_sign() { h sign --yes --ca ca --profile server --csr a.csr --out "$1"; }
out_sign_dir() {  # --out-dir D writes D/a.crt: make that name the special file
	rm -rf od && mkdir od && ln -s "$1" od/a.crt
	h sign --yes --ca ca --profile server --csr a.csr --out-dir od
}
out_selfsign() { h selfsign --yes --replace --ca ca --subject 'CN=Outputs Root' --out "$1"; }
out_req() { h req --key "$REQKEY" --subject CN=leaf.example --out "$1"; }
out_chain() { h chain --ca ca --out "$1"; }
out_gencrl() { h gencrl --ca ca --days 7 --out "$1"; }
CMDS="out_sign out_sign_dir out_selfsign out_req out_chain out_gencrl"

# what a command wrote must parse as the PEM object it makes
check_pem() {  # file cmd
	case $2 in
	out_req) openssl req -in "$1" -noout ;;
	out_gencrl) openssl crl -in "$1" -noout ;;
	*) openssl x509 -in "$1" -noout ;;
	esac || fail "$2 wrote no valid PEM ($(head -c 100 "$1"))"
}

# A character device: /dev/null's major and minor, in this directory.
if mknod devnull c "$(stat -L -c '%t' /dev/null | xargs printf '%d')" \
	"$(stat -L -c '%T' /dev/null | xargs printf '%d')" 2>/dev/null; then
	for c in $CMDS; do
		$c "$T/devnull" >/dev/null 2>"$T/stderr" || { cat "$T/stderr"; fail "$c to a device"; }
		[ -c devnull ] || fail "$c replaced the character device"
		[ ! -s devnull ] || fail "$c: the device reads back data"
	done
	ls | grep -q 'devnull.tmp' && fail "temporary file left beside the device"
	pass "character device written as it is by: $CMDS"
else
	echo "# not root: no mknod; character device case skipped"
fi

# A FIFO read by a background cat.
mkfifo fifo
for c in $CMDS; do
	cat fifo > fifo.out &
	reader=$!
	$c "$T/fifo" >/dev/null 2>"$T/stderr" || { kill "$reader" 2>/dev/null; cat "$T/stderr"; fail "$c to a FIFO"; }
	wait "$reader"
	[ -p fifo ] || fail "$c replaced the FIFO"
	check_pem fifo.out "$c"
done
pass "FIFO written as it is, read by cat, by: $CMDS"

# A Unix socket with a listener.
if command -v python3 >/dev/null; then
	for c in $CMDS; do
		rm -f sock sock.out
		python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind("sock"); s.listen(1)
open("sock.ready", "w").close()
c, _ = s.accept(); d = b""
while True:
    b = c.recv(65536)
    if not b: break
    d += b
open("sock.out", "wb").write(d)' &
		listener=$!
		while [ ! -e sock.ready ]; do sleep 0.05; done
		rm -f sock.ready
		$c "$T/sock" >/dev/null 2>"$T/stderr" || { kill "$listener"; cat "$T/stderr"; fail "$c to a socket"; }
		wait "$listener"
		[ -S sock ] || fail "$c replaced the socket"
		check_pem sock.out "$c"
	done
	pass "socket written as it is by: $CMDS"
fi

# A relative symlink to a file in another directory: the target is replaced
# there, the link stays a link, no temporary file is left in either place.
mkdir -p links other
for c in $CMDS; do
	echo old > other/real.pem
	ln -sfn ../other/real.pem links/out.pem
	$c "$T/links/out.pem" >/dev/null 2>"$T/stderr" || { cat "$T/stderr"; fail "$c to a symlink"; }
	[ -L links/out.pem ] || fail "$c replaced the symlink"
	[ "$(readlink links/out.pem)" = ../other/real.pem ] || fail "$c changed the link"
	check_pem other/real.pem "$c"
	[ "$(ls other)" = real.pem ] || fail "$c left $(ls other) in the target's directory"
	[ "$(ls links)" = out.pem ] || fail "$c left $(ls links) beside the link"
	# and a dangling link: the file is made where it points
	rm -f other/real.pem
	$c "$T/links/out.pem" >/dev/null 2>"$T/stderr" || { cat "$T/stderr"; fail "$c to a dangling symlink"; }
	[ -L links/out.pem ] && [ -f other/real.pem ] || fail "$c: dangling symlink not followed"
	check_pem other/real.pem "$c"
done
pass "symlink target replaced, link kept, by: $CMDS"

# "-" is standard output; a plain file is a plain file.
for c in out_sign out_req out_chain out_gencrl out_selfsign; do
	$c - > stdout.pem 2>"$T/stderr" || { cat "$T/stderr"; fail "$c --out -"; }
	check_pem stdout.pem "$c"
	[ ! -e ./- ] || fail "$c wrote a file named -"
	$c plain.pem >/dev/null 2>&1 && [ -f plain.pem ] && [ ! -L plain.pem ] || fail "$c to a file"
	check_pem plain.pem "$c"
	rm -f plain.pem
done
pass "--out - is standard output"

# The CA directory's own files: a planted symlink is refused, its target is
# untouched, and the directory is as it was.
# (the link points at a copy of the file it replaces, outside the directory)
for f in index.txt audit.log crl/ca.crl.pem certs/ca.crt; do
	cp -a ca ca.saved
	cp "ca/$f" victim
	rm -f "ca/$f" && ln -s "$T/victim" "ca/$f"
	before=$(tree_sum ca)
	case $f in
	crl/*) expect_fail 1 h gencrl --ca ca --days 7 ;;
	certs/*) expect_fail 1 h selfsign --yes --replace --ca ca --subject 'CN=Outputs Root' ;;
	*) expect_fail 1 h sign --yes --ca ca --profile server --csr a.csr --out x.crt ;;
	esac
	has "$f: is a symbolic link" "$T/stderr" || fail "planted $f: $(cat "$T/stderr")"
	cmp -s victim "ca.saved/$f" || fail "written through the planted $f"
	[ -L "ca/$f" ] || fail "planted $f replaced instead of refused"
	[ "$(tree_sum ca)" = "$before" ] || fail "planted $f: the CA directory changed"
	rm -rf ca && mv ca.saved ca
	pass "planted symlink ca/$f refused: $(head -1 "$T/stderr")"
done
h audit verify --ca ca >/dev/null 2>&1 || fail "audit verify after the refusals"
# Only the files a command writes are checked: a CA certificate kept as a
# link (ln -s root.crt ca.crt, as some openssl setups do) still lets sign
# and revoke work; only selfsign, which replaces it, refuses.
cp ca/certs/ca.crt ca/certs/root.crt && ln -sf root.crt ca/certs/ca.crt
h sign --yes --ca ca --profile server --csr a.csr --out linked.crt 2>"$T/stderr" ||
	fail "sign with certs/ca.crt a link: $(cat "$T/stderr")"
openssl verify -CAfile ca/certs/ca.crt linked.crt >/dev/null || fail "openssl rejects linked.crt"
pass "a linked CA certificate does not stop sign"

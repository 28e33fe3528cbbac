#!/bin/bash
# A TPM through tpm2-pkcs11 (swtpm + tpm2-abrmd on a private D-Bus, all
# Debian packages): the article's whole workflow with keys made by hsmca
# keygen, the CA directories working without --module, every type the TPM
# makes, the types it cannot make refused without leftovers, and list-objects
# --login without URI past the second, uninitialised token tpm2-pkcs11 shows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tokens.sh"
cd "$T"
tpm_start
LANE_MODULE=$TPM_MODULE LANE_TOKEN=pkcs11:token=ca LANE_LABEL=ca LANE_PIN=$TPM_PIN

article_workflow ec:secp384r1 rsa:3072
for type in ec:secp256r1 ec:secp384r1 rsa:2048 rsa:3072; do
	keygen_ok "$type"
done
# Refused from the token's mechanism info, before generating anything.
for type in rsa:4096 ed25519; do
	keygen_refused "$type"
	has -v deleted "$T/stderr" || fail "$type: refused only after generating a pair"
done
# tpm2-pkcs11 returns P-521's CKA_EC_POINT as invalid DER: the pair is made,
# then must be deleted.
keygen_refused ec:secp521r1 'deleted'

# The template other tools write (public CKA_VERIFY=TRUE, CKA_ENCRYPT=FALSE)
# is refused by tpm2-pkcs11, and an RSA key made with CKA_DECRYPT=FALSE
# cannot sign PKCS #1 there (the TPM signs it with its decrypt operation):
# keygen falls back to the minimal template in both cases, counted with
# pkcs11-spy (two C_GenerateKeyPair), and the key is safe and signs.
if [ -r "$SPY_MODULE" ] && [ -n "${HSMCA_TESTABLE:-}" ]; then
	lsan_allow leak:pkcs11-spy.so
	PKCS11SPY=$TPM_MODULE PKCS11SPY_OUTPUT=$T/spy.log HSMCA_PIN=$TPM_PIN \
		HSMCA_TEST_FLAGS=keygen-verify-template "$HSMCA_TESTABLE" --module "$SPY_MODULE" \
		keygen --token "$LANE_TOKEN" --label k-fallback --type ec:secp256r1 >/dev/null 2>"$T/stderr" ||
		{ cat "$T/stderr" >&2; fail "keygen with the refused template"; }
	[ "$(grep -c '^[0-9]*: C_GenerateKeyPair$' "$T/spy.log")" = 2 ] || fail "no second C_GenerateKeyPair"
	key_is_safe k-fallback
	pass "a template tpm2-pkcs11 refuses: the minimal one is asked for, the key is safe"
fi
rm -f "$T/spy.log"
[ -r "$SPY_MODULE" ] && PKCS11SPY=$TPM_MODULE PKCS11SPY_OUTPUT=$T/spy.log HSMCA_PIN=$TPM_PIN \
	"$HSMCA" --module "$SPY_MODULE" keygen --token "$LANE_TOKEN" --label k-rsa-sign --type rsa:2048 >/dev/null
if [ -e "$T/spy.log" ]; then
	[ "$(grep -c '^[0-9]*: C_GenerateKeyPair$' "$T/spy.log")" = 2 ] ||
		fail "RSA on the TPM: the full template's key signed (tpm2-pkcs11 changed?)"
	[ "$(grep -c '^[0-9]*: C_DestroyObject$' "$T/spy.log")" = 2 ] || fail "the pair that cannot sign was not deleted"
	key_is_safe k-rsa-sign
	pass "RSA on the TPM: the key that cannot sign is deleted, the minimal template's key signs"
fi

# Every object of the real token, past the uninitialised one (one note).
HSMCA_MODULE=$TPM_MODULE HSMCA_PIN=$TPM_PIN "$HSMCA" list-objects --login >objects.txt 2>"$T/stderr" ||
	{ cat "$T/stderr" >&2; fail "list-objects --login without URI"; }
for label in root intermediate k-ec-secp256r1 k-rsa-3072; do
	has "object=$label;type=private" objects.txt || { cat objects.txt >&2; fail "list-objects lacks $label"; }
done
[ "$(grep -c '^hsmca: ' "$T/stderr")" -eq 1 ] || { cat "$T/stderr" >&2; fail "not one note about the uninitialised token"; }
pass "list-objects --login without URI: $(grep '^hsmca: ' "$T/stderr")"

# Two real tokens share the serial (and the uninitialised one too): the hint
# names the attribute that tells them apart, the label.
tpm2_ptool addtoken --pid=1 --label=ca2 --sopin="$TPM_SO_PIN" --userpin="$TPM_PIN" \
	--path="$TPM2_PKCS11_STORE" >/dev/null 2>&1 || fail "tpm2_ptool addtoken ca2"
LANE_TOKEN=pkcs11:serial=0000000000000000
keygen_refused ec:secp256r1 'matches 2 tokens.*token='
LANE_TOKEN=pkcs11:token=ca
grep '^hsmca: ' "$T/stderr" | has -v 'name one with serial=' || fail "the hint suggests serial=, which both tokens share"
expect_fail 1 hm keygen --token 'pkcs11:token=' --label x
has 'not initialised' "$T/stderr" || { cat "$T/stderr" >&2; fail "keygen on the empty token does not say it is not initialised"; }
pass "two tokens with one serial: the hint names token=; the uninitialised one is named so"

# Last: every wrong PIN counts against the TPM's dictionary-attack counter
# (swtpm locks out after 3); hsmca never retries, and then says the lockout
# lifts with time -- naming the token the same way each time.
for i in 1 2 3; do
	LANE_PIN=00000000 expect_fail 1 hk gencrl --ca root --days 7
	one_hsmca_line 'wrong PIN'
done
expect_fail 1 hk gencrl --ca root --days 7
one_hsmca_line 'lockout'
has 'with time' "$T/stderr" || { cat "$T/stderr" >&2; fail "the lockout message does not say it lifts with time"; }
pass "wrong PINs, then the dictionary-attack lockout: $(grep '^hsmca: ' "$T/stderr")"

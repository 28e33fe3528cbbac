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
keygen_refused rsa:4096
keygen_refused ed25519
# tpm2-pkcs11 returns P-521's CKA_EC_POINT as invalid DER: the pair is made,
# then must be deleted.
keygen_refused ec:secp521r1 'deleted'

# Every object of the real token, past the uninitialised one (one note).
HSMCA_MODULE=$TPM_MODULE HSMCA_PIN=$TPM_PIN "$HSMCA" list-objects --login >objects.txt 2>"$T/stderr" ||
	{ cat "$T/stderr" >&2; fail "list-objects --login without URI"; }
for label in root intermediate k-ec-secp256r1 k-rsa-3072; do
	has "object=$label;type=private" objects.txt || { cat objects.txt >&2; fail "list-objects lacks $label"; }
done
[ "$(grep -c '^hsmca: ' "$T/stderr")" -eq 1 ] || { cat "$T/stderr" >&2; fail "not one note about the uninitialised token"; }
pass "list-objects --login without URI: $(grep '^hsmca: ' "$T/stderr")"

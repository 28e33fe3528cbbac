#!/bin/bash
# An emulated SmartCard-HSM (the chip of a Nitrokey HSM) through Debian's
# OpenSC 0.23, pcscd and vsmartcard's vpcd -- a Nitrokey user's exact path:
# the article's whole workflow with keys made by hsmca keygen, the CA
# directories working without --module, every type the card makes with its
# flags read back by pkcs11-tool in a new process (OpenSC 0.23 reports them
# as 0 in the generating process), and the card's own device key listed.
# Needs HSMCA_SCHSM_EMULATOR (../shared/tokens/smartcard-hsm-emulator);
# HSMCA_SCHSM_BUILD may name a WORKDIR where its "build" already ran.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tokens.sh"
cd "$T"
schsm_start
LANE_MODULE=$SCHSM_MODULE LANE_TOKEN=$SCHSM_TOKEN LANE_LABEL='SmartCard-HSM (UserPIN)' LANE_PIN=$SCHSM_USER_PIN

article_workflow rsa:3072 ec:secp256r1
for type in ec:secp256r1 ec:secp384r1 rsa:2048 rsa:3072; do
	keygen_ok "$type"
done
for type in ec:secp521r1 rsa:4096 ed25519; do
	keygen_ok_or_refused "$type"
done

# The card's own device key (label ESPICOHSMTR, secp256k1, CKA_ID of 20 zero
# bytes) lists with its curve, beside the keys hsmca made.
hm list-objects --login "$LANE_TOKEN" >objects.txt 2>/dev/null
has 'object=root;type=private' objects.txt || { cat objects.txt >&2; fail "list-objects lacks root"; }
awk -v RS= '/object=ESPICOHSMTR;type=private/' objects.txt | has 'Key: *ec:secp256k1' ||
	{ cat objects.txt >&2; fail "the card's device key does not list as secp256k1"; }
pass "list-objects --login: hsmca's keys and the card's secp256k1 device key"

# Its label and its all-zero CKA_ID are taken: keygen must not make a second
# key that a URI by label or id could confuse with it.
expect_fail 1 hm keygen --token "$LANE_TOKEN" --label ESPICOHSMTR --type ec:secp256r1
one_hsmca_line '--label already used'
expect_fail 1 hm keygen --token "$LANE_TOKEN" --label zero-id --id 0000000000000000000000000000000000000000
one_hsmca_line '--id already used'
no_object zero-id
pass "the device key's label and CKA_ID are refused for new keys"

#!/bin/bash
# A SoftHSM2 token on "another machine", reached only through p11-kit's RPC
# (p11-kit server + p11-kit-client.so): the article's whole workflow with keys
# made by hsmca keygen, the CA directories working without --module, and every
# key type the token offers through the socket.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tokens.sh"
cd "$T"
rpc_start ca
LANE_MODULE=$RPC_CLIENT_MODULE LANE_TOKEN=pkcs11:token=ca LANE_LABEL=ca LANE_PIN=$PIN

article_workflow ec:secp384r1 rsa:3072
for type in ec:secp256r1 ec:secp384r1 ec:secp521r1 rsa:2048 rsa:3072 rsa:4096; do
	keygen_ok "$type"
done
# p11-kit 0.24's RPC forwards only the mechanisms it can marshal (37 of
# SoftHSM2's 71): no CKM_EC_EDWARDS_KEY_PAIR_GEN, so Ed25519 may be refused.
keygen_ok_or_refused ed25519

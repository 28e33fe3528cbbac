# hsmca profile: a self-signed root CA (hsmca selfsign --profile root-ca).
# See hsmca-profile(5).
#
# hash = sha384 pairs with hsmca keygen's default key, ec:secp384r1 (CA/B
# Forum Baseline Requirements 7.1.3.2: P-384 signs with SHA-384; ISRG Root
# X2 is the same).  With a P-256 CA key use sha256, with P-521 sha512.
# No authorityKeyIdentifier: a self-signed root needs none (RFC 5280
# 4.2.1.1), and public roots such as ISRG Root X2 carry none.

[profile]
description = Self-signed root CA
days = 3650
hash = sha384
key_types = ec:secp384r1, ec:secp521r1, rsa:3072

[policy]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied

[extensions]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash

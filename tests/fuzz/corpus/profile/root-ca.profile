# hsmca profile: a self-signed root CA (hsmca selfsign --profile root-ca).
# See hsmca-profile(5).
#
# No hash: the CA key decides (sha384 for keygen's default ec:secp384r1, as
# the CA/B Forum Baseline Requirements 7.1.3.2 pair them and ISRG Root X2
# does; sha256 for P-256 and RSA, sha512 for P-521).
# No authorityKeyIdentifier: a self-signed root needs none (RFC 5280
# 4.2.1.1), and public roots such as ISRG Root X2 carry none.

[profile]
description = Self-signed root CA
days = 3650
key_types = ec:secp256r1, ec:secp384r1, ec:secp521r1, rsa:3072

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

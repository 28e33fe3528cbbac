# hsmca profile: a delegated OCSP responder certificate (RFC 6960 4.2.2.2),
# issued by the CA whose certificates it answers for.  See hsmca-profile(5).
#
# Short-lived (365 days) because clients check its own status too.

[profile]
description = Delegated OCSP response signer
days = 365
key_types = ec:secp256r1, ec:secp384r1, ec:secp521r1, rsa:2048
san_from_csr = no

[policy]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied

[extensions]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

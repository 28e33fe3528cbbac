# hsmca profile: an intermediate CA that signs end-entity certificates only
# (pathlen:0).  See hsmca-profile(5).
#
# No hash: the issuing CA's key decides (sha384 for a root on keygen's
# default ec:secp384r1 key, as CA/B Forum BR 7.1.3.2 pairs them).

[profile]
description = Intermediate CA that signs end-entity certificates
days = 1825
key_types = ec:secp256r1, ec:secp384r1, ec:secp521r1, rsa:3072

[policy]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied

[extensions]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, digitalSignature, cRLSign, keyCertSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

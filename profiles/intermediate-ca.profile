# hsmca profile: an intermediate CA that signs end-entity certificates only
# (pathlen:0).  See hsmca-profile(5).
#
# hash = sha384: the issuer is normally a root made with root-ca on an
# ec:secp384r1 key (CA/B Forum BR 7.1.3.2 pairs P-384 with SHA-384).

[profile]
description = Intermediate CA that signs end-entity certificates
days = 1825
hash = sha384
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

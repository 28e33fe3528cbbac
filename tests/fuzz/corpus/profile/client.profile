# hsmca profile: a TLS client certificate.  See hsmca-profile(5).
#
# The SAN (DNS names, e-mail addresses, URIs) comes from the CSR or --san
# and is optional: many client certificates identify a user by commonName.

[profile]
description = TLS client certificate
days = 375
key_types = ec:secp256r1, ec:secp384r1, ec:secp521r1, rsa:2048
san_from_csr = yes
san_required = no
san_types = dns, ip, email, uri
rsa_key_encipherment = yes

[policy]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
emailAddress = optional

[extensions]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

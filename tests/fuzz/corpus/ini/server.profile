# hsmca profile: a TLS server certificate.  See hsmca-profile(5).
#
# The SAN comes from the CSR (DNS names, IP addresses, e-mail addresses
# and URIs, as DESIGN.md ships it), or from
# --san, and is required.  keyUsage is digitalSignature; keyEncipherment is
# added only for an RSA key (rsa_key_encipherment), never for EC keys.
# 375 days stays under the CA/B Forum's 398-day limit.

[profile]
description = TLS server certificate
days = 375
key_types = ec:secp256r1, ec:secp384r1, ec:secp521r1, rsa:2048
san_from_csr = yes
san_required = yes
san_types = dns, ip, email, uri
rsa_key_encipherment = yes

[policy]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional

[extensions]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

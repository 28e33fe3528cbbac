# A web-PKI TLS leaf shaped like one issued by Let's Encrypt E5.
[profile]
description = Web PKI server certificate
days = 90
hash = sha384
key_types = ec:secp256r1, ec:secp384r1, rsa:2048
san_from_csr = yes
san_required = yes
san_types = dns

[extensions]
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
basicConstraints = critical, CA:FALSE
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:http://e5.o.lencr.org, caIssuers;URI:http://e5.i.lencr.org/
certificatePolicies = 2.23.140.1.2.1
crlDistributionPoints = URI:http://e5.c.lencr.org/1.crl

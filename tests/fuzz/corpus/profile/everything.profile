; Every key and extension hsmca-profile(5) documents, once.
[profile]
description = Everything, once
days = 36500
hash = sha512
key_types = ec:secp256r1, ec:secp384r1, ec:secp521r1, rsa:4096, ed25519
san_from_csr = yes
san_required = no
san_types = dns, ip, email, uri
allow_netscape = yes
rsa_key_encipherment = yes

[policy]
countryName = match
stateOrProvinceName = match
localityName = optional
organizationName = match
organizationalUnitName = optional
commonName = supplied
emailAddress = optional
serialNumber = optional
domainComponent = optional
2.5.4.97 = optional

[extensions]
basicConstraints = critical, CA:true, pathlen:3
keyUsage = critical, digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment, keyAgreement, keyCertSign, cRLSign, encipherOnly, decipherOnly
extendedKeyUsage = critical, serverAuth, clientAuth, codeSigning, emailProtection, timeStamping, OCSPSigning, ipsecIKE, msCodeInd, 1.3.6.1.4.1.99999.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always, issuer
subjectAltName = DNS:ca.example.com, IP:192.0.2.1, IP:2001:db8::1, email:ca@example.com, URI:https://ca.example.com/
nameConstraints = critical, permitted;DNS:.example.com, permitted;DNS:example.com, excluded;IP:10.0.0.0/255.0.0.0, excluded;IP:2001:db8::/ffff:ffff::, permitted;email:.example.com, permitted;URI:.example.com
crlDistributionPoints = URI:http://crl.example.com/ca.crl, URI:ldap://ldap.example.com/cn=CA
authorityInfoAccess = OCSP;URI:http://ocsp.example.com, caIssuers;URI:http://ca.example.com/ca.crt
certificatePolicies = anyPolicy, 2.23.140.1.2.2;CPS:https://example.com/cps
nsCertType = client, server, email, objsign, sslCA, emailCA, objCA
nsComment = Made by hsmca, with a comma

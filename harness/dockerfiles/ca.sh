# Sourced by the setup scripts: trust the build CA bundle (a TLS-intercepting proxy's) while building.
if [ -s /swerun-build/ca.pem ]; then
  export PIP_CERT=/swerun-build/ca.pem REQUESTS_CA_BUNDLE=/swerun-build/ca.pem \
    SSL_CERT_FILE=/swerun-build/ca.pem CURL_CA_BUNDLE=/swerun-build/ca.pem GIT_SSL_CAINFO=/swerun-build/ca.pem \
    NODE_EXTRA_CA_CERTS=/swerun-build/ca.pem
fi

#!/bin/sh
# Install the Debian packages the tests and the bundle need, when they are missing:
#   chromium         headless browser for the browser tests (/usr/bin/chromium)
#   poppler-utils    pdftoppm / pdftotext, to look at and test bundles
#   fonts-liberation   Liberation Sans, Arial's metrics: letters wrap as in Word
#   fonts-dejavu-core  DejaVu Sans, for the characters Liberation lacks (ễ, Armenian, ...)
#   nginx-light      the TLS-terminating proxy of docs/deploy.md, for tests/browser/test_tls_proxy.py
#   openssl          makes that test's self-signed certificate
# Run as root, or with sudo available; otherwise it says what to install and goes on.
set -eu
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v pdftoppm >/dev/null 2>&1 || missing="$missing poppler-utils"
[ -f /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || missing="$missing fonts-liberation"
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$missing fonts-dejavu-core"
[ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "system-deps: please install:$missing (apt-get install$missing)" >&2; exit 0
fi
echo "system-deps: installing$missing"
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing

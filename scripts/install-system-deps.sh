#!/usr/bin/env bash
# Debian packages the project needs: fonts and Pango for the fixture generator (WeasyPrint; DejaVu
# Sans Condensed, in fonts-dejavu-extra, for the layout-randomised leaflets), poppler-utils for
# looking at rendered pages, Chromium (and its driver) for the browser tests of `lps serve` and
# for the randomised leaflets Chromium prints. Installs only what is missing; needs root or sudo.
set -euo pipefail

packages=(fonts-dejavu-core fonts-dejavu-extra libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b poppler-utils chromium chromium-driver)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

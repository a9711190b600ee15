#!/usr/bin/env bash
# Debian packages the tests need (`make test`; `make demo` needs none): fonts and Pango for the
# fixture generator (WeasyPrint; DejaVu Sans Condensed, in fonts-dejavu-extra, for the
# layout-randomised leaflets), poppler-utils for looking at rendered pages, Chromium (and its
# driver) for the browser tests of `lps serve` and for the randomised leaflets Chromium prints,
# Tesseract and its English data for reading scanned leaflets (the OCR extra, pipeline.ocr).
# Installs only what is missing; needs root or sudo. When another apt or dpkg process holds its
# lock (an unattended upgrade, another install), waits for it, up to APT_LOCK_WAIT seconds
# (default 600), instead of failing.
set -euo pipefail

packages=(fonts-dejavu-core fonts-dejavu-extra libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b poppler-utils chromium chromium-driver tesseract-ocr tesseract-ocr-eng)

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
wait_for="${APT_LOCK_WAIT:-600}"

# apt-get waits for dpkg's lock with DPkg::Lock::Timeout; the package lists' lock of
# `apt-get update` is not covered by it, so a lock held there is waited for here.
deadline=$((SECONDS + wait_for))
until output=$($sudo apt-get -o DPkg::Lock::Timeout="$wait_for" update -qq 2>&1); do
  if ! grep -q "Could not get lock" <<<"$output" || [ "$SECONDS" -ge "$deadline" ]; then
    echo "$output" >&2
    exit 1
  fi
  echo "waiting for another apt process to finish (its lock is held)..."
  sleep 5
done
$sudo apt-get -o DPkg::Lock::Timeout="$wait_for" install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null

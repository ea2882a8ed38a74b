#!/usr/bin/env bash
# Installs the Debian packages the project needs, only those missing, so it is quick on a
# machine that has them already.
#   scripts/setup-system.sh          what the build needs: Pango and HarfBuzz's subsetter
#                                    for WeasyPrint's text layout and font embedding (pandoc,
#                                    for the Word edition and the 意見対応表, comes pinned from
#                                    requirements.lock: the pypandoc-binary wheel)
#   scripts/setup-system.sh --dev    also what the quick lane (make test-fast) needs:
#                                    poppler-utils (pdftoppm, pdftotext: to look at the
#                                    pages one built, and to read where each line is drawn)
#   scripts/setup-system.sh --test   also what the whole suite needs: headless Chromium and its
#                                    WebDriver (the live preview's end-to-end test), and
#                                    LibreOffice Writer without its GUI (converts plan.docx to
#                                    PDF to check it reads like plan.pdf), poppler-utils as
#                                    for --dev, and npm (with Node.js) where the machine has
#                                    none, for axe-core, the HTML edition's accessibility
#                                    checker (tests/a11y, installed by make test with npm ci)
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig)
if [ "${1:-}" = "--dev" ] || [ "${1:-}" = "--test" ]; then
  packages+=(poppler-utils)
fi
if [ "${1:-}" = "--test" ]; then
  packages+=(chromium chromium-driver libreoffice-writer-nogui)
fi
if [ "${1:-}" = "--test" ] && ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
fi
need=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing Debian packages: ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

#!/usr/bin/env bash
# Install the Debian packages the tests need when they are missing: Chromium (the browser view's tests
# drive Debian's /usr/bin/chromium with Playwright; Playwright's own browser download is not reachable
# here) and npm (fetches Solara's front-end files from the npm registry). `make test` runs this;
# `make run` does not need it. Does nothing when both are present.
# Usage: bash scripts/system_packages.sh
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    echo "error: the tests need the Debian package(s) ${missing[*]}, and this user can neither install them" >&2
    echo "       (not root, and no password-less sudo). Run as root:" >&2
    echo "         apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
fi
for package in "${missing[@]}"; do
    case "$package" in
        chromium) echo "Installing Debian's chromium with apt-get into /usr/bin/chromium (the browser view's tests)" ;;
        npm) echo "Installing Debian's npm with apt-get (fetches Solara's front-end files)" ;;
    esac
done
if ! { "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"; }; then
    echo "error: apt-get could not install ${missing[*]}; try by hand: ${sudo[*]:+${sudo[*]} }apt-get install -y ${missing[*]}" >&2
    exit 1
fi
[ -x /usr/bin/chromium ] || { echo "error: apt-get ran but /usr/bin/chromium is still missing" >&2; exit 1; }
echo "Installed ${missing[*]}: $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"

#!/usr/bin/env bash
# Install what the browser app and its tests need and cannot fetch at run time.
#
# Why: this machine (and CI) reaches only PyPI, Debian apt and npm. Solara loads its
# front-end through /_solara/cdn/..., which it would fetch from a public CDN; with
# SOLARA_ASSETS_PROXY_CACHE_DIR pointing at a folder that mirrors the CDN layout
# (<PKG@VER>/..., i.e. an unpacked `npm pack` tarball) it serves them offline instead.
# The browser tests drive Debian's Chromium, never a Playwright-downloaded browser,
# and need a Korean font (fonts-nanum) for the region names in screenshots.
#
# Idempotent: does nothing when Chromium and every cached package are already there.
# Usage: scripts/setup_browser.sh [--no-browser]   (env ABM_ASSET_CACHE overrides the cache dir)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${ABM_ASSET_CACHE:-$ROOT/.cache/solara-assets}"
CHROMIUM=/usr/bin/chromium

# Folder names are the literal paths solara 1.64.1 asks the CDN for (ranges included).
# Keep in sync with viz/assets.py (REQUIRED_PACKAGES); a browser test fails on any
# "Could not load URL" line in the server log, which is how a missing one shows up.
PACKAGES=(
  "@widgetti/solara-vuetify-app@10.1.1"
  "requirejs@2.3.6"
  "font-awesome@4.5.0"
  "@widgetti/vue-grid-layout@2.3.13-alpha.2"
  "katex@0.16.9"
  "mermaid@10.8.0"
  "vega@5"
  "vega-lite@5"
  "vega-embed@6"
)

fail() {
  echo "setup_browser: error: $*" >&2
  exit 1
}

want_browser=1
for arg in "$@"; do
  case "$arg" in
    --no-browser) want_browser=0 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) fail "unknown argument: $arg" ;;
  esac
done

apt_packages=()
if [[ $want_browser == 1 ]]; then
  [[ -x $CHROMIUM ]] || apt_packages+=(chromium)
  # Region names are Korean: without a Korean font the screenshots show empty boxes.
  if ! command -v fc-list >/dev/null || [[ -z $(fc-list :lang=ko 2>/dev/null) ]]; then
    apt_packages+=(fonts-nanum)
  fi
fi
if ((${#apt_packages[@]})); then
  echo "setup_browser: installing Debian packages: ${apt_packages[*]}"
  sudo=""
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || fail "need root (or sudo) to apt-get install ${apt_packages[*]}"
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq || fail "apt-get update failed"
  $sudo apt-get install -y -qq "${apt_packages[@]}" >/dev/null ||
    fail "apt-get install ${apt_packages[*]} failed"
  [[ $want_browser == 0 || -x $CHROMIUM ]] || fail "chromium installed but $CHROMIUM is missing"
fi

command -v npm >/dev/null || fail "npm is needed to fill the asset cache ($CACHE)"
mkdir -p "$CACHE"
for spec in "${PACKAGES[@]}"; do
  dest="$CACHE/$spec"
  [[ -f $dest/package.json ]] && continue
  echo "setup_browser: caching $spec"
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  tgz="$(cd "$tmp" && npm pack --loglevel=error "$spec" 2>"$tmp/npm.log" | tail -n 1)" ||
    fail "npm pack $spec failed: $(tail -n 3 "$tmp/npm.log")"
  [[ -f $tmp/$tgz ]] || fail "npm pack $spec produced no tarball: $(tail -n 3 "$tmp/npm.log")"
  tar -xzf "$tmp/$tgz" -C "$tmp" || fail "could not unpack $tgz"
  [[ -d $tmp/package ]] || fail "$tgz has no package/ folder"
  mkdir -p "$(dirname "$dest")"
  rm -rf "$dest"
  mv "$tmp/package" "$dest"
  rm -rf "$tmp"
  trap - EXIT
done
echo "setup_browser: ok (chromium: $([[ -x $CHROMIUM ]] && echo $CHROMIUM || echo skipped), assets: $CACHE)"

#!/usr/bin/env bash
# Builds the base image every JCHAT image starts FROM, locally, for machines that reach
# Debian's package mirrors but no image registry. Elsewhere, just `docker pull debian:trixie-slim`:
# this script makes an image of the same name and contents class (Debian 13 "trixie", minbase,
# apt sources for trixie, trixie-updates and trixie-security) with debootstrap + docker import.
#
#   deploy/base/build-base.sh [IMAGE]        (default debian:trixie-slim; as root)
#   JCHAT_DEBIAN_MIRROR=http://...  the mirror to bootstrap from (default http://deb.debian.org/debian)
#   JCHAT_REBUILD_BASE=1            rebuild even when the image exists
set -euo pipefail
image="${1:-${JCHAT_BASE_IMAGE:-debian:trixie-slim}}"
mirror="${JCHAT_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security="${JCHAT_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
say() { printf '[base] %s\n' "$*"; }

if [ -z "${JCHAT_REBUILD_BASE:-}" ] && docker image inspect "$image" >/dev/null 2>&1; then
  say "$image is already there (JCHAT_REBUILD_BASE=1 to rebuild it)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  say "debootstrap needs root; or pull $image from a registry instead"
  exit 1
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >/dev/null
fi
# Debian 12's debootstrap knows trixie; its keyring (debian-archive-keyring) signs it.
root="$(mktemp -d /var/tmp/jchat-base.XXXXXX)"
trap 'rm -rf "$root"' EXIT
say "debootstrap --variant=minbase trixie from $mirror (a few minutes)"
debootstrap --variant=minbase trixie "$root" "$mirror" >"$root.log" 2>&1 || {
  tail -n 30 "$root.log"
  exit 1
}
rm -f "$root.log"

# Make it look like the registry's slim image: deb822 sources with updates and security, no
# caches, no docs, no man pages, apt never keeping downloaded packages or recommends.
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
APT::Install-Recommends "false";
APT
cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKG
find "$root/usr/share/doc" -mindepth 2 -not -name copyright -not -type d -delete 2>/dev/null || true
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + || true
rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/lib/apt/lists/* \
  "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log \
  "$root"/tmp/* "$root"/root/.cache
: >"$root/etc/machine-id"

say "docker import -> $image"
tar --numeric-owner -C "$root" -c . | docker import \
  --change 'CMD ["bash"]' \
  --change 'ENV LANG=C.UTF-8' \
  --message "debootstrap --variant=minbase trixie ($mirror)" - "$image" >/dev/null
say "$image: $(docker image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')"

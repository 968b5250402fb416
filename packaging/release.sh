#!/usr/bin/env bash
# Builds Hearth's release artifacts into dist/ (or $DIST):
#   hearth_<version>_linux_<arch>.tar.gz   binary, README.md, LICENSE,
#                                          hearth.service, hearth.toml
#   hearth_<version>_<debarch>.deb         amd64, arm64, armhf
#   SHA256SUMS
# Static binaries (CGO_ENABLED=0, -trimpath), stamped with version and commit;
# tarballs and packages are reproducible for a given commit
# (SOURCE_DATE_EPOCH is the commit time).
#
# Environment (all optional):
#   VERSION   default: git describe --tags --always --dirty, without a leading v
#   COMMIT    default: git rev-parse --short=12 HEAD
#   DIST      output directory, default dist (emptied of earlier artifacts)
#   TARGETS   space-separated subset of: amd64 arm64 armv7 armv6
#   DEBS      1 (default) to build .deb packages, 0 to skip
#   GO        the go command
#   HEARTH_MAINTAINER  the packages' Maintainer field
#
# The armhf .deb carries the ARMv6 binary: Raspberry Pi OS calls its 32-bit
# ARMv6 userland armhf, so one package then runs on every Pi (ARMv7 boards
# lose nothing measurable). The armv7 tarball is for ARMv7-only systems.
set -euo pipefail

NFPM="github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

GO=${GO:-go}
DIST=${DIST:-dist}
TARGETS=${TARGETS:-amd64 arm64 armv7 armv6}
DEBS=${DEBS:-1}
HEARTH_MAINTAINER=${HEARTH_MAINTAINER:-The Hearth authors <hearth@users.noreply.github.com>}

git_ok() { git -C "$root" rev-parse --git-dir >/dev/null 2>&1; }
if [ -z "${VERSION:-}" ]; then
	VERSION=$(git_ok && git describe --tags --always --dirty 2>/dev/null || echo dev)
fi
VERSION=${VERSION#v}
if [ -z "${COMMIT:-}" ]; then
	COMMIT=$(git_ok && git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
fi
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git_ok && git log -1 --format=%ct 2>/dev/null || date +%s)
fi
export SOURCE_DATE_EPOCH

case "$VERSION" in
[0-9]*) debversion=$VERSION ;;
# A Debian version must start with a digit; "abc1234" sorts before 0.0.1.
*) debversion="0.0.0~$VERSION" ;;
esac
debversion=${debversion//-/\~} # 1.2.0-rc1 sorts before 1.2.0, as it should

mkdir -p "$DIST"
DIST=$(cd "$DIST" && pwd)
rm -f "$DIST"/hearth_*.tar.gz "$DIST"/hearth_*.deb "$DIST"/SHA256SUMS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ldflags="-s -w -X main.version=$VERSION -X main.commit=$COMMIT"

for target in $TARGETS; do
	goarm=""
	case "$target" in
	amd64) goarch=amd64 nfpmarch=amd64 ;;
	arm64) goarch=arm64 nfpmarch=arm64 ;;
	armv7) goarch=arm goarm=7 nfpmarch="" ;; # no .deb: see the note above
	armv6) goarch=arm goarm=6 nfpmarch=arm6 ;; # .deb architecture armhf
	*) echo "release.sh: unknown target $target (want amd64 arm64 armv7 armv6)" >&2; exit 2 ;;
	esac
	name="hearth_${VERSION}_linux_${target}"
	stage="$work/$name"
	mkdir -p "$stage"
	echo "build $target" >&2
	CGO_ENABLED=0 GOOS=linux GOARCH=$goarch GOARM=$goarm \
		"$GO" build -trimpath -ldflags "$ldflags" -o "$stage/hearth" ./cmd/hearth
	cp README.md packaging/LICENSE packaging/hearth.service packaging/hearth.toml "$stage/"
	chmod 0755 "$stage/hearth"
	chmod 0644 "$stage/README.md" "$stage/LICENSE" "$stage/hearth.service" "$stage/hearth.toml"
	tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
		-C "$work" -cf - "$name" | gzip -9 -n >"$DIST/$name.tar.gz"

	if [ "$DEBS" = 1 ] && [ -n "$nfpmarch" ]; then
		echo "package $target .deb" >&2
		HEARTH_VERSION=$debversion NFPM_ARCH=$nfpmarch HEARTH_BINARY="$stage/hearth" \
			HEARTH_MAINTAINER=$HEARTH_MAINTAINER \
			"$GO" run "$NFPM" package --config packaging/nfpm.yaml --packager deb --target "$DIST/" >&2
	fi
done

(cd "$DIST" && sha256sum hearth_*.tar.gz $(ls hearth_*.deb 2>/dev/null) >SHA256SUMS)
echo "release $VERSION ($COMMIT) in $DIST:" >&2
(cd "$DIST" && ls -l hearth_* SHA256SUMS) >&2

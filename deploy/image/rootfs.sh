#!/usr/bin/env bash
# The container image's operating-system part, assembled without a container engine or a registry
# (Jib builds the image from scratch on top of it, serving/pom.xml, profile `image`):
#
#   deploy/image/rootfs.sh <output-dir> <java-home>
#
# - From the build host's Debian (or Ubuntu) package sources, with `apt-get download` and
#   `dpkg-deb -x`: glibc; libgcc and libstdc++ (RocksDB JNI, XGBoost4J); libgomp (XGBoost4J's
#   OpenMP runtime); zlib; dash as /bin/sh (pg_ctl and initdb start the embedded PostgreSQL's
#   processes through it); tini, the entrypoint's PID 1 (pg_ctl detaches the postmaster, which a
#   container then re-parents to PID 1: something there must reap it). The embedded PostgreSQL's
#   binaries bring their own OpenSSL, libxml2 and zlib (the zonky jar), and the JVM everything
#   else. The packages' copyright files stay in /usr/share/doc.
# - amd64 only: the paths below, Jib's platform and the zonky binaries the build ships are.
# - A Java runtime linked with jlink from <java-home> into /opt/java, with a CDS archive.
# - The directories an image needs that hold no file: /tmp, /var/lib/pgml-follower (store.path).
#
# The output is rebuilt only when the package versions, the JDK or this script change.
set -euo pipefail
# apt's output is read below: untranslated.
export LC_ALL=C

if [ $# -ne 2 ]; then
  echo "usage: $0 <output-dir> <java-home>" >&2
  exit 2
fi
out=$1
java_home=$2
packages=(libc6 libgcc-s1 libstdc++6 libgomp1 zlib1g dash tini)
# The JDK modules the follower and its libraries use (java.se for JDBC, JMX, naming, HTTP...),
# plus the ones an operator reaches for in a running pod (jcmd, JFR) and the charsets pgjdbc's
# client encodings may name.
modules=java.se,jdk.unsupported,jdk.charsets,jdk.crypto.cryptoki,jdk.localedata,jdk.management,\
jdk.management.jfr,jdk.jfr,jdk.net,jdk.zipfs,jdk.naming.dns,jdk.security.auth,jdk.security.jgss,\
jdk.jcmd,jdk.attach

fail() { echo "rootfs.sh: $*" >&2; exit 1; }

command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
  fail "apt-get and dpkg-deb are needed: the image's base is made of Debian packages; build the image on Debian or Ubuntu"
[ -x "$java_home/bin/jlink" ] || fail "no jlink in $java_home (set JAVA_HOME to a JDK 25)"
arch=$(dpkg --print-architecture)
[ "$arch" = amd64 ] || fail "the image is built for amd64 only; this host is $arch"
# The packages are whatever the host's lists name: stale lists mean an image without the latest
# security updates (apt-get update, as root, refreshes them).
if [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Release' -mtime +7 -print -quit 2>/dev/null)" ]; then
  echo "rootfs.sh: warning: the apt package lists are over a week old; run 'apt-get update' for current security fixes" >&2
fi

versions() {
  local p v
  for p in "${packages[@]}"; do
    v=$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: //p')
    [ -n "$v" ] && [ "$v" != "(none)" ] || return 1
    echo "$p=$v"
  done
}

if ! pinned=$(versions); then
  # A fresh machine may hold no package lists yet: fetching them needs root.
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    pinned=$(versions) || fail "apt has no candidate for one of: ${packages[*]}"
  else
    fail "apt has no package lists for ${packages[*]}: run 'sudo apt-get update' once"
  fi
fi

# libgcc, libstdc++ and libgomp keep their copyright file in their source's gcc-N-base package.
gcc_base=$(apt-cache depends libgcc-s1 | sed -nE 's/.*Depends: (gcc-[0-9]+-base).*/\1/p' | head -1)
if [ -n "$gcc_base" ]; then
  packages+=("$gcc_base")
  pinned=$(versions) || fail "apt has no candidate for $gcc_base"
fi

key=$( { echo "$arch"; echo "$pinned"; "$java_home/bin/java" -version 2>&1; cat "$0"; } | sha256sum | cut -d' ' -f1)
if [ -d "$out" ] && [ -f "$out.key" ] && [ "$(cat "$out.key")" = "$key" ]; then
  echo "rootfs.sh: $out is up to date"
  exit 0
fi

rm -rf "$out" "$out.key"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debs" "$work/root"

echo "rootfs.sh: downloading $(echo "$pinned" | tr '\n' ' ')"
# Pinned to the versions hashed into the key above, so the key always names what was built.
# shellcheck disable=SC2046 # one word per package
(cd "$work/debs" && apt-get download -qq $(echo "$pinned") 2>&1 | grep -v "unsandboxed" || true)
for p in "${packages[@]}"; do
  ls "$work/debs/${p}_"*.deb >/dev/null 2>&1 || fail "apt-get download did not fetch $p"
done
for deb in "$work"/debs/*.deb; do
  dpkg-deb -x "$deb" "$work/root"
done
root=$work/root
# Releases whose packages ship everything under /usr (Debian 13) leave /bin and /lib64 to
# base-files' links: the image needs the shell and the loader at their usual paths.
mkdir -p "$root/bin" "$root/lib64"
[ -e "$root/bin/dash" ] || cp "$root/usr/bin/dash" "$root/bin/dash"
[ -e "$root/lib64/ld-linux-x86-64.so.2" ] || cp "$root/usr/lib64/ld-linux-x86-64.so.2" "$root/lib64/"
[ -e "$root/usr/bin/tini" ] || fail "tini is not at /usr/bin/tini"
# What the packages' maintainer scripts would have done, and what an image leaves out (but not
# the licenses: each package's copyright file stays).
ln -sf dash "$root/bin/sh"
if [ -d "$root/usr/share/doc" ]; then
  find "$root/usr/share/doc" -mindepth 2 \( -type f -o -type l \) ! -name copyright -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
fi
rm -rf "$root/usr/bin/tini-static" "$root/usr/share/man" "$root/usr/share/lintian" "$root/usr/share/locale" \
  "$root/usr/share/bug" "$root/usr/share/gcc" "$root/usr/share/gdb" "$root/usr/lib/x86_64-linux-gnu/gconv" \
  "$root/usr/share/menu" "$root/usr/share/debianutils"
# A symbolic link with an absolute target would be read on the build machine by Jib, which
# copies links as files: make each one relative to the image's root first.
while IFS= read -r link; do
  target=$(readlink "$link")
  case "$target" in
    /*) ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$root$target")" "$link" ;;
  esac
done < <(find "$root" -type l)
# Links to what was not downloaded (e.g. a package's doc directory pointing at its source
# package's): Jib would fail on them.
find "$root" -xtype l -delete
# The loader's cache, so that libraries are found without a directory scan at each exec.
if command -v ldconfig >/dev/null || [ -x /sbin/ldconfig ]; then
  mkdir -p "$root/etc"
  : > "$root/etc/ld.so.conf"
  "$(command -v ldconfig || echo /sbin/ldconfig)" -r "$root"
fi

echo "rootfs.sh: linking a Java runtime from $java_home"
"$java_home/bin/jlink" --add-modules "$modules" --include-locales=en --strip-debug --no-man-pages \
  --no-header-files --generate-cds-archive --output "$root/opt/java"

# Mount points: the store's volume, the config's, and what a runtime mounts.
mkdir -p "$root/tmp" "$root/var/lib/pgml-follower" "$root/etc/pgml-follower" "$root/proc" "$root/dev" \
  "$root/sys"
mkdir -p "$(dirname "$out")"
mv "$root" "$out"
echo "$key" > "$out.key"
echo "rootfs.sh: $out ready ($(du -sh "$out" | cut -f1))"

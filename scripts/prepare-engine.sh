#!/usr/bin/env bash
# Prepares podman for the emulator's container-mode tests, without any image registry: installs
# podman, runc and busybox-static from Debian when missing, imports a busybox rootfs as a local
# image, and checks that a container runs. Idempotent: a second run only checks.
#
# Progress goes to stderr. On success, stdout holds the variables the tests read, as `export` lines:
#   env_lines=$(bash scripts/prepare-engine.sh) && eval "$env_lines"
set -euo pipefail

IMAGE="localhost/hf-jobs-test:latest"
# Bump when the rootfs below changes, so that prepared machines rebuild the image.
ROOTFS_VERSION="1"
# Debian's podman on these machines: runc (no crun), cgroupfs (no systemd), and explicit ulimits,
# because podman's default nofile/nproc exceed the hard limits runc may set here.
ENGINE_ARGS="--runtime runc --cgroup-manager cgroupfs"
RUN_ARGS="--ulimit nofile=4096:4096 --ulimit nproc=4096:4096 --pull=never"

log() { printf 'prepare-engine: %s\n' "$*" >&2; }
started=$(date +%s)

missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v runc >/dev/null 2>&1 || missing+=(runc)
[ "$(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null || true)" = "install ok installed" ] || missing+=(busybox-static)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing ${missing[*]} and not root: install them (apt-get install ${missing[*]}) and run again"
    exit 1
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# shellcheck disable=SC2086 # the argument strings are word lists
podman_() { podman $ENGINE_ARGS "$@"; }

label=$(podman_ image inspect --format '{{index .Config.Labels "org.hf-jobs.rootfs"}}' "$IMAGE" 2>/dev/null || true)
if [ "$label" != "$ROOTFS_VERSION" ]; then
  log "building $IMAGE from busybox-static"
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs" "$rootfs.tar"' EXIT
  mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/root" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev"
  chmod 1777 "$rootfs/tmp"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $("$rootfs/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
  echo 'root:x:0:' >"$rootfs/etc/group"
  tar -C "$rootfs" -cf "$rootfs.tar" .
  podman_ import \
    --change "LABEL org.hf-jobs.rootfs=$ROOTFS_VERSION" \
    --change 'ENV PATH=/bin' \
    --change 'CMD ["/bin/sh"]' \
    "$rootfs.tar" "$IMAGE" >/dev/null
  rm -f "$rootfs.tar"
fi

# shellcheck disable=SC2086
if ! out=$(podman_ run --rm $RUN_ARGS "$IMAGE" sh -c 'echo engine-ok' 2>&1) || [ "$out" != "engine-ok" ]; then
  log "podman could not run a container in $IMAGE:"
  printf '%s\n' "$out" >&2
  exit 1
fi
log "podman runs $IMAGE ($(($(date +%s) - started)) s)"

printf 'export HF_JOBS_TEST_ENGINE=podman\n'
printf 'export HF_JOBS_TEST_IMAGE=%q\n' "$IMAGE"
printf 'export HF_JOBS_TEST_ENGINE_ARGS=%q\n' "$ENGINE_ARGS"
printf 'export HF_JOBS_TEST_RUN_ARGS=%q\n' "$RUN_ARGS"

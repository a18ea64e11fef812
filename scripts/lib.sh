# shellcheck shell=bash
# Shared by scripts/lab-up, scripts/lab-down and scripts/test (sourced, not run): what a fresh
# Debian machine lacks, each missing piece reported in one line that says how to get it.
set -euo pipefail

# Upper case: the scripts that source this file read them.
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${MULTISITE_VENV:-$REPO/.venv}
LOG_DIR=${MULTISITE_LOG_DIR:-/var/tmp/multisite-vpn}
mkdir -p "$LOG_DIR"

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

need_root() {
  [[ $(id -u) == 0 ]] || die "needs root to install Debian packages and start dockerd: run sudo $0"
}

# Installs the Debian packages that are missing, and only those.
need_packages() {
  command -v apt-get >/dev/null || die "needs Debian or Ubuntu (no apt-get here)"
  local package missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  need_root
  echo "installing ${missing[*]}"
  apt-get update -qq >"$LOG_DIR/apt.log" 2>&1 || die "apt-get update failed: see $LOG_DIR/apt.log"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >>"$LOG_DIR/apt.log" 2>&1 || die "could not install ${missing[*]}: see $LOG_DIR/apt.log"
}

# Starts dockerd in the background unless a daemon already answers.
need_dockerd() {
  docker info >/dev/null 2>&1 && return 0
  command -v dockerd >/dev/null || die "dockerd is missing: apt-get install docker.io"
  echo "starting dockerd (log: $LOG_DIR/dockerd.log)"
  nohup dockerd >"$LOG_DIR/dockerd.log" 2>&1 &
  local waited
  for waited in $(seq 60); do
    docker info >/dev/null 2>&1 && return 0
    kill -0 $! 2>/dev/null || break
    sleep 1
  done
  die "dockerd did not start (${waited}s): $(tail -n 1 "$LOG_DIR/dockerd.log")"
}

# A virtualenv with requirements-dev.txt, reinstalled only when a requirements file changed.
need_venv() {
  local python=${MULTISITE_PYTHON:-python3}
  command -v "$python" >/dev/null || die "needs Python >= 3.11: apt-get install python3 python3-venv"
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "needs Python >= 3.11, $python is $("$python" -V 2>&1)"
  "$python" -c 'import ensurepip, venv' 2>/dev/null || need_packages python3-venv
  [[ -x $VENV/bin/python ]] || "$python" -m venv "$VENV" || die "could not create the virtualenv $VENV"
  local stamp
  stamp=$(cat "$REPO"/requirements*.txt | sha256sum | cut -c1-16)
  if [[ $(cat "$VENV/.requirements" 2>/dev/null) != "$stamp" ]]; then
    echo "installing Python packages into $VENV (log: $LOG_DIR/pip.log)"
    "$VENV/bin/python" -m pip install -q -r "$REPO/requirements-dev.txt" >"$LOG_DIR/pip.log" 2>&1 \
      || die "pip could not install requirements-dev.txt: see $LOG_DIR/pip.log"
    echo "$stamp" >"$VENV/.requirements"
  fi
  export PATH="$VENV/bin:$PATH"
  export ANSIBLE_CONFIG="$REPO/ansible.cfg"
}

# Every command the lab needs, in the order they are needed.
need_lab_prerequisites() {
  need_root
  need_packages docker.io debootstrap
  need_dockerd
  need_venv
}

# Extra variables for the lab playbooks: MULTISITE_LAB_OS picks the managed hosts' image.
lab_extra_vars() {
  [[ -z ${MULTISITE_LAB_OS:-} ]] || echo "-e lab_os=$MULTISITE_LAB_OS"
}

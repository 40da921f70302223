#!/usr/bin/env bash
# Installs tlt's dependencies (Debian 12, as root or with sudo) and builds tlt in Release.
#
#   bash scripts/setup.sh              install what is missing, check the BLAS, build into build/
#   BUILD_DIR=out bash scripts/setup.sh
#
# Idempotent: packages already installed are skipped and the build is incremental.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}

packages=(
  build-essential cmake ccache pkg-config git
  libtorch-dev libgloo-dev libcli11-dev nlohmann-json3-dev libfmt-dev libspdlog-dev libyaml-cpp-dev
  libsentencepiece-dev libgtest-dev zlib1g-dev libopenblas0-pthread
  python3-torch python3-matplotlib python3-pandas
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -gt 0 ]]; then
  echo "[setup] installing: ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "[setup] error: run as root or install sudo" >&2; exit 1; }
    sudo_cmd=(sudo)
  fi
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "[setup] all Debian packages are installed"
fi

# Debian's LibTorch calls the BLAS behind the libblas.so.3 alternative. The reference BLAS is about 20x
# slower than OpenBLAS for the matrix products that dominate training.
blas_link=libblas.so.3-$(gcc -dumpmachine)
blas=$(update-alternatives --query "$blas_link" 2>/dev/null | awk '/^Value:/ {print $2}')
if [[ "$blas" != *openblas* ]]; then
  openblas=$(update-alternatives --list "$blas_link" 2>/dev/null | grep openblas | head -n 1 || true)
  if [[ -z "$openblas" ]]; then
    echo "[setup] error: no OpenBLAS alternative for $blas_link; install libopenblas0-pthread" >&2
    exit 1
  fi
  echo "[setup] switching $blas_link from '${blas:-none}' to $openblas"
  update-alternatives --set "$blas_link" "$openblas"
fi
echo "[setup] BLAS: $(update-alternatives --query "$blas_link" | awk '/^Value:/ {print $2}')"

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DTLT_ONLY_LAYERS= "${launcher[@]}" ${CMAKE_ARGS:-}
cmake --build "$BUILD_DIR" -j "$(nproc)"
echo "[setup] built $BUILD_DIR/apps/tlt"

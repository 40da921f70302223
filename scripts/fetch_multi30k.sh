#!/usr/bin/env bash
# Fetches the Multi30k task 1 raw text (German-English) that tlt trains and evaluates on.
#
#   scripts/fetch_multi30k.sh [--from LOCAL_DIR] [DEST]
#
# DEST defaults to data/multi30k, relative to the current folder. With --from LOCAL_DIR (or the
# environment variable MULTI30K_SOURCE) the six files are copied from a local folder. Otherwise they are
# downloaded with curl or wget from the Multi30k repository, https://github.com/multi30k/dataset, folder
# data/task1/raw. Files already in DEST that are valid gzip are kept, so running it again is cheap. Every
# file is written under a temporary name and renamed when complete.
set -euo pipefail

readonly BASE_URL="https://raw.githubusercontent.com/multi30k/dataset/master/data/task1/raw"
readonly FILES=(train.de.gz train.en.gz val.de.gz val.en.gz test_2016_flickr.de.gz test_2016_flickr.en.gz)

usage() {
  echo "usage: $0 [--from LOCAL_DIR] [DEST]"
  echo "Copies (--from or MULTI30K_SOURCE) or downloads the Multi30k task 1 files into DEST (default data/multi30k)."
}

fail() {
  echo "fetch_multi30k.sh: error: $*" >&2
  exit 1
}

source_dir=${MULTI30K_SOURCE:-}
dest=""
while [[ $# -gt 0 ]]; do
  case $1 in
    -h | --help)
      usage
      exit 0
      ;;
    --from)
      [[ $# -ge 2 ]] || { usage >&2; exit 2; }
      source_dir=$2
      shift 2
      ;;
    --from=*)
      source_dir=${1#--from=}
      shift
      ;;
    -*)
      echo "fetch_multi30k.sh: unknown option '$1'" >&2
      usage >&2
      exit 2
      ;;
    *)
      [[ -z $dest ]] || { echo "fetch_multi30k.sh: more than one DEST given" >&2; usage >&2; exit 2; }
      dest=$1
      shift
      ;;
  esac
done
dest=${dest:-data/multi30k}

if [[ -n $source_dir && ! -d $source_dir ]]; then
  fail "source folder '$source_dir' not found; give the folder that contains ${FILES[*]}"
fi
command -v gzip >/dev/null || fail "gzip is needed to check the files; install it (apt-get install gzip)"
mkdir -p -- "$dest" || fail "cannot create '$dest'"

download() {
  local url=$1 output=$2
  if command -v curl >/dev/null; then
    curl --fail --silent --show-error --location --retry 3 --output "$output" "$url"
  elif command -v wget >/dev/null; then
    wget --quiet --tries=3 --output-document="$output" "$url"
  else
    fail "neither curl nor wget is installed; install one, or copy a local folder with --from LOCAL_DIR"
  fi
}

temporary=""
trap '[[ -z $temporary ]] || rm -f -- "$temporary"' EXIT

for file in "${FILES[@]}"; do
  target=$dest/$file
  if [[ -f $target ]]; then
    if gzip -t -- "$target" 2>/dev/null; then
      echo "$target: already present, kept"
      continue
    fi
    echo "$target: not a valid gzip file, fetching it again"
  fi

  temporary=$target.tmp.$$
  if [[ -n $source_dir ]]; then
    [[ -f $source_dir/$file ]] || fail "'$source_dir/$file' not found; the source folder must contain ${FILES[*]}"
    gzip -t -- "$source_dir/$file" 2>/dev/null ||
      fail "'$source_dir/$file' is not a valid gzip file (truncated or not compressed); replace it"
    cp -- "$source_dir/$file" "$temporary" || fail "cannot copy '$source_dir/$file' to '$temporary'"
    echo "$target: copied from $source_dir"
  else
    download "$BASE_URL/$file" "$temporary" ||
      fail "download of $BASE_URL/$file failed; check the network, or copy a local folder with --from LOCAL_DIR"
    gzip -t -- "$temporary" 2>/dev/null || fail "the download of $BASE_URL/$file is not a valid gzip file"
    echo "$target: downloaded"
  fi
  mv -f -- "$temporary" "$target" || fail "cannot rename '$temporary' to '$target'"
  temporary=""
done
echo "Multi30k is ready in $dest"

#!/usr/bin/env bash
# Runs the whole study with one command. It trains the base model (recording w0), prunes it at each rate
# and retrains each pruned network from the recorded init and from a random one. It then samples the loss
# surfaces of every model along shared directions (global and local views) and an epoch-wise series of the
# base run, compares optimizers on the synth-attn task, draws the figures and writes report.md.
#
#   bash scripts/study.sh PROFILE [--out DIR]
#
# PROFILE is smoke, quick, cpu-short, cpu or paper (configs/study/PROFILE.sh), or the path of a profile file.
# The study folder is DIR, by default runs/study-PROFILE. A stage whose completion marker DIR/stages/STAGE.done exists
# is skipped, so a rerun after an interruption or a failure continues where the study stopped; the stage
# that was running resumes from its own partial results. docs/study.md describes the stages, the folder
# and the profiles.
#
# Environment: TLT (the tlt executable, default build/apps/tlt of this repository), TLT_MULTI30K_DIR (the
# Multi30k files, default data/multi30k of this repository), TLT_PYTHON (a Python with matplotlib and
# pandas, default /usr/bin/python3).
#
# Exit codes: 0 success, 2 invalid usage or profile, 3 missing input files, 130 interrupted, and otherwise
# the exit code of the stage command that failed.
set -euo pipefail

# The whole script is one compound command, which bash reads completely before it runs any of it, so
# updating this file (git pull) while a study runs cannot change the running study's commands.
{

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
  cat <<EOF
usage: $0 PROFILE [--out DIR]

Runs the whole tlt study (train, prune and retrain, loss surfaces, synth-attn, figures, report.md).
  PROFILE     smoke, quick, cpu-short, cpu or paper (configs/study/PROFILE.sh), or the path of a profile file
  --out DIR   study folder (default: runs/study-PROFILE); a rerun skips the stages completed there
Environment: TLT (default build/apps/tlt), TLT_MULTI30K_DIR (default data/multi30k),
TLT_PYTHON (default /usr/bin/python3).
EOF
}

log() { echo "[study] $*" >&2; }

# Prints an error and exits with the given code.
fail() {
  local code=$1
  shift
  echo "[study] error: $*" >&2
  exit "$code"
}

# Prints the absolute form of a path; a relative path is taken from the folder given as $2.
absolute_path() {
  local path=$1 base=$2
  if [[ $path == /* ]]; then echo "$path"; else echo "$base/$path"; fi
}

# ---------------------------------------------------------------------------------------------------------
# Command line.

profile_arg=""
out=""
while [[ $# -gt 0 ]]; do
  case $1 in
    -h | --help)
      usage
      exit 0
      ;;
    --out)
      [[ $# -ge 2 ]] || { usage >&2; exit 2; }
      out=$2
      shift 2
      ;;
    --out=*)
      out=${1#--out=}
      shift
      ;;
    -*)
      echo "[study] error: unknown option '$1'" >&2
      usage >&2
      exit 2
      ;;
    *)
      [[ -z $profile_arg ]] || fail 2 "more than one PROFILE given ('$profile_arg' and '$1')"
      profile_arg=$1
      shift
      ;;
  esac
done
[[ -n $profile_arg ]] || { usage >&2; exit 2; }

if [[ $profile_arg == */* || $profile_arg == *.sh ]]; then
  profile_file=$(absolute_path "$profile_arg" "$PWD")
  profile_name=$(basename "$profile_file" .sh)
else
  profile_file=$repo/configs/study/$profile_arg.sh
  profile_name=$profile_arg
fi
if [[ ! -f $profile_file ]]; then
  known=$(cd "$repo/configs/study" 2>/dev/null && ls -- *.sh 2>/dev/null | sed 's/\.sh$//' | paste -sd ' ')
  fail 2 "profile '$profile_arg' not found ($profile_file); use one of: ${known:-none} or a profile file path"
fi

out=$(absolute_path "${out:-runs/study-$profile_name}" "$PWD")
tlt=$(absolute_path "${TLT:-$repo/build/apps/tlt}" "$PWD")
data_dir=$(absolute_path "${TLT_MULTI30K_DIR:-$repo/data/multi30k}" "$PWD")
python=${TLT_PYTHON:-/usr/bin/python3}

# ---------------------------------------------------------------------------------------------------------
# Profile: defaults, then the profile file, then checks of every value.

train_config=""
train_set=()
retrain_set=()
device=cpu
threads=0
prune_rates=(0.3 0.8)
prune_inits=(rewind random)
eval_sentences=256
global_range=-1:1:11
global_scale=1.0
local_range=-1:1:11
local_scale=0.2
series_range=-1:1:7
series_scale=0.2
synth_config=configs/synth-attn.yaml
synth_set=()
# shellcheck source=/dev/null
source "$profile_file"

problems=()
[[ -n $train_config ]] ||
  problems+=("train_config is empty; name a tlt train config, for example configs/wmt16-small.yaml")
train_config=$(absolute_path "$train_config" "$repo")
synth_config=$(absolute_path "$synth_config" "$repo")
[[ -f $train_config ]] || problems+=("train_config '$train_config' not found")
[[ -f $synth_config ]] || problems+=("synth_config '$synth_config' not found")
[[ $device == cpu || $device == cuda ]] || problems+=("device is '$device', expected cpu or cuda")
[[ ${#prune_rates[@]} -gt 0 ]] || problems+=("prune_rates is empty; give at least one rate, for example (0.3 0.8)")
for rate in "${prune_rates[@]}"; do
  [[ $rate =~ ^[0-9]*\.?[0-9]+$ ]] && awk -v rate="$rate" 'BEGIN { exit !(rate > 0 && rate < 1) }' ||
    problems+=("prune rate '$rate' is not a number in (0, 1), for example 0.3")
done
[[ ${#prune_inits[@]} -gt 0 ]] || problems+=("prune_inits is empty; give rewind, random or both")
for init in "${prune_inits[@]}"; do
  [[ $init == rewind || $init == random ]] || problems+=("prune init '$init' is not rewind or random")
done
for name in global_range local_range series_range; do
  [[ ${!name} =~ ^-?[0-9.]+:-?[0-9.]+:[0-9]+$ ]] ||
    problems+=("$name is '${!name}', expected MIN:MAX:POINTS, for example -1:1:11")
done
for name in global_scale local_scale series_scale; do
  [[ ${!name} =~ ^[0-9]*\.?[0-9]+$ ]] || problems+=("$name is '${!name}', expected a positive number")
done
[[ $eval_sentences =~ ^[0-9]+$ ]] || problems+=("eval_sentences is '$eval_sentences', expected a count (0 = all)")
[[ $threads =~ ^[0-9]+$ ]] || problems+=("threads is '$threads', expected a count (0 = every core)")
if [[ ${#problems[@]} -gt 0 ]]; then
  for problem in "${problems[@]}"; do echo "[study] error: profile $profile_file: $problem" >&2; done
  exit 2
fi

# ---------------------------------------------------------------------------------------------------------
# Tools and inputs, checked before the first stage so that a missing piece does not stop a long study late.

[[ -x $tlt ]] || fail 3 "tlt executable '$tlt' not found; build it with 'bash scripts/setup.sh' or set TLT"
tlt_help=$("$tlt" --help 2>&1) || fail 3 "'$tlt' --help failed: $tlt_help"
for command in train prune landscape synth-attn; do
  grep -qE "^ +$command( |$)" <<<"$tlt_help" ||
    fail 3 "'$tlt' has no '$command' command; rebuild it with 'bash scripts/setup.sh'"
done
[[ -f $data_dir/train.de.gz && -f $data_dir/val.en.gz ]] ||
  fail 3 "Multi30k not found in '$data_dir'; run 'bash scripts/fetch_multi30k.sh' or set TLT_MULTI30K_DIR"
"$python" -c "import matplotlib, numpy, pandas" 2>/dev/null ||
  fail 3 "'$python' cannot import matplotlib, numpy and pandas; install python3-matplotlib and python3-pandas" \
    "or set TLT_PYTHON"

# Every setting of the study goes into profile.txt. A rerun with other settings is rejected, because the
# stages it would skip were computed with the old ones.
# The thread count changes the speed only, so it stays out of the record below.
threads_args=(--threads "$threads")
train_args=(--set "data.dir=$data_dir" --set "data.cache_dir=$out/cache")
for item in "${train_set[@]}"; do train_args+=(--set "$item"); done
retrain_args=()
for item in "${retrain_set[@]}"; do retrain_args+=(--set "$item"); done
synth_args=()
for item in "${synth_set[@]}"; do synth_args+=(--set "$item"); done

# Only stdout goes into the record, because the log lines on stderr carry time stamps.
if ! resolved_train_config=$("$tlt" config --config "$train_config" "${train_args[@]}" 2>/dev/null); then
  message=$("$tlt" config --config "$train_config" "${train_args[@]}" 2>&1 >/dev/null || true)
  fail 2 "the train config '$train_config' with train_set (${train_set[*]}) is invalid: $message"
fi
record=$(
  echo "# Settings of this study, written by scripts/study.sh; a rerun with other settings is rejected."
  echo "profile: $profile_name"
  echo "retrain_set: ${retrain_set[*]}"
  echo "prune_rates: ${prune_rates[*]}"
  echo "prune_inits: ${prune_inits[*]}"
  echo "eval_sentences: $eval_sentences"
  echo "global: $global_range scale $global_scale"
  echo "local: $local_range scale $local_scale"
  echo "series: $series_range scale $series_scale"
  echo "synth_config: $synth_config"
  echo "synth_set: ${synth_set[*]}"
  echo "# The base run's resolved config:"
  echo "$resolved_train_config"
  echo "# The synth-attn config file:"
  cat -- "$synth_config"
)
mkdir -p -- "$out/stages" "$out/logs" || fail 3 "cannot create the study folder '$out'"
cd -- "$out"

if [[ -f profile.txt ]]; then
  if [[ $(cat profile.txt) != "$record" ]]; then
    diff <(cat profile.txt) <(echo "$record") >&2 || true
    fail 2 "'$out' holds a study with other settings (differences above: < saved, > now); pass another --out" \
      "or delete the folder to start again"
  fi
else
  echo "$record" >profile.txt.tmp && mv -f profile.txt.tmp profile.txt
fi

# ---------------------------------------------------------------------------------------------------------
# Stages.

stages_run=0
stages_skipped=0
study_start=$SECONDS

# Runs one stage: `run_stage NAME COMMAND...` runs COMMAND (a tlt command or a function of this script)
# unless stages/NAME.done exists, logging its output to logs/NAME.log and to the terminal, and writes the
# marker when COMMAND succeeds. A failed or interrupted stage ends the study with the command's exit code.
run_stage() {
  local name=$1
  shift
  local marker=stages/$name.done
  if [[ -f $marker ]]; then
    log "$name: skipped (complete)"
    stages_skipped=$((stages_skipped + 1))
    return 0
  fi

  log "$name: running"
  echo "=== $(date '+%Y-%m-%d %H:%M:%S') $*" >>"logs/$name.log"
  local start=$SECONDS status
  # tee ignores SIGINT (-i), so that it keeps passing on the log of a tlt command that is saving its state
  # after Ctrl-C instead of killing it with SIGPIPE.
  set +e
  "$@" 2>&1 | tee -i -a "logs/$name.log"
  status=${PIPESTATUS[0]}
  set -e
  local wall_s=$((SECONDS - start))
  if [[ $status -eq 130 ]]; then
    log "$name: interrupted after ${wall_s} s; rerun the same command to continue"
    exit 130
  elif [[ $status -ne 0 ]]; then
    log "$name: failed with exit code $status after ${wall_s} s; see $out/logs/$name.log, fix the cause and" \
      "rerun the same command to continue"
    exit "$status"
  fi

  local load_avg
  read -r load_avg _ </proc/loadavg || load_avg=0
  printf '{"stage": "%s", "wall_s": %d, "load_avg": %s, "finished": "%s"}\n' "$name" "$wall_s" "$load_avg" \
    "$(date '+%Y-%m-%dT%H:%M:%S')" >"$marker.tmp"
  mv -f "$marker.tmp" "$marker"
  log "$name: done in ${wall_s} s"
  stages_run=$((stages_run + 1))
}

# Trains the base run into base/, or resumes it from its last complete epoch.
train_base() {
  if [[ -f base/train_state.pt ]]; then
    echo "[study] resuming base/ from its last complete epoch"
    "$tlt" train --resume base --device "$device" "${threads_args[@]}"
    return
  fi
  if [[ -e base ]]; then
    # tlt train writes train_state.pt after the first epoch, so this run stopped inside it.
    echo "[study] removing base/, a run that stopped inside its first epoch, and starting it again"
    rm -rf -- base
  fi
  "$tlt" train --config "$train_config" --out base --device "$device" "${threads_args[@]}" "${train_args[@]}"
}

# Folder name of a pruning, for example p30-rewind for rate 0.3 and init rewind.
pruning_name() {
  local percent
  percent=$(awk -v rate="$1" 'BEGIN { printf "%d", rate * 100 + 0.5 }')
  echo "p$percent-$2"
}

run_stage train-base train_base

# tlt prune keeps a folder holding the same pruning and resumes its retraining, so rerunning it continues.
models=(base)
for rate in "${prune_rates[@]}"; do
  for init in "${prune_inits[@]}"; do
    name=$(pruning_name "$rate" "$init")
    models+=("$name")
    run_stage "prune-$name" "$tlt" prune --from base --rate "$rate" --scope global --init "$init" --out "$name" \
      --retrain --device "$device" "${threads_args[@]}" "${retrain_args[@]}"
  done
done

# The run folder and --mask arguments of a model's landscape.
model_arguments() {
  if [[ $1 == base ]]; then
    echo "--run base"
  else
    echo "--run $1/train --mask $1/mask.pt"
  fi
}

# The base run's global surface draws the two random directions and saves them. Every other surface reuses
# them, so the surfaces of all models are sections of parameter space along the same directions.
mkdir -p landscape
run_stage landscape-base-global "$tlt" landscape "${threads_args[@]}" --run base --x random --y random --seed 0 \
  --x-range="$global_range" --y-range="$global_range" --scale "$global_scale" --eval-sentences "$eval_sentences" \
  --save-directions directions --out landscape/base-global.csv
shared_directions=(--x directions/x.pt --y directions/y.pt)
for model in "${models[@]}"; do
  # shellcheck disable=SC2207
  arguments=($(model_arguments "$model"))
  landscape=("$tlt" landscape "${threads_args[@]}" "${arguments[@]}" "${shared_directions[@]}"
    --eval-sentences "$eval_sentences")
  if [[ $model != base ]]; then
    run_stage "landscape-$model-global" "${landscape[@]}" --x-range="$global_range" --y-range="$global_range" \
      --scale "$global_scale" --out "landscape/$model-global.csv"
  fi
  run_stage "landscape-$model-local" "${landscape[@]}" --x-range="$local_range" --y-range="$local_range" \
    --scale "$local_scale" --out "landscape/$model-local.csv"
done
run_stage landscape-base-epochs "$tlt" landscape "${threads_args[@]}" --run base --checkpoints init.pt 'epoch_*.pt' \
  "${shared_directions[@]}" --x-range="$series_range" --y-range="$series_range" --scale "$series_scale" \
  --eval-sentences "$eval_sentences" --out landscape/base-epochs

run_stage synth-attn "$tlt" synth-attn --config "$synth_config" --out synth-attn "${threads_args[@]}" "${synth_args[@]}"

run_stage figures "$python" "$repo/scripts/study_report.py" figures "$out"
run_stage report "$python" "$repo/scripts/study_report.py" report "$out"

log "finished: $stages_run stages run, $stages_skipped skipped, $((SECONDS - study_start)) s"
log "report: $out/report.md"
exit 0
}

# Sourced by the benchmarks that read the synthetic history: generates it once with
# ../shared/bench/gen-history.py into $1 (a git repository, branch main), so that every
# benchmark reads the same commits and their figures stay comparable.
#
#   ensure_history <repo dir> <commits>
ensure_history() {
  local repo=$1 commits=$2
  [ -d "$repo" ] && return 0
  echo "generating $commits commits into $repo (once)"
  rm -rf "$repo.tmp"
  git init -q -b main "$repo.tmp"
  python3 "$shared/bench/gen-history.py" "$commits" | git -C "$repo.tmp" fast-import --quiet
  mv "$repo.tmp" "$repo"
}

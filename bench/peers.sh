# Sourced by the benchmarks: install the peers they compare with (GeoPandas,
# ogr2ogr, npm), which the project itself does not need.
bench_need() { # bench_need COMMAND-OR-PYTHON-MODULE PACKAGE
  if [ "${1#py:}" != "$1" ]; then
    python3 -c "import ${1#py:}" 2>/dev/null && return 0
  else
    command -v "$1" >/dev/null && return 0
  fi
  echo "installing $2 for the comparison" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y "$2" >/dev/null || { $sudo apt-get update >/dev/null && $sudo apt-get install -y "$2" >/dev/null; }
}

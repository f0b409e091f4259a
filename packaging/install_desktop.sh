#!/usr/bin/env bash
# Installs the desktop entry, AppStream metainfo and icons of Generative Workbench for the current user:
#   bash packaging/install_desktop.sh [--exec /path/to/workbench] [--uninstall]
# into ${XDG_DATA_HOME:-~/.local/share}/{applications,metainfo,icons/hicolor/*/apps}. The entry's Exec line runs
# `<workbench> gui` with the absolute path of: --exec, else $WORKBENCH_EXEC, else the bundle this script ships in
# (dist/workbench/_internal/packaging/), else `workbench` on PATH, else the checkout's .venv/bin/workbench.
set -euo pipefail
ID=io.github.generative_workbench.Workbench
here=$(cd "$(dirname "$0")" && pwd)
exe=${WORKBENCH_EXEC:-}
uninstall=0
while [ $# -gt 0 ]; do
  case "$1" in
    --exec) exe=${2:?--exec needs a path}; shift 2 ;;
    --exec=*) exe=${1#--exec=}; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install_desktop: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

data=${XDG_DATA_HOME:-${HOME:?HOME is not set}/.local/share}
resources="$here/../workbench/resources"  # the checkout and the bundle have the same layout here
sizes=(16 24 32 48 64 128 256)

if [ "$uninstall" = 1 ]; then
  rm -f "$data/applications/$ID.desktop" "$data/metainfo/$ID.metainfo.xml" "$data/icons/hicolor/scalable/apps/$ID.svg"
  for s in "${sizes[@]}"; do rm -f "$data/icons/hicolor/${s}x${s}/apps/$ID.png"; done
  echo "install_desktop: removed $ID from $data"
  exit 0
fi

if [ -z "$exe" ]; then
  if [ -x "$here/../../workbench" ] && [ -f "$here/../../workbench" ]; then exe="$here/../../workbench"
  elif command -v workbench >/dev/null 2>&1; then exe=$(command -v workbench)
  elif [ -x "$here/../.venv/bin/workbench" ]; then exe="$here/../.venv/bin/workbench"
  else echo "install_desktop: no workbench executable found; pass --exec /path/to/workbench" >&2; exit 2
  fi
fi
[ -f "$exe" ] && [ -x "$exe" ] || { echo "install_desktop: $exe is not an executable file" >&2; exit 2; }
exe=$(cd "$(dirname "$exe")" && pwd)/$(basename "$exe")
case "$exe" in
  *[\"\`\$\\]*) echo "install_desktop: the path $exe has a character a desktop entry cannot quote" >&2; exit 2 ;;
esac
[ -f "$resources/workbench.svg" ] || { echo "install_desktop: no icons in $resources" >&2; exit 2; }

mkdir -p "$data/applications" "$data/metainfo" "$data/icons/hicolor/scalable/apps"
sed -e "s|^Exec=.*|Exec=\"$exe\" gui|" -e "s|^TryExec=.*|TryExec=$exe|" "$here/$ID.desktop" \
  > "$data/applications/$ID.desktop"
cp "$here/$ID.metainfo.xml" "$data/metainfo/$ID.metainfo.xml"
cp "$resources/workbench.svg" "$data/icons/hicolor/scalable/apps/$ID.svg"
for s in "${sizes[@]}"; do
  mkdir -p "$data/icons/hicolor/${s}x${s}/apps"
  cp "$resources/workbench-$s.png" "$data/icons/hicolor/${s}x${s}/apps/$ID.png"
done
# Menus pick the entry up by themselves; refresh the MIME cache where the tool exists (no icon cache: a stale
# one in the user's hicolor folder would hide later icons).
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
echo "install_desktop: installed $ID into $data (Exec: \"$exe\" gui)"

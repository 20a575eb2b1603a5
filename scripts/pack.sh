#!/usr/bin/env bash
# Packs every Hotplug package (and its .snupkg symbols) into a folder feed.
#   scripts/pack.sh [--out DIR] [--version V]
# DIR defaults to artifacts/packages; V to the VersionPrefix of Directory.Build.props. Point a nuget.config at DIR
# (docs/packages.md) to use the packages, or push them to a feed of your own. Prints the folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/artifacts/packages"
version=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "pack.sh: unknown argument '$1' (usage: scripts/pack.sh [--out DIR] [--version V])" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"
props=(-c Release -nologo -v quiet -clp:NoSummary)
if [ -n "$version" ]; then
  props+=("-p:Version=$version")
fi

# The MSBuild integration's helper first: Hotplug.Abstractions carries it (tools/build) but cannot reference it.
tool="$root/artifacts/obj/hotplug-build"
rm -rf "$tool"
dotnet publish "$root/src/Hotplug.Build/Hotplug.Build.csproj" "${props[@]}" -o "$tool"

# Every packable project of the solution (IsPackable), the templates (templates/) included.
dotnet pack "$root/Hotplug.slnx" "${props[@]}" -o "$out" "-p:HotplugBuildToolDir=$tool/"
echo "$out"

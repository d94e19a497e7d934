#!/usr/bin/env bash
# Rewrites each library's PublicAPI.Unshipped.txt from its current public surface (PublicApiAnalyzers' RS0016 fix).
# Run it after a deliberate API change, then review the diff: the listing is how API changes get noticed.
set -euo pipefail
cd "$(dirname "$0")/.."
for project in src/*/*.csproj; do
  grep -q '<IsLibrary>true</IsLibrary>' "$project" || continue
  dir=$(dirname "$project")
  [ -f "$dir/PublicAPI.Shipped.txt" ] || printf '#nullable enable\n' > "$dir/PublicAPI.Shipped.txt"
  printf '#nullable enable\n' > "$dir/PublicAPI.Unshipped.txt"
done
for project in src/*/*.csproj; do
  grep -q '<IsLibrary>true</IsLibrary>' "$project" || continue
  dotnet format analyzers "$project" --diagnostics RS0016 --severity info 2>&1 | grep -v '^Warnings were encountered' || true
done

#!/bin/sh
# usage: scripts/sample-class.sh DEST
#
# Copies the sample class (testdata/class) to DEST and gives each
# submission whose package.json parses the pinned node_modules of
# testdata/node (hard links, or a copy across file systems), so grading it
# needs no registry and takes seconds. A submission whose package.json does
# not parse gets none: its install fails, as the student's would. The
# sandbox shows a submission only its own folder, so a symbolic link to
# testdata/node would not do.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:?usage: scripts/sample-class.sh DEST}
[ -d "$root/testdata/node/node_modules" ] || { echo "testdata/node/node_modules is missing: run make node" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest"
cp -R "$root/testdata/class/." "$dest/"
for d in "$dest"/*/; do
	[ -f "$d/package.json" ] || continue
	node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$d/package.json" 2>/dev/null || continue
	cp -al "$root/testdata/node/node_modules" "$d/node_modules" 2>/dev/null ||
		cp -R "$root/testdata/node/node_modules" "$d/node_modules"
done

#!/usr/bin/env bash
# deploy/kubernetes: yamllint's style and syntax checks, then
# tests/kubernetes/validate.mjs (the Kubernetes API schemas, through the npm
# package kubernetes-models pinned in package-lock.json, and the project's
# own rules) over every YAML file there and, where kubectl is installed,
# over what `kubectl kustomize` renders from each kustomization.
# run.sh BUILD_DIR; exit 77 (skipped) without node and npm, or when npm
# cannot install the validator.
set -euo pipefail
S=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$1" && pwd)
D=$S/deploy/kubernetes

if command -v yamllint >/dev/null; then
	yamllint -s -c "$S/tests/kubernetes/yamllint.yaml" "$D"
	echo "ok: yamllint: $(find "$D" -name '*.yaml' | wc -l) files"
else
	echo "note: no yamllint (Debian package yamllint): style not checked"
fi

for t in node npm; do
	command -v $t >/dev/null || { echo "SKIP: no $t: the schemas are not checked"; exit 77; }
done
# The validator's packages, installed from package-lock.json into the build
# tree once (again when the lock file changes).
V=$B/kubernetes-validate
if ! cmp -s "$S/tests/kubernetes/package-lock.json" "$V/package-lock.json" 2>/dev/null ||
	[ ! -d "$V/node_modules/kubernetes-models" ]; then
	rm -rf "$V"
	mkdir -p "$V"
	cp "$S/tests/kubernetes/package.json" "$S/tests/kubernetes/package-lock.json" "$V/"
	if ! (cd "$V" && npm ci --no-audit --no-fund --loglevel=error >npm.log 2>&1); then
		sed 's/^/  /' "$V/npm.log"
		echo "SKIP: npm ci could not install the validator (above)"
		exit 77
	fi
fi
cp "$S/tests/kubernetes/validate.mjs" "$V/"

# kubectl renders kustomizations offline (kustomize is built in); it is not
# in Debian, so this part is done only where it is installed.
rendered=()
if command -v kubectl >/dev/null; then
	while IFS= read -r k; do
		dir=$(dirname "$k")
		name=$(realpath --relative-to="$S/deploy" "$dir" | tr / -)
		kubectl kustomize "$dir" >"$V/$name.yaml"
		rendered+=("$V/$name.yaml")
	done < <(find "$D" -name kustomization.yaml | sort)
else
	echo "note: no kubectl: kustomizations are checked file by file, not rendered"
fi
node "$V/validate.mjs" "$D" "${rendered[@]}"

#!/usr/bin/env bash
# samples.sh CLASSIFY MODEL_DIR: every sample image of the Fashion-MNIST
# model's directory (expected.txt: file, label index, logits) classified by
# the example program CLASSIFY (examples/classify.c) with whatever
# VACCEL_PLUGINS says, its tag checked against the label's name
# (labels.txt). Prints one line per image; exit 0 if every tag is right.
# Used by CTest for the torch plugin built with libpng and libjpeg, and by
# scripts/gpu-check.sh for torch on a GPU, locally and through an agent.
set -u
classify=$1 dir=$2
[ -f "$dir/expected.txt" ] && [ -f "$dir/labels.txt" ] || {
	echo "samples.sh: no expected.txt or labels.txt in $dir" >&2
	exit 2
}
wrong=0 n=0
while read -r file label _; do
	want=$(sed -n "$((label + 1))p" "$dir/labels.txt")
	got=$("$classify" "$dir/$file" 1 "$dir" 2>&1 | sed -n 's/^classification tags: //p')
	n=$((n + 1))
	if [ "$got" = "$want" ]; then
		echo "ok: $file -> $got"
	else
		echo "WRONG: $file -> '$got', want '$want'"
		"$classify" "$dir/$file" 1 "$dir" 2>&1 | tail -3
		wrong=$((wrong + 1))
	fi
done <"$dir/expected.txt"
[ "$n" -gt 0 ] || { echo "samples.sh: no samples in $dir/expected.txt" >&2; exit 2; }
echo "$((n - wrong)) of $n samples classified right"
[ "$wrong" -eq 0 ]

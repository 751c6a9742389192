#!/bin/sh
# Pipes, subshells and command substitution: each pipeline stage and subshell is its own process
# (fork without exec for subshells), and the coreutils they run are dynamic binaries.
set -e
mkdir -p /tmp/creach-shell
echo "alpha beta gamma" > /tmp/creach-shell/words.txt
cat /tmp/creach-shell/words.txt | tr ' ' '\n' | sort > /tmp/creach-shell/sorted.txt
( cd /etc && cat os-release | head -n 1 > /tmp/creach-shell/os.txt )
n=$( (grep -c root /etc/passwd || true) | wc -l )
lines=$(wc -l < /tmp/creach-shell/sorted.txt)
echo "words=$lines n=$n"
{ cat /etc/hostname; cat /etc/debian_version; } | wc -c >/dev/null
echo "creach-expect: read /tmp/creach-shell/words.txt"
echo "creach-expect: write /tmp/creach-shell/sorted.txt"
echo "creach-expect: read /etc/os-release"
echo "creach-expect: read /etc/debian_version"

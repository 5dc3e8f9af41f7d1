#!/bin/sh
# Run the remote manager pair as two programs and check what each prints
# (a ctest test, examples/CMakeLists.txt):
#
#   check_remote_pair.sh SERVER CLIENT EXPECTED_DIR WORK_DIR
#
# The server listens on tcp:127.0.0.1:0 (the system picks a free port, so
# that tests run at once never collide) and writes the address it got to
# WORK_DIR/address; the client, started at the same time, waits for that
# file, connects with the key, and sets "done", which ends the server. Each
# must exit 0, write nothing to stderr, and print its expected file
# (EXPECTED_DIR/manager_remote_{server,client}.txt), with the port number
# written as PORT.
#
# MP_PAIR_EMULATOR, when set, runs both programs (wine for the mingw-w64
# cross-build: CMAKE_CROSSCOMPILING_EMULATOR, its words split by the shell).
# Both run in WORK_DIR and name the address file by a relative path, which
# a Windows program under wine reads as well as a Linux one.
set -u
server=$1 client=$2 expected=$3 dir=$4
emulator=${MP_PAIR_EMULATOR:-}
# The paths as absolute ones: the programs run in WORK_DIR.
for var in server client expected; do
    eval "path=\$$var"
    # shellcheck disable=SC2154 # set by the eval
    case $path in /*) ;; *) eval "$var=\$PWD/\$path" ;; esac
done

rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1
# 60 s for a client to come: far more than a busy machine needs, and the
# test ends anyway when the client has failed (the server is killed below).
# shellcheck disable=SC2086 # the emulator's words are meant to split
$emulator "$server" --address tcp:127.0.0.1:0 --address-file address --timeout 60 \
    >server.out 2>server.err &
server_pid=$!
# shellcheck disable=SC2086
$emulator "$client" --address-file address >client.out 2>client.err
client_rc=$?
if [ "$client_rc" -ne 0 ]; then
    kill "$server_pid" 2>/dev/null
fi
wait "$server_pid"
server_rc=$?

failed=0
# check NAME RC: NAME's exit code, stderr and output.
check() {
    if [ "$2" -ne 0 ]; then
        echo "manager_remote_$1 exited with $2"
        failed=1
    fi
    if [ -s "$1.err" ]; then
        echo "manager_remote_$1 wrote to stderr"
        failed=1
    fi
    # A Windows program's lines end in CR LF.
    tr -d '\r' <"$1.out" | sed -E 's/(tcp:127\.0\.0\.1:)[0-9]+/\1PORT/g' >"$1.got"
    if ! diff -u "$expected/manager_remote_$1.txt" "$1.got"; then
        echo "manager_remote_$1 did not print what $expected/manager_remote_$1.txt says"
        failed=1
    fi
}
check server "$server_rc"
check client "$client_rc"
for f in server.out server.err client.out client.err; do
    printf -- '--- %s ---\n' "$f"
    cat "$f"
done
[ "$failed" -eq 0 ] && echo "the remote pair printed what was expected"
exit "$failed"

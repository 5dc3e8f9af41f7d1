# shellcheck shell=bash
# Sourced by ci/windows/build-and-test.sh (never run): a headless wine for
# running Windows test programs, started and stopped around ctest.
#
# The traps this avoids (measured, see shared/windows/windows-crossbuild.md):
# the first wine process of a session starts wine's services (services.exe,
# winedevice.exe...), which inherit its stdout and stderr. Under ctest that
# is ctest's output pipe, so ctest waits for them: ~2.3 s per test with a
# transient server, for ever with a persistent one. So the prefix is booted
# and the services started once, up front, with stdio on /dev/null, and a
# persistent server keeps them for the whole run; `wineserver -k` ends it.

# Debian puts the 64-bit loader and the server in /usr/lib/wine (there is
# no wine64 on PATH).
MP_WINE=${MP_WINE:-/usr/lib/wine/wine64}
MP_WINESERVER=${MP_WINESERVER:-/usr/lib/wine/wineserver}

# mp_wine_env PREFIX_DIR: the environment every wine process of the run uses.
mp_wine_env() {
    export WINEPREFIX=$1
    export WINEDEBUG=${WINEDEBUG:--all}          # wine's own logging off
    export WINEDLLOVERRIDES="mscoree,mshtml="    # never offer to install Mono or Gecko
    export WINEARCH=win64
}

# mp_wine_start: boot the prefix (created on first use, ~10 s; ~2 s after)
# and leave a persistent server with the services running.
mp_wine_start() {
    mkdir -p "$WINEPREFIX"
    # A server left over by an interrupted run would make `wineserver -w`
    # below wait for ever.
    mp_wine_stop
    "$MP_WINE" wineboot -i </dev/null >/dev/null 2>&1 || true
    "$MP_WINESERVER" -w                                  # let that server end
    "$MP_WINESERVER" -p </dev/null >/dev/null 2>&1       # persistent server
    "$MP_WINE" wineboot </dev/null >/dev/null 2>&1       # start the services
}

# mp_wine_stop: end the server and every wine process of this prefix.
mp_wine_stop() {
    "$MP_WINESERVER" -k >/dev/null 2>&1 || true
}

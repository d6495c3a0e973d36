# valgrind's memcheck as the memcheck tests run it (sourced): memory
# errors and leaks autofix's code made are errors (exit 99); memory that is
# only still reachable at exit, or possibly lost in a child that exits
# without cleaning up (a forked lock holder), is not. The programs are the
# plain build (build/), whatever TEST_BIN_DIR says: valgrind cannot run an
# AddressSanitizer build, which make check runs the rest of the suite with.
if ! command -v valgrind >/dev/null 2>&1; then
	echo "not ok 1 - valgrind is installed (make deps installs it)"
	echo "1..1"
	exit 1
fi
MEMCHECK_BIN_DIR=${MEMCHECK_BIN_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/build/tests}
MEMCHECK_AUTOFIX=${MEMCHECK_AUTOFIX:-$(cd "$(dirname "$0")/../.." && pwd)/build/autofix}
MEMCHECK_SUPP=$(cd "$(dirname "$0")" && pwd)/valgrind.supp
# Timing checks of the programs allow this much more time under valgrind (tap.h: test_time_factor).
export TEST_TIME_FACTOR=4
# $TMP/memcheck LOG COMMAND...: COMMAND under memcheck, its report in LOG
# (%p in LOG: the process id), exit 99 for what memcheck found.
cat >"$TMP/memcheck" <<EOT
#!/bin/sh
log=\$1
shift
exec valgrind -q --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \\
	--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --child-silent-after-fork=yes \\
	--suppressions="$MEMCHECK_SUPP" --log-file="\$log" "\$@"
EOT
chmod +x "$TMP/memcheck"
memcheck() { # memcheck LOG COMMAND...: the same, 10 minutes at most
	timeout -k 10 600 "$TMP/memcheck" "$@"
}

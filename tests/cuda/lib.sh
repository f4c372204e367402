# Shared by tests/cuda/run.sh and tests/cuda/toolkits.sh (sourced after
# they set top and out): one PASS:/FAIL: line per check, counted in fails.
fails=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# build_fatbin_check: $out/fatbin_check, the fatbin reader the checks use
# (user/fatbin.c, the parser settle itself embeds); 1 with a FAIL line if
# it does not build.
build_fatbin_check() {
	gcc -O1 -g -Wall -Wextra -Werror -I"$top/user" -o "$out/fatbin_check" \
		"$top/tests/cuda/fatbin_check.c" "$top/user/fatbin.c" "$top/user/util.c" -lzstd \
		2>"$out/fatbin_check.log" && return 0
	fail "fatbin_check-build: $(tail -3 "$out/fatbin_check.log")"
	return 1
}

# shellcheck shell=bash
# Common locations for every openvswitch_rs script. Sourced, never run.
#
# Everything that is downloaded or built lives in one cache outside the
# checkout, so a second clone (or CI on the same machine) reuses it.

OVSRS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OVSRS_CACHE=${OVSRS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openvswitch_rs}
OVSRS_KERNEL_SERIES=7.3
OVSRS_BINDGEN_VERSION=0.71.1
OVSRS_LIBCLANG_VERSION=18.1.1
OVSRS_PYROUTE2_VERSION=0.9.7
OVSRS_FLAVOUR=${OVSRS_FLAVOUR:-default}

export PATH="$HOME/.cargo/bin:$PATH"

die() { echo "openvswitch_rs: error: $*" >&2; exit 1; }
note() { echo "openvswitch_rs: $*" >&2; }

# The host rustc version, e.g. 1.95.0: rust-src must match it exactly.
ovsrs_rustc_version() { rustc --version | awk '{print $2}'; }

# Where setup left things; each is checked by ovsrs_require_toolchain.
OVSRS_KSRC_LINK="$OVSRS_CACHE/linux-src"          # -> unpacked linux-source-7.3.x
OVSRS_LIBCLANG_DIR="$OVSRS_CACHE/libclang-$OVSRS_LIBCLANG_VERSION/libclang-$OVSRS_LIBCLANG_VERSION.data/platlib/clang/native"
OVSRS_VENV="$OVSRS_CACHE/venv"

ovsrs_rust_lib_src() { echo "$OVSRS_CACHE/rust-src-$(ovsrs_rustc_version)/usr/src/rustc-$(ovsrs_rustc_version)/library"; }

ovsrs_export_toolchain() {
	export RUST_LIB_SRC; RUST_LIB_SRC=$(ovsrs_rust_lib_src)
	export LIBCLANG_PATH="$OVSRS_LIBCLANG_DIR"
}

# The same, only where the caller has not chosen its own and setup's is
# there (what the Makefile does too).
ovsrs_default_toolchain() {
	if [ -z "${LIBCLANG_PATH:-}" ] && [ -f "$OVSRS_LIBCLANG_DIR/libclang.so" ]; then
		export LIBCLANG_PATH="$OVSRS_LIBCLANG_DIR"
	fi
	local src
	src=$(ovsrs_rust_lib_src 2>/dev/null) || return 0
	if [ -z "${RUST_LIB_SRC:-}" ] && [ -d "$src/core" ]; then
		export RUST_LIB_SRC="$src"
	fi
}

ovsrs_require_toolchain() {
	local missing=()
	[ -f "$OVSRS_KSRC_LINK/Makefile" ] || missing+=("kernel source ($OVSRS_KSRC_LINK)")
	[ -d "$(ovsrs_rust_lib_src)/core" ] || missing+=("rust-src $(ovsrs_rustc_version) ($(ovsrs_rust_lib_src))")
	[ -f "$OVSRS_LIBCLANG_DIR/libclang.so" ] || missing+=("libclang $OVSRS_LIBCLANG_VERSION ($OVSRS_LIBCLANG_DIR)")
	command -v bindgen >/dev/null || missing+=("bindgen $OVSRS_BINDGEN_VERSION")
	command -v qemu-system-x86_64 >/dev/null || missing+=("qemu-system-x86_64")
	if [ ${#missing[@]} -gt 0 ]; then
		printf 'openvswitch_rs: missing: %s\n' "${missing[@]}" >&2
		die "run 'make setup' (scripts/setup) first"
	fi
	ovsrs_export_toolchain
}

# Kernel version string of the unpacked source, e.g. 7.3.4.
ovsrs_kernel_version() { make -s -C "$OVSRS_KSRC_LINK" kernelversion 2>/dev/null; }

# Build directory of one kernel flavour, keyed by kernel version, rustc
# version and the config fragments, so any change to them builds afresh.
ovsrs_kernel_dir() {
	local flavour=${1:-$OVSRS_FLAVOUR} key
	key=$( { ovsrs_kernel_version; ovsrs_rustc_version
		 cat "$OVSRS_TOP/kernel/base.config"
		 [ "$flavour" = default ] || cat "$OVSRS_TOP/kernel/$flavour.config"; } |
		sha256sum | cut -c1-12)
	echo "$OVSRS_CACHE/kernel/$flavour-$key"
}

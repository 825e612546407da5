#!/usr/bin/env sh
# Set up sm-wizard in .venv with uv and the committed uv.lock, then put `sm-wizard` on PATH.
#   scripts/setup.sh                 runtime dependencies only (what `make wizard` needs)
#   scripts/setup.sh --group test    ... plus the test tools (what `make test` needs)
# SM_WIZARD_BIN_DIR=DIR picks the folder the `sm-wizard` link goes into.
set -eu
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*" >&2; }

if command -v uv >/dev/null 2>&1; then
    UV=uv
elif [ -x .uv-tool/bin/uv ]; then  # installed by an earlier run (see below)
    UV=.uv-tool/bin/uv
else
    say "installing uv, the package manager (pip install uv)"
    if python3 -m pip install --quiet --disable-pip-version-check uv 2>/dev/null; then
        UV="python3 -m uv"
    else  # a system Python that refuses pip installs (PEP 668): uv gets a venv of its own
        say "pip refused to install into this Python; installing uv into .uv-tool/ instead"
        python3 -m venv .uv-tool
        .uv-tool/bin/pip install --quiet --disable-pip-version-check uv
        UV=".uv-tool/bin/uv"
    fi
fi

case " $* " in
    *" test "*) what="runtime and test dependencies" ;;
    *) what="runtime dependencies" ;;
esac
say "installing sm-wizard and its $what into .venv (uv sync, pinned by uv.lock)"
# --inexact: `make wizard` after `make test` keeps the test tools instead of removing them
$UV sync --locked --inexact "$@"

# Put the command on PATH so that every `sm-wizard ...` line the README and the app print works
# as printed in a new shell. A link, not a copy: it always runs this checkout's .venv.
target="$(pwd)/.venv/bin/sm-wizard"
on_path() { case ":$PATH:" in *":$1:"*) return 0 ;; *) return 1 ;; esac; }
bin_dir="${SM_WIZARD_BIN_DIR:-}"
if [ -z "$bin_dir" ]; then
    for candidate in "${XDG_BIN_HOME:-$HOME/.local/bin}" "$HOME/bin" /usr/local/bin; do
        if on_path "$candidate" && { [ -w "$candidate" ] || { [ ! -e "$candidate" ] && mkdir -p "$candidate" 2>/dev/null; }; }; then
            bin_dir="$candidate"
            break
        fi
    done
fi
if [ -n "$bin_dir" ]; then
    link="$bin_dir/sm-wizard"
    if [ -e "$link" ] && [ ! -L "$link" ]; then
        say "left $link alone (it is not a link made by this script); run .venv/bin/sm-wizard"
    else
        mkdir -p "$bin_dir"
        ln -sfn "$target" "$link"
        if on_path "$bin_dir"; then
            say "sm-wizard is on your PATH: $link -> $target"
        else
            say "linked $link -> $target; $bin_dir is not on PATH: export PATH=\"$bin_dir:\$PATH\""
        fi
    fi
else
    say "no writable folder on PATH for the sm-wizard command; add this checkout's to PATH:"
    say "    export PATH=\"$(pwd)/.venv/bin:\$PATH\""
fi

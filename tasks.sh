#!/usr/bin/env bash
# Set up and run peerimpact from a clone: `bash tasks.sh report [build options]` or `bash tasks.sh test`
# (lint, then every test; `unit`: the tests that start no kernel; `lint`: ruff and mypy).
# Installs what a fresh Debian machine lacks (venv support, Pango for PDFs; for the tests, Chromium
# and Node.js to check the HTML in a browser, and R with lme4 to check the mixed models), creates .venv
# on first use and reinstalls the package only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
PY=${PYTHON:-python3}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

system_packages() {
    local missing=()
    "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
        echo "peerimpact needs Python 3.11 or newer; $PY is $("$PY" --version 2>&1)" >&2; exit 1; }
    "$PY" -c 'import ensurepip, venv' 2>/dev/null || missing+=("python3-venv")
    # WeasyPrint (benchmarks/pdf_engines.py compares it with the Typst PDFs) loads Pango and
    # HarfBuzz's subsetter at run time.
    local ldconfig
    ldconfig=$(command -v ldconfig || echo /sbin/ldconfig)  # /sbin is not on a normal user's PATH
    if [ -x "$ldconfig" ]; then
        local libs
        libs=$("$ldconfig" -p)
        grep -q 'libpangoft2-1.0.so.0' <<<"$libs" || missing+=("libpango-1.0-0" "libpangoft2-1.0-0")
        grep -q 'libharfbuzz-subset.so.0' <<<"$libs" || missing+=("libharfbuzz-subset0")
    fi
    # The reports' stylesheet and their Typst template set DejaVu Sans.
    [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=("fonts-dejavu-core")
    install_packages "${missing[@]}"
}

install_packages() {
    if [ $# -gt 0 ]; then
        echo "installing system packages: $*"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    fi
}

# The tests check the HTML reports in headless Chromium with axe-core (tests/test_accessibility.py):
# Debian's Chromium, Node.js, and the check's npm packages (tests/browser/package-lock.json)
# installed into tests/browser/node_modules. Under this script a missing browser fails the test.
browser_check() {
    local missing=()
    [ -x /usr/bin/chromium ] || missing+=("chromium")
    command -v node >/dev/null || missing+=("nodejs")
    command -v npm >/dev/null || missing+=("npm")
    install_packages "${missing[@]}"
    local lock=tests/browser/node_modules/.package-lock.json
    if [ ! -f "$lock" ] || [ tests/browser/package-lock.json -nt "$lock" ]; then
        (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
    fi
    export PEERIMPACT_BROWSER_CHECK=required
}

# The mixed models are checked against R's lme4 (tests/test_models.py): Debian's R and lme4,
# without the packages R merely recommends. Under this script a missing R fails the test.
r_check() {
    if ! command -v Rscript >/dev/null || ! Rscript -e 'library(lme4)' >/dev/null 2>&1; then
        echo "installing system packages: r-base-core r-cran-lme4"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            r-base-core r-cran-lme4 >/dev/null
    fi
    export PEERIMPACT_R_CHECK=required
}

setup() {
    system_packages
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    if [ ! -f "$VENV/.installed" ] || [ pyproject.toml -nt "$VENV/.installed" ]; then
        "$VENV/bin/python" -m pip install -q --upgrade pip
        "$VENV/bin/python" -m pip install -q -e '.[test,dev]'
        touch "$VENV/.installed"
    fi
}

report() {
    setup
    "$VENV/bin/peerimpact" build "$@"
    echo "Reports: $(pwd)/reports/index.html (one folder per report: report.html, report.pdf, tables/)"
}

lint() {
    "$VENV/bin/ruff" check peerimpact tests benchmarks
    "$VENV/bin/ruff" format --check -q peerimpact tests benchmarks
    "$VENV/bin/mypy" peerimpact
}

test() {   # two processes; the tests of each built example share one, which builds it once
    setup
    browser_check
    r_check
    lint
    "$VENV/bin/python" -m pytest -q -n 2 --dist loadgroup "$@"
}

unit() {   # the tests that start no Jupyter kernel or browser and build no whole study, on two processes: under a minute
    setup
    "$VENV/bin/python" -m pytest -q -m "not kernel and not slow and not browser and not integration" -n 2 --dist worksteal "$@"
}

case "${1:-}" in
    report) shift; report "$@" ;;
    test) shift; test "$@" ;;
    unit) shift; unit "$@" ;;
    lint) setup; lint ;;
    setup) setup; browser_check ;;
    *) echo "usage: bash tasks.sh report|test|unit|lint|setup" >&2; exit 2 ;;
esac

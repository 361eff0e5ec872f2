#!/usr/bin/env bash
# The bundle updates itself. Builds release N and N+1 of the installer bundle (they differ in their version
# only: a one-line change), publishes both to a new signed update repository served on 127.0.0.1, installs N on
# two "PCs" and lets the installed N update itself: PC 1 keeps N's archive (as an installation from the release
# archive does) and takes the patch, PC 2 has none and takes the full archive. Each then starts as N+1 (after
# N+1's own --self-check) and reports it. Prints the figures docs/PERFORMANCE.md keeps.
# Needs .venv (./run test makes it). About four minutes here: two builds and one binary diff of the bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
work=$(mktemp -d -t emitra-update-drill-XXXXXX)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
N=$("$PY" -c 'from kiosk_app import __version__; print(__version__)')
NEXT=$("$PY" -c 'import sys; from packaging.version import Version; v = Version(sys.argv[1]); print(f"{v.major}.{v.minor}.{v.micro + 1}")' "$N")
say() { echo "update drill: $*"; }

.venv/bin/emitra-server updates --workspace "$work/release" --offline-keys "$work/usb" init
root="$work/release/repository/metadata/root.json"
for version in "$N" "$NEXT"; do
    start=$(date +%s)
    EMITRA_BUILD_VERSION=$version EMITRA_UPDATE_ROOT=$root "$PY" -m PyInstaller --noconfirm --log-level WARN \
        --distpath "$work/dist-$version" --workpath "$work/build-$version" build_installer.spec
    say "built $version in $(($(date +%s) - start)) s"
done
start=$(date +%s)
.venv/bin/emitra-server updates --workspace "$work/release" add "$work/dist-$N/emitra-kiosk" "$N"
.venv/bin/emitra-server updates --workspace "$work/release" add "$work/dist-$NEXT/emitra-kiosk" "$NEXT"
say "released $N and $NEXT (archives and patch) in $(($(date +%s) - start)) s"
targets="$work/release/repository/targets"
full=$(stat -c %s "$targets/emitra-kiosk-$NEXT.tar.gz")
patch=$(stat -c %s "$targets/emitra-kiosk-$NEXT.patch")
say "full archive $full bytes, patch $patch bytes for the one-line change"

port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$PY" -m http.server "$port" --bind 127.0.0.1 --directory "$work/release/repository" >/dev/null 2>&1 &
server=$!
"$PY" - "$port" <<'PY'
import sys, time, urllib.request
for _ in range(200):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metadata/root.json", timeout=1)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("the repository's file server did not start")
PY

# No display here: the self-checks choose Qt's offscreen platform by themselves.
run_pc() {
    local pc=$1; shift
    env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM EMITRA_KIOSK_UPDATE_DIR="$work/$pc/updates" \
        PYTHON_KEYRING_BACKEND=keyrings.alt.file.PlaintextKeyring "$work/$pc/app/emitra-kiosk" "$@"
}
for pc in pc1 pc2; do
    mkdir -p "$work/$pc/updates/targets"
    cp -a "$work/dist-$N/emitra-kiosk" "$work/$pc/app"
done
cp "$targets/emitra-kiosk-$N.tar.gz" "$work/pc1/updates/targets/"
for pc in pc1 pc2; do
    expected=$([ "$pc" = pc1 ] && echo patch || echo full)
    before=$(run_pc "$pc" --version)
    [ "$before" = "emitra-kiosk $N" ] || { say "$pc: installed bundle says '$before', not $N"; exit 1; }
    start=$(date +%s)
    outcome=$(run_pc "$pc" update --url "http://127.0.0.1:$port" --json)
    "$PY" - "$outcome" "$NEXT" "$expected" <<'PY'
import json, sys
result = json.loads(sys.argv[1])
if (result["outcome"], result["version"], result["kind"]) != ("staged", sys.argv[2], sys.argv[3]):
    sys.exit(f"update drill: the update was not staged as a {sys.argv[3]}: {result}")
print(f"update drill: staged {result['version']} from a {result['kind']} of {result['download_bytes']} bytes")
PY
    say "$pc: checked, downloaded, verified and staged in $(($(date +%s) - start)) s"
    start=$(date +%s)
    after=$(run_pc "$pc" --version)
    [ "$after" = "emitra-kiosk $NEXT" ] || { say "$pc: after the update the kiosk says '$after', not $NEXT"; exit 1; }
    say "$pc: next start passed $NEXT's self-check and runs it ($(($(date +%s) - start)) s): '$after'"
    again=$(run_pc "$pc" update --url "http://127.0.0.1:$port" --json)
    "$PY" -c 'import json, sys; r = json.loads(sys.argv[1]); assert r["outcome"] == "up_to_date" and r["running"] == sys.argv[2], r' "$again" "$NEXT"
done
say "passed: $N updated itself to $NEXT by patch ($patch bytes) and by full archive ($full bytes)"

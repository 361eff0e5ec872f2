#!/usr/bin/env bash
# Builds the one-folder bundle dist/emitra-kiosk/ (build_installer.spec) and runs the bundle's --self-check.
# Needs .venv (./run test or ./run demo makes it); installs PyInstaller into it when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
if ! "$PY" -c 'import PyInstaller' 2>/dev/null; then
    "$PY" -m pip install --quiet "pyinstaller>=6.10,<7"
fi
start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --log-level WARN build_installer.spec
echo "built dist/emitra-kiosk/ in $(($(date +%s) - start)) s, $(du -sh dist/emitra-kiosk | cut -f1)"
# No display here: the self-check chooses Qt's offscreen platform by itself.
env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM dist/emitra-kiosk/emitra-kiosk --self-check

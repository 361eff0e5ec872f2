"""PyInstaller runtime hook: python-escpos' capabilities cache goes to the user's cache folder.

python-escpos 3.1 (escpos/capabilities.py) pickles capabilities.json into a new tempfile.mkdtemp() folder on
every start unless ESCPOS_CAPABILITIES_PICKLE_DIR names one; a kiosk started daily would litter %TEMP% / /tmp.
"""

import os

import platformdirs

if not os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR"):
    _cache = platformdirs.user_cache_path("emitra-kiosk", appauthor=False) / "escpos"
    try:
        _cache.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # a read-only profile: python-escpos falls back to its temporary folder
    else:
        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(_cache)

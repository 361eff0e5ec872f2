"""PySide6 windows and widgets; each screen is thin and calls kiosk_app use-cases."""

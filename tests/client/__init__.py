"""Tests of the kiosk client core (kiosk_app) against a real server process."""

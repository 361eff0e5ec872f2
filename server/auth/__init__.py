"""Kiosk holder accounts: passwords, sessions, OTP recovery, the auth audit log and the message gateway."""

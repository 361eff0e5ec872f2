"""The back office: named administrators with roles, TOTP, sessions, four-eyes proposals, the admin audit trail."""

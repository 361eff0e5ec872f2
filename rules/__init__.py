"""The input rules the kiosk and the server share, written once: pure Python, no I/O, no widgets, no database.

Each rule answers with the same error code the server sends in its `InvalidField` answer, so the counter can
refuse what the server would refuse, in the same words, before anything is sent or printed.
"""

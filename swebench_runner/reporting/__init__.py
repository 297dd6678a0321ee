"""What people do with finished runs: read them (report, HTML), compare them, submit them, debug one instance.

Every module here only *reads* a run folder (``runfiles.RunFolder``); the few files it writes
(``report.html``, a submission folder, a debug folder) go beside or outside it, never over a result.
"""

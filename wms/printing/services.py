"""The printing area's public API: what other areas, scripts and tests call.

The area is split by use-case family; this module only re-exports their public names:
- printers.py: printers, which printer serves which station and kind, choosing one for a label;
- queue.py: queueing a label in the caller's transaction, reprint, retry, a job's state for a screen;
- sender.py: claiming and sending jobs after the commit (background sender, print worker).
New code inside the area imports from those modules; other areas use these names.
"""
from .printers import (
    DPIS,
    KINDS,
    assign_printer,
    choose_printer,
    create_printer,
    get_printer,
    unassign_printer,
    update_printer,
)
from .queue import (
    MAX_COPIES,
    JobState,
    get_job,
    job_message,
    job_state,
    print_record,
    print_scanned,
    print_test_label,
    queue_label,
    render_for,
    reprint,
    retry,
    send_after_commit,
)
from .sender import (
    Outcome,
    drain,
    next_due_in,
    on_label_queued,
    recover_stale,
    send_job,
    send_now,
    setting,
    stop_background,
)

__all__ = [
    "DPIS", "KINDS", "MAX_COPIES", "JobState", "Outcome", "assign_printer", "choose_printer",
    "create_printer", "drain", "get_job", "get_printer", "job_message", "job_state", "next_due_in",
    "on_label_queued", "print_record", "print_scanned", "print_test_label", "queue_label", "recover_stale",
    "render_for", "reprint", "retry", "send_after_commit", "send_job", "send_now", "setting",
    "stop_background", "unassign_printer", "update_printer",
]

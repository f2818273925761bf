"""How a pass over a queue that sends to the outside world went (labels, webhooks, e-mails)."""
from dataclasses import dataclass, field


@dataclass
class Tally:
    """The ids sent, due again later, and given up in one pass."""

    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.sent) + len(self.retrying) + len(self.failed)

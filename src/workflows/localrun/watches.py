"""What the main job watches besides its children being alive: that sweeps finish, and that the Prefect server
answers. Each says something only when what it watches changes (stopped, running again), never every check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from workflows.calendar.london import LONDON

SERVER_HANG_LIMIT = timedelta(seconds=90)  # a server unanswered this long is started again


def _at(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%H:%M:%S")


@dataclass
class SweepWatch:
    """Sweeps should finish every `every`; none for two intervals is said once, and so is their return."""

    every: timedelta
    watching_since: datetime
    stalled: bool = False

    def check(self, last_finished: datetime | None, now: datetime) -> str | None:
        since = max(last_finished, self.watching_since) if last_finished else self.watching_since
        late = now - since >= 2 * self.every
        if late and not self.stalled:
            self.stalled = True
            seconds = int(self.every.total_seconds())
            waited = int((now - since).total_seconds())
            last = f"the last finished at {_at(last_finished)}" if last_finished else "none has finished"
            return (
                f"no sweep has finished for {waited} s ({last}; the sweep runs every {seconds} s): "
                "no reminder, escalation or overdue view moves. See var/serve.log and var/prefect-server.log"
            )
        if not late and self.stalled:
            self.stalled = False
            return f"sweeps are running again (one finished at {_at(since)})"
        return None


@dataclass
class ServerWatch:
    """The Prefect server should answer its health check; unanswered for SERVER_HANG_LIMIT, it is hung."""

    answered_at: datetime

    def check(self, answered: bool, now: datetime) -> str | None:
        """What to say when the server is to be started again (it has not answered for too long), else None."""
        if answered:
            self.answered_at = now
            return None
        if now - self.answered_at >= SERVER_HANG_LIMIT:
            self.answered_at = now  # give the new one as long
            limit = int(SERVER_HANG_LIMIT.total_seconds())
            return f"the Prefect server has not answered for {limit} s: starting it again"
        return None

"""The main job run as a user runs it: `workflows up` in a fresh folder, its real Prefect server and scheduler,
its real mail sink, its task pages, the `workflows` command beside it; Ctrl-C at the end.

Only the sweep interval (10 s, an option of `up`) and Prefect's scheduler loop (2 s, its own setting) are
shortened, so that several scheduled sweeps fit in a short test. The tests run in file order and share the
one main job.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import html
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.live

WORKFLOWS = str(Path(sys.executable).parent / "workflows")
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts"
STARTUP_TIMEOUT = 420.0  # a first Prefect server start on a busy 2-core machine
SWEEP_EVERY = 10  # seconds
BUSINESS_MANAGER = "karen.whitehurst@stoke-council.example"  # the shipped business manager: owns the first stage


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def eventually(check: Callable[[], Any], timeout: float, what: str, every: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


@dataclass
class MainJob:
    folder: Path
    prefect_port: int
    web_port: int
    smtp_port: int
    process: subprocess.Popen[str]
    started_at: datetime
    output: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.prefect_port}/api"

    def text(self) -> str:
        return "".join(self.output)

    def workflows(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The `workflows` command in the main job's folder, as a user types it: no database named."""
        result = subprocess.run(
            [WORKFLOWS, *args], cwd=self.folder, env=self.env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        return result

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self._call("POST", path, body)

    def get(self, path: str) -> Any:
        return self._call("GET", path, None)

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        """As Prefect's own client calls its API: a 502 or 503 (its SQLite busy on this shared machine) is tried
        again, a few times."""
        for attempt in range(5):
            response = httpx.request(method, f"{self.api}{path}", json=body, timeout=30)
            if response.status_code not in (502, 503):
                break
            time.sleep(2**attempt)
        response.raise_for_status()
        return response.json()

    def completed_scheduled_sweeps(self) -> list[dict[str, Any]]:
        deployment = self.get("/deployments/name/sweep/sweep")
        runs = self.post(
            "/flow_runs/filter",
            {
                "flow_runs": {
                    "deployment_id": {"any_": [deployment["id"]]},
                    "state": {"type": {"any_": ["COMPLETED"]}},
                },
                "limit": 200,
            },
        )
        return [run for run in runs if run["auto_scheduled"]]

    def latest_artifact(self, key: str) -> dict[str, Any] | None:
        found = self.post("/artifacts/filter", {"artifacts": {"key": {"any_": [key]}}, "sort": "CREATED_DESC"})
        return found[0] if found else None

    def mail(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted((self.folder / "var" / "mail").glob("*.eml"))
        ]


def _clean_environment(folder: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("WORKFLOWS_", "PREFECT_"))}
    return {
        **env,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        # Prefect's own settings, shortened so several scheduled sweeps fit in the test.
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
        "HOME": str(folder),  # nothing of the user's own Prefect profile
    }


@pytest.fixture(scope="module")
def main_job(tmp_path_factory) -> Iterator[MainJob]:
    folder = tmp_path_factory.mktemp("main-job")
    ports = [free_port() for _ in range(3)]
    env = _clean_environment(folder)
    command = [WORKFLOWS, "up", "--port", str(ports[0]), "--web-port", str(ports[1]), "--smtp-port", str(ports[2])]
    process = subprocess.Popen(
        [*command, "--sweep-every", f"{SWEEP_EVERY}s"],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives it
    )
    job = MainJob(folder, *ports, process=process, started_at=datetime.now(UTC), env=env)
    reader = threading.Thread(target=lambda: job.output.extend(iter(process.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        eventually(lambda: "ready." in job.text() or process.poll() is not None, STARTUP_TIMEOUT, "workflows up")
        assert "ready." in job.text(), job.text() + _logs(folder)
        yield job
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _logs(folder: Path) -> str:
    return "".join(f"\n--- {log.name}\n{log.read_text()[-3000:]}" for log in (folder / "var").glob("*.log"))


REFERENCE = r"[A-Z0-9]+-\d{4}-\d{3}"


def test_start_up_waits_for_the_demonstration_runs_and_says_what_they_made(main_job):
    output = main_job.text()
    assert re.search(r"rapid review.*\n  done: flow run RR-\d{4}-\d{3}-start", output), output
    assert re.search(r"Joint Agency Response.*\n  done: flow run JAR-\d{4}-\d{3}-trigger", output), output
    assert re.search(r"Section 11.*\n  done: flow run S11-\d{4}-\d+-start", output), output
    assert "  sweep: done" in output
    assert output.index("done: flow run RR-") < output.index("ready.")
    assert "only urgent messages" in output and "var/workflows.db" in output


def test_prefects_scheduler_runs_the_sweep_again_and_again(main_job):
    runs = eventually(
        lambda: (found := main_job.completed_scheduled_sweeps()) and len(found) >= 3 and found,
        timeout=12 * SWEEP_EVERY,
        what="three completed sweeps created by Prefect's scheduler",
    )
    starts = sorted(datetime.fromisoformat(run["start_time"]) for run in runs)
    assert all(start > main_job.started_at for start in starts)
    assert starts[-1] - starts[0] >= timedelta(seconds=SWEEP_EVERY)  # separate runs, not one burst


def test_a_reminder_due_in_the_test_window_is_emailed_once(main_job):
    """A Joint Agency Response whose first reminder ("4 hours before" a deadline 24 hours after the death)
    falls 60 seconds from now: urgent (an hour deadline), so it goes out whatever the time of day."""
    death = datetime.now(UTC) - timedelta(hours=20) + timedelta(seconds=60)
    reference = main_job.workflows(
        "trigger",
        "child-death",
        "--fact",
        "death_notification_id=LIVE-1",
        "--fact",
        f"death_datetime={death.isoformat(timespec='seconds')}",
        "--fact",
        "external_causes=true",
    ).stdout.strip()
    assert re.fullmatch(r"JAR-\d{4}-\d{3}", reference)
    key = f"{reference}/information-sharing-discussion"

    def reminders() -> list[email.message.EmailMessage]:
        return [m for m in main_job.mail() if key in m["X-Workflows-Key"] and "/reminder" in m["X-Workflows-Key"]]

    first = eventually(reminders, timeout=60 + 6 * SWEEP_EVERY, what=f"the reminder for {key}")
    recipients = sorted(message["To"] for message in first)
    time.sleep(3 * SWEEP_EVERY)  # three more sweeps: nothing is sent twice
    assert sorted(message["To"] for message in reminders()) == recipients
    assert len(set(recipients)) == len(recipients)


def test_changes_from_the_command_line_and_a_task_page_show_in_the_case_artifact(main_job):
    rapid_review = re.search(r"flow run (RR-\d{4}-\d{3})-start", main_job.text())[1]
    main_job.workflows("complete", rapid_review, "request-chronologies", "--by", BUSINESS_MANAGER)

    jar = re.search(r"flow run (JAR-\d{4}-\d{3})-trigger", main_job.text())[1]
    # An hour-based stage: its message is urgent, so it is sent at any time of day.
    link = eventually(lambda: _task_link(main_job, jar, "joint-home-visit"), 60, "a task link for the JAR")
    _mark_done_on_the_task_page(link)

    def shows_done(reference: str, stage_title: str) -> bool:
        artifact = main_job.latest_artifact(f"case-{reference.lower()}")
        return bool(artifact) and re.search(rf"\| {re.escape(stage_title)} \| done", artifact["data"]) is not None

    eventually(lambda: shows_done(rapid_review, "Request agency chronologies"), 4 * SWEEP_EVERY, "CLI change shown")
    eventually(lambda: shows_done(jar, "Joint home visit"), 4 * SWEEP_EVERY, "the task page's change shown")
    timeline = main_job.latest_artifact(f"case-{jar.lower()}")["data"]
    assert re.search(r"\| task-assigned \| Joint home visit \|[^\n]*\| sent \|", timeline), timeline
    stages = {
        stage["id"]: stage["state"]
        for stage in json.loads(main_job.workflows("status", jar, "--json").stdout)["stages"]
    }
    assert stages["joint-home-visit"] == "done"


def _task_link(job: MainJob, reference: str, stage: str) -> str | None:
    for message in job.mail():
        if message["X-Workflows-Key"].startswith(f"{reference}/{stage}"):
            text = message.get_body(preferencelist=("plain",)).get_content()
            found = re.search(rf"http://127\.0\.0\.1:{job.web_port}/t/[A-Za-z0-9_\-.]+", text)
            if found:
                return found[0]
    return None


def _mark_done_on_the_task_page(link: str) -> None:
    with httpx.Client(timeout=30) as browser:
        page = browser.get(link)
        assert page.status_code == 200, page.text
        csrf = html.unescape(re.search(r'name="csrf" value="([^"]+)"', page.text)[1])
        done = browser.post(f"{link}/done", data={"csrf": csrf, "note": "visited with the paediatrician"})
        assert done.status_code == 200 and "recorded" in done.text.lower(), done.text


def test_the_dsp_views_read_on_a_laptop_screen(main_job, chromium_at):
    """An overdue case (started 40 days ago) fills the overdue table; both views fit 1366 px without sideways
    scrolling, and the screenshots are kept."""
    old = (date.today() - timedelta(days=40)).isoformat()
    agencies = "agencies=stoke-on-trent-city-council,staffordshire-police,university-hospitals-north-midlands"
    late = main_job.workflows("start", "rapid-review", "--fact", f"notification_date={old}", "--fact", agencies)
    reference = late.stdout.strip()
    eventually(
        lambda: (table := main_job.latest_artifact("overdue-items")) and reference in table["data"],
        4 * SWEEP_EVERY,
        "the overdue table listing the late case",
    )
    eventually(lambda: main_job.latest_artifact("overdue-summary"), 4 * SWEEP_EVERY, "the summary artifact")
    browser = chromium_at(1366, 768)
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False}
    )
    ARTEFACTS.mkdir(exist_ok=True)
    for key, expected in (("overdue-items", reference), ("overdue-summary", "overdue")):
        # Artifacts > key > its newest version, in the V2 UI (Prefect's default).
        newest = main_job.latest_artifact(key)["id"]
        browser.get(f"http://127.0.0.1:{main_job.prefect_port}/v2/artifacts/artifact/{newest}")
        shot = ARTEFACTS / f"{key}-1366x768.png"
        try:
            eventually(lambda expected=expected: expected in browser.page_source, 60, f"the {key} page")
        finally:
            time.sleep(2)  # let the table finish laying out
            browser.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
        scrollers = browser.execute_script(SIDEWAYS_SCROLLERS)
        assert scrollers == [], f"{key} scrolls sideways at 1366 px: {scrollers}"


def test_the_daily_pictures_and_the_catalogue_show_in_the_prefect_ui(main_job, chromium_at):
    """`up` runs the partnership report once: its headline table, its two charts (really drawn by the UI: a
    decoded image, not a broken one) and a catalogue page per process. Screenshots are kept."""
    assert re.search(r"partnership report: done", main_job.text()), main_job.text()
    # A late rapid review whose agencies' chronologies are now overdue; then the report runs again, as its daily
    # schedule would: the charts have data (this stage, and those earlier tests completed).
    old = (date.today() - timedelta(days=30)).isoformat()
    agencies = "agencies=stoke-on-trent-city-council,staffordshire-police,university-hospitals-north-midlands"
    late = main_job.workflows("start", "rapid-review", "--fact", f"notification_date={old}", "--fact", agencies)
    main_job.workflows("complete", late.stdout.strip(), "request-chronologies", "--by", BUSINESS_MANAGER)
    deployment = main_job.get("/deployments/name/partnership-report/partnership-report")
    assert deployment["schedules"] and deployment["schedules"][0]["schedule"]["interval"] == 86400
    run = main_job.post(f"/deployments/{deployment['id']}/create_flow_run", {})
    state = eventually(
        lambda: (
            (found := main_job.get(f"/flow_runs/{run['id']}")["state"]["type"]) in {"COMPLETED", "FAILED", "CRASHED"}
            and found
        ),
        180,
        "the partnership report run",
    )
    assert state == "COMPLETED", _logs(main_job.folder)
    headlines = json.loads(main_job.latest_artifact("timeliness-headlines")["data"])
    rapid_review = next(row for row in headlines if row["Process"] == "Rapid review")
    assert rapid_review["Cases started"] >= 3 and rapid_review["Stages completed"] >= 2, headlines
    assert rapid_review["Overdue now"] >= 3, headlines
    catalogue = main_job.latest_artifact("process-rapid-review")
    assert catalogue and "Send the rapid review to the national Panel" in catalogue["data"]
    browser = chromium_at(1366, 900)
    ARTEFACTS.mkdir(exist_ok=True)
    for key in ("on-time-by-month", "overdue-by-agency"):
        artifact = main_job.latest_artifact(key)
        assert artifact and artifact["data"].startswith("![") and "data:image/png;base64," in artifact["data"]
        browser.get(f"http://127.0.0.1:{main_job.prefect_port}/v2/artifacts/artifact/{artifact['id']}")
        shot = ARTEFACTS / f"{key}-1366x900.png"
        try:
            drawn = eventually(lambda: browser.execute_script(DRAWN_IMAGES, "data:image/png;base64,"), 60, key)
        finally:
            time.sleep(1)
            browser.save_screenshot(str(shot))
        assert drawn[0] >= 600, drawn  # the chart's own width in pixels, as decoded by the browser
        assert browser.execute_script(SIDEWAYS_SCROLLERS) == [], f"{key} scrolls sideways at 1366 px"
    for key, expected in (("timeliness-headlines", "Rapid review"), ("process-rapid-review", "Escalation")):
        browser.get(
            f"http://127.0.0.1:{main_job.prefect_port}/v2/artifacts/artifact/{main_job.latest_artifact(key)['id']}"
        )
        shot = ARTEFACTS / f"{key}-1366x900.png"
        try:
            eventually(lambda expected=expected: expected in browser.page_source, 60, f"the {key} page")
        finally:
            time.sleep(1)
            browser.save_screenshot(str(shot))
    # The catalogue page carries its timeline diagram in itself, and the UI draws it.
    assert browser.execute_script(DRAWN_IMAGES, "data:image/svg+xml;base64,"), "the timeline is not drawn"
    browser.execute_script("document.querySelector('img[src^=\"data:image/svg+xml\"]').scrollIntoView()")
    time.sleep(1)
    browser.save_screenshot(str(ARTEFACTS / "process-rapid-review-timeline-1366x900.png"))


# The widths of the decoded images on the page whose address starts with arguments[0]: an image the UI stripped
# or could not decode is not there.
DRAWN_IMAGES = """
return [...document.images]
  .filter(image => image.src.startsWith(arguments[0]) && image.complete && image.naturalWidth > 0)
  .map(image => image.naturalWidth);
"""


# Every element that scrolls sideways: wider content than its box, and allowed to scroll.
SIDEWAYS_SCROLLERS = """
const found = [];
const all = [document.documentElement, ...document.querySelectorAll('*')];
for (const element of all) {
  const style = getComputedStyle(element);
  const scrolls = element === document.documentElement || ['auto', 'scroll'].includes(style.overflowX);
  if (scrolls && element.scrollWidth > element.clientWidth + 2) {
    found.push(`${element.tagName}.${element.className}: ${element.scrollWidth} > ${element.clientWidth}`);
  }
}
return found;
"""


# The tester's reason (issue 21): a picture from a host of theirs, a heading, a sign-in link; and the rest of what
# text can hold that a page could act on.
HOSTILE_REASON = (
    "x ![t](http://127.0.0.1:{port}/pixel.png)\n\n## Case closed - no further action\n\n"
    "[Sign in](http://127.0.0.1:{port}/login) | a | b | www.trap.example bob@trap.example "
    "<img src=http://127.0.0.1:{port}/html.png> \u202eevil"
)
# What the page did that text must not make it do: fetch from elsewhere, link, draw, head, break a table's columns.
PAGE_ACTS = """
const port = arguments[0];
const foreign = (url) => url.includes(':' + port + '/');
const tables = [...document.querySelectorAll('table')].map(
  table => [...table.querySelectorAll('tr')].map(row => row.querySelectorAll('td, th').length));
return {
  fetched: performance.getEntriesByType('resource').map(entry => entry.name).filter(foreign),
  links: [...document.querySelectorAll('a')].map(a => a.href).filter(foreign),
  images: [...document.images].map(image => image.src).filter(foreign),
  headings: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => h.textContent)
    .filter(text => text.includes('Case closed')),
  ragged: tables.filter(widths => new Set(widths).size > 1),
  shown: document.body.innerText.includes('Case closed - no further action'),
};
"""


SHOW_THE_REASON = """
const item = [...document.querySelectorAll('li, p, td')].find(node => node.textContent.includes('Case closed'));
if (item) item.scrollIntoView({block: 'center'});
"""


def test_hostile_text_stays_text_in_both_prefect_uis(main_job, chromium_at):
    """A reason given for more time reaches the DSPs' case artifact; opened in Chromium in the V1 and the V2 UI it
    is text: nothing is fetched from the tester's host (a listener counts), no link, picture or heading is added,
    every table keeps its columns."""
    trap = socket.socket()
    trap.bind(("127.0.0.1", 0))
    trap.listen(8)
    trap.settimeout(0.2)
    port = trap.getsockname()[1]
    reference = "S11-HOSTILE-1"
    main_job.workflows("start", "section-11-audit", "--ref", reference)
    main_job.workflows("complete", reference, "launch")
    police = ("--task", "staffordshire-police")
    main_job.workflows(
        "request-extension",
        reference,
        "self-assessment",
        "2 working days",
        "--reason",
        HOSTILE_REASON.format(port=port),
        "--by",
        "ben.harrison@police.example",
        *police,
    )
    main_job.workflows("approve-extension", reference, "1", "--by", BUSINESS_MANAGER)
    key = f"case-{reference.lower()}"
    artifact = eventually(
        lambda: (found := main_job.latest_artifact(key)) and "Case closed" in found["data"] and found,
        4 * SWEEP_EVERY + 60,
        "the case artifact with the reason",
    )
    browser = chromium_at(1366, 768)
    ARTEFACTS.mkdir(exist_ok=True)
    base = f"http://127.0.0.1:{main_job.prefect_port}"
    for ui, path in (
        ("v1", f"/artifacts/artifact/{artifact['id']}"),
        ("v2", f"/v2/artifacts/artifact/{artifact['id']}"),
    ):
        browser.get(base + path)
        try:
            acts = eventually(
                lambda: (found := browser.execute_script(PAGE_ACTS, port)) and found["shown"] and found,
                60,
                f"the reason shown as text in the {ui} UI",
            )
        finally:
            browser.execute_script(SHOW_THE_REASON)
            time.sleep(1)
            browser.save_screenshot(str(ARTEFACTS / f"hostile-reason-{ui}-1366x768.png"))
        assert acts["fetched"] == [] and acts["links"] == [] and acts["images"] == [], (ui, acts)
        assert acts["headings"] == [] and acts["ragged"] == [], (ui, acts)
    knocked = 0
    while True:
        try:
            trap.accept()[0].close()
            knocked += 1
        except TimeoutError:
            break
    trap.close()
    assert knocked == 0, "a page fetched from the tester's host"


def _marker(job: MainJob) -> bytes:
    return f"PREFECT_HOME={job.folder / 'var' / 'prefect'}".encode()


def _guard_of(job: MainJob, word: str) -> int:
    """The guard (localrun/guard.py) of the main job's child whose command has `word` in it."""
    for pid in _processes_with(_marker(job)):
        with contextlib.suppress(OSError):
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"workflows.localrun.guard" in args and word.encode() in args:
                return pid
    pytest.fail(f"no guard of a child with {word!r}")


def _pages_answer(job: MainJob) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{job.web_port}/", timeout=5).status_code < 500
    except httpx.HTTPError:
        return False


def test_a_second_up_in_the_same_folder_is_refused_while_the_first_runs(main_job):
    ports = ["--port", str(main_job.prefect_port), "--web-port", str(main_job.web_port)]
    result = subprocess.run(
        [WORKFLOWS, "up", *ports, "--smtp-port", str(main_job.smtp_port)],
        cwd=main_job.folder,
        env=main_job.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    said = f"workflows up is already running in this folder (process {main_job.process.pid})"
    assert said in result.stderr, result.stderr
    assert main_job.process.poll() is None and _pages_answer(main_job)


def test_task_pages_that_die_are_started_again(main_job):
    os.killpg(_guard_of(main_job, "web"), signal.SIGKILL)
    eventually(lambda: "web started again" in main_job.text(), 30, "the task pages started again")
    assert "web stopped by itself (exit -9); starting it again in 1 s" in main_job.text()
    eventually(lambda: _pages_answer(main_job), 60, "the task pages answering again")


def test_a_hung_prefect_server_is_started_again_and_the_sweeps_resume(main_job):
    """A Prefect server stopped (SIGSTOP) does not answer and runs no sweep: the main job says so after two sweep
    intervals, starts the server again after 90 s, and says when sweeps finish again; the task pages and the
    mail sink stay up throughout."""
    server = _guard_of(main_job, "server")
    before = len(main_job.completed_scheduled_sweeps())
    os.killpg(server, signal.SIGSTOP)
    try:
        eventually(lambda: "no sweep has finished for" in main_job.text(), 60, "the stalled sweeps said")
        assert _pages_answer(main_job)
        with socket.create_connection(("127.0.0.1", main_job.smtp_port), timeout=5) as sink:
            assert sink.recv(100).startswith(b"220")
        eventually(
            lambda: "the Prefect server has not answered for 90 s: starting it again" in main_job.text(),
            150,
            "the hung server started again",
        )
        eventually(lambda: "sweeps are running again" in main_job.text(), 300, "the sweeps' return said")
        assert "starting the deployments' runner again on it" in main_job.text()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server, signal.SIGCONT)
    eventually(lambda: len(main_job.completed_scheduled_sweeps()) > before, 120, "a scheduled sweep after the restart")
    assert _pages_answer(main_job)


def test_ctrl_c_stops_everything_and_frees_every_port(main_job):
    serve_log = main_job.folder / "var" / "serve.log"
    logged_before = serve_log.stat().st_size  # what the hung server above made Prefect's runner log is not stopping
    os.killpg(main_job.process.pid, signal.SIGINT)
    assert main_job.process.wait(timeout=90) == 0, main_job.text()
    assert "stopped: nothing of the main job is left running" in main_job.text()
    eventually(lambda: not _processes_with(_marker(main_job)), 10, "every process of the main job gone")
    for port in (main_job.prefect_port, main_job.web_port, main_job.smtp_port):
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers"
    stopping = serve_log.read_bytes()[logged_before:].decode()
    assert "never awaited" not in stopping and "Traceback" not in stopping, stopping


def _processes_with(marker: bytes) -> list[int]:
    """Processes whose environment carries the main job's Prefect home: the main job's, and only its."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _up_again(job: MainJob) -> tuple[subprocess.Popen[str], list[str]]:
    """Another `workflows up` in the same folder on the same ports, without demonstration cases."""
    ports = ["--port", str(job.prefect_port), "--web-port", str(job.web_port), "--smtp-port", str(job.smtp_port)]
    process = subprocess.Popen(
        [WORKFLOWS, "up", *ports, "--no-demo", "--sweep-every", f"{SWEEP_EVERY}s"],
        cwd=job.folder,
        env=job.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    threading.Thread(target=lambda: output.extend(iter(process.stdout.readline, "")), daemon=True).start()
    eventually(lambda: "ready." in "".join(output) or process.poll() is not None, STARTUP_TIMEOUT, "workflows up")
    assert "ready." in "".join(output), "".join(output) + _logs(job.folder)
    return process, output


def test_a_main_job_killed_leaves_nothing_its_guards_see_and_the_next_one_stops_the_rest(main_job):
    """kill -9 of the main job: every child goes with it. Only a child whose guard was killed too is left, and
    the next `workflows up` in the folder stops it, then a hang-up (a closed terminal) stops everything."""
    assert main_job.process.poll() is not None  # the first main job was stopped above
    second, _ = _up_again(main_job)
    web_guard = _guard_of(main_job, "web")
    os.kill(web_guard, signal.SIGKILL)  # the task pages lose their guard ...
    os.kill(second.pid, signal.SIGKILL)  # ... and the main job is killed
    second.wait()

    def only_the_pages_left() -> bool:
        commands = []
        for pid in _processes_with(_marker(main_job)):
            with contextlib.suppress(OSError):
                commands.append(Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0"))
        return bool(commands) and all(b"web" in command for command in commands)

    eventually(only_the_pages_left, 30, "every child but the unguarded one gone with the main job")
    assert _pages_answer(main_job)  # a leftover, still holding its port

    third, output = _up_again(main_job)
    assert "processes an earlier workflows up in this folder left running" in "".join(output)
    os.kill(third.pid, signal.SIGHUP)
    assert third.wait(timeout=90) == 0, "".join(output)
    assert "stopped: nothing of the main job is left running" in "".join(output)
    eventually(lambda: not _processes_with(_marker(main_job)), 10, "every process of the main job gone")
    for port in (main_job.prefect_port, main_job.web_port, main_job.smtp_port):
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers"

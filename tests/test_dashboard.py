"""The classroom dashboard in a real browser, and ``ceasefire demo``'s answers to bad input.

Playwright (Python) drives Debian's chromium (``/usr/bin/chromium``; ``.ci/run`` installs
it): Playwright's own browser download is not available on these machines. The browser
test is skipped, with that reason, only when chromium is missing. Its screenshots go to
``results/screenshots/`` (docs/classroom.md uses copies of them).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BASELINE_START, cli_env, run_cli
from playwright.sync_api import expect, sync_playwright

from sim.classroom.game import Game
from sim.classroom.narrate import ENDINGS, when
from sim.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "results" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
)


def free_port() -> int:
    """A port free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory) -> Iterator[str]:
    """``ceasefire demo`` serving on a free loopback port; yields its address, then stops it."""
    port = free_port()
    log = tmp_path_factory.mktemp("demo") / "demo.log"
    with log.open("w") as out:
        # This checkout's code, whichever checkout the console script was installed from.
        server = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "demo", "--port", str(port)],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**cli_env(), "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))},
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"ceasefire demo exited with {server.returncode}:\n{log.read_text()}")
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"ceasefire demo did not answer on {url} within 60 s:\n{log.read_text()}")
                time.sleep(0.25)
        assert f"open {url}" in log.read_text(), "the address to open is printed"
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def projector(dashboard) -> Iterator:
    """A fresh page of the dashboard in Debian's chromium at a classroom projector's 1280x720."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.set_default_timeout(30_000)
            page.goto(dashboard)
            yield page
        finally:
            browser.close()


def _step(page, clock, ticks: int, start: int = 0) -> None:
    """Press Step ``ticks`` times, each time waiting for the clock to show the next tick.

    The baseline's steps are all 6 hours: its scheduled times fall on the 6-hour grid.
    """
    for tick in range(start + 1, start + ticks + 1):
        page.get_by_role("button", name="Step").click()
        now = when((BASELINE_START + dt.timedelta(hours=6 * tick)).isoformat())
        expect(clock).to_have_text(now)


def _slider(page, label: str):
    """The thumb of the lever slider whose label starts with ``label``."""
    return page.locator(".v-input", has=page.locator("label", has_text=label)).get_by_role("slider")


def _set(page, label: str, value: float) -> None:
    """Move a slider with the arrow keys until it shows ``value`` (a key press per step, as a teacher would)."""
    thumb = _slider(page, label)
    for _ in range(200):
        now = float(thumb.get_attribute("aria-valuenow"))
        if abs(now - value) < 1e-9:
            return
        thumb.focus()
        thumb.press("ArrowRight" if value > now else "ArrowLeft")
    pytest.fail(f"the slider {label!r} did not reach {value}")


def _inside(page, test_id: str) -> None:
    """The element is wholly inside the 1280x720 viewport, without scrolling."""
    box = page.get_by_test_id(test_id).bounding_box()
    assert box is not None, test_id
    assert box["x"] >= 0 and box["y"] >= 0, (test_id, box)
    assert box["x"] + box["width"] <= 1280 + 0.5 and box["y"] + box["height"] <= 720 + 0.5, (test_id, box)


#: The smallest rendered size of any chart text: its font size times the chart's scale on screen.
SMALLEST_CHART_TEXT = """(id) => {
  let least = Infinity;
  for (const svg of document.querySelectorAll(`[data-testid=${id}] svg`)) {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text'))
      least = Math.min(least, parseFloat(getComputedStyle(t).fontSize) * scale);
  }
  return least;
}"""


def _share(page, run: int, column: int) -> str:
    """A cell of the comparison table: row ``run`` (1-based), ``column`` (1-based)."""
    return page.locator(f"[data-testid=comparison] tr:nth-child({run + 1}) td:nth-child({column})").inner_text()


@needs_chromium
def test_a_class_steps_through_the_easter_truce_moves_a_lever_and_compares_500_runs(projector):
    page = projector
    status, story = page.get_by_test_id("status"), page.get_by_test_id("story")
    clock = page.get_by_test_id("clock")  # the "Now" box: other boxes show dates too
    expect(clock).to_have_text("Thu 17 Apr, 00:00")
    expect(status).to_contain_text("10 days left")
    expect(page.get_by_text("Baseline: Easter week 2025")).to_be_visible()  # the scenario in words
    for developer in ("Play Interval", "Render Interval", "Use Threads"):
        expect(page.get_by_text(developer)).to_have_count(0)
    expect(page.get_by_text("This website runs on")).to_have_count(0)

    # Step through the Easter truce: 16 ticks of 6 h, Thursday 00:00 to Monday 00:00.
    _step(page, clock, 16)
    expect(clock).to_have_text("Mon 21 Apr, 00:00")
    expect(story).to_contain_text("Sat 19 Apr, 18:00 — Russia declares a 30-hour truce")
    expect(story).to_contain_text("Ukraine answers: ceasefire will be met with ceasefire")
    expect(story).to_contain_text("accuses")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Russia's Easter truce")  # a labelled span
    expect(timeline).to_contain_text("violations counted")  # the breakdown rule, per side
    for test_id in ("status", "story", "timeline"):
        _inside(page, test_id)
    assert page.evaluate(SMALLEST_CHART_TEXT, "timeline") >= 18
    assert float(story.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 18
    page.screenshot(path=SHOTS / "01-easter-truce.png")

    # "Now run it 500 times": the settings on screen, the file's.
    page.get_by_role("button", name="Run 500 times").click()
    many = page.get_by_test_id("many")
    expect(many).to_contain_text("500 runs in")
    expect(many).to_contain_text("with the settings on screen: as in the file")
    assert page.evaluate(SMALLEST_CHART_TEXT, "shares") >= 18

    # Move the U.S. deadline from 10 to 5 days WITHOUT Reset: the change shows as pending ...
    deadline = _slider(page, "U.S. deadline")
    expect(deadline).to_have_attribute("aria-valuenow", "10")
    _set(page, "U.S. deadline", 5)
    expect(deadline).to_have_attribute("aria-valuenow", "5")
    pending = page.get_by_test_id("pending")
    expect(pending).to_contain_text("1 change not applied — Reset to start over with it")
    expect(pending).to_contain_text("U.S. deadline: 5 (now 10)")
    expect(clock).to_have_text("Mon 21 Apr, 00:00"), "the run on screen goes on with its settings"
    # ... and "Run 500 times" runs the settings on screen: a credible-er deadline, more walk-aways.
    page.get_by_role("button", name="Run 500 times").click()
    expect(many).to_contain_text("with the settings on screen: U.S. deadline: 5 (file: 10)")
    expect(many).to_contain_text("The story on the left still uses its own settings")
    expect(page.locator("[data-testid=comparison] tr")).to_have_count(3)
    walked = [float(_share(page, run, 5).rstrip("%")) for run in (1, 2)]
    assert walked[1] > walked[0] + 5, f"U.S. walked away: deadline 10 {walked[0]}%, deadline 5 {walked[1]}%"

    # A third setting (lesson 1's three-way comparison): Ukraine forgives every violation.
    _set(page, "Ukraine forgives", 1)
    expect(pending).to_contain_text("2 changes not applied")
    expect(pending).to_contain_text("Ukraine forgives: 1 (now 0.3)")  # the server has the slider's value
    page.get_by_role("button", name="Run 500 times").click()
    expect(many).to_contain_text("Ukraine forgives: 1 (file: 0.1–0.5)")
    expect(page.locator("[data-testid=comparison] tr")).to_have_count(4)
    page.get_by_test_id("many").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.screenshot(path=SHOTS / "02-run-500-times.png")

    # The deadline's last stop is "none", not a number of days.
    _set(page, "U.S. deadline", 31)
    expect(page.get_by_text("U.S. deadline: none (file: 10)")).to_be_visible()
    _set(page, "U.S. deadline", 5)
    expect(pending).to_contain_text("U.S. deadline: 5 (now 10)")

    # Reset applies them: the pending banner goes, the status says which settings the run uses.
    page.get_by_role("button", name="Reset").click()
    expect(clock).to_have_text("Thu 17 Apr, 00:00")
    expect(pending).to_have_count(0)
    expect(status).to_contain_text("5 days left")
    expect(status).to_contain_text("U.S. deadline: 5 (file: 10)")
    expect(story).to_contain_text("Nothing has happened yet")

    # Play runs on by itself, at 4 ticks a second or more, until paused.
    page.evaluate("() => document.querySelector('.cf-main').scrollTo(0, 0)")  # back to the top
    page.get_by_role("button", name="▶ Play").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=clock]').innerText !== 'Thu 17 Apr, 00:00'"
    )
    day = "() => parseFloat(document.querySelector('[data-testid=status]').innerText.match(/day ([0-9.]+) of/)[1])"
    first, started = page.evaluate(day), time.monotonic()
    page.wait_for_timeout(4000)
    last, seconds = page.evaluate(day), time.monotonic() - started
    ticks_per_second = (last - first) * 4 / seconds  # 6-hour steps: 4 a day
    print(f"Play: {ticks_per_second:.1f} ticks/s in the browser")
    assert ticks_per_second >= 4, f"{ticks_per_second:.2f} ticks/s"
    page.get_by_role("button", name="❚❚ Pause").click()
    expect(page.get_by_role("button", name="Step")).to_be_enabled()
    page.screenshot(path=SHOTS / "03-shorter-deadline.png")

    # To the horizon: the timeline closes with how the story ended.
    page.get_by_role("button", name="▶ Play").click()
    expect(page.get_by_test_id("ending")).to_contain_text("How this story ended:", timeout=60_000)
    _inside(page, "story")
    for name in ("01-easter-truce.png", "02-run-500-times.png", "03-shorter-deadline.png"):
        assert (SHOTS / name).stat().st_size > 10_000


#: The answer a student gives to each kind of question, by the question's opening words.
STUDENT = {"Join it": "j", "Answer with": "h", "sign": "s", "Extend": "e"}


def _student_answer(text: str) -> str:
    for words, key in STUDENT.items():
        if words in text:
            return key
    pytest.fail(f"no answer for the question {text!r}")


@needs_chromium
def test_a_student_plays_ukraine_by_keyboard_to_the_end_and_reads_the_debrief(projector):
    page = projector
    expect(page.get_by_test_id("clock")).to_have_text("Thu 17 Apr, 00:00")
    _set(page, "Story number", 3)  # the whole class plays story 3
    page.get_by_role("button", name="Watch the model").click()  # the mode menu
    page.get_by_role("option", name="Play Ukraine").click()
    question = page.get_by_test_id("question")
    expect(question).to_contain_text("Join it and hold fire too")
    expect(question).to_contain_text("Your decision (you play Ukraine, story 3)")
    page.screenshot(path=SHOTS / "04-play-ukraine.png")
    for test_id in ("question", "status", "timeline"):
        _inside(page, test_id)

    # Keyboard only: the answer box has the focus as soon as a question shows; no clicks.
    page.keyboard.type("x")  # not a choice: one line of help, the question stays
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("game-help")).to_contain_text("is not a choice here; type j (join) or f")
    expect(question).to_contain_text("Join it")

    answers: list[str] = []
    debriefed = page.get_by_test_id("debrief")
    for _ in range(60):
        page.wait_for_function(
            "() => document.querySelector('[data-testid=question]') || document.querySelector('[data-testid=debrief]')"
        )
        if debriefed.count():
            break
        text = question.inner_text()
        key = _student_answer(text)
        answers.append(key)
        page.keyboard.type(key)
        page.keyboard.press("Enter")
        page.wait_for_function(  # answered: the story goes on to the next question or the end
            "(t) => { const q = document.querySelector('[data-testid=question]'); return !q || q.innerText !== t; }",
            arg=text,
        )
    expect(debriefed).to_contain_text("Debrief: you played Ukraine", timeout=60_000)
    expect(debriefed).to_contain_text("← your story")
    expect(debriefed).to_contain_text("percentile")
    debriefed.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.screenshot(path=SHOTS / "05-debrief.png")
    shown = debriefed.inner_text()
    # The page played the engine's game: the same answers in the same story end the same way.
    game = Game("ukraine", "baseline", seed=3, answers=answers)
    game.advance()
    assert game.finished and len(game.choices) == len(answers) >= 2
    assert ENDINGS[game.outcome] in shown


# --- bad input: one message, a non-zero exit, no traceback ------------------------------------


def test_demo_refuses_an_unknown_scenario_in_one_message(tmp_path):
    done = run_cli("demo", "atlantis", "--port", str(free_port()), cwd=tmp_path, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "no scenario named 'atlantis'" in lines[0]
    assert "baseline" in lines[0], "the message lists the packaged names"


def test_demo_refuses_a_port_in_use_in_one_message(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        done = run_cli("demo", "--port", str(port), cwd=tmp_path, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert f"port {port} already in use on 127.0.0.1" in lines[0]
    assert "http://" not in done.stdout, "nothing was started"


def test_demo_refuses_a_port_out_of_range(tmp_path):
    done = run_cli("demo", "--port", "70000", cwd=tmp_path, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "a port number from 0 to 65535" in done.stderr


def test_the_deadline_sliders_none_stop_means_no_deadline_at_all():
    from sim.classroom.dashboard import DashboardModel

    horizon = load_scenario("baseline").get("clock.horizon_days")
    beyond = DashboardModel("baseline", actors__united_states__deadline_days=horizon + 1)
    packaged = load_scenario("no_deadline").get("actors.united_states.deadline_days")
    assert beyond.scenario.get("actors.united_states.deadline_days") == packaged
    # A deadline a century away: pressure stays at its base level all month (to 1e-3).
    base = beyond.scenario.get("actors.united_states.pressure")
    pressures = [float(beyond.united_states.pressure(t)[0]) for t in range(beyond.n_ticks)]
    assert pressures == pytest.approx([base] * beyond.n_ticks, abs=1e-3)
    inside = DashboardModel("baseline", actors__united_states__deadline_days=horizon - 1)
    assert inside.scenario.get("actors.united_states.deadline_days") == horizon - 1


def test_sliders_left_at_their_start_keep_the_files_priors_and_a_moved_one_fixes_its_value():
    from sim.classroom.dashboard import DashboardModel, changed_levers, model_params
    from sim.model.model import CeasefireModel

    scenario = load_scenario("baseline")
    untouched = {
        key: spec["value"] for key, spec in model_params("baseline", scenario).items() if isinstance(spec, dict)
    }
    untouched.pop("seed")
    reset = DashboardModel("baseline", seed=3, **untouched)
    plain = CeasefireModel("baseline", seed=3)
    assert reset.scenario.to_dict() == plain.scenario.to_dict(), "Reset with every slider at its start is the file"
    assert reset.parameters().equals(plain.parameters()), "and draws the same values from its priors"
    assert changed_levers(reset, "baseline") == ["seed 3"]
    moved = DashboardModel("baseline", **{**untouched, "actors__ukraine__response__forgiveness": 0.8})
    assert moved.scenario.get("actors.ukraine.response.forgiveness") == 0.8
    assert "actors.ukraine.response.forgiveness" not in moved.parameters().columns, "a moved slider fixes the value"
    assert changed_levers(moved, "baseline") == ["Ukraine forgives: 0.8 (file: 0.1–0.5)"]

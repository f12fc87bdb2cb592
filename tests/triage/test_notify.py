"""The debounce of finding notifications (pure): what appears, escalates or clears is announced once,
a flapping signal is not."""

from __future__ import annotations

from ecoeco.console.triage import Finding
from ecoeco.console.triage.notify import FindingNotifier, Notice

CRIT = Finding(rule="queue_no_consumers", severity="critical", title="Queue q.ai: work, no consumer",
               subject="Queue/q.ai")  # fmt: skip
WARN = Finding(rule="dead_letters", severity="warning", title="Dead letters in q.dlq", subject="Queue/q.dlq")


def run(n: FindingNotifier, frames: list[list[Finding]], step: float = 2.0) -> list[list[Notice]]:
    return [n.update(frame, now=1000.0 + i * step) for i, frame in enumerate(frames)]


def kinds(notices: list[list[Notice]]) -> list[list[str]]:
    return [[f"{x.kind}:{x.finding.rule}{':bell' if x.bell else ''}" for x in frame] for frame in notices]


def test_baseline_is_not_announced() -> None:
    assert kinds(run(FindingNotifier(), [[CRIT, WARN], [CRIT, WARN], [CRIT, WARN]])) == [[], [], []]


def test_new_critical_after_two_evaluations_rings_once_and_clears_once() -> None:
    frames: list[list[Finding]] = [[], [CRIT], [CRIT], [CRIT], [CRIT], [], [], []]
    assert kinds(run(FindingNotifier(), frames)) == [
        [], [], ["appeared:queue_no_consumers:bell"], [], [], [], ["cleared:queue_no_consumers"], [],
    ]  # fmt: skip


def test_a_warning_does_not_ring() -> None:
    out = run(FindingNotifier(), [[], [WARN], [WARN]])
    assert kinds(out)[2] == ["appeared:dead_letters"]
    assert out[2][0].text == "New warning: Dead letters in q.dlq"


def test_flapping_every_poll_is_never_announced() -> None:
    frames = [[], *([[CRIT], []] * 20)]
    assert all(frame == [] for frame in run(FindingNotifier(), frames))


def test_slow_flap_is_announced_once_per_interval() -> None:
    # on for 2 polls, off for 2, ... every 2 s for 60 s: one appear, one clear, then quiet
    frames = [[], *([[CRIT], [CRIT], [], []] * 8)]
    flat = [k for frame in kinds(run(FindingNotifier(min_interval_s=60.0), frames)) for k in frame]
    assert flat == ["appeared:queue_no_consumers:bell", "cleared:queue_no_consumers"]


def test_a_persistent_reappearance_is_announced_after_the_interval() -> None:
    n = FindingNotifier(min_interval_s=10.0)
    frames = [[], [CRIT], [CRIT], [], [], [CRIT], [CRIT], [CRIT], [CRIT], [CRIT], [CRIT], [CRIT]]
    flat = [(i, k) for i, frame in enumerate(kinds(run(n, frames))) for k in frame]
    # cleared at t=8 s (frame 4); back at frame 5 but quiet until t >= 18 s (frame 9)
    assert flat == [(2, "appeared:queue_no_consumers:bell"), (4, "cleared:queue_no_consumers"),
                    (9, "appeared:queue_no_consumers:bell")]  # fmt: skip


def test_escalation_to_critical_rings_once() -> None:
    worse = WARN.model_copy(update={"severity": "critical"})
    frames = [[], [WARN], [WARN], [worse], [worse], [WARN], [worse], [worse], [worse]]
    flat = [k for frame in kinds(run(FindingNotifier(), frames)) for k in frame]
    assert flat == ["appeared:dead_letters", "escalated:dead_letters:bell"]


def test_identity_is_rule_and_subject_not_the_evidence() -> None:
    changing = [CRIT.model_copy(update={"evidence": [f"{i} ready"]}) for i in range(6)]
    frames = [[], *([f] for f in changing)]
    flat = [k for frame in kinds(run(FindingNotifier(), frames)) for k in frame]
    assert flat == ["appeared:queue_no_consumers:bell"]

"""Fault catalogue, issue 13 items 1-3, 5, 8, 9: no run loses or mixes another's data.

Runs are real (a tiny random-weight model, built offline, on CPU); a second writer is the real CLI in a
subprocess. The full disk is a real tmpfs where the test may mount one (root), and an injected ENOSPC at the
speed write otherwise: cutting a line at an exact byte needs the injection.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("torch")

import vlmhyperbench.runs.speed as speed_file
from tests.eval.runs import run_quietly as _run
from tests.eval.runs import tiny_config
from vlmhyperbench.eval.config import RunConfig
from vlmhyperbench.runs import RunError
from vlmhyperbench.runs.folder import LOCK_FILE, RunFolderBusyError, default_out_dir, exclusive

Cli = Callable[..., "subprocess.CompletedProcess[str]"]  # the `cli` fixture (tests/faults/conftest.py)
OneLineError = Callable[..., str]  # the `one_line_error` fixture


MODEL = "dummy:tiny-qwen2-vl"


def _config(dataset: Path, out: Path, **changes: object) -> RunConfig:
    return tiny_config(MODEL, dataset, out, batch_size=1, max_new_tokens=2, **changes)


@pytest.fixture
def config_file(tmp_path: Path, tiny_dataset: Path) -> Path:
    """The run as a user writes it: a YAML file for `vlmhyperbench run`."""
    path = tmp_path / "run.yaml"
    path.write_text(
        f"model: {MODEL}\ndataset: {tiny_dataset}\nbatch_size: 1\nimage_size: 112\ndevice: cpu\n"
        "generation: {max_new_tokens: 2}\n",
        encoding="utf-8",
    )
    return path


def test_1_default_folders_of_runs_started_in_one_second_differ() -> None:
    names = {default_out_dir() for _ in range(50)}
    assert len(names) == 50
    assert all(f"-{os.getpid()}-" in p.name for p in names)


def test_2_3_a_live_run_folder_refuses_a_second_writer_and_a_resume(
    tiny_dataset: Path,
    config_file: Path,
    tmp_path: Path,
    cli: Cli,
    one_line_error: OneLineError,
) -> None:
    out = tmp_path / "run"
    seen: list[str] = []

    def while_writing(batch: int) -> None:
        if batch != 1:
            return
        with pytest.raises(RunFolderBusyError, match=rf"pid {os.getpid()}"), exclusive(out):
            pass
        # the same run again, and a --resume, from the real CLI while this run is between two batches
        for extra in ([], ["--resume"]):
            message = one_line_error(cli("run", config_file, "--out", out, *extra))
            assert f"{out} is being written by another run (pid {os.getpid()})" in message
            seen.append(message)

    result = _run(_config(tiny_dataset, out), on_batch_done=while_writing)
    assert len(seen) == 2
    lines = result.answers_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 3  # nothing appended by the refused writers
    assert _run(_config(tiny_dataset, out), resume=True).answered_now == 0  # the lock went with the run


def test_3_a_killed_writer_leaves_the_folder_free(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from vlmhyperbench.runs.folder import exclusive\n"
            f"with exclusive(Path({str(out)!r})):\n    print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(RunFolderBusyError, match=rf"pid {holder.pid}\)"), exclusive(out):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with exclusive(out):  # the kernel dropped the dead process's lock
        assert (out / LOCK_FILE).read_text(encoding="utf-8").strip() == str(os.getpid())


def _copy(dataset: Path, to: Path) -> Path:
    shutil.copytree(dataset, to)
    return to


def test_5_resume_after_the_dataset_was_edited_names_what_changed(tiny_dataset: Path, tmp_path: Path) -> None:
    dataset = _copy(tiny_dataset, tmp_path / "dataset")
    out = tmp_path / "run"
    _run(_config(dataset, out, limit=2))
    annotation = dataset / "annotation.csv"
    original = annotation.read_text(encoding="utf-8")
    answered = original.splitlines()[1].split(";")

    annotation.write_text(original.replace(answered[4], "другой ответ", 1), encoding="utf-8")
    with pytest.raises(RunError, match=rf"question row\(s\) edited for id '{answered[0]}'"):
        _run(_config(dataset, out, limit=2), resume=True)

    annotation.write_text(original, encoding="utf-8")
    image = dataset / answered[2]
    image.write_bytes(image.read_bytes() + b"\0")  # same pixels for PIL, other bytes
    with pytest.raises(RunError, match=rf"image\(s\) changed: '{answered[2]}'"):
        _run(_config(dataset, out, limit=2), resume=True)

    shutil.copyfile(tiny_dataset / answered[2], image)
    assert _run(_config(dataset, out, limit=2), resume=True).answered_now == 0  # restored: resumes


def test_8_a_failed_start_does_not_block_the_corrected_run(
    config_file: Path, tmp_path: Path, cli: Cli, one_line_error: OneLineError
) -> None:
    out = tmp_path / "run"
    one_line_error(cli("run", config_file, "--model", "dummy:tiny-qwen2-vll", "--out", out))
    fixed = cli("run", config_file, "--out", out)
    assert fixed.returncode == 0, fixed.stderr
    assert "3 questions, 0 already answered, 3 to ask" in fixed.stderr


def test_9_disk_full_in_the_middle_of_a_speed_line(
    tiny_dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tiny_dataset, tmp_path / "run")
    real = speed_file.append_speed
    calls: list[int] = []

    def disk_fills_on_the_second_batch(path: Path, measurement: object) -> None:
        calls.append(1)
        if len(calls) == 2:
            with path.open("a", encoding="utf-8") as handle:
                handle.write('{"input_tokens": [41], "output_tok')
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, measurement)

    monkeypatch.setattr(speed_file, "append_speed", disk_fills_on_the_second_batch)
    with pytest.raises(RunError, match=r"No space left on device \[errno 28\].*pass --resume --out"):
        _run(config)
    monkeypatch.undo()

    result = _run(config, resume=True)
    assert result.answered_now == 1
    speed = (tmp_path / "run" / "speed.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["images"] for line in speed] == [1, 1]  # the cut line swallowed nothing
    # the second batch's answers were saved but its timing was lost: the summary says what it covers
    covers = result.summary["speed"]["covers"]
    assert covers == {"batches": 2, "questions": 2, "answered": 3, "unreadable_lines": 0}


def _mount_tmpfs(where: Path, size: str, remount: bool = False) -> bool:
    options = f"remount,size={size}" if remount else f"size={size}"
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True)
    return done.returncode == 0


def test_9_real_full_disk_is_one_error_and_resume_finishes(
    config_file: Path, tmp_path: Path, cli: Cli, one_line_error: OneLineError
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or not _mount_tmpfs(disk, "64k"):
        pytest.skip("needs root to mount a small tmpfs")
    try:
        out = disk / "run"
        message = one_line_error(cli("run", config_file, "--out", out))
        assert "No space left on device [errno 28]" in message and f"--resume --out {out}" in message
        assert not list(out.glob("*.partial")) and not (out / "report.html").exists()
        assert _mount_tmpfs(disk, "16m", remount=True)
        resumed = cli("run", config_file, "--out", out, "--resume")
        assert resumed.returncode == 0, resumed.stderr
        assert "3 already answered, 0 to ask" in resumed.stderr
        assert (out / "report.html").stat().st_size > 10_000
    finally:
        subprocess.run(["umount", str(disk)], check=False)

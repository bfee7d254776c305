"""Run an import, or its preview, in a child process with a memory limit.

The Data page runs inside the one Streamlit process every user's session shares, so a
file that exhausted its memory would take every session down. Here the work runs in a
fresh Python process (`python -m db.importing.child`: multiprocessing's 'spawn' would
re-run the Streamlit script the server runs as __main__) whose address space is capped
(RLIMIT_AS); its result, a Report or the preview's rows, comes back pickled. If the child
runs out of memory or dies, its transaction was never committed, so the database is
unchanged, and the caller gets a `ChildFailed` saying so. No Streamlit here: this module
is what the child imports.
"""

from __future__ import annotations

import pickle
import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from db.audit import Actor, AuditUnavailable
from db.importing.limits import DEFAULT, Limits
from db.importing.mapping import Mapping
from db.importing.report import ImportRefused

WAIT_SECONDS = 3600  # the longest an import may take before the child is stopped
ROOT = Path(__file__).resolve().parents[2]


class ChildFailed(RuntimeError):
    """The child process ran out of memory, crashed or failed; nothing was written."""


@dataclass(frozen=True)
class Task:
    """What the child does: 'import' (or check, with dry_run) or 'preview'."""

    action: str
    url: str
    path: Path
    mapping: Mapping
    dry_run: bool = False
    actor: Actor | None = None
    rows: int = 10
    limits: Limits = DEFAULT


def _work(task: Task):
    from db.importing.run import import_file, preview

    if task.action == "preview":
        return preview(task.path, task.mapping, task.rows, task.limits)
    from db.engine import make_engine

    engine = make_engine(task.url)
    try:
        return import_file(engine, task.path, task.mapping, task.dry_run, task.actor, task.limits)
    finally:
        engine.dispose()


def _child(task_file: Path, result_file: Path) -> None:
    """The child's entry: cap the address space, do the task, write back what happened."""
    task = pickle.loads(task_file.read_bytes())  # noqa: S301 - written by the parent just before
    memory = task.limits.memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        outcome = ("ok", _work(task))
    except ImportRefused as refused:
        outcome = ("refused", list(refused.problems))
    except MemoryError:
        outcome = ("memory", None)
    except Exception as exc:  # noqa: BLE001 - every failure goes back to the page as a message
        outcome = ("error", (type(exc).__name__, str(exc).split("\n")[0][:300]))
    partial = result_file.with_suffix(".partial")
    try:
        partial.write_bytes(pickle.dumps(outcome))
    except MemoryError:
        partial.write_bytes(pickle.dumps(("memory", None)))
    partial.rename(result_file)  # whole or absent: a child killed while writing leaves no answer


def run(task: Task):
    """`task`'s result (a Report, or a preview's header and rows), computed in a child
    process. Raises ImportRefused as the work does, AuditUnavailable when the audit log
    could not be written, and ChildFailed when the child ran out of memory, died or failed
    otherwise; an import that failed so is then recorded in the audit log as refused."""
    try:
        return _run(task)
    except ChildFailed as failed:
        if task.action == "import":
            try:
                _record_failure(task, str(failed))
            except AuditUnavailable:
                unrecorded = f"{failed}; the refusal could not be recorded in the audit log either"
                raise ChildFailed(unrecorded) from None
        raise


def _record_failure(task: Task, why: str) -> None:
    """The audit event the child could not write for itself (it died before it could)."""
    from db.audit import command_line_actor, record_alone
    from db.engine import make_engine

    engine = make_engine(task.url)
    try:
        action = "import check" if task.dry_run else "import"
        obj = f"{task.mapping.kind}: {task.path.name}"
        actor = task.actor or command_line_actor()  # as import_file records an actor-less import
        record_alone(engine, actor, action, obj, "refused", f"refused: {why}")
    finally:
        engine.dispose()


def _run(task: Task):
    limit = f"{task.limits.memory_bytes / 1_000_000:,.0f} MB"
    with tempfile.TemporaryDirectory(prefix="commonground-import-") as folder:
        task_file, result_file = Path(folder) / "task.pickle", Path(folder) / "result.pickle"
        task_file.write_bytes(pickle.dumps(task))
        command = [sys.executable, "-m", "db.importing.child", str(task_file), str(result_file)]
        try:
            done = subprocess.run(  # noqa: S603 - this interpreter, this module, our own files
                command, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, timeout=WAIT_SECONDS
            )
        except subprocess.TimeoutExpired:
            raise ChildFailed(
                f"the import took longer than {WAIT_SECONDS // 60} minutes and was stopped; "
                "nothing was written"
            ) from None
        if not result_file.exists():
            how = (
                f"was killed by signal {-done.returncode}"
                if done.returncode < 0
                else f"ended with exit code {done.returncode}"
            )
            raise ChildFailed(
                f"the import process {how} before it answered, probably past its memory limit of {limit}; "
                "nothing was written"
            )
        outcome, value = pickle.loads(result_file.read_bytes())  # noqa: S301 - our child's answer
    if outcome == "memory":
        raise ChildFailed(
            f"the file needed more than the memory limit of {limit} for one import; nothing was written"
        )
    if outcome == "refused":
        raise ImportRefused(value)
    if outcome == "error":
        kind, message = value
        if kind == "AuditUnavailable":
            raise AuditUnavailable(message)
        raise ChildFailed(f"the import failed ({kind}: {message}); nothing was written")
    return value


if __name__ == "__main__":
    _child(Path(sys.argv[1]), Path(sys.argv[2]))

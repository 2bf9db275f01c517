"""Measurements for issue 11: every hostile input of ``tests/hostile`` through upload, the
forwarding address, a Dovecot mailbox scan and ``manage.py documents extract``, with its
outcome, time and peak memory.

Each run is a child process capped at ``--memory-mb`` (2 GB: ``RLIMIT_DATA``, so the
machine never runs out) and ``--timeout`` seconds (120); a run that hits a cap says so
("memory cap", "timeout") instead of taking the benchmark down. Peak memory is the child's
``ru_maxrss`` (Tesseract's included), which starts from what Django takes once set up
(about 130 MB). ``--save FILE`` also writes the table as Markdown; ``--only NAME`` and
``--paths upload,extract`` narrow it. Without Dovecot the mailbox path is left out.
"""

import argparse
import json
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okioki.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from tests.hostile.generate import generate  # noqa: E402
from tests.hostile.generate import items as corpus_items  # noqa: E402
from tests.hostile.runner import PATHS, Run, Runner, applies, mailbox_messages, verdict  # noqa: E402


def _dovecot():  # type: ignore[no-untyped-def]
    if not (shutil.which("dovecot") or Path("/usr/sbin/dovecot").exists()):
        return None
    from tests.servers import Dovecot

    return Dovecot().start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--paths", default=",".join(PATHS))
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--save", type=Path, default=None)
    parser.add_argument("--title", default="Hostile inputs")
    parser.add_argument("--runs", type=Path, default=None, help="keep the raw runs (JSON)")
    parser.add_argument("--from-runs", type=Path, default=None, help="judge kept runs again")
    options = parser.parse_args()
    if options.from_runs:
        kept = json.loads(options.from_runs.read_text())
        by_name = {item.name: item for item in corpus_items()}
        runs = [Run(**run) for run in kept["runs"]]
        tasks = [(by_name[run.item], run.path) for run in runs]
        results = {(run.item, run.path): run for run in runs}
        _table(options, tasks, results, kept["elapsed"])
        return
    paths = [p for p in options.paths.split(",") if p]
    work = Path(tempfile.mkdtemp(prefix="okioki-hostile-"))
    dovecot = _dovecot() if "mailbox" in paths else None
    if "mailbox" in paths and dovecot is None:
        print("hostile: mailbox path left out, Dovecot is not installed")
        paths.remove("mailbox")
    started = time.perf_counter()
    try:
        corpus = work / "corpus"
        items = generate(corpus, only=set(options.only) if options.only else None)
        tasks = [(item, path) for item in items for path in paths if applies(item, path)]
        results: dict[tuple[str, str], Run] = {}
        todo: queue.Queue = queue.Queue()
        for task in tasks:
            todo.put(task)
        runners = [
            Runner(work / f"runner-{n}", memory_mb=options.memory_mb, timeout=options.timeout)
            for n in range(max(1, options.jobs))
        ]

        def work_on(runner: Runner) -> None:
            while True:
                try:
                    item, path = todo.get_nowait()
                except queue.Empty:
                    return
                extra = {}
                if path == "mailbox":
                    user, password = dovecot.add_user()
                    dovecot.append(user, password, mailbox_messages(item, corpus))
                    extra["imap"] = {"port": dovecot.port, "user": user, "password": password}
                results[(item.name, path)] = runner.run(item, path, corpus, **extra)
                run = results[(item.name, path)]
                print(
                    f"  {item.name} {path}: {run.seconds:.1f} s {run.peak_mb:.0f} MB",
                    file=sys.stderr,
                )

        threads = [threading.Thread(target=work_on, args=(r,)) for r in runners]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for runner in runners:
            runner.close()
    finally:
        if dovecot is not None:
            dovecot.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    elapsed = time.perf_counter() - started
    if options.runs:
        runs = [asdict(results[(item.name, path)]) for item, path in tasks]
        options.runs.write_text(json.dumps({"runs": runs, "elapsed": elapsed}, indent=1))
    _table(options, tasks, results, elapsed)


def _table(options, tasks, results, elapsed) -> None:  # type: ignore[no-untyped-def]
    rows = []
    wrong_count = 0
    for item, path in tasks:
        run = results[(item.name, path)]
        outcome, wrong = verdict(item, run)
        wrong_count += bool(wrong)
        rows.append(
            (
                item.name,
                path,
                outcome,
                f"{run.seconds:.1f}",
                f"{run.peak_mb:.0f}",
                "ok" if not wrong else "WRONG: " + "; ".join(wrong),
            )
        )
    lightest = min(run.peak_mb for run in results.values())
    header = (
        f"{options.title}: {len(rows)} runs, {wrong_count} wrong, in {elapsed:.0f} s. "
        f"Caps per run: {options.memory_mb} MB (RLIMIT_DATA) and {options.timeout:.0f} s. "
        "Peak memory is the run's ru_maxrss (Tesseract's included); the lightest run, "
        f"Django with nothing much read, peaks at {lightest:.0f} MB. "
        '"memory cap" means an allocation past the cap was refused '
        '(MemoryError): the peak shown is what was in use before it. "next collected": the '
        "ordinary invoice sent or filed after the hostile e-mail became a document."
    )
    print(f"hostile: {header}")
    widths = [34, 10, 60, 6, 6]
    print(
        "  "
        + "  ".join(
            h.ljust(w)
            for h, w in zip(("input", "path", "outcome", "s", "MB"), widths, strict=False)
        )
        + "  verdict"
    )
    for row in rows:
        cells = [row[0], row[1], row[2][:60], row[3].rjust(6), row[4].rjust(6)]
        print(
            "  "
            + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
            + "  "
            + row[5][:160]
        )
    if options.save:
        lines = [
            f"# {options.title}",
            "",
            header,
            "",
            "| input | path | outcome | time (s) | peak (MB) | verdict |",
            "|---|---|---|---:|---:|---|",
        ]
        for row in rows:
            cells = [cell.replace("|", "\\|").replace("\n", " ") for cell in row]
            lines.append("| " + " | ".join(cells) + " |")
        options.save.parent.mkdir(parents=True, exist_ok=True)
        options.save.write_text("\n".join(lines) + "\n")
        print(f"hostile: table written to {options.save}")


if __name__ == "__main__":
    main()

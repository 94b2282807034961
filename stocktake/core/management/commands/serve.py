"""``stocktake serve``: migrate, load vocabularies and (into an empty database) the demo data, then serve
with gunicorn, a production-grade server, static files included (WhiteNoise), and run the background
jobs (imports, exports) with the django-tasks database worker in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from gunicorn.app.base import BaseApplication

from stocktake.core.choices import ChangeSource
from stocktake.core.history import Actor
from stocktake.demo.people import demo_people_load, demo_people_write
from stocktake.demo.services import demo_load
from stocktake.initiatives.models import Initiative
from stocktake.vocabularies.services import vocabularies_load

# How long the worker may take to finish the job it is running when serve stops; then the job is stopped
# (and marked failed), and at last the worker is killed.
WORKER_STOP_SECONDS = 10
WORKER_KILL_SECONDS = 5


def worker_start() -> subprocess.Popen[bytes]:
    """The jobs worker, in a session of its own so that Ctrl+C reaches serve, which then stops it."""
    command = [sys.executable, "-m", "stocktake.cli", "db_worker", "--no-reload"]
    return subprocess.Popen(command, start_new_session=True)  # noqa: S603 (our own interpreter and module)


def worker_stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # the first signal lets the running job finish
    try:
        process.wait(WORKER_STOP_SECONDS)
        return
    except subprocess.TimeoutExpired:
        process.terminate()  # the second stops the job, which is marked failed
    try:
        process.wait(WORKER_KILL_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class StocktakeServer(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from stocktake.wsgi import application  # the WSGI app is built in each worker, after fork

        return application


class Command(BaseCommand):
    help = "Prepares the database and serves Stocktake (gunicorn)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("STOCKTAKE_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("STOCKTAKE_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("STOCKTAKE_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("STOCKTAKE_THREADS", "4")))
        parser.add_argument(
            "--no-demo", action="store_true", help="do not load the demo data into an empty database"
        )
        parser.add_argument("--prepare-only", action="store_true", help="migrate and load, then exit")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not run the background jobs worker (run `stocktake db_worker` yourself)",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        threads: int,
        no_demo: bool,
        prepare_only: bool,
        no_worker: bool,
        **options: Any,
    ) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        actor = Actor.system("serve", source=ChangeSource.CLI)
        loaded = [r.name for r in vocabularies_load(actor=actor) if r.changed]
        if loaded:
            self.stdout.write(f"vocabularies loaded: {', '.join(loaded)}")
        if not no_demo and not Initiative.objects.exists():
            result = demo_load(actor=actor)
            self.stdout.write(f"demo data loaded: {len(result.created)} initiatives")
            if not settings.PRODUCTION:
                people = demo_people_load(actor=actor)
                path = demo_people_write(people)
                self.stdout.write(f"demo accounts (also in {path}):")
                for person in people:
                    self.stdout.write(f"  {person.email}  {person.password}  ({person.role})")
        call_command("collectstatic", interactive=False, verbosity=0)
        # A missing or outdated search index is built before the first visitor comes (later writes
        # follow through the history); built in the request instead, it would keep that visitor waiting.
        call_command("search_index", "--if-needed")
        if prepare_only:
            return
        if not no_worker:
            # No worker of ours runs yet, so a job still marked running was cut off: say so, not "running".
            from stocktake.jobs.transitions import jobs_interrupted_fail

            for job in jobs_interrupted_fail():
                self.stdout.write(f"job {job.pk} was interrupted and is marked failed")
        worker = None if no_worker else worker_start()
        master = os.getpid()
        self.stdout.write(self.style.SUCCESS(f"Stocktake is at http://{host}:{port}/ (Ctrl+C stops it)"))
        try:
            StocktakeServer(
                {
                    "bind": f"{host}:{port}",
                    "workers": workers,
                    "threads": threads,
                    "worker_class": "gthread",
                    "accesslog": "-" if settings.DEBUG else None,
                    "timeout": 60,
                    "graceful_timeout": 10,
                }
            ).run()
        finally:
            # gunicorn leaves by SystemExit, whether stopped by a signal or by an error. Its web workers are
            # forks of this process and leave through here too: only the master stops the jobs worker.
            if worker is not None and os.getpid() == master:
                worker_stop(worker)

"""Benchmark: the responses export as CSV, Excel and SPSS.

Sets up, in the database named by DATABASE_URL, a scratch owner with a published
survey of 30 questions (single choice, multiple choice, matrix, rating, number,
short and long text) and BENCH_EXPORTS_SIZE responses (default 10,000; the issue's
target is 100,000), 90% finished, each answering every question, with two embedded
fields (COPY). Then, for each format, in a fresh child process (so its memory is its
own), writes the export file as the worker does (surveys.services.exports) and
reports the time and the process's peak RSS growth over its RSS before the export.

Prints, N being the size in thousands:

    BENCH export_csv_<N>k: X.XX s, peak RSS +N MB
    BENCH export_xlsx_<N>k: X.XX s, peak RSS +N MB
    BENCH export_sav_<N>k: X.XX s, peak RSS +N MB
"""

import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from surveys.models import Answer, Response, Survey, SurveyVersion  # noqa: E402
from teams.services import personal_team  # noqa: E402

SIZE = int(os.environ.get("BENCH_EXPORTS_SIZE", "10000"))
FORMATS = ("csv", "xlsx", "sav")


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _choices(labels):
    return [{"id": f"c{n}", "label": label} for n, label in enumerate(labels)]


def definition() -> dict:
    """30 questions: 10 single choice, 4 multiple, 4 matrix, 4 rating, 4 number,
    2 short and 2 long text."""
    questions, qid = [], 1
    agree = _choices(["Disagree", "Neutral", "Agree", "Strongly agree"])

    def add(kind, text, **more):
        nonlocal qid
        questions.append(
            {
                "id": qid,
                "kind": kind,
                "text": text,
                "help_text": "",
                "required": False,
                "choices": [],
                "statements": [],
                "min_value": None,
                "max_value": None,
                **more,
            }
        )
        qid += 1

    for n in range(10):
        add("single_choice", f"Single {n}", choices=_choices(["Yes", "No", "Maybe"]))
    for n in range(4):
        add("multiple_choice", f"Multiple {n}", choices=_choices(list("ABCD")))
    for n in range(4):
        add(
            "matrix",
            f"Matrix {n}",
            choices=agree,
            statements=[{"id": f"s{k}", "label": f"Row {k}"} for k in range(3)],
        )
    for n in range(4):
        add("rating", f"Rating {n}", min_value=0, max_value=10)
    for n in range(4):
        add("number", f"Number {n}", min_value=0, max_value=1000)
    for n in range(2):
        add("short_text", f"Short {n}")
    for n in range(2):
        add("long_text", f"Long {n}")
    return {"title": "Bench", "pages": [{"questions": questions}]}


def _answer(question: dict, rng: random.Random):
    kind = question["kind"]
    if kind == "single_choice":
        return rng.choice(question["choices"])["id"]
    if kind == "multiple_choice":
        return [c["id"] for c in question["choices"] if rng.random() < 0.5]
    if kind == "matrix":
        return {
            s["id"]: rng.choice(question["choices"])["id"]
            for s in question["statements"]
        }
    if kind == "rating":
        return rng.randint(0, 10)
    if kind == "number":
        return rng.randint(0, 1000)
    if kind == "short_text":
        return f"Answer {rng.randint(0, 10**6)}"
    return "A longer answer, with a comma, and words " * rng.randint(1, 4)


def set_up() -> tuple[int, int]:
    owner = get_user_model().objects.create_user(
        username=f"bench-exports-{uuid.uuid4().hex[:8]}@example.org",
        email="bench-exports@example.org",
    )
    survey = Survey.objects.create(
        owner=owner,
        team=personal_team(owner),
        title="Bench exports",
        state="published",
        published_version=1,
    )
    shape = definition()
    version = SurveyVersion.objects.create(survey=survey, number=1, definition=shape)
    questions = shape["pages"][0]["questions"]
    rng = random.Random(16)
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Response._meta.db_table, SIZE],
        )
        ids = [row[0] for row in cursor.fetchall()]
        columns = (
            "id, survey_id, version_id, public_id, channel, first_name, last_name,"
            " email, external_reference, embedded_data, current_page, created_at,"
            " started_at, last_activity_at, finished_at, screened_out, language"
        )
        with cursor.cursor.copy(
            f"COPY {Response._meta.db_table} ({columns}) FROM STDIN"
        ) as copy:
            for n, rid in enumerate(ids):
                started = now - timezone.timedelta(minutes=rng.randint(5, 10**5))
                finished = (
                    started + timezone.timedelta(seconds=rng.randint(30, 3600))
                    if n % 10
                    else None
                )
                copy.write_row(
                    (
                        rid,
                        survey.pk,
                        version.pk,
                        f"R_bench{n:010d}",
                        "invitation",
                        f"First{n}",
                        f"Last{n}",
                        f"person{n}@example.edu",
                        f"REF{n}",
                        json.dumps({"Cohort": str(2020 + n % 6), "Unit": f"U{n % 40}"}),
                        0,
                        started,
                        started,
                        finished or started,
                        finished,
                        False,
                        # The language the respondent answered in (the survey's).
                        "en",
                    )
                )
        with cursor.cursor.copy(
            f"COPY {Answer._meta.db_table} (response_id, question_id, value,"
            " updated_at) FROM STDIN"
        ) as copy:
            for rid in ids:
                for question in questions:
                    copy.write_row(
                        (rid, question["id"], json.dumps(_answer(question, rng)), now)
                    )
    with connection.cursor() as cursor:
        for model in (Response, Answer):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return owner.pk, survey.pk


def tear_down(owner_id: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        surveys = f"SELECT id FROM {Survey._meta.db_table} WHERE owner_id = %s"
        cursor.execute(
            f"DELETE FROM {Answer._meta.db_table} WHERE response_id IN"
            f" (SELECT id FROM {Response._meta.db_table} WHERE survey_id IN ({surveys}))",
            [owner_id],
        )
        cursor.execute(
            f"DELETE FROM {Response._meta.db_table} WHERE survey_id IN ({surveys})",
            [owner_id],
        )
    get_user_model().objects.filter(pk=owner_id).delete()


def measure(owner_id: int, survey_id: int, fmt: str) -> dict:
    """Run in the child process: write one export file, as the worker does."""
    # The writers' libraries are loaded before the baseline: the figure is what the
    # export itself holds, not pandas' code.
    import pandas  # noqa: F401
    import pyreadstat  # noqa: F401
    import xlsxwriter  # noqa: F401

    from surveys.services.exports import response_export_write

    owner = get_user_model().objects.get(pk=owner_id)
    survey = Survey.objects.get(pk=survey_id)
    coded = fmt == "sav"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"export.{fmt}"
        rss_before = _rss_mb("VmRSS")
        started = time.perf_counter()
        cpu_started = time.process_time()
        rows = []
        response_export_write(
            survey=survey,
            owner=owner,
            fmt=fmt,
            coded=coded,
            path=path,
            progress=rows.append,
        )
        seconds = time.perf_counter() - started
        return {
            "seconds": seconds,
            "cpu": time.process_time() - cpu_started,
            "peak_growth_mb": _rss_mb("VmHWM") - rss_before,
            "rows": rows[-1] if rows else 0,
            "bytes": path.stat().st_size,
            "load": os.getloadavg()[0],
        }


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(measure(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])))
        return
    for stale in get_user_model().objects.filter(username__startswith="bench-exports-"):
        tear_down(stale.pk)
    started = time.perf_counter()
    owner_id, survey_id = set_up()
    setup_seconds = time.perf_counter() - started
    results = {}
    try:
        for fmt in FORMATS:
            child = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    str(owner_id),
                    str(survey_id),
                    fmt,
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            if child.returncode != 0:
                raise SystemExit(f"{fmt} failed:\n{child.stdout}{child.stderr}")
            results[fmt] = json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        tear_down(owner_id)
    label = f"{SIZE // 1000}k" if SIZE >= 1000 else str(SIZE)
    print(
        f"# {SIZE} responses x 30 questions, setup {setup_seconds:.1f} s, "
        f"{os.cpu_count()} CPUs; "
        + "; ".join(
            f"{fmt}: {r['rows']} rows, {r['bytes'] / 1e6:.1f} MB, CPU {r['cpu']:.1f} s,"
            f" load {r['load']:.1f}"
            for fmt, r in results.items()
        )
    )
    for fmt, result in results.items():
        assert result["rows"] == SIZE, (fmt, result)
        print(
            f"BENCH export_{fmt}_{label}: {result['seconds']:.2f} s, "
            f"peak RSS +{result['peak_growth_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()

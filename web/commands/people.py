"""`rollcall user add` (users, e.g. the first admin) and `rollcall enroll` (bulk enrolment).

Both open the configured database (embedded when DATABASE_URL is unset). The logic lives in
web.api.users (accounts) and web.domain.people_import (enrolment); this module parses and prints.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import getpass
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from web.commands import CommandGroups, print_result
from web.commands.progress import ProgressBar

if TYPE_CHECKING:
    from web.domain.people_import import ImportPlan, ImportResult

_CLI_ACTOR = "rollcall-cli"


def register(groups: CommandGroups) -> None:
    """Add `rollcall user add` and `rollcall enroll`."""
    user = groups.root.add_parser("user", help="users of the service (admins and teachers)")
    actions = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add", help="add a user (the first admin, say); the password is asked for"
    )
    add.add_argument("username")
    add.add_argument("--role", choices=("admin", "teacher"), required=True)
    add.add_argument("--display-name", default="")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin instead of prompting",
    )
    add.set_defaults(func=_user_add)

    enroll = groups.root.add_parser(
        "enroll",
        help="enrol people from a folder: one sub-folder of photos per person, or a CSV",
    )
    enroll.add_argument(
        "folder",
        type=Path,
        help="one sub-folder per person (its name is the external id), or the photos a CSV names",
    )
    enroll.add_argument(
        "--csv",
        type=Path,
        default=None,
        help="external_id,display_name,photo[,course][,consent_at] rows; photo paths are "
        "inside FOLDER",
    )
    enroll.add_argument("--course", default=None, help="add everyone to this course (its code)")
    enroll.add_argument(
        "--consent-at",
        default=None,
        metavar="WHEN",
        help="the school recorded everyone's consent to face recognition then (ISO 8601 date, "
        "or date and time with zone), for the people without a consent_at of their own; under "
        "ROLLCALL_PRIVACY__CONSENT=recorded (the default) nobody is enrolled without one",
    )
    enroll.set_defaults(func=_enroll)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass(f"password for {args.username}: ")
    if getpass.getpass("again: ") != password:
        raise ValueError("the two passwords differ")
    return password


def _user_add(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from store.database import Database
    from store.errors import Conflict, StoreError
    from web.api.users import NewUser, create_account
    from web.http.errors import validation_details
    from web.settings import Settings

    settings = Settings()
    try:
        new_user = NewUser(
            username=args.username,
            password=_read_password(args),
            role=args.role,
            display_name=args.display_name,
        )
    except ValidationError as error:
        problems = "; ".join(f"{d['field']}: {d['problem']}" for d in validation_details(error))
        return _failed("user add", "invalid", problems)
    except ValueError as error:
        return _failed("user add", "invalid", str(error))

    async def run() -> dict[str, Any]:
        async with Database.open(settings.store, settings.privacy) as database:
            user = await create_account(database, new_user, asyncio.to_thread, actor=_CLI_ACTOR)
        return {"id": str(user.id), "username": user.username, "role": user.role.value}

    try:
        print_result(asyncio.run(run()))
    except Conflict:
        return _failed("user add", "exists", f"a user named {args.username!r} exists already")
    except StoreError as error:
        return _failed("user add", type(error).__name__, str(error))
    return 0


def _failed(command: str, kind: str, message: str) -> int:
    sys.stderr.write(f"rollcall {command}: {message}\n")
    print_result({"error": message, "kind": kind})
    return 1


def _summary(plan: ImportPlan, result: ImportResult) -> dict[str, Any]:
    return {
        "enrolled": len(result.people),
        "templates": result.templates,
        "refused": [
            {
                "row": problem.row,
                "external_id": problem.external_id,
                "reason": problem.reason,
                "message": problem.message,
                **({"photo": problem.photo} if problem.photo else {}),
            }
            for problem in plan.problems
        ],
        "people": [
            {"external_id": person.external_id, "id": str(person.id), "templates": person.templates}
            for person in result.people
        ],
    }


def _enroll(args: argparse.Namespace) -> int:
    from recognizer.analyzer import FaceAnalyzer
    from store.database import Database
    from store.errors import StoreError
    from web.domain.enrolment import Enroller, PhotoRules
    from web.domain.people_import import (
        ImportFormatError,
        ImportPlan,
        ImportRow,
        PeopleImport,
        course_ids_by_code,
        parse_consent_time,
        parse_people_csv,
        photo_in_folder,
        rows_from_folder,
        rows_with_photos,
        with_consent,
    )
    from web.settings import Settings

    folder: Path = args.folder
    if not folder.is_dir():
        return _failed("enroll", "invalid", f"{folder} is not a folder")
    if args.csv is None and not rows_from_folder(folder):
        # before any database or model is opened: nothing here could be enrolled
        return _failed(
            "enroll",
            "nothing_to_enrol",
            f"{folder} holds no sub-folder of photos: give each person a folder named by "
            "their external id, with their photos in it (or pass --csv)",
        )
    try:
        consent_at = None if args.consent_at is None else parse_consent_time(args.consent_at)
    except ValueError as error:
        return _failed("enroll", "invalid", f"--consent-at: {error}")
    settings = Settings()

    def rows() -> tuple[list[ImportRow], list[Any]]:
        if args.csv is None:
            found = rows_from_folder(folder, args.course)
            problems: list[Any] = []
        else:
            csv_rows, problems = parse_people_csv(args.csv.read_text(encoding="utf-8-sig"))
            found, missing = rows_with_photos(csv_rows, photo_in_folder(folder))
            problems += missing
            if args.course is not None:
                found = [dataclasses.replace(r, course_code=args.course) for r in found]
        if consent_at is not None:
            found = with_consent(found, consent_at)
        return found, problems

    async def run() -> tuple[ImportPlan, ImportResult]:
        analyzer = FaceAnalyzer.from_config(settings.recognizer)
        async with Database.open(settings.store, settings.privacy) as database:
            if args.course is not None and args.course not in await course_ids_by_code(database):
                raise ValueError(f"no course has the code {args.course!r}")
            to_enrol, early_problems = rows()
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="enroll") as pool:
                loop = asyncio.get_running_loop()

                async def run_cpu(function: Any, *call_args: Any) -> Any:
                    return await loop.run_in_executor(pool, function, *call_args)

                rules = PhotoRules(keep_portraits=settings.service.board_photos)
                importer = PeopleImport(database, Enroller(database, analyzer, run_cpu, rules))
                plan = await importer.plan(
                    to_enrol, require_photos=True, on_progress=ProgressBar(sys.stderr, "enroll")
                )
            result = await importer.write(plan.accepted, actor=_CLI_ACTOR)
        problems = sorted([*early_problems, *plan.problems], key=lambda problem: problem.row)
        return ImportPlan(plan.accepted, tuple(problems)), result

    try:
        plan, result = asyncio.run(run())
    except (ImportFormatError, ValueError, OSError) as error:
        return _failed("enroll", "invalid", str(error))
    except StoreError as error:
        return _failed("enroll", type(error).__name__, str(error))
    for problem in plan.problems:
        sys.stderr.write(
            f"rollcall enroll: row {problem.row} ({problem.external_id}) refused: "
            f"{problem.message}\n"
        )
    print_result(_summary(plan, result))
    return 0 if not plan.problems else 1

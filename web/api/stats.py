"""Attendance rates: of a course as a whole and of each person on its roster, and of one
person across their courses.

Counted over the course's sessions held so far (started and not cancelled, as the store
defines them); present and late both count as attended, excused does not.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, Field

from store.attendance import CourseRate, PersonRate
from store.courses import Course
from store.database import Database
from store.pagination import read_every_page
from store.sessions import SessionStatus
from web.http.bodies import json_response, path_uuid
from web.http.operations import operation
from web.http.services import services_of

routes = web.RouteTableDef()


class RateFigures(BaseModel):
    """Sessions held and how they were attended: the figures every rate here is made of."""

    sessions: int
    attended: int = Field(description="present or late")
    late: int
    excused: int
    rate: float | None = Field(description="attended / sessions; null before any session")

    @staticmethod
    def figures_of(rate: PersonRate | CourseRate) -> dict[str, int | float | None]:
        return {
            "sessions": rate.sessions,
            "attended": rate.attended,
            "late": rate.late,
            "excused": rate.excused,
            "rate": rate.rate,
        }


class PersonStats(RateFigures):
    person_id: UUID
    display_name: str

    @classmethod
    def of(cls, rate: PersonRate) -> PersonStats:
        return cls(person_id=rate.person_id, display_name=rate.display_name, **cls.figures_of(rate))


class CourseStats(BaseModel):
    course: Course
    enrolled: int
    sessions_held: int = Field(description="started by now and not cancelled")
    attended: int = Field(description="present or late, summed over people and sessions")
    expected: int = Field(description="roster member sessions: the rate's denominator")
    rate: float | None = Field(description="attended / expected; null before any session")
    people: list[PersonStats]


async def _rates(database: Database, course_id: UUID) -> list[PersonRate]:
    return await read_every_page(partial(database.attendance.rates_for_course, course_id))


async def _sessions_held(database: Database, course_id: UUID) -> int:
    """Sessions started by now and not cancelled: what the store's rates count."""
    sessions = await read_every_page(
        partial(database.sessions.list, course_id=course_id, starts_before=datetime.now(UTC))
    )
    return sum(1 for session in sessions if session.status is not SessionStatus.CANCELLED)


@routes.get("/api/stats/courses/{course_id}")
@operation(
    "Attendance rate of a course and of each person on its roster",
    auth="teacher",
    tag="stats",
    response=CourseStats,
)
async def course_stats(request: web.Request) -> web.Response:
    course_id = path_uuid(request, "course_id")
    database = services_of(request).database
    course = await database.courses.get(course_id)
    rates = await _rates(database, course_id)
    attended = sum(rate.attended for rate in rates)
    expected = sum(rate.sessions for rate in rates)
    stats = CourseStats(
        course=course,
        enrolled=len(rates),
        sessions_held=await _sessions_held(database, course_id),
        attended=attended,
        expected=expected,
        rate=attended / expected if expected else None,
        people=[PersonStats.of(rate) for rate in rates],
    )
    return json_response(stats)


class PersonCourseStats(RateFigures):
    course_id: UUID
    code: str
    name: str

    @classmethod
    def of(cls, rate: CourseRate) -> PersonCourseStats:
        return cls(course_id=rate.course_id, code=rate.code, name=rate.name, **cls.figures_of(rate))


class PersonStatsAcrossCourses(BaseModel):
    person_id: UUID
    display_name: str
    sessions: int = Field(description="sessions held of every course the person is on")
    attended: int
    rate: float | None = Field(description="attended / sessions; null before any session")
    courses: list[PersonCourseStats]


@routes.get("/api/stats/people/{person_id}")
@operation(
    "Attendance rate of one person, over all their courses and per course",
    auth="teacher",
    tag="stats",
    response=PersonStatsAcrossCourses,
)
async def person_stats(request: web.Request) -> web.Response:
    person_id = path_uuid(request, "person_id")
    database = services_of(request).database
    person = await database.people.get(person_id)
    courses = await database.attendance.rates_for_person(person_id)
    sessions = sum(course.sessions for course in courses)
    attended = sum(course.attended for course in courses)
    stats = PersonStatsAcrossCourses(
        person_id=person.id,
        display_name=person.display_name,
        sessions=sessions,
        attended=attended,
        rate=attended / sessions if sessions else None,
        courses=[PersonCourseStats.of(course) for course in courses],
    )
    return json_response(stats)

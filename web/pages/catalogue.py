"""Every page the service serves, with who may open it."""

from __future__ import annotations

from web.pages.access import Access
from web.pages.layout import Page

PAGES = (
    Page("/sign-in", "Sign in", "sign_in.html", "sign_in.js", Access.PUBLIC, navigation=False),
    Page(
        "/board",
        "Attendance board",
        "board.html",
        "board.js",
        Access.TEACHER,
        stylesheets=("board.css",),
    ),
    Page(
        "/live",
        "Live view",
        "live.html",
        "live_view.js",
        Access.TEACHER,
        stylesheets=("camera.css", "live.css"),
    ),
    Page(
        "/reports",
        "Attendance reports",
        "reports.html",
        "reports.js",
        Access.TEACHER,
        stylesheets=("admin.css", "reports.css"),
    ),
    Page(
        "/camera",
        "Classroom camera",
        "camera.html",
        "camera.js",
        Access.CAMERA,
        stylesheets=("camera.css",),
    ),
    Page(
        "/camera/sign-in",
        "Sign the camera in",
        "camera_sign_in.html",
        "camera_sign_in.js",
        Access.PUBLIC,
        navigation=False,
        stylesheets=("camera.css",),
    ),
    Page(
        "/admin/people",
        "People",
        "admin_people.html",
        "admin_people.js",
        Access.ADMIN,
        stylesheets=("admin.css",),
    ),
    Page(
        "/admin/courses",
        "Courses and rosters",
        "admin_courses.html",
        "admin_courses.js",
        Access.ADMIN,
        stylesheets=("admin.css",),
    ),
    Page(
        "/admin/rooms",
        "Rooms and cameras",
        "admin_rooms.html",
        "admin_rooms.js",
        Access.ADMIN,
        stylesheets=("admin.css",),
    ),
    Page(
        "/admin/sessions",
        "Class sessions",
        "admin_sessions.html",
        "admin_sessions.js",
        Access.ADMIN,
        stylesheets=("admin.css",),
    ),
    Page(
        "/admin/users",
        "Users",
        "admin_users.html",
        "admin_users.js",
        Access.ADMIN,
        stylesheets=("admin.css",),
    ),
    Page(
        "/api/docs",
        "API reference",
        "api_docs.html",
        "api_docs.js",
        Access.TEACHER,
        stylesheets=("api_docs.css",),
    ),
)

"""What the school asks of Rollcall, apart from HTTP: enrolling from photos, importing people and
rosters, the timetable, unknown faces, CSV exports. Handlers in `web.api` and commands in
`web.commands` call these; they call the libraries (store, recognizer), never HTTP."""

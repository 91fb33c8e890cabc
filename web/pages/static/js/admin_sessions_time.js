// Local wall-clock times as the API takes them: ISO 8601 instants with this computer's offset
// (the API refuses an instant without a zone), and the day an admin picks as a range.

const pad = (number) => String(number).padStart(2, "0");

// "2026-11-29" of a Date, in local time (toISOString would give the UTC day).
export function dayOf(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function today() {
  return dayOf(new Date());
}

// A local Date as "2026-11-29T09:00:00+01:00": the offset is the one in force at that
// instant, so a date across a daylight-saving change gets its own.
export function isoWithOffset(date) {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  const offset = `${sign}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
  const clock = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return `${dayOf(date)}T${clock}${offset}`;
}

// "2026-11-29" + "09:00" -> that local instant.
export function localInstant(day, time) {
  const [year, month, date] = day.split("-").map(Number);
  const [hours, minutes] = time.split(":").map(Number);
  return new Date(year, month - 1, date, hours, minutes);
}

// The instants starting and ending a local day, for the API's from/to filter.
export function dayRange(day) {
  const start = localInstant(day, "00:00");
  const end = new Date(start.getFullYear(), start.getMonth(), start.getDate() + 1);
  return { from: isoWithOffset(start), to: isoWithOffset(end) };
}

export function browserTimeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
}

// The two ways to schedule: one session on a day, or a weekly timetable between two days.
// Times are typed in local wall-clock time; the service's refusal shows under its form.

import { api } from "./api.js";
import { onSubmit, whileBusy } from "./admin_common.js";
import { clear, el, showError, showNotice } from "./dom.js";
import {
  browserTimeZone,
  dayOf,
  isoWithOffset,
  localInstant,
  today,
} from "./admin_sessions_time.js";

export function fillChoices(select, items, describe, { any = null } = {}) {
  const kept = select.value;
  const options = items.map((item) => el("option", { value: item.id }, describe(item)));
  if (any) options.unshift(el("option", { value: "" }, any));
  select.replaceChildren(...options);
  if ([...select.options].some((option) => option.value === kept)) select.value = kept;
}

export const describeCourse = (course) => `${course.code} ${course.name}`;
export const describeRoom = (room) => room.name;

// A form posted as JSON: `body(fields)` builds it, `done(answer)` says what happened,
// `onDone(day)` gets the local day to show, `dayShown(fields, answer)`.
function wire(form, result, { path, body, done, dayShown, onDone }) {
  onSubmit(form, async (button) => {
    clear(result);
    try {
      const answer = await whileBusy(button, () =>
        api("POST", path, { json: body(form.elements) }),
      );
      showNotice(result, done(answer));
      await onDone(dayShown(form.elements, answer));
    } catch (error) {
      showError(result, error);
    }
  });
}

export function wireScheduleForm(form, onDone) {
  form.elements.day.value = today();
  wire(form, form.querySelector("#schedule-result"), {
    path: "/api/sessions",
    body: (fields) => ({
      course_id: fields.course_id.value,
      room_id: fields.room_id.value,
      scheduled_start: isoWithOffset(localInstant(fields.day.value, fields.starts.value)),
      scheduled_end: isoWithOffset(localInstant(fields.day.value, fields.ends.value)),
      grace_minutes: Number(fields.grace_minutes.value),
    }),
    done: () => `Session scheduled on ${form.elements.day.value}.`,
    dayShown: (fields) => fields.day.value,
    onDone,
  });
}

export function wireTimetableForm(form, onDone) {
  form.elements.timezone.value = browserTimeZone();
  form.elements.first_day.value = today();
  wire(form, form.querySelector("#timetable-result"), {
    path: "/api/sessions/timetable",
    body: (fields) => ({
      course_id: fields.course_id.value,
      room_id: fields.room_id.value,
      weekdays: [...form.querySelectorAll("input[name=weekday]:checked")].map((box) => box.value),
      starts: fields.starts.value,
      ends: fields.ends.value,
      timezone: fields.timezone.value.trim(),
      first_day: fields.first_day.value,
      last_day: fields.last_day.value,
      grace_minutes: Number(fields.grace_minutes.value),
    }),
    done: (answer) => `${answer.created} sessions scheduled.`,
    dayShown: (fields, answer) => {
      const starts = answer.sessions.map((session) => new Date(session.scheduled_start));
      return starts.length ? dayOf(new Date(Math.min(...starts))) : fields.first_day.value;
    },
    onDone,
  });
}

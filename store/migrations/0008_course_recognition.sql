-- Face recognition per course: off where the law forbids biometrics for the course's students
-- (minors in some jurisdictions). Its sessions, manual marks and reports work as ever; no
-- camera frame of its sessions is analysed at all.
ALTER TABLE courses ADD COLUMN recognition boolean NOT NULL DEFAULT true;

"""The calendar-export jobs resource: start a job, read its status and its .ics result."""

"""TaskOverflow's calendar-worker: builds a job's .ics from its snapshot of todos."""

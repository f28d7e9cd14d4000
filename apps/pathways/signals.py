from django.dispatch import Signal

# Sent inside the transaction that completes or stops a course (kwargs: course, actor, reason).
# Scheduling listens to cancel the rest of the course's treatment series; pathways need not know it.
course_ended = Signal()

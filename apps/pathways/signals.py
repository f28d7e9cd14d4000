from django.dispatch import Signal

# Sent inside the transaction that completes or stops a course (kwargs: course, actor, reason).
# Scheduling listens to cancel the rest of the course's treatment series; pathways need not know it.
course_ended = Signal()

# Sent inside the transaction that sets a child's diagnosis date (kwargs: patient_id), and the one that
# moves specialty tracks (kwargs: patient_ids, specialty, stage). Scheduling listens to keep the stored
# re-evaluation dates (a discharge ends a policy's reviews, a re-referral restarts them).
diagnosis_dated = Signal()
tracks_moved = Signal()

# Sent inside the transaction that records a course or moves its status, after course_ended where that
# is sent too (kwargs: course, actor, from_status, to_status; from_status is "" for a new course). The
# apps above pathways listen: a wean opens a watch period, any change marks the emergency plan for review.
course_changed = Signal()

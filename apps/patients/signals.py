from django.dispatch import Signal

# Sent inside the transaction that registers a child or changes their details (kwargs: patient,
# fields: the names changed, or None for a new child). Scheduling listens to keep the stored
# re-evaluation dates (a child who is no longer active is not due one); patients need not know it.
patient_saved = Signal()

from django.dispatch import Signal

# Sent (inside the transaction) when deliveries give up after their last attempt; ``delivery_ids``.
# The tasks app listens and gives the clinic administrators a task, so a failed email is seen.
delivery_failed = Signal()

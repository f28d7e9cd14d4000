# Diary entries are a child's data, read through the audited pages; the admin keeps none of them.

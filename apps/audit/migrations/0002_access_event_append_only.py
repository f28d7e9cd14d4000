from django.db import migrations

# PostgreSQL refuses UPDATE and DELETE on access events, whatever the caller.
# (TRUNCATE, used by test teardown and a deliberate purge, is a different statement.)
FORWARD = """
CREATE OR REPLACE FUNCTION audit_access_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_accessevent rows are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_access_event_append_only
    BEFORE UPDATE OR DELETE ON audit_accessevent
    FOR EACH ROW EXECUTE FUNCTION audit_access_event_append_only();
"""
REVERSE = """
DROP TRIGGER IF EXISTS audit_access_event_append_only ON audit_accessevent;
DROP FUNCTION IF EXISTS audit_access_event_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]

"""Database-level guard: audit events cannot be updated, on any backend; on PostgreSQL they
cannot be deleted before six months either (the CNIL's minimum retention for such logs).

SQLite gets no DELETE trigger because Django's test-database flush deletes rows one table at a
time; the ORM refuses deletes there, and production runs on PostgreSQL.
"""

from django.db import migrations

SQLITE_UP = """
CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS core_auditevent_no_update;"

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION garde_audit_no_update() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
FOR EACH ROW EXECUTE FUNCTION garde_audit_no_update();
CREATE OR REPLACE FUNCTION garde_audit_no_early_delete() RETURNS trigger AS $$
BEGIN
  IF OLD.occurred_at > now() - interval '180 days' THEN
    RAISE EXCEPTION 'audit events are removed only when they expire';
  END IF;
  RETURN OLD;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditevent_no_early_delete BEFORE DELETE ON core_auditevent
FOR EACH ROW EXECUTE FUNCTION garde_audit_no_early_delete();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS core_auditevent_no_early_delete ON core_auditevent;
DROP TRIGGER IF EXISTS core_auditevent_no_update ON core_auditevent;
DROP FUNCTION IF EXISTS garde_audit_no_early_delete();
DROP FUNCTION IF EXISTS garde_audit_no_update();
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

from django.db import migrations

# API tokens are django-rest-knox's now (SHA-512 digests). DRF's authtoken table kept each token in
# clear: drop it, so no usable token is left in the database. Everyone makes a new token on their
# account page.


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_user_email_notifications")]
    operations = [migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop)]

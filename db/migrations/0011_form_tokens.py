"""One-time form tokens: a double submit of a create form saves one row, in every web process."""
from db.models.system import FormToken


def up(migrator, db):
    db.create_tables([FormToken], safe=True)


def down(migrator, db):
    db.drop_tables([FormToken], safe=True)

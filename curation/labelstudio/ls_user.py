"""Run by the Label Studio server's own Python (never imported by PageGold): add or reset a user.

Label Studio's Community API creates users without a password, so a second annotator could not
log in. This script uses the server's Django models directly: it creates the user (or resets the
password of an existing one) with the password read from stdin (never from argv, which other
users of the machine can read), makes it a member of the server's organisation and prints
``created|reset <user id>``.
Usage (as `pagegold annotate user add` runs it): PYTHON ls_user.py EMAIL < password
"""

import os
import sys


def main() -> int:
    import label_studio

    sys.path.insert(0, os.path.dirname(label_studio.__file__))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings.label_studio")
    import warnings

    warnings.simplefilter("ignore")
    import django

    django.setup()
    from organizations.models import Organization
    from users.models import User

    email, password = sys.argv[1], sys.stdin.read().strip()
    org = Organization.objects.order_by("id").first()
    if org is None:
        print("no organisation yet: start the server once first", file=sys.stderr)
        return 2
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(email=email, password=password, username=email)
    else:
        user.set_password(password)
    if not org.has_user(user):
        org.add_user(user)
    user.active_organization = org
    user.save()
    print(f"{'created' if created else 'reset'} {user.id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

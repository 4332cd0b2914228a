"""Password rules with messages in the site's language (Django's own Chinese catalogue has no
plural form for the minimum-length message)."""

from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MinimumLength(MinimumLengthValidator):
    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                _("密码太短，至少需要 %(min_length)d 个字符") % {"min_length": self.min_length},
                code="password_too_short",
            )

    def get_help_text(self):
        return _("至少需要 %(min_length)d 个字符") % {"min_length": self.min_length}

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User


class ProfileForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("language"), choices=settings.LANGUAGES)

    class Meta:
        model = User
        fields = ["full_name", "language"]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False)

from django import forms

from core.models import AuditEntry
from teams.models import Role

ROLE_HELP = (
    "Owner: everything, members and the audit trail. Editor: build, manage lists, "
    "send. Analyst: results, responses, history and exports. Viewer: read only."
)


class TeamForm(forms.Form):
    name = forms.CharField(label="Team name", max_length=100)


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label="Role", choices=Role.choices, initial=Role.EDITOR, help_text=ROLE_HELP
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label="Action",
        required=False,
        choices=[("", "All actions"), *AuditEntry.Action.choices],
    )

"""The UI is Chinese by default and English on request, from the committed catalogue."""

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_chinese_by_default(client, east_household, east_reviewer):
    client.force_login(east_reviewer)
    body = client.get(reverse("registry:household_list")).content.decode()
    assert "家庭档案" in body and "户主身份证号" in body


def test_english_catalogue(client, east_household, east_reviewer):
    client.force_login(east_reviewer)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("registry:household_list")).content.decode()
    assert ">Households</summary>" in body  # the menu group
    assert "Head&#x27;s ID number" in body or "Head's ID number" in body  # list
    body = client.get(reverse("registry:household_detail", args=[east_household.pk])).content
    body = body.decode()
    assert "History of changes" in body and "Monthly income per person" in body  # profile
    person = east_household.members.get(relation="spouse")
    body = client.get(reverse("registry:person_edit", args=[person.pk])).content.decode()
    assert "Disability grade" in body and "Reason for the change" in body  # forms


def test_form_messages_translate():
    with translation.override("en"):
        from jiuzhu.registry.forms import PersonForm

        form = PersonForm(data={})
        assert form.errors["name"] == ["“Name” is required"]

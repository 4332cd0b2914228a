import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_render(client, east_household, east_reviewer, county_auditor, county_sysadmin):
    client.force_login(east_reviewer)
    for url in [
        reverse("home"),
        reverse("registry:household_list"),
        reverse("registry:household_list") + "?q=张&sort=score&disabled=on",
        reverse("registry:household_detail", args=[east_household.pk]),
        reverse("registry:household_edit", args=[east_household.pk]),
        reverse("registry:household_create"),
        reverse("registry:person_add", args=[east_household.pk]),
        reverse("registry:person_edit", args=[east_household.members.first().pk]),
        reverse("registry:fact_add", args=[east_household.pk, "income"]),
        reverse("registry:fact_add", args=[east_household.pk, "asset"]),
        reverse("registry:fact_add", args=[east_household.pk, "expense"]),
        reverse("registry:fact_delete", args=["income", east_household.incomeitems.first().pk]),
    ]:
        r = client.get(url)
        assert r.status_code == 200, url
    client.force_login(county_auditor)
    assert client.get(reverse("audit:event_list")).status_code == 200
    client.force_login(county_sysadmin)
    assert client.get(reverse("accounts:user_list")).status_code == 200
    assert client.get(reverse("accounts:user_create")).status_code == 200
    assert client.get(reverse("accounts:user_detail", args=[county_sysadmin.pk])).status_code == 200

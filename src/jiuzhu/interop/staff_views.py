"""系统管理 → 接入系统: service accounts and their tokens, for system administrators."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiuzhu.accounts.roles import Capability
from jiuzhu.accounts.scoping import has_capability
from jiuzhu.accounts.selectors import assignable_areas
from jiuzhu.core.errors import ServiceError
from jiuzhu.core.forms import apply_service_error
from jiuzhu.interop import services
from jiuzhu.interop.forms import AccountForm, ReasonForm, TokenForm
from jiuzhu.interop.models import AccessToken
from jiuzhu.interop.selectors import account_for_manage, accounts_in_scope


def _require_manage(request) -> None:
    if not has_capability(request.user, Capability.ACCOUNTS_MANAGE):
        raise PermissionDenied(Capability.ACCOUNTS_MANAGE)


@login_required
def account_list(request):
    _require_manage(request)
    return render(
        request, "interop/account_list.html", {"accounts": accounts_in_scope(manager=request.user)}
    )


@login_required
def account_create(request):
    _require_manage(request)
    form = AccountForm(request.POST or None, areas=assignable_areas(manager=request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            acc = services.service_account_create(
                actor=request.user,
                name=d["name"],
                sender_id=d["sender_id"],
                purpose=d["purpose"],
                area_code=d["area"],
                department=d["department"],
                scopes=d["scopes"],
                fields=d["fields"],
                reveal=d["reveal"],
                public_key=d["public_key"].strip(),
                signature_mode=d["signature_mode"],
            )
        except ServiceError as exc:
            apply_service_error(exc, {"": form})
        else:
            messages.success(request, _("已登记，须另一名系统管理员复核后生效"))
            return redirect("interop:account_detail", acc.pk)
    return render(request, "interop/account_form.html", {"form": form})


@login_required
def account_detail(request, pk: int):
    _require_manage(request)
    acc = account_for_manage(manager=request.user, account_id=pk)
    return render(
        request,
        "interop/account_detail.html",
        {
            "acc": acc,
            "tokens": acc.tokens.order_by("-created_at"),
            "token_form": TokenForm(),
            "reason_form": ReasonForm(),
            "new_token": request.session.pop("interop_new_token", None),
        },
    )


def _act(request, pk: int, fn, done: str):
    _require_manage(request)
    acc = account_for_manage(manager=request.user, account_id=pk)
    try:
        fn(acc)
    except ServiceError as exc:
        messages.error(request, exc.text())
    else:
        messages.success(request, done)
    return redirect("interop:account_detail", acc.pk)


@login_required
@require_POST
def account_approve(request, pk: int):
    return _act(
        request,
        pk,
        lambda acc: services.service_account_approve(actor=request.user, account_id=acc.pk),
        _("已复核，接入系统生效"),
    )


@login_required
@require_POST
def account_disable(request, pk: int):
    form = ReasonForm(request.POST)
    reason = form.data.get("reason", "")
    return _act(
        request,
        pk,
        lambda acc: services.service_account_disable(
            actor=request.user, account_id=acc.pk, reason=reason
        ),
        _("已停用，全部令牌已吊销"),
    )


@login_required
@require_POST
def token_issue(request, pk: int):
    form = TokenForm(request.POST)

    def issue(acc):
        if not form.is_valid():
            raise ServiceError(_("有效天数须为 1 到 366 之间的整数"), field="days")
        _token, raw = services.token_issue(
            actor=request.user, account_id=acc.pk, days=form.cleaned_data["days"]
        )
        # Shown once on the next page, then gone: only its digest is stored.
        request.session["interop_new_token"] = raw

    return _act(request, pk, issue, _("已签发令牌：请立即复制，离开本页后不再显示"))


@login_required
@require_POST
def token_revoke(request, pk: int, token_id: int):
    reason = request.POST.get("reason", "").strip()

    def revoke(acc):
        token = AccessToken.objects.filter(pk=token_id, account=acc).first()
        if token is None:
            raise ServiceError(_("令牌不存在"), code="not_found")
        if not reason:
            raise ServiceError(_("请填写吊销原因"), field="reason")
        services.token_revoke(actor=request.user, token_id=token.pk, reason=reason)

    return _act(request, pk, revoke, _("令牌已吊销"))

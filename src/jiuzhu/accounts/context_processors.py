from jiuzhu.accounts.roles import ROLE_CAPABILITIES
from jiuzhu.accounts.scoping import user_roles
from jiuzhu.core.navigation import breadcrumbs, nav_for, nav_groups


def current_scope(request):
    """The signed-in user's active roles and capabilities, for menus and buttons."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = user_roles(user)
    caps: set[str] = set()
    for a in roles:
        caps |= ROLE_CAPABILITIES.get(a.role, frozenset())
    path = getattr(request, "path", "")
    groups = nav_groups(caps, path)
    return {
        "my_roles": roles,
        "my_caps": caps,
        "nav_extra": nav_for(caps),
        "nav_groups": groups,
        "nav_crumbs": breadcrumbs(groups, path),
    }

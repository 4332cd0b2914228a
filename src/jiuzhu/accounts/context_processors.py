from jiuzhu.accounts.roles import ROLE_CAPABILITIES
from jiuzhu.accounts.scoping import user_roles
from jiuzhu.core.navigation import nav_for


def current_scope(request):
    """The signed-in user's active roles and capabilities, for menus and buttons."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = user_roles(user)
    caps: set[str] = set()
    for a in roles:
        caps |= ROLE_CAPABILITIES.get(a.role, frozenset())
    return {"my_roles": roles, "my_caps": caps, "nav_extra": nav_for(caps)}

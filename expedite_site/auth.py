from django.contrib.auth import backends
from django.contrib.auth.models import AnonymousUser, Permission, User


class ModelBackend(backends.ModelBackend):
    """Django's ModelBackend, reading a user's own and group permissions in one query.

    Every page checks permissions (the view's decorator, the navigation); the stock
    backend asks twice, for the user's own and then the groups', a round trip each.
    """

    def get_all_permissions(self, user_obj: User | AnonymousUser, obj: object = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            names = ("content_type__app_label", "codename")
            if user_obj.is_superuser:
                rows = Permission.objects.values_list(*names).order_by()
            else:
                own = Permission.objects.filter(user=user_obj).values_list(*names).order_by()
                by_group = Permission.objects.filter(group__user=user_obj)
                rows = own.union(by_group.values_list(*names).order_by())
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
